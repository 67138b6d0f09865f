"""The chosen model's score on the holdout: rows kept out of the whole search (``kuai.engine.data.holdout``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.data.column_selection import inputs_of
from kuai.engine.data.labels import class_indexes
from kuai.engine.data.numbers import numeric_values
from kuai.engine.metrics import get_metric
from kuai.engine.models.preprocessing import to_model_frame
from kuai.engine.results import Prepared
from kuai.engine.search.trials import predict_output
from kuai.engine.types import HoldoutScore, InputColumn, TaskSpec

__all__ = ["holdout_line", "score_holdout"]


def score_holdout(prepared: Prepared, estimator: Any, schema: tuple[InputColumn, ...]) -> HoldoutScore | None:
    """The chosen model's score on the holdout's rows (None without a holdout)."""
    if prepared.holdout is None:
        return None
    spec = prepared.spec
    y = _encoded(prepared.holdout[spec.target], spec)
    known = y >= 0 if spec.task.is_classification else np.isfinite(y)  # a class the search never saw: left out
    inputs = inputs_of(to_model_frame(prepared.holdout[known], prepared.schema).reset_index(drop=True), schema)
    metric = get_metric(spec.metric)
    note = "" if known.all() else (f"{int((~known).sum()):,} holdout rows have a class that no row of the search "
                                   "had; they are left out of its score.")
    try:
        score = float(metric.compute(y[known], predict_output(estimator, inputs, spec)))
    except ValueError as exc:  # one class only: ROC AUC cannot be computed
        score, note = float("nan"), f"The holdout's score cannot be computed: {exc}"
    return HoldoutScore(n_rows=int(known.sum()), score=score, how=prepared.holdout_how, note=note)


def holdout_line(holdout: HoldoutScore, spec: TaskSpec) -> str:
    """The holdout's score in one line, beside the cross-validated one."""
    score = "cannot be computed" if not np.isfinite(holdout.score) else f"{spec.metric} {holdout.score:.4f}"
    return f"Holdout of {holdout.how}, kept out of the whole search: {score}"


def _encoded(values: pd.Series, spec: TaskSpec) -> np.ndarray:
    """Class indexes (-1 for a class the spec does not have), or numbers."""
    if not spec.task.is_classification:
        return numeric_values(values).to_numpy(dtype=float)
    return class_indexes(values, spec.classes)
