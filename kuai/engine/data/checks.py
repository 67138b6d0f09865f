"""Pre-flight data checks: a code, the column(s), a plain message, what to do, and a one-click fix.

| code | severity | fix |
|---|---|---|
| ID_COLUMN, CONSTANT_COLUMN | info | none: already left out |
| ID_LIKE | warning | EXCLUDE_COLUMN |
| NEAR_CONSTANT | info | EXCLUDE_COLUMN |
| HIGH_CARDINALITY | warning | EXCLUDE_COLUMN |
| MOSTLY_MISSING | warning | EXCLUDE_COLUMN |
| DUPLICATE_ROWS | warning | DROP_DUPLICATE_ROWS |
| DUPLICATE_COLUMN | info | EXCLUDE_COLUMN (the later copy) |
| TARGET_NOT_AN_OUTCOME | warning | CHANGE_TARGET |
| MISSING_TARGET | warning | DROP_MISSING_TARGET_ROWS |
| SINGLE_CLASS_TARGET, TOO_MANY_CLASSES | error | CHANGE_TARGET |
| TOO_FEW_ROWS | error | SET_FOLDS (when 2+ folds still fit) |
| RARE_CLASS | warning (error: one row) | MERGE_RARE_CLASSES, DROP_RARE_CLASS_ROWS, SET_FOLDS or CHANGE_TARGET |
| TARGET_LEAKAGE | warning | EXCLUDE_COLUMN |
| RELABELLED_COLUMN (``kuai.engine.data.redundant``) | info | EXCLUDE_COLUMN |
| LONG_VALUES | info | none: such values are treated as unknown labels and shortened where shown |
| AMBIGUOUS_DATES | warning | none: set the format (``--date-format COL=FORMAT``) |
| CATEGORY_VARIANTS | info | none: labels that differ only by case, spaces or width stay separate categories |
| UNUSABLE_NUMBERS | warning | none: a numeric feature's text, infinities and numbers beyond float32 are missing |
| LABEL_VARIANTS (``kuai.engine.data.profile``) | info | none: target labels merged (``--keep-label-variants``) |
| MEMORY, SLOW_TRAINING | warning / error | SAMPLE_ROWS |
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kuai.engine.data.fixes import OTHER_CLASS
from kuai.engine.data.labels import class_labels, find_label_variants
from kuai.engine.data.leakage import find_leaks
from kuai.engine.data.redundant import relabel_text, relabelled_pairs
from kuai.engine.data.resources import estimate_resources, resource_checks
from kuai.engine.data.target import name_words
from kuai.engine.data.target_rows import target_rows
from kuai.engine.data.task import detect_task, label_counts
from kuai.engine.errors import TargetError
from kuai.engine.read.cells import MAX_LABEL_CHARS, clip
from kuai.engine.read.dates import format_in_words, swapped_format
from kuai.engine.read.unreadable import unusable_numbers
from kuai.engine.types import (
    CheckFix,
    CheckResult,
    ColumnProfile,
    ColumnType,
    FixAction,
    ResourceEstimate,
    Severity,
    TaskType,
)

__all__ = ["HIGH_CARDINALITY", "MOSTLY_MISSING_SHARE", "NEAR_CONSTANT_SHARE", "run_checks"]

HIGH_CARDINALITY = 100
NEAR_CONSTANT_SHARE = 0.99  # the most common value in at least 99 % of rows
MOSTLY_MISSING_SHARE = 0.5
ID_LIKE_UNIQUE_SHARE = 0.5
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key", "nbr", "no", "number"})
_SAMPLE = 5000
_VARIANT_ROWS = 100_000  # rows whose labels are compared for case variants (a sample of long columns)


def run_checks(
    frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, target: str | None, n_folds: int = 5,
    task: TaskType | None = None, alternatives: Sequence[str] = (), resources: ResourceEstimate | None = None,
    time_budget_s: float | None = None, group: str = "",
) -> tuple[CheckResult, ...]:
    """Every check on the data; ``alternatives`` are other target candidates (for CHANGE_TARGET fixes). ``group``:
    the column that groups the folds (not a feature: the checks on features leave it alone)."""
    results: list[CheckResult] = []
    for column in columns:
        if column.name not in (target, group) and column.name in frame.columns:
            results.extend(_column_checks(frame[column.name], column))
    results.extend(_duplicate_rows(frame))
    results.extend(_duplicate_columns(frame, columns, target))
    results.extend(CheckResult("RELABELLED_COLUMN", column, relabel_text(column, original, n_values),
                               f"Keep one: exclude '{column}'.", Severity.INFO, columns=(column, original),
                               fix=_exclude(column))
                   for column, original, n_values in relabelled_pairs(frame, columns, target))
    n_classes = 1
    if target is not None and target in frame.columns:
        target_results, n_classes = _target_checks(frame, target, columns, n_folds=n_folds, task=task,
                                                   alternatives=[a for a in alternatives if a != target])
        results.extend(target_results)
    estimate = resources or estimate_resources(frame, columns, target=target, n_folds=n_folds,
                                               n_classes=n_classes, time_budget_s=time_budget_s)
    results.extend(resource_checks(estimate, len(frame)))
    return tuple(results)


_LATER_WORDS = frozenset({
    "after", "post", "final", "result", "results", "outcome", "discharge", "discharged", "followup", "follow", "end",
    "ended", "closed", "closing", "resolution", "resolved", "paid", "payment", "refund", "refunded", "cancelled",
    "canceled", "cancellation", "settled", "settlement", "death", "died", "readmission", "diagnosis", "diagnosed",
    "treatment", "recovery", "churned", "default", "defaulted", "chargeback", "status", "actual", "total"})


def _recorded_later(column: str) -> str:
    """Why a leaking column may be recorded after the outcome, when its name says so."""
    later = [word for word in name_words(column) if word in _LATER_WORDS]
    if not later:
        return ""
    return (f" Its name ('{later[0]}') suggests it is recorded at or after the outcome: a consequence of what is "
            "predicted rather than a cause.")


def _exclude(name: str) -> CheckFix:
    return CheckFix(FixAction.EXCLUDE_COLUMN, f"Exclude '{name}'", columns=(name,))


def _column_checks(values: pd.Series, column: ColumnProfile) -> list[CheckResult]:
    name = column.name
    if column.type is ColumnType.ID:
        return [CheckResult("ID_COLUMN", name, f"'{name}' looks like an identifier ({column.reason}).",
                            "It is left out of the features.", Severity.INFO, columns=(name,))]
    if column.type is ColumnType.CONSTANT:
        return [CheckResult("CONSTANT_COLUMN", name, f"'{name}': {column.reason}.",
                            "It carries no information and is left out.", Severity.INFO, columns=(name,))]
    if not column.type.is_feature:
        return []
    results = [*_guess_checks(values, column), *_unusable_numbers(values, column)]
    n_values = max(1, len(values) - int(values.isna().sum()))
    if column.type in (ColumnType.NUMERIC, ColumnType.CATEGORICAL) and column.n_unique >= 20 and (
            set(name_words(name)) & _ID_WORDS) and column.n_unique / n_values >= ID_LIKE_UNIQUE_SHARE:
        results.append(CheckResult(
            "ID_LIKE", name, f"'{name}' is named like an identifier and {column.n_unique / n_values:.0%} of its "
            "values are distinct: it probably names rows rather than describing them.",
            "Exclude it: a model would learn the names of the rows, which does not carry over to new data.",
            columns=(name,), fix=_exclude(name)))
    elif column.type is ColumnType.CATEGORICAL and column.n_unique > HIGH_CARDINALITY:
        results.append(CheckResult(
            "HIGH_CARDINALITY", name, f"'{name}' has {column.n_unique:,} distinct labels.",
            "Rare labels are grouped together; exclude it if it is a name or a code with no meaning.",
            columns=(name,), fix=_exclude(name)))
    results.extend(_long_values(values, column))
    if column.missing_fraction > MOSTLY_MISSING_SHARE:
        results.append(CheckResult(
            "MOSTLY_MISSING", name, f"'{name}' is {column.missing_fraction:.0%} missing.",
            "Missing values are filled in; exclude it unless the gaps themselves mean something.",
            columns=(name,), fix=_exclude(name)))
    else:
        results.extend(_near_constant(values, column))
    return results


def _long_values(values: pd.Series, column: ColumnProfile) -> list[CheckResult]:
    """Labels longer than a label can be (kuai.engine.read.cells): a pasted document, a cell gone wrong."""
    if column.type not in (ColumnType.CATEGORICAL, ColumnType.BOOLEAN) or pd.api.types.is_numeric_dtype(values):
        return []
    lengths = values.dropna().astype(str).str.len()
    n_long = int((lengths > MAX_LABEL_CHARS).sum())
    if not n_long:
        return []
    return [CheckResult(
        "LONG_VALUES", column.name, f"'{column.name}' holds {n_long:,} value(s) longer than {MAX_LABEL_CHARS} "
        f"characters (the longest: {int(lengths.max()):,}).",
        "The model treats them as unknown labels, and they are shortened wherever they are shown.",
        Severity.INFO, columns=(column.name,))]
def _guess_checks(values: pd.Series, column: ColumnProfile) -> list[CheckResult]:
    """What Kuai had to guess about a feature's values: a day/month order; labels that may be one."""
    name = column.name
    if column.type is ColumnType.DATETIME and column.date_order_guessed:
        other = swapped_format(column.date_format)
        return [CheckResult(
            "AMBIGUOUS_DATES", name, f"No date in '{name}' shows whether it is day-first or month-first (no day is "
            f"above 12): Kuai reads them as {format_in_words(column.date_format)}, a guess.",
            f"If they are {format_in_words(other)}, set it: --date-format '{name}={other}' (kuai profile and kuai "
            "train).", columns=(name,))]
    if column.type in (ColumnType.CATEGORICAL, ColumnType.BOOLEAN):
        variants = find_label_variants(class_labels(values.iloc[:_VARIANT_ROWS].dropna(), strip=True))
        if variants:
            shown = "; ".join(f"{', '.join(repr(s) for s, c in variants.mapping.items() if c == label)} and "
                              f"'{label}'" for label in list(variants.rows)[:3])
            return [CheckResult(
                "CATEGORY_VARIANTS", name, f"'{name}' has labels that differ only by case, spaces or character "
                f"width ({shown}): Kuai keeps them as different categories.",
                "If they mean the same, write them the same way in the file.",
                Severity.INFO, columns=(name,))]
    return []


