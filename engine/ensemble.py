"""Greedy ensemble selection with replacement (Caruana et al., ICML 2004).

Works on out-of-fold predictions: each step adds the model (repeats allowed)
whose inclusion most improves the averaged prediction's score.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from engine.metrics import Metric


@dataclass(frozen=True)
class EnsembleSelection:
    weights: dict[int, float]  # trial number -> weight (sums to 1)
    oof: np.ndarray
    score: float
    fold_scores: list[float]


def select_ensemble(
    oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric, *,
    folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int = 25, max_candidates: int = 20,
    scores: dict[int, float] | None = None,
) -> EnsembleSelection | None:
    """Weights over the best ``max_candidates`` models; None when fewer than two exist."""
    if len(oofs) < 2:
        return None
    ranked = sorted(oofs, key=lambda n: metric.loss(scores[n]) if scores else 0.0)[:max_candidates]
    picks: list[int] = []
    running = np.zeros_like(oofs[ranked[0]], dtype=np.float64)
    best_step, best_so_far, best_blend = 0, np.inf, running
    for step in range(1, n_iterations + 1):
        best_number, best_loss = ranked[0], np.inf
        for number in ranked:
            candidate = (running * (step - 1) + oofs[number]) / step
            loss = metric.loss(metric.compute(y, candidate))
            if loss < best_loss:
                best_number, best_loss = number, loss
        picks.append(best_number)
        running = (running * (step - 1) + oofs[best_number]) / step
        if best_loss < best_so_far:  # keep the best step, not the last (Caruana et al.)
            best_step, best_so_far, best_blend = step, best_loss, running
    picks, running = picks[:best_step], best_blend
    counts = Counter(picks)
    if len(counts) < 2:
        return None  # the best single model alone: nothing to ensemble
    weights = {number: count / len(picks) for number, count in sorted(counts.items())}
    fold_scores = [metric.compute(y[valid], running[valid]) for _, valid in folds]
    return EnsembleSelection(weights=weights, oof=running, score=float(np.mean(fold_scores)),
                             fold_scores=fold_scores)
