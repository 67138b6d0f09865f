"""Evaluation from out-of-fold predictions: plain data for the Results page and the report.

Every row was predicted by a model that had not seen it (cross-validation), so
these figures estimate how the model does on new rows. Classification gets the
confusion matrix, ROC and precision–recall curves and a binned calibration
curve per class; binary tasks also get a threshold table and a cost-chosen
threshold; regression gets a sample of predicted vs actual values. Both get the
error by segment of every input column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as sk

from kuai.engine.read.cells import is_label_sized
from kuai.engine.report.evaluation_data import (
    ConfusionMatrix,
    Curve,
    Evaluation,
    SegmentError,
    ThresholdChoice,
    ThresholdTable,
)
from kuai.engine.types import ColumnType, InputColumn, TaskSpec

MAX_CURVE_POINTS = 400
MAX_SCATTER_POINTS = 2000
MAX_CURVE_CLASSES = 20
CALIBRATION_BINS = 10
NUMERIC_SEGMENTS = 5
CATEGORY_SEGMENTS = 8
THRESHOLD_GRID = 101
MAX_SEGMENT_COLUMNS = 50  # error by segment for at most this many columns (those the model relies on most first)


def evaluate(spec: TaskSpec, y: np.ndarray, oof: np.ndarray, *, model_frame: pd.DataFrame | None = None,
             schema: tuple[InputColumn, ...] = (), seed: int = 0, columns_first: Sequence[str] = ()) -> Evaluation:
    """Everything the Results page shows about the out-of-fold predictions ``oof`` of targets ``y``.

    The error by segment covers at most ``MAX_SEGMENT_COLUMNS`` columns: ``columns_first`` (those the model relies
    on most), then the others in the schema's order; ``segments_note`` says so when columns were left out."""
    covered = _segment_columns(schema, columns_first)
    segments = error_by_segment(spec, y, oof, model_frame, covered) if model_frame is not None else {}
    note = (f"Error by segment for {len(covered)} of the {len(schema):,} columns, those the model relies on most."
            if model_frame is not None and len(covered) < len(schema) else "")
    if not spec.task.is_classification:
        keep = _sample(len(y), MAX_SCATTER_POINTS, seed)
        return Evaluation(task=spec.task, n_rows=len(y), error_name="mean absolute error",
                          actual=_floats(y[keep]), predicted=_floats(oof[keep]), segments=segments,
                          segments_note=note)
    y = np.asarray(y, dtype=np.int64)
    labels = tuple(spec.classes)
    counts = sk.confusion_matrix(y, np.argmax(oof, axis=1), labels=np.arange(len(labels)))
    shown = range(1, 2) if len(labels) == 2 else range(min(len(labels), MAX_CURVE_CLASSES))
    present = [k for k in shown if 0 < np.sum(y == k) < len(y)]
    table = threshold_table(y, oof[:, 1], labels) if len(labels) == 2 else None
    return Evaluation(
        task=spec.task, n_rows=len(y), error_name="error rate",
        confusion=ConfusionMatrix(labels=labels, counts=counts.astype(int).tolist()),
        roc=[_roc(y == k, oof[:, k], labels[k]) for k in present],
        precision_recall=[_precision_recall(y == k, oof[:, k], labels[k]) for k in present],
        calibration=[calibration_curve(y == k, oof[:, k], labels[k]) for k in present],
        thresholds=table, segments=segments, segments_note=note)


def _segment_columns(schema: tuple[InputColumn, ...], columns_first: Sequence[str]) -> tuple[InputColumn, ...]:
    """The columns the errors are broken down by, the most important first; free text has no segments (each row's
    text is its own)."""
    by_name = {c.name: c for c in schema if not c.is_text}
    first = [by_name[name] for name in dict.fromkeys(columns_first) if name in by_name]
    chosen = {c.name for c in first}
    return tuple([*first, *(c for c in by_name.values() if c.name not in chosen)][:MAX_SEGMENT_COLUMNS])


def _roc(is_class: np.ndarray, score: np.ndarray, label: str) -> Curve:
    fpr, tpr, _ = sk.roc_curve(is_class, score)
    keep = _thin(len(fpr))
    return Curve(label=label, x=_floats(fpr[keep]), y=_floats(tpr[keep]), area=float(sk.roc_auc_score(is_class, score)))


def _precision_recall(is_class: np.ndarray, score: np.ndarray, label: str) -> Curve:
    precision, recall, _ = sk.precision_recall_curve(is_class, score)
    keep = _thin(len(recall))
    return Curve(label=label, x=_floats(recall[keep]), y=_floats(precision[keep]),
                 area=float(sk.average_precision_score(is_class, score)))


