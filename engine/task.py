"""Target candidates, task and metric — each with the reason behind it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from engine.column_types import numeric_values
from engine.errors import TargetError
from engine.types import ColumnProfile, ColumnType, TargetSuggestion, TaskSpec, TaskType

_TARGET_NAMES = re.compile(
    r"^(target|label|labels|class|y|outcome|result|response|churn|churned|price|saleprice|"
    r"default|survived|diagnosis|fraud|is_fraud|failure|failure_type|status|quality|income|"
    r"salary|revenue|sales|exited|attrition|readmitted|approved|grade|score)$",
    re.I,
)
_TARGET_PARTS = re.compile(r"(target|label|class|outcome|churn|price|default|fraud|failure|survived)", re.I)
MAX_CLASSES = 100
METRICS = {
    TaskType.BINARY: ("roc_auc", "pr_auc", "log_loss", "accuracy", "balanced_accuracy"),
    TaskType.MULTICLASS: ("log_loss", "accuracy", "balanced_accuracy"),
    TaskType.REGRESSION: ("rmse", "mae", "r2"),
}


def suggest_target(columns: tuple[ColumnProfile, ...], n_rows: int) -> TargetSuggestion:
    """Rank columns as targets by name cues, position, type and cardinality."""
    scored: list[tuple[float, str, str]] = []
    for position, column in enumerate(columns):
        score, why = _target_score(column, position, len(columns), n_rows)
        if score > 0:
            scored.append((score, column.name, why))
    if not scored:
        return TargetSuggestion(None, (), "no column looks like something to predict; pick one")
    scored.sort(key=lambda item: -item[0])
    best = scored[0]
    return TargetSuggestion(
        suggested=best[1],
        candidates=tuple(name for _, name, _ in scored[:5]),
        reason=f"'{best[1]}': {best[2]}",
    )


def _target_score(column: ColumnProfile, position: int, n_columns: int, n_rows: int) -> tuple[float, str]:
    if column.type in (ColumnType.ID, ColumnType.TEXT, ColumnType.CONSTANT, ColumnType.DATETIME):
        return 0.0, ""
    reasons: list[str] = []
    score = 1.0
    if _TARGET_NAMES.match(column.name.strip()):
        score += 10
        reasons.append("its name is a usual name for what to predict")
    elif _TARGET_PARTS.search(column.name):
        score += 5
        reasons.append("its name suggests an outcome")
    if position == n_columns - 1:
        score += 3
        reasons.append("it is the last column")
    elif position == 0:
        score += 0.5
    if column.type in (ColumnType.BOOLEAN, ColumnType.CATEGORICAL) and column.n_unique <= 20:
        score += 2
        reasons.append(f"it has {column.n_unique} classes")
    if column.missing_fraction > 0.2:
        score -= 3
        reasons.append(f"but {column.missing_fraction:.0%} of it is missing")
    if column.type is ColumnType.CATEGORICAL and column.n_unique > MAX_CLASSES:
        return 0.0, ""
    return score, ", ".join(reasons) or "a usable column"


def detect_task(target: pd.Series, column_type: ColumnType) -> tuple[TaskType, str]:
    values = target.dropna()
    n_unique = int(values.nunique())
    if n_unique < 2:
        raise TargetError(
            f"Column '{target.name}' has {n_unique} distinct value(s); choose another target.",
            code="SINGLE_CLASS_TARGET",
        )
    if n_unique == 2:
        labels = ", ".join(map(str, sorted(values.astype(str).unique())))
        return TaskType.BINARY, f"only two distinct values ({labels}): binary classification"
    if column_type is ColumnType.NUMERIC or pd.api.types.is_numeric_dtype(values):
        numbers = numeric_values(values)
        is_integer = bool(np.all(numbers.dropna() == np.round(numbers.dropna())))
        if is_integer and n_unique <= 10:
            return TaskType.MULTICLASS, f"{n_unique} distinct whole numbers: treated as classes"
        return TaskType.REGRESSION, f"numbers with {n_unique:,} distinct values: regression"
    if n_unique > MAX_CLASSES:
        raise TargetError(
            f"Column '{target.name}' has {n_unique:,} distinct labels; at most {MAX_CLASSES} "
            "classes are supported. Group rare labels or choose another target.",
            code="TOO_MANY_CLASSES",
        )
    return TaskType.MULTICLASS, f"{n_unique} distinct labels: multiclass classification"


def choose_metric(target: pd.Series, task: TaskType) -> tuple[str, str]:
    if task is TaskType.REGRESSION:
        return "rmse", "root mean squared error, in the target's own units"
    shares = target.dropna().astype(str).value_counts(normalize=True)
    if task is TaskType.BINARY:
        if shares.min() < 0.05:
            return "pr_auc", f"the rarer class is {shares.min():.1%} of rows: precision-recall AUC"
        return "roc_auc", "area under the ROC curve: how well the model ranks positives above negatives"
    return "log_loss", "log loss: rewards confident, correct class probabilities"


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
) -> TaskSpec:
    """Assemble what to learn; unknown metric or target is a ``TargetError``."""
    if target not in frame.columns:
        raise TargetError(f"No column named '{target}'. Columns: {', '.join(map(str, frame.columns[:20]))}.",
                          code="UNKNOWN_TARGET")
    types = {c.name: c.type for c in columns} | dict(type_overrides or {})
    target_values = frame[target]
    if target_values.notna().sum() < 2:
        raise TargetError(f"Column '{target}' has almost no values.", code="EMPTY_TARGET")
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
    features, dropped = [], {}
    for name in frame.columns:
        if name == target:
            continue
        column_type = types[name]
        if column_type.is_feature:
            features.append(name)
        else:
            dropped[name] = f"{column_type} column: not used as a feature"
    if not features:
        raise TargetError("No usable feature columns remain besides the target.", code="NO_FEATURES")
    classes: tuple[str, ...] = ()
    if task.is_classification:
        labels = target_values.dropna().map(class_label)
        classes = tuple(sorted(labels.unique()))
        if task is TaskType.BINARY and len(classes) != 2:
            raise TargetError(f"Binary task but '{target}' has {len(classes)} classes.", code="BAD_TASK")
        if task is TaskType.BINARY:
            classes = order_binary_classes(classes, labels)
    return TaskSpec(
        target=target, task=task, metric=metric, features=tuple(features),
        feature_types={name: types[name] for name in features}, dropped=dropped,
        classes=classes, n_folds=n_folds or default_folds(len(frame)), seed=seed,
    )


_POSITIVE = {"1", "yes", "y", "true", "t", "positive", "pos", "1.0", "churn", "fraud", "default", "failure",
             "fail", "sick", "disease", "malignant", "spam", "bad"}


def order_binary_classes(classes: tuple[str, ...], labels: pd.Series) -> tuple[str, ...]:
    """The 'positive' class second (index 1): a yes/true/1-like label, else the rarer class."""
    named = [c for c in classes if c.strip().lower() in _POSITIVE]
    if len(named) == 1:
        positive = named[0]
    else:
        counts = labels.value_counts()
        positive = min(classes, key=lambda c: (counts.get(c, 0), c))
        if counts.get(classes[0], 0) == counts.get(classes[1], 0):
            positive = classes[1]
    return (next(c for c in classes if c != positive), positive)


def default_folds(n_rows: int) -> int:
    """Five folds; three on large data, where each fold is costly and estimates are stable."""
    return 3 if n_rows >= 20_000 else 5


def class_label(value: object) -> str:
    """A class value as the label users see: 1.0 -> '1', 'yes' -> 'yes'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
