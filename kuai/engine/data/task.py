"""Target candidates, task and metric — each with the reason behind it."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from kuai.engine.data.groups import NO_GROUP, resolve_group
from kuai.engine.data.labels import LabelVariants, apply_label_variants, class_label, class_labels, find_label_variants
from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.option_checks import check_folds, check_holdout, check_named_columns, check_seed
from kuai.engine.data.target import MAX_CLASSES, resolve_target, suggest_target
from kuai.engine.data.time_order import resolve_time
from kuai.engine.errors import OptionError, TargetError
from kuai.engine.read import require_rows
from kuai.engine.read.dates import date_note, detect_date_format, format_in_words
from kuai.engine.types import ColumnProfile, ColumnType, TaskSpec, TaskType

__all__ = [
    "MAX_CLASSES", "METRICS", "build_task_spec", "choose_metric", "choose_validation", "class_label", "class_labels",
    "label_counts", "budget_folds", "default_folds", "detect_task", "order_binary_classes", "outlier_share",
    "suggest_target",
]

OUTLIER_IQR_FACTOR = 3.0  # Tukey's "far out" fences: below Q1 - 3·IQR or above Q3 + 3·IQR
HEAVY_OUTLIER_SHARE = 0.01  # at least 1 % of values beyond the fences: MAE instead of RMSE
RARE_CLASS_SHARE = 0.05  # binary: the rarer class under 5 % of rows -> PR AUC
LARGE_DATA_ROWS = 20_000  # from here three folds instead of five
# From this budget, data under LARGE_DATA_ROWS folded row by row gets eight folds instead of five: each model learns
# from seven eighths of the rows, and a bagged model averages eight (docs/search.md, "What a longer budget buys").
LONG_BUDGET_S, LONG_BUDGET_FOLDS = 240.0, 8
TWO_FOLDS_ROWS = 100_000  # from here two folds: half the fitting work of three (docs/search.md)
MAX_FEW_VALUES = 10  # whole numbers with at most this many values are classes
METRICS = {
    TaskType.BINARY: ("roc_auc", "pr_auc", "log_loss", "accuracy", "balanced_accuracy"),
    TaskType.MULTICLASS: ("log_loss", "accuracy", "balanced_accuracy"),
    TaskType.REGRESSION: ("rmse", "mae", "r2"),
}


def detect_task(target: pd.Series, column_type: ColumnType) -> tuple[TaskType, str]:
    """Binary, multiclass or regression, with the reason in plain words."""
    values = target.dropna()
    name = f"'{target.name}'" if target.name is not None else "the target"
    n_unique = int(values.nunique())
    if n_unique < 2:
        raise TargetError(
            f"Column {name} has {n_unique} distinct value(s); choose another target.",
            code="SINGLE_CLASS_TARGET",
        )
    if n_unique == 2:
        labels = " and ".join(sorted(label_counts(values).index))
        return TaskType.BINARY, (f"{name} has only two distinct values ({labels}), so Kuai predicts which of "
                                 "the two each row gets: binary classification")
    if column_type is ColumnType.NUMERIC or pd.api.types.is_numeric_dtype(values):
        return _numeric_task(name, numeric_values(values).dropna(), n_unique)
    if n_unique > MAX_CLASSES:
        raise TargetError(
            f"Column {name} has {n_unique:,} distinct labels; at most {MAX_CLASSES} "
            "classes are supported. Group rare labels or choose another target.",
            code="TOO_MANY_CLASSES",
        )
    shown = ", ".join(values.astype(str).value_counts().index[:3]) + (", …" if n_unique > 3 else "")
    return TaskType.MULTICLASS, (f"{name} holds {n_unique} labels ({shown}), so Kuai predicts which label each "
                                 "row gets: multiclass classification")


def _numeric_task(name: str, numbers: pd.Series, n_unique: int) -> tuple[TaskType, str]:
    is_integer = bool(np.all(numbers == np.round(numbers)))
    span = f" (from {_number(float(numbers.min()))} to {_number(float(numbers.max()))})" if len(numbers) else ""
    if is_integer and n_unique <= MAX_FEW_VALUES:
        return TaskType.MULTICLASS, (
            f"{name} holds only {n_unique} whole numbers{span}, so Kuai treats each as a class: "
            "multiclass classification (choose regression if the distance between values matters)")
    kind = "whole numbers" if is_integer else "numbers"
    return TaskType.REGRESSION, (f"{name} holds {kind} with {n_unique:,} distinct values{span}, so Kuai "
                                 "predicts the number itself: regression")


def outlier_share(values: pd.Series) -> float:
    """Share of values beyond Tukey's far-out fences (Q1 − 3·IQR, Q3 + 3·IQR); 0 when the IQR is 0."""
    numbers = numeric_values(values).dropna()
    if len(numbers) < 20:
        return 0.0
    q1, q3 = float(numbers.quantile(0.25)), float(numbers.quantile(0.75))
    spread = q3 - q1
    if spread <= 0:
        return 0.0
    far = (numbers < q1 - OUTLIER_IQR_FACTOR * spread) | (numbers > q3 + OUTLIER_IQR_FACTOR * spread)
    return float(far.mean())