def _unusable_numbers(values: pd.Series, column: ColumnProfile) -> list[CheckResult]:
    """Values of a numeric feature the model reads as missing (text, inf, 1e308 beyond its float32 inputs), counted
    with the rule training and prediction count them with (``kuai.engine.read.unreadable``): said before either."""
    if column.type is not ColumnType.NUMERIC:
        return []
    found = unusable_numbers(values.rename(column.name))
    if not found:
        return []
    return [CheckResult(
        "UNUSABLE_NUMBERS", column.name, f"{'. '.join(entry.text for entry in found)}.",
        "Training and prediction do the same and say so; correct them in the file if they should count.",
        columns=(column.name,))]


def _near_constant(values: pd.Series, column: ColumnProfile) -> list[CheckResult]:
    """The most common value in at least ``NEAR_CONSTANT_SHARE`` of the rows. A column with more distinct values
    than the other rows could hold cannot be (its values counted, not sorted: 25 s of a million rows' 40 numeric
    columns on a slow machine, most of profiling them)."""
    name = column.name
    if column.n_unique > (1 - NEAR_CONSTANT_SHARE) * len(values) + 1:
        return []
    counts = values.value_counts(dropna=False)
    if counts.empty or pd.isna(counts.index[0]):
        return []
    share = float(counts.iloc[0]) / len(values)
    if share < NEAR_CONSTANT_SHARE:
        return []
    others = len(values) - int(counts.iloc[0])
    return [CheckResult(
        "NEAR_CONSTANT", name, f"'{name}' is '{counts.index[0]}' in {share:.1%} of rows; only {others:,} "
        f"row{'s' if others != 1 else ''} differ.",
        "Models learn little from it; exclude it unless those few rows matter.", Severity.INFO,
        columns=(name,), fix=_exclude(name))]


