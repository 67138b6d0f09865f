"""What follows the search costs, estimated from measured costs: the search ends early enough for it."""

from __future__ import annotations

import numpy as np

from engine.metrics import get_metric
from engine.models import Deadline
from engine.search import REFIT_EXTRA_ROUNDS, TAIL_OF_REFIT, SearchResult
from engine.types import TaskSpec

TAIL_FIXED_S = 4.0  # ONNX export and parity, report, artifacts: measured ~3-4 s
EXPORT_S_PER_MB = 0.25  # ONNX conversion per MB of the pickled model (measured on forests: 20 s for 107 MB)


def move_deadline(deadline: Deadline, result: SearchResult, spec: TaskSpec, final: float) -> None:
    """Keep time for the tail: fixed costs plus refitting and converting the likely ensemble (top three models;
    a bigger ensemble that would not fit is replaced by the best single model)."""
    metric = get_metric(spec.metric)
    fits = sorted(result.outcomes.values(), key=lambda o: metric.loss(float(np.mean(o.fold_scores))))
    per_fit = [o.fit_time_s / max(1, len(result.folds)) for o in fits[:3]]
    rows_factor = spec.n_folds / max(1, spec.n_folds - 1)
    refit = REFIT_EXTRA_ROUNDS * rows_factor * sum(per_fit)
    export = sum(export_s(o.size_kb) for o in fits[:3])  # ensembles rarely hold more than three big models
    reserve = TAIL_FIXED_S + refit * (1 + TAIL_OF_REFIT) + export  # big models also explain and export slowly
    deadline.at = min(deadline.at, final - reserve)


def export_s(size_kb: float | None) -> float:
    """The ONNX conversion's cost beyond the fixed tail, from the size of a model fitted on one fold."""
    return EXPORT_S_PER_MB * (size_kb or 0.0) / 1024