def choose_metric(target: pd.Series, task: TaskType) -> tuple[str, str]:
    """The metric models are compared on, and why; alternatives are named in the reason."""
    name = f"'{target.name}'" if target.name is not None else "the target"
    if task is TaskType.REGRESSION:
        share = outlier_share(target)
        if share >= HEAVY_OUTLIER_SHARE:
            return "mae", (f"mean absolute error (MAE): {share:.1%} of {name} values lie far beyond the usual "
                           "range (more than 3 interquartile ranges past the quartiles), and squared errors "
                           "would let those few rows dominate; RMSE and R² remain available")
        return "rmse", (f"root mean squared error (RMSE): the typical size of a prediction error, in the units "
                        f"of {name}, with large errors weighing more; R² (the share of the variation explained) "
                        "is an alternative")
    counts = label_counts(target)
    shares = counts / counts.sum()
    if task is TaskType.BINARY:
        rarest = str(shares.idxmin())
        if shares.min() < RARE_CLASS_SHARE:
            return "pr_auc", (f"the rarer class ('{rarest}') is only {shares.min():.1%} of rows, so precision-"
                              "recall AUC: it judges how well the model finds these rare cases, where ROC AUC "
                              "would look good even for a weak model")
        return "roc_auc", ("area under the ROC curve (ROC AUC): how well the model ranks rows of one class above "
                           "the other; 0.5 is guessing, 1 is perfect")
    return "log_loss", (f"log loss: rewards confident, correct probabilities for each of the {len(shares)} "
                        "classes and punishes confident mistakes; accuracy and balanced accuracy are alternatives")


def choose_validation(n_rows: int, *, task: TaskType | None = None) -> tuple[int, str]:
    """How many cross-validation folds, and why: five, three from 20,000 rows, two from 100,000."""
    kind = " stratified" if task is not None and task.is_classification else ""
    keeps = " (each fold keeps the share of every class)" if kind else ""
    if n_rows < LARGE_DATA_ROWS:
        caution = "; with so few rows, expect the score to vary between folds" if n_rows < 100 else ""
        return 5, (f"5-fold{kind} cross-validation{keeps}: each model is trained 5 times and tested each time on "
                   f"a different fifth of the {n_rows:,} rows, so every row is used for testing once{caution}")
    if n_rows < TWO_FOLDS_ROWS:
        return 3, (f"3-fold{kind} cross-validation{keeps}: with {n_rows:,} rows each held-out third is large enough "
                   "for a stable score, and 3 folds cost less time than 5")
    return 2, (f"2-fold{kind} cross-validation{keeps}: with {n_rows:,} rows each held-out half is large enough for a "
               "stable score, and 2 folds cost less time than 3 (each model is trained twice on half the rows instead "
               "of three times on two thirds), so the search can try more models, on more rows, in the same time")