def count_duplicate_rows(frame: pd.DataFrame) -> int:
    """Rows equal to an earlier row; large frames compare one 64-bit hash per row (collisions ~1e-8)."""
    if len(frame) < 200_000:
        return int(frame.duplicated().sum())
    numeric = frame.select_dtypes("number")
    if numeric.shape[1]:  # cheap to hash: only rows repeated on the numbers can repeat on everything
        candidates = pd.util.hash_pandas_object(numeric, index=False).duplicated(keep=False).to_numpy()
        if not candidates.any():
            return 0
        frame = frame[candidates]
    return int(pd.util.hash_pandas_object(frame, index=False).duplicated().sum())


def _duplicate_rows(frame: pd.DataFrame) -> list[CheckResult]:
    n_duplicates = count_duplicate_rows(frame)
    if not n_duplicates:
        return []
    return [CheckResult(
        "DUPLICATE_ROWS", None, f"{n_duplicates:,} rows repeat an earlier row exactly.",
        "Remove them unless they are real repeated observations: repeats inflate the cross-validation score.",
        fix=CheckFix(FixAction.DROP_DUPLICATE_ROWS, f"Remove {n_duplicates:,} repeated rows"))]


def _duplicate_columns(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...],
                       target: str | None) -> list[CheckResult]:
    names = [c.name for c in columns if c.type.is_feature and c.name != target and c.name in frame.columns]
    sample = frame[names].head(_SAMPLE)
    seen: dict[int, str] = {}
    results = []
    for name in names:
        key = int(pd.util.hash_pandas_object(sample[name], index=False).sum())
        original = seen.get(key)
        if original is not None and sample[name].equals(sample[original]) and frame[name].equals(frame[original]):
            results.append(CheckResult(
                "DUPLICATE_COLUMN", name, f"'{name}' repeats '{original}' value for value.",
                f"Keep one: exclude '{name}'.", Severity.INFO, columns=(name, original), fix=_exclude(name)))
        else:
            seen.setdefault(key, name)
    return results


