"""Greedy ensemble selection with replacement (Caruana et al., ICML 2004), then trimmed for size.

Works on out-of-fold predictions: each step adds the model (repeats allowed)
whose inclusion most improves the averaged prediction's score.

The greedy steps often end with a tail of members at one or two twenty-fifths of the weight. Such a member can be
most of the exported model (a deep CatBoost is tens of MB of ONNX) for a gain far inside the noise of the CV score.
Given the members' sizes, the selection is run again without each costly member in turn, largest first, and the
smaller blend is kept when its CV score is within a tenth of the full blend's standard error.

A blend whose members together still exceed ``max_size`` is chosen again under that cap: each greedy step may
bring in a new member only if the distinct members still fit (a model already picked can be picked again for
free). The cap bounds the exported model, whose conversion and ONNX Runtime sessions take about 16 times its size
in memory; the blend under the cap is scored like any other, so the leaderboard shows what is exported.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from kuai.engine.metrics import Metric
from kuai.engine.search.folds import scored_rows

TRIM_TOLERANCE_SE = 0.1  # a trimmed blend may lose at most this many standard errors of the full blend's CV score
MAX_TRIM_TRIES = 6  # each try is a greedy selection ...
TRIM_WORK = 60_000_000  # ... and all of them score at most this many rows x candidates x steps (large data: fewer)
MAX_CANDIDATES = 20  # the best this many models are the selection's candidates


@dataclass(frozen=True)
class EnsembleSelection:
    weights: dict[int, float]  # trial number -> weight (sums to 1)
    oof: np.ndarray
    score: float
    fold_scores: list[float]
    trimmed: tuple[int, ...] = ()  # members of the full selection left out for their size, within the noise
    over_cap: tuple[int, ...] = ()  # members of the uncapped selection left out to keep within ``max_size``


def select_ensemble(
    oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric, *,
    folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int = 25, max_candidates: int = MAX_CANDIDATES,
    scores: dict[int, float] | None = None, sizes: dict[int, float] | None = None, max_size: float | None = None,
) -> EnsembleSelection | None:
    """Weights over the best ``max_candidates`` models; None when fewer than two exist.

    ``sizes`` (trial number -> exported size, any unit) lets costly members that add next to nothing be left out,
    and ``max_size`` (same unit) caps the members' total when a blend within it exists.
    """
    if len(oofs) < 2:
        return None
    ranked = sorted(oofs, key=lambda n: metric.loss(scores[n]) if scores else 0.0)[:max_candidates]
    full = _greedy(ranked, oofs, y, metric, folds, n_iterations)
    if full is None or not sizes:
        return full
    trimmed = _trim(full, ranked, oofs, y, metric, folds, n_iterations, sizes)
    if max_size is None or _size(trimmed, sizes) <= max_size:
        return trimmed
    capped = _within(ranked, oofs, y, metric, folds, n_iterations, sizes, max_size)
    if capped is None:
        return trimmed
    return replace(capped, over_cap=tuple(sorted(trimmed.weights.keys() - capped.weights.keys())))


def _size(selection: EnsembleSelection, sizes: dict[int, float]) -> float:
    return sum(sizes.get(n, 0.0) for n in selection.weights)


def _within(ranked: list[int], oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric,
            folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int, sizes: dict[int, float],
            max_size: float) -> EnsembleSelection | None:
    """The best blend found whose members fit ``max_size``; None when no blend of two or more does.

    A greedy selection under a cap is myopic: a large first pick can leave room for nothing else. So it runs
    again without the largest model of its blend (or, when it found none, the largest that fits the cap alone)."""
    best: EnsembleSelection | None = None
    candidates = list(ranked)
    for _ in range(max(1, min(MAX_TRIM_TRIES, TRIM_WORK // max(1, len(y) * len(ranked) * n_iterations)))):
        found = (_greedy(candidates, oofs, y, metric, folds, n_iterations, sizes=sizes, max_size=max_size)
                 if len(candidates) >= 2 else None)
        if found is not None and (best is None or metric.loss(found.score) < metric.loss(best.score)):
            best = found
        pool = [n for n in (found.weights if found is not None else candidates)
                if 0.0 < sizes.get(n, 0.0) <= max_size]
        if not pool:
            break
        candidates.remove(max(pool, key=lambda n: sizes.get(n, 0.0)))
    return best


def _greedy(ranked: list[int], oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric,
            folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int, *, sizes: dict[int, float] | None = None,
            max_size: float = math.inf) -> EnsembleSelection | None:
    """Caruana's selection; with ``sizes``, a step may add a new member only while the members fit ``max_size``."""
    picks: list[int] = []
    running = np.zeros_like(oofs[ranked[0]], dtype=np.float64)
    best_step, best_so_far, best_blend = 0, np.inf, running
    sizes = sizes or {}
    scored = scored_rows(folds, len(y))  # None: all (folds forward in time never score the earliest rows)
    y_scored = y if scored is None else y[scored]
    for step in range(1, n_iterations + 1):
        best_number: int | None = None
        best_loss = np.inf
        taken = sum(sizes.get(n, 0.0) for n in set(picks))
        for number in ranked:
            if number not in picks and taken + sizes.get(number, 0.0) > max_size:
                continue
            candidate = (running * (step - 1) + oofs[number]) / step
            loss = metric.loss(metric.compute(y_scored, candidate if scored is None else candidate[scored]))
            if loss < best_loss:
                best_number, best_loss = number, loss
        if best_number is None:  # no model fits what the cap leaves
            break
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


def _trim(full: EnsembleSelection, ranked: list[int], oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric,
          folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int,
          sizes: dict[int, float]) -> EnsembleSelection:
    """The smallest blend found, dropping the largest members first, whose score stays within the tolerance.

    A member without a known size counts as none, but a smaller blend may not bring one in: its size is unknown."""
    allowed = metric.loss(full.score) + TRIM_TOLERANCE_SE * float(np.std(full.fold_scores)) / math.sqrt(len(folds))
    best, left_out, kept, tries = full, set[int](), set[int](), 0
    most = min(MAX_TRIM_TRIES, TRIM_WORK // max(1, len(y) * len(ranked) * n_iterations))
    while tries < most:
        costly = [n for n in sorted(best.weights, key=lambda n: -sizes.get(n, 0.0))
                  if sizes.get(n, 0.0) > 0.0 and n not in kept]
        if not costly:
            break
        number, tries = costly[0], tries + 1
        candidates = [n for n in ranked if n not in left_out and n != number]
        smaller = _greedy(candidates, oofs, y, metric, folds, n_iterations) if len(candidates) >= 2 else None
        if (smaller is not None and metric.loss(smaller.score) <= allowed and _size(smaller, sizes) < _size(best, sizes)
                and all(n in sizes or n in best.weights for n in smaller.weights)):
            best, left_out = smaller, left_out | {number}
        else:
            kept.add(number)
    return best if best is full else EnsembleSelection(
        weights=best.weights, oof=best.oof, score=best.score, fold_scores=best.fold_scores,
        trimmed=tuple(sorted(left_out & full.weights.keys())))