def build_task_spec(
    frame: pd.DataFrame,
    columns: tuple[ColumnProfile, ...],
    *,
    target: str,
    task: TaskType | None = None,
    metric: str | None = None,
    type_overrides: dict[str, ColumnType] | None = None,
    n_folds: int | None = None,
    seed: int = 0,
    excluded: Collection[str] = (),
    date_formats: dict[str, str] | None = None,
    keep_label_variants: bool = False,
    group: str | None = None,
    time: str | None = None,
    holdout: float = 0.0,
    time_budget_s: float | None = None,
) -> TaskSpec:
    """Assemble what to learn; unknown metric or target is a ``TargetError``.

    ``target``: a column name (``kuai.engine.data.target.resolve_target``: an unknown or ambiguous name is refused).
    ``excluded``: columns the user left out (e.g. by applying a check's fix); they are dropped
    with the reason "excluded by you". A name not in the frame, or the target, is refused
    (``kuai.engine.data.option_checks``),
    and so are more ``n_folds`` than the data allows (``TOO_MANY_FOLDS``).
    ``date_formats``: the user's format for date columns (else each column's own, ``kuai.engine.read.dates``).
    ``keep_label_variants``: target labels that differ only by case, spaces or width stay separate classes
    (by default they are merged, ``kuai.engine.data.labels``). What Kuai decided is in the spec's ``notes``.
    ``group``: the column whose rows stay in one fold; None lets Kuai find it, ``NO_GROUP`` folds rows one by one
    (``kuai.engine.data.groups.resolve_group``). The group column is not a feature.
    ``time``: the column whose later rows score the models learned from earlier ones (``kuai.engine.data.time_order``;
    it stays a feature); with a time, Kuai looks for no group.
    ``holdout``: the share of the rows kept out of the whole search, scored at the end (``kuai.engine.data.holdout``).
    ``time_budget_s``: the training's budget; a long one gives small data folded row by row more folds
    (``budget_folds``), and a note says so.
    """
    require_rows(frame)  # a file with a header only is shown, never trained on
    target = resolve_target(frame, target)
    check_seed(seed)
    check_folds(n_folds)
    check_holdout(holdout)
    check_named_columns(frame, type_overrides=type_overrides, date_formats=date_formats, excluded=excluded,
                        target=target)
    types = {c.name: c.type for c in columns} | dict(type_overrides or {})
    variants = LabelVariants() if keep_label_variants else find_label_variants(frame[target])
    target_values = apply_label_variants(frame[target], variants.mapping)
    if len(frame) < 2:  # the table, not the column, is what is short
        raise TargetError(f"The table has {len(frame)} row(s) of data; training needs at least 2 (and a few folds' "
                          "worth to be useful). Export more rows.", code="TOO_FEW_ROWS")
    if target_values.notna().sum() < 2:
        raise TargetError(f"Column '{target}' has a value in only {int(target_values.notna().sum())} of the "
                          f"{len(frame):,} rows; training needs at least 2.", code="EMPTY_TARGET")
    detected, _ = detect_task(target_values, types.get(target, ColumnType.CATEGORICAL))
    task = task or detected
    if metric is None:
        metric, _ = choose_metric(target_values, task)
    if metric not in METRICS[task]:
        raise TargetError(
            f"Metric '{metric}' does not fit a {task} task; use one of {', '.join(METRICS[task])}.",
            code="BAD_METRIC",
        )
    if task is TaskType.REGRESSION and numeric_values(target_values).notna().sum() < 2:
        raise TargetError(f"Column '{target}' holds no numbers; regression needs numbers.", code="BAD_TASK")
    folds, folds_note = _folds_for(target_values, task, n_folds, default=default_folds(len(frame)))
    folds_reason = folds_note[0] if folds_note else _chosen_folds_reason(folds, task) if n_folds is not None \
        else choose_validation(len(frame), task=task)[1]
    timed, time_reason = resolve_time(frame, target=target, time=time, group=group,
                                      date_format=(date_formats or {}).get(time or "", None))
    grouped, group_reason, group_notes = resolve_group(frame, columns, target=target, n_folds=folds,
                                                       group=NO_GROUP if timed else group)
    group_notes = () if timed else group_notes
    if n_folds is None and not timed and not grouped:
        more, more_note = budget_folds(target_values, task, folds, time_budget_s)
        folds, folds_note, folds_reason = ((more, (more_note,), more_note) if more > folds
                                           else (folds, folds_note, folds_reason))
    features, dropped = _split_features(frame, types, target=target, excluded=set(excluded), group=grouped)
    classes: tuple[str, ...] = ()
    if task.is_classification:
        counts = label_counts(target_values)
        classes = tuple(sorted(counts.index))
        if task is TaskType.BINARY and len(classes) != 2:
            raise TargetError(f"Binary task but '{target}' has {len(classes)} classes.", code="BAD_TASK")
        if task is TaskType.BINARY:
            classes = order_binary_classes(classes, counts)
    formats, date_notes = _date_formats(frame, [f for f in features if types[f] is ColumnType.DATETIME],
                                        dict(date_formats or {}))
    return TaskSpec(
        target=target, task=task, metric=metric, features=tuple(features),
        feature_types={name: types[name] for name in features}, dropped=dropped,
        classes=classes, n_folds=folds, seed=seed, date_formats=formats, label_variants=variants.mapping,
        notes=((variants.note(target),) if variants else ()) + folds_note + date_notes + group_notes,
        group=grouped, group_reason=group_reason, time=timed, time_reason=time_reason,
        holdout=holdout, folds_reason=folds_reason,
    )