def _target_checks(frame: pd.DataFrame, target: str, columns: tuple[ColumnProfile, ...], *, n_folds: int,
                   task: TaskType | None, alternatives: list[str]) -> tuple[list[CheckResult], int]:
    """Checks of the target column; also returns the number of classes (1 for regression)."""
    values = frame[target]
    profile = next((c for c in columns if c.name == target), None)
    column_type = profile.type if profile is not None else ColumnType.CATEGORICAL
    change = (CheckFix(FixAction.CHANGE_TARGET, f"Predict '{alternatives[0]}' instead", columns=(alternatives[0],))
              if alternatives else CheckFix(FixAction.CHANGE_TARGET, "Choose another target"))
    results = []
    if column_type is ColumnType.DATETIME or not (column_type.is_feature or column_type is ColumnType.CONSTANT):
        results.append(CheckResult(
            "TARGET_NOT_AN_OUTCOME", target, f"'{target}' looks like {column_type} data, not an outcome to predict.",
            "Choose the column that holds the result you want to predict.", columns=(target,), fix=change))
        return results, 1  # class and leakage findings about such a column would only be noise
    try:
        detected, _ = detect_task(values, column_type)
    except TargetError as error:
        results += _missing_target(values, target, task)
        results.append(CheckResult(error.code, target, str(error.args[0]), "Choose another target.",
                                   Severity.ERROR, columns=(target,), fix=change))
        return results, 1
    task = task or detected
    results += _missing_target(values, target, task)
    n_labelled = int(target_rows(values, task).usable.sum())
    if n_labelled < 2 * n_folds:
        folds = min(n_folds - 1, n_labelled // 2)
        results.append(CheckResult(
            "TOO_FEW_ROWS", target, f"Only {n_labelled} rows have a value in '{target}'; {n_folds} folds need at "
            f"least {2 * n_folds}.", "Add rows" + (f", or use {folds} folds." if folds >= 2 else "."),
            Severity.ERROR, columns=(target,),
            fix=CheckFix(FixAction.SET_FOLDS, f"Use {folds} folds", amount=folds) if folds >= 2 else None))
    n_classes = 1
    if task.is_classification:
        counts = label_counts(values)
        n_classes = len(counts)
        is_numeric = column_type is ColumnType.NUMERIC or pd.api.types.is_numeric_dtype(values)
        results.extend(_rare_classes(counts, target, n_folds=n_folds, is_numeric=is_numeric, change=change))
    for leak in find_leaks(frame, target, columns, task=task):
        how = (f"alone predicts '{target}' almost perfectly ({leak.scoring} {leak.score:.3f} on rows it was not "
               "fitted on)") if leak.given_away is None else (
            f"alone picks out {leak.score:.0%} of the rows where '{target}' is '{clip(leak.given_away, 60)}', "
            "almost without a mistake (on rows it was not fitted on), though it says little about the others")
        results.append(CheckResult(
            "TARGET_LEAKAGE", leak.column,
            f"'{leak.column}' {how}.{_recorded_later(leak.column)} If it is only known after the outcome, it gives "
            "the answer away and the model will fail on new data.",
            "Exclude it unless it will be known at the time of each prediction.",
            columns=(leak.column, target), fix=_exclude(leak.column)))
    return results, n_classes


def _missing_target(values: pd.Series, target: str, task: TaskType | None) -> list[CheckResult]:
    """Rows whose target is empty or (regression) not a finite float32 number: training leaves them out."""
    kept = target_rows(values, task)
    n_rows = kept.n_left_out
    if not n_rows:
        return []
    if n_rows == kept.n_missing:
        message, label = f"{n_rows:,} rows have no value in '{target}'.", f"Remove {n_rows:,} rows without '{target}'"
    else:
        message = f"{n_rows:,} rows have no usable value in '{target}': {kept.reasons}."
        label = f"Remove {n_rows:,} rows without a usable '{target}'"
    task_values = (str(task),) if task is TaskType.REGRESSION else ()  # the fix drops what training would leave out
    return [CheckResult("MISSING_TARGET", target, message, "They cannot be learned from and are left out of "
                        "training.", columns=(target,),
                        fix=CheckFix(FixAction.DROP_MISSING_TARGET_ROWS, label, values=task_values))]


def _rare_classes(counts: pd.Series, target: str, *, n_folds: int, is_numeric: bool,
                  change: CheckFix) -> list[CheckResult]:
    """Classes with fewer rows than folds: each fold cannot hold one of them."""
    rare = counts[counts < n_folds]
    if rare.empty:
        return []
    labels = tuple(str(label) for label in rare.index)
    shown = ", ".join(f"'{label}' ({count} row{'s' if count != 1 else ''})" for label, count in rare.iloc[:5].items())
    if len(rare) > 5:
        shown += f" and {len(rare) - 5:,} more"
    n_left = len(counts) - len(rare)
    fix: CheckFix | None
    if len(counts) == 2 or n_left == 0:
        smallest = int(counts.min())
        fix = CheckFix(FixAction.SET_FOLDS, f"Use {smallest} folds", amount=smallest) if smallest >= 2 else change
    elif is_numeric and n_left >= 2:
        fix = CheckFix(FixAction.MERGE_RARE_CLASSES, "Merge each rare class into the nearest value", values=labels)
    elif n_left >= 2 and int(rare.sum()) < n_folds:
        fix = CheckFix(FixAction.DROP_RARE_CLASS_ROWS, f"Remove the {int(rare.sum())} rows of the rare classes",
                       values=labels)
    elif len(labels) >= 2 or n_left >= 2:
        fix = CheckFix(FixAction.MERGE_RARE_CLASSES, f"Merge the rare classes into '{OTHER_CLASS}'", values=labels)
    else:
        fix = change
    severity = Severity.ERROR if int(rare.min()) < 2 else Severity.WARNING
    kind = "classes" if len(rare) > 1 else "class"
    return [CheckResult(
        "RARE_CLASS", target, f"In '{target}', the {kind} {shown} {'have' if len(rare) > 1 else 'has'} fewer rows "
        f"than the {n_folds} cross-validation folds: the model rarely sees {'them' if len(rare) > 1 else 'it'} "
        f"and the score on {'them' if len(rare) > 1 else 'it'} is unreliable.",
        "Add examples of them, merge them with a similar class, or remove them.", severity,
        columns=(target,), fix=fix)]