def calibration_curve(is_class: np.ndarray, score: np.ndarray, label: str, *, n_bins: int = CALIBRATION_BINS) -> Curve:
    """Mean predicted probability vs observed share, in bins holding about equal numbers of rows."""
    edges = np.unique(np.quantile(score, np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.searchsorted(edges, score, side="right") - 1, 0, max(0, len(edges) - 2))
    predicted, observed, counts = [], [], []
    for b in np.unique(bins):
        inside = bins == b
        predicted.append(float(score[inside].mean()))
        observed.append(float(is_class[inside].mean()))
        counts.append(int(inside.sum()))
    return Curve(label=label, x=predicted, y=observed, counts=counts)


def threshold_table(y: np.ndarray, score: np.ndarray, labels: tuple[str, ...],
                    thresholds: np.ndarray | None = None) -> ThresholdTable:
    """Confusion counts at each threshold (a fixed grid plus the score's quantiles by default)."""
    if thresholds is None:
        quantiles = np.quantile(score, np.linspace(0, 1, THRESHOLD_GRID))
        thresholds = np.unique(np.concatenate([np.linspace(0, 1, THRESHOLD_GRID), quantiles]).round(6))
    tp, fp, fn, tn = confusion_at(y, score, thresholds)
    return ThresholdTable(positive_class=labels[1], negative_class=labels[0], thresholds=_floats(thresholds),
                          true_positives=tp.tolist(), false_positives=fp.tolist(), false_negatives=fn.tolist(),
                          true_negatives=tn.tolist())


def confusion_at(y: np.ndarray, score: np.ndarray, thresholds: Any) -> tuple[np.ndarray, ...]:
    """True/false positives, false/true negatives when ``score >= threshold`` is called positive."""
    positive = np.asarray(y) == 1
    order = np.argsort(score, kind="stable")
    sorted_score, positives_below = np.asarray(score)[order], np.concatenate([[0], np.cumsum(positive[order])])
    below = np.searchsorted(sorted_score, np.atleast_1d(np.asarray(thresholds, dtype=np.float64)), side="left")
    n_positive = int(positive.sum())
    fn = positives_below[below]
    tn = below - fn
    tp = n_positive - fn
    fp = (len(positive) - below) - tp
    return tp.astype(int), fp.astype(int), fn.astype(int), tn.astype(int)


def precision_recall_at(table: ThresholdTable, index: int) -> tuple[float | None, float | None]:
    """Precision and recall of one row of the table (None when undefined: nothing called or no positives)."""
    tp, fp, fn = table.true_positives[index], table.false_positives[index], table.false_negatives[index]
    return (tp / (tp + fp) if tp + fp else None), (tp / (tp + fn) if tp + fn else None)


def best_threshold(y: np.ndarray, score: np.ndarray, *, cost_false_positive: float, cost_false_negative: float,
                   positive_class: str = "") -> ThresholdChoice:
    """The threshold that minimises the total cost of errors on these (out-of-fold) predictions.

    Every distinct way to split the rows is tried: thresholds halfway between
    consecutive distinct scores, plus 0 (all positive) and above the top score
    (none positive). Ties go to the threshold closest to 0.5.
    """
    if cost_false_positive < 0 or cost_false_negative < 0:
        raise ValueError("Costs of errors cannot be negative.")
    values = np.unique(np.asarray(score, dtype=np.float64))
    candidates = np.concatenate([[0.0], (values[:-1] + values[1:]) / 2, [(values[-1] + max(1.0, values[-1])) / 2]])
    if values[-1] >= 1.0:
        candidates = candidates[:-1]
    tp, fp, fn, tn = confusion_at(y, score, candidates)
    cost = cost_false_positive * fp + cost_false_negative * fn
    best = np.flatnonzero(cost == cost.min())
    index = int(best[np.argmin(np.abs(candidates[best] - 0.5))])
    called, actual = tp[index] + fp[index], tp[index] + fn[index]
    return ThresholdChoice(
        threshold=float(candidates[index]), positive_class=positive_class, source="costs",
        cost_false_positive=float(cost_false_positive), cost_false_negative=float(cost_false_negative),
        precision=float(tp[index] / called) if called else None,
        recall=float(tp[index] / actual) if actual else None,
        expected_cost=float(cost[index] / len(score)),
        confusion=(int(tp[index]), int(fp[index]), int(fn[index]), int(tn[index])))


def threshold_choice(y: np.ndarray, score: np.ndarray, threshold: float, *, positive_class: str, source: str,
                     cost_false_positive: float | None = None,
                     cost_false_negative: float | None = None) -> ThresholdChoice:
    """A threshold with its precision, recall and (given costs) expected cost per row on these predictions."""
    tp, fp, fn, tn = (int(v[0]) for v in confusion_at(y, score, [threshold]))
    cost = None
    if cost_false_positive is not None and cost_false_negative is not None:
        cost = (cost_false_positive * fp + cost_false_negative * fn) / max(1, len(score))
    return ThresholdChoice(threshold=float(threshold), positive_class=positive_class, source=source,
                           cost_false_positive=cost_false_positive, cost_false_negative=cost_false_negative,
                           precision=tp / (tp + fp) if tp + fp else None, recall=tp / (tp + fn) if tp + fn else None,
                           expected_cost=cost, confusion=(tp, fp, fn, tn))


def error_by_segment(spec: TaskSpec, y: np.ndarray, oof: np.ndarray, model_frame: pd.DataFrame,
                     schema: tuple[InputColumn, ...]) -> dict[str, list[SegmentError]]:
    """For each input column, the out-of-fold error within each of its segments (bins or categories)."""
    if spec.task.is_classification:
        errors, bias = (np.argmax(oof, axis=1) != y).astype(float), None
    else:
        errors, bias = np.abs(oof - y), oof - y
    result = {}
    for column in schema:
        segment = _segments(model_frame[column.model_inputs[0]], column)
        rows = []
        for name, inside in segment.groupby(segment, observed=True, sort=True).groups.items():
            positions = np.asarray(inside)
            rows.append(SegmentError(segment=str(name), n_rows=len(positions),
                                     error=float(errors[positions].mean()),
                                     bias=None if bias is None else float(bias[positions].mean())))
        result[column.name] = rows
    return result


def _segments(values: pd.Series, column: InputColumn) -> pd.Series:
    """A segment per row, as an ordered categorical: value bins of numbers (year for dates), else the top categories."""
    values = values.reset_index(drop=True)
    if column.is_string:
        top = [str(v) for v in values.value_counts().index[:CATEGORY_SEGMENTS] if v != "" and is_label_sized(v)]
        position = pd.Series(range(len(top)), index=top, dtype=np.int64)
        found = values.astype(str).map(position).fillna(len(top)).to_numpy(dtype=np.int64)  # "other" ...
        codes = np.where(np.asarray((values == "").fillna(False), dtype=bool), len(top) + 1, found)  # ... "missing"
        return pd.Series(pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(_distinct([*top, "other", "missing"]), ordered=True)))
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if column.type is ColumnType.DATETIME or numbers.nunique() <= NUMERIC_SEGMENTS:
        distinct = np.sort(numbers.dropna().unique())
        names = [f"{v:g}" for v in distinct]
        codes = np.asarray(np.searchsorted(distinct, numbers.fillna(np.inf).to_numpy()), dtype=np.int64)
    else:
        binned = pd.qcut(numbers, NUMERIC_SEGMENTS, duplicates="drop")
        names = [f"{i.left:.4g} to {i.right:.4g}" for i in binned.cat.categories]
        codes = np.asarray(binned.cat.codes.to_numpy(), dtype=np.int64)
    codes = np.where(numbers.isna().to_numpy() | (codes < 0), len(names), codes)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(_distinct([*names, "missing"]),
                                                                                ordered=True)))