def _chosen_folds_reason(n_folds: int, task: TaskType) -> str:
    kind = " stratified" if task.is_classification else ""
    return (f"{n_folds}-fold{kind} cross-validation, the folds you chose: each model is trained {n_folds} times and "
            "tested each time on a different part of the rows")


def _most_folds(target: pd.Series, task: TaskType) -> tuple[int, str]:
    """The most folds the target allows, and why: the rarest class's rows (each fold needs one), or half the rows
    with a value (each fold needs two)."""
    if task.is_classification:
        counts = label_counts(target)
        rarest = str(counts.index[-1]) if len(counts) else ""
        most = int(counts.min()) if len(counts) else 0
        return most, (f"the rarest class of '{target.name}' ('{rarest}') has {most:,} rows, and each fold needs "
                      "one of them")
    n_rows = int(numeric_values(target).notna().sum())
    return n_rows // 2, f"{n_rows:,} rows have a value in '{target.name}', and each fold needs at least 2"


def _folds_for(target: pd.Series, task: TaskType, chosen: int | None, *, default: int) -> tuple[int, tuple[str, ...]]:
    """The folds the spec keeps, and a note when the data allows fewer than Kuai's default.

    Stratified folds need a row of each class in every fold, and any fold two rows: more folds than the rarest class
    (or half the rows) has rows cannot be made. The user's number is then refused (``TOO_MANY_FOLDS``, saying how
    many can be); Kuai's own default is lowered to the rarest class's rows, and the note says so.
    """
    most, why = _most_folds(target, task)
    if most < 2:  # too few rows for any folds: the training says so (TOO_FEW_ROWS, RARE_CLASS)
        return chosen or default, ()
    if chosen is not None and chosen > most:
        raise OptionError(f"{chosen:,} cross-validation folds cannot be made: {why}. Use {most:,} folds or fewer.",
                          code="TOO_MANY_FOLDS")
    if chosen is None and default > most and task.is_classification:
        return most, (f"Kuai's {default} cross-validation folds were lowered to {most}: {why}.",)
    return chosen or default, ()


def budget_folds(target: pd.Series, task: TaskType, folds: int, time_budget_s: float | None) -> tuple[int, str]:
    """The folds for a long budget: ``LONG_BUDGET_FOLDS`` from ``LONG_BUDGET_S`` on data under ``LARGE_DATA_ROWS``
    (as many as the rarest class allows), and the note that says why; else ``folds``."""
    n_rows = int(target.notna().sum())
    if time_budget_s is None or time_budget_s < LONG_BUDGET_S or len(target) >= LARGE_DATA_ROWS:
        return folds, ""
    more = max(folds, min(LONG_BUDGET_FOLDS, _most_folds(target, task)[0]))
    return more, (f"Cross-validation uses {more} folds rather than {folds}: the {time_budget_s:,.0f} s budget leaves "
                  f"time for them on {n_rows:,} rows. Each model learns from {more - 1}/{more} of the rows instead "
                  f"of {folds - 1}/{folds}; when the final model is bagged, it averages {more} fold models.")


