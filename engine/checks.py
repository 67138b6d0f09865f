"""Pre-flight data checks, each with a code, the column, a message and an action."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.types import CheckResult, ColumnProfile, ColumnType, Severity

LEAKAGE_THRESHOLD = 0.98
HIGH_CARDINALITY = 100
_SAMPLE = 5000


def run_checks(
    frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, target: str | None, n_folds: int = 5,
) -> tuple[CheckResult, ...]:
    results: list[CheckResult] = []
    for column in columns:
        if column.name == target:
            continue
        if column.type is ColumnType.ID:
            results.append(CheckResult("ID_COLUMN", column.name, f"'{column.name}' looks like an identifier "
                                       f"({column.reason}).", "It is left out of the features.", Severity.INFO))
        elif column.type is ColumnType.CONSTANT:
            results.append(CheckResult("CONSTANT_COLUMN", column.name, f"'{column.name}': {column.reason}.",
                                       "It carries no information and is left out.", Severity.INFO))
        elif column.type is ColumnType.CATEGORICAL and column.n_unique > HIGH_CARDINALITY:
            results.append(CheckResult("HIGH_CARDINALITY", column.name,
                                       f"'{column.name}' has {column.n_unique:,} distinct labels.",
                                       "Rare labels are grouped; consider grouping them yourself."))
        if column.missing_fraction > 0.5 and column.type is not ColumnType.CONSTANT:
            results.append(CheckResult("MOSTLY_MISSING", column.name,
                                       f"'{column.name}' is {column.missing_fraction:.0%} missing.",
                                       "Missing values are imputed; check how the data was collected."))
    n_duplicates = int(frame.duplicated().sum())
    if n_duplicates:
        results.append(CheckResult("DUPLICATE_ROWS", None, f"{n_duplicates:,} rows repeat an earlier row.",
                                   "Remove them if they are not real repeated observations."))
    results.extend(_duplicate_columns(frame))
    if target is not None and target in frame.columns:
        results.extend(_target_checks(frame, target, columns, n_folds))
    return tuple(results)


def _duplicate_columns(frame: pd.DataFrame) -> list[CheckResult]:
    sample = frame.head(_SAMPLE)
    seen: dict[int, str] = {}
    results = []
    for name in frame.columns:
        key = int(pd.util.hash_pandas_object(sample[name], index=False).sum())
        if key in seen and sample[name].equals(sample[seen[key]]) and frame[name].equals(frame[seen[key]]):
            results.append(CheckResult("DUPLICATE_COLUMN", str(name), f"'{name}' repeats '{seen[key]}'.",
                                       "Drop one of the two.", Severity.INFO))
        else:
            seen[key] = str(name)
    return results


def _target_checks(frame: pd.DataFrame, target: str, columns: tuple[ColumnProfile, ...],
                   n_folds: int) -> list[CheckResult]:
    results = []
    values = frame[target]
    n_missing = int(values.isna().sum())
    if n_missing:
        results.append(CheckResult("MISSING_TARGET", target, f"{n_missing:,} rows have no value in '{target}'.",
                                   "Those rows are left out of training."))
    if len(values.dropna()) < 2 * n_folds:
        results.append(CheckResult("TOO_FEW_ROWS", target, f"Only {len(values.dropna())} rows have a target.",
                                   f"At least {2 * n_folds} are needed; add rows.", Severity.ERROR))
    counts = values.dropna().astype(str).value_counts()
    if 2 <= len(counts) <= 100:
        rare = counts[counts < n_folds]
        for label, count in rare.items():
            results.append(CheckResult("RARE_CLASS", target, f"Class '{label}' has only {count} row(s).",
                                       "Folds are reduced or the class is dropped; add examples of it.",
                                       Severity.WARNING))
    results.extend(_leakage(frame, target, columns))
    return results


def _leakage(frame: pd.DataFrame, target: str, columns: tuple[ColumnProfile, ...]) -> list[CheckResult]:
    """A feature that alone predicts the target almost perfectly (a shallow tree on a sample)."""
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    sample = frame[frame[target].notna()].head(_SAMPLE)
    y = sample[target]
    if len(sample) < 30:
        return []
    is_classification = y.nunique() <= 20 or not pd.api.types.is_numeric_dtype(y)
    y_encoded = pd.factorize(y.astype(str))[0] if is_classification else y.astype(float).to_numpy()
    if is_classification and np.bincount(y_encoded).min() < 3:
        return []
    results = []
    for column in columns:
        if column.name == target or not column.type.is_feature:
            continue
        x = sample[column.name]
        feature = (pd.to_numeric(x, errors="coerce") if column.type is ColumnType.NUMERIC
                   else pd.Series(pd.factorize(x.astype(str))[0], index=x.index)).fillna(-1e9)
        model = (DecisionTreeClassifier(max_depth=4, random_state=0) if is_classification
                 else DecisionTreeRegressor(max_depth=4, random_state=0))
        scoring = "balanced_accuracy" if is_classification else "r2"
        score = float(np.mean(cross_val_score(model, feature.to_frame(), y_encoded, cv=3, scoring=scoring)))
        if score >= LEAKAGE_THRESHOLD:
            results.append(CheckResult(
                "TARGET_LEAKAGE", column.name,
                f"'{column.name}' alone predicts '{target}' almost perfectly ({scoring} {score:.3f}).",
                "If it is only known after the outcome, exclude it (set its type to 'id').", Severity.WARNING))
    return results