def _distinct(names: list[str]) -> list[str]:
    """The segments' names, each once: a category of the data called "other" or "missing", or two numbers that
    print alike (1.0000001 and 1.0000002 as "1"), are told apart by a number: "other (2)"."""
    seen: set[str] = set()
    out = []
    for name in names:
        unique, k = name, 2
        while unique in seen:
            unique, k = f"{name} ({k})", k + 1
        seen.add(unique)
        out.append(unique)
    return out


def _sample(n_rows: int, size: int, seed: int) -> np.ndarray:
    if n_rows <= size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size, replace=False))


def _thin(n_points: int) -> np.ndarray:
    """At most MAX_CURVE_POINTS evenly spaced indices, the first and last kept."""
    if n_points <= MAX_CURVE_POINTS:
        return np.arange(n_points)
    return np.unique(np.linspace(0, n_points - 1, MAX_CURVE_POINTS).round().astype(int))


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).round(6)]


def evaluation_from_dict(data: dict[str, Any]) -> Evaluation:
    """Back from ``to_jsonable`` (e.g. read from a run's ``evaluation.json``)."""
    from kuai.engine.types import TaskType

    confusion = data.get("confusion")
    table = data.get("thresholds")
    return Evaluation(
        task=TaskType(data["task"]), n_rows=int(data["n_rows"]), error_name=str(data["error_name"]),
        confusion=ConfusionMatrix(labels=tuple(confusion["labels"]), counts=confusion["counts"]) if confusion else None,
        roc=[Curve(**c) for c in data.get("roc", [])],
        precision_recall=[Curve(**c) for c in data.get("precision_recall", [])],
        calibration=[Curve(**c) for c in data.get("calibration", [])],
        thresholds=ThresholdTable(**table) if table else None,
        actual=list(data.get("actual", [])), predicted=list(data.get("predicted", [])),
        segments={column: [SegmentError(**s) for s in rows] for column, rows in data.get("segments", {}).items()},
        segments_note=str(data.get("segments_note", "")))


def threshold_choice_from_dict(data: dict[str, Any]) -> ThresholdChoice:
    confusion = data.get("confusion")  # absent in files written before it was kept
    return ThresholdChoice(**{**data, "confusion": tuple(int(v) for v in confusion) if confusion else None})