def _date_formats(frame: pd.DataFrame, names: list[str],
                  chosen: dict[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each date column's format (the user's, else the one its values show) and a note per column read from text."""
    formats: dict[str, str] = {}
    notes: list[str] = []
    for name in names:
        if name in chosen:
            formats[name] = chosen[name]
            notes.append(_chosen_format_note(frame[name], name, chosen[name]))
            continue
        found = detect_date_format(frame[name])
        formats[name] = found.format if found is not None else ""
        if found is not None:
            notes.append(date_note(name, found))
    return formats, tuple(notes)


def _chosen_format_note(values: pd.Series, name: str, chosen: str) -> str:
    """The user's format is what reads text dates; dates the reader already read (ISO 8601 text) are said to be."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        return f"'{name}': dates read with the format you set ({format_in_words(chosen)})"
    return (f"'{name}': the format you set ({format_in_words(chosen)}) reads dates written as text; the dates of this "
            "file were read as dates when it was read (written as ISO 8601, YYYY-MM-DD, or stored as dates)")


def _split_features(frame: pd.DataFrame, types: dict[str, ColumnType], *, target: str, excluded: set[str],
                    group: str = "") -> tuple[list[str], dict[str, str]]:
    features, dropped = [], {}
    for name in frame.columns:
        if name == target:
            continue
        column_type = types[name]
        if name in excluded:
            dropped[name] = "excluded by you"
        elif name == group:
            dropped[name] = ("groups the rows for validation: the model is scored on new ones, whom it cannot "
                             "know by name, so it is not a feature")
        elif column_type.is_feature:
            features.append(name)
        else:
            dropped[name] = f"{column_type} column: not used as a feature"
    if not features:
        raise TargetError("No usable feature columns remain besides the target.", code="NO_FEATURES")
    return features, dropped


_POSITIVE = {"1", "yes", "y", "true", "t", "positive", "pos", "1.0", "churn", "fraud", "default", "failure",
             "fail", "sick", "disease", "malignant", "spam", "bad"}


def order_binary_classes(classes: tuple[str, ...], counts: pd.Series) -> tuple[str, ...]:
    """The 'positive' class second (index 1): a yes/true/1-like label, else the rarer class.

    ``counts``: rows per class label, as ``label_counts`` gives them."""
    named = [c for c in classes if c.strip().lower() in _POSITIVE]
    if len(named) == 1:
        positive = named[0]
    else:
        positive = min(classes, key=lambda c: (counts.get(c, 0), c))
        if counts.get(classes[0], 0) == counts.get(classes[1], 0):
            positive = classes[1]
    return (next(c for c in classes if c != positive), positive)


def default_folds(n_rows: int) -> int:
    """Five folds; three on large data, where each fold is costly and estimates are stable."""
    return choose_validation(n_rows)[0]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 or value == round(value) else f"{value:,.3g}"


def label_counts(values: pd.Series) -> pd.Series:
    """Rows per class label (1.0 and 1 count together), most frequent first; missing values left out."""
    counts = values.value_counts(dropna=True)
    counts.index = pd.Index([class_label(value) for value in counts.index], dtype=object)
    return counts.groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")


CLASS_WEIGHTS = ("", "balanced")  # none, or each class weighing as much as the others


def class_weights(y: np.ndarray, spec: TaskSpec) -> np.ndarray | None:
    """Each training row's weight under the spec's class weighting (None: unweighted).

    "balanced": a row of class c weighs n / (k × n_c) on the rows being fitted, as scikit-learn's
    ``class_weight="balanced"`` (every family gets the same weights, through ``sample_weight``).
    """
    if spec.class_weight != "balanced" or not spec.task.is_classification:
        return None
    from sklearn.utils.class_weight import compute_sample_weight

    return np.asarray(compute_sample_weight("balanced", y), dtype=np.float64)
