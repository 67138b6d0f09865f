"""What follows the search costs, estimated from measured costs: the search ends early enough for it."""

from __future__ import annotations

import numpy as np

from engine.bagging import bag_size_kb, can_bag
from engine.metrics import get_metric
from engine.models import Deadline
from engine.search import REFIT_EXTRA_ROUNDS, TAIL_OF_REFIT, SearchResult
from engine.trials import TrialOutcome
from engine.types import TaskSpec

TAIL_FIXED_S = 4.0  # ONNX export and parity, report, artifacts: measured ~3-4 s
BAG_SHARE = 0.2  # of the budget: what converting a bagged model may cost when a refit would cost less
# ONNX conversion per MB of the pickled model, measured on 2 cores (forests: 31 s for a 162 MB bag; LightGBM's
# pickle is compact and its converter slow: 4 s for 3 MB; CatBoost 1.6 s for 4.7 MB)
EXPORT_S_PER_MB = {"lightgbm": 1.5, "catboost": 0.35}
EXPORT_S_PER_MB_OTHERS = 0.25


def move_deadline(deadline: Deadline, result: SearchResult, spec: TaskSpec, final: float, budget_s: float, *,
                  shared: bool = False) -> None:
    """Keep time for the tail: fixed costs plus bagging (or refitting) and converting the likely ensemble (top
    three models; a bigger ensemble that would not fit is replaced by the best single model).

    ``shared``: other workers' trials may win, and this process can only refit those: plan for refits."""
    metric = get_metric(spec.metric)
    fits = sorted(result.outcomes.values(), key=lambda o: metric.loss(float(np.mean(o.fold_scores))))
    reserve = TAIL_FIXED_S + sum(member_plan(o, spec, budget_s, refit_only=shared)[1] for o in fits[:3])
    deadline.at = min(deadline.at, final - reserve)


def member_plan(outcome: TrialOutcome, spec: TaskSpec, budget_s: float, *,
                refit_only: bool = False) -> tuple[bool, float]:
    """Whether to bag a model, and what it then costs after the search: converting its fold models when they are
    bagged; else its refit on all rows, the explanation and export that grow with it (about half the refit), and
    its conversion.

    A bag is chosen when its conversion costs no more than the refit, or than a fifth of the budget: a big
    forest's bag (five times its size) is worth its time at 300 s, not at 60 s."""
    rows_factor = spec.n_folds / max(1, spec.n_folds - 1)
    refit = REFIT_EXTRA_ROUNDS * rows_factor * outcome.fit_time_s / max(1, len(outcome.fold_scores))
    refit_s = refit * (1 + TAIL_OF_REFIT) + export_s(outcome.size_kb, outcome.family)
    if can_bag([outcome]) and not refit_only:
        bag_s = export_s(bag_size_kb([outcome]), outcome.family)
        if bag_s <= max(refit_s, BAG_SHARE * budget_s):
            return True, bag_s
    return False, refit_s


def export_s(size_kb: float | None, family: str) -> float:
    """The ONNX conversion's cost beyond the fixed tail, from the size of a model fitted on one fold."""
    return EXPORT_S_PER_MB.get(family, EXPORT_S_PER_MB_OTHERS) * (size_kb or 0.0) / 1024
