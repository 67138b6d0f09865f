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

The greedy steps choose the weights on the very out-of-fold predictions that then score the blend, so that score is
optimistic: with many trials, the blend's CV score can improve while its test score does not. With ``nested``, the
blend is also scored on rows its weights were not chosen on (a nested cross-validation of the selection): for each
fold, the selection runs on the other folds' rows alone and its blend scores that fold's rows. When that score is
clearly worse than the best single model's on the same folds (``overfits``), the leaderboard ranks the blend by it,
below that model; otherwise by its own score, as a blend averages away some of its members' errors on new rows.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from kuai.engine.metrics import Metric
from kuai.engine.search.folds import scored_rows

GREEDY_STEPS = 25  # a greedy selection's steps: the blend's weights are counts out of this many
TRIM_TOLERANCE_SE = 0.1  # a trimmed blend may lose at most this many standard errors of the full blend's CV score
MAX_TRIM_TRIES = 6  # each try is a greedy selection ...
TRIM_WORK = 60_000_000  # ... and all of them score at most this many rows x candidates x steps (large data: fewer)
MIN_CANDIDATES = 20  # the selection considers at least the best this many models, each family's best among them,
CANDIDATE_WORK = 40_000_000  # and every model while their greedy steps score at most rows x outputs x models x steps
OVERFIT_SE = 1.0  # a blend worse than the best model, nested, by more than this many standard errors overfits
NESTED_WORK = 50_000_000  # the nested score's selections together score at most this many rows x candidates x steps


@dataclass(frozen=True)
class EnsembleSelection:
    weights: dict[int, float]  # trial number -> weight (sums to 1)
    oof: np.ndarray
    score: float
    fold_scores: list[float]
    trimmed: tuple[int, ...] = ()  # members of the full selection left out for their size, within the noise
    over_cap: tuple[int, ...] = ()  # members of the uncapped selection left out to keep within ``max_size``
    nested_fold_scores: list[float] | None = None  # each fold's score of the blend chosen on the other folds (None:
    # not measured: asked not to, or too many rows for ``NESTED_WORK``)
    selections: int = 1  # greedy selections made to choose it, the trimming's and the cap's included

    @property
    def nested_score(self) -> float | None:
        """The blend's score on rows its weights were not chosen on; None when not measured."""
        return None if self.nested_fold_scores is None else float(np.mean(self.nested_fold_scores))

    def overfits(self, best_fold_scores: list[float], metric: Metric) -> bool:
        """Whether, on rows its weights were not chosen on, the blend does clearly worse than the best single model
        on the same folds (``best_fold_scores``): by more than ``OVERFIT_SE`` standard errors of the difference."""
        if self.nested_fold_scores is None or len(best_fold_scores) != len(self.nested_fold_scores):
            return False
        worse = np.array([metric.loss(n) - metric.loss(b) for n, b in zip(self.nested_fold_scores, best_fold_scores,
                                                                           strict=True)])
        return bool(worse.mean() > OVERFIT_SE * worse.std(ddof=1) / math.sqrt(len(worse)))

    def ranked_fold_scores(self, best_fold_scores: list[float], metric: Metric) -> list[float]:
        """The fold scores the leaderboard ranks the blend by: its own, or its nested ones when it ``overfits``."""
        if self.nested_fold_scores is not None and self.overfits(best_fold_scores, metric):
            return self.nested_fold_scores
        return self.fold_scores


def select_ensemble(
    oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric, *,
    folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int = GREEDY_STEPS,
    max_candidates: int | None = MIN_CANDIDATES,
    scores: dict[int, float] | None = None, sizes: dict[int, float] | None = None, max_size: float | None = None,
    nested: bool = False, families: dict[int, str] | None = None, work_rows: int = 0,
) -> EnsembleSelection | None:
    """Weights over the best ``max_candidates`` models (None: as many as the work allows, ``n_candidates``); None
    when fewer than two exist.

    ``families`` (trial number -> family) puts each family's best model among the candidates (``candidates``).
    ``sizes`` (trial number -> exported size, any unit) lets costly members that add next to nothing be left out,
    and ``max_size`` (same unit) caps the members' total when a blend within it exists. ``nested``: the blend is also
    scored on rows its weights were not chosen on (``nested_fold_scores``). ``work_rows``: the rows the trimming's
    work cap counts (``TRIM_WORK``; 0: those selected on): a plan made on a sample of the rows tries what the final
    selection on all of them will, so that its cost, scaled by the rows, predicts the final one's.
    """
    scored = scored_rows(folds, len(y))
    if scored is not None:  # the scored rows alone (time folds' later periods; a large table's sample of its rows)
        found = select_ensemble({n: oof[scored] for n, oof in oofs.items()}, y[scored], metric,
                                folds=_among(folds, scored, len(y)), n_iterations=n_iterations,
                                max_candidates=max_candidates, scores=scores, sizes=sizes, max_size=max_size,
                                nested=nested, families=families, work_rows=work_rows)
        if found is None:
            return None
        oof = np.zeros((len(y), *found.oof.shape[1:]), dtype=found.oof.dtype)
        oof[scored] = found.oof
        return replace(found, oof=oof)
    if max_candidates is None:
        max_candidates = n_candidates(len(oofs), next(iter(oofs.values())).size if oofs else 0, n_iterations)
    found = _select(oofs, y, metric, folds, n_iterations, max_candidates, scores, sizes, max_size, families,
                    work_rows=work_rows or len(y))
    if found is None or not nested:
        return found
    if not nests(len(y), min(len(oofs), max_candidates), len(folds), n_iterations):
        return found
    return replace(found, nested_fold_scores=_nested_fold_scores(oofs, y, metric, folds, n_iterations, max_candidates,
                                                                 sizes or {}, max_size, families))


def n_candidates(n_models: int, values: int, n_iterations: int = GREEDY_STEPS) -> int:
    """How many models the selection considers, ``values`` being one model's out-of-fold predictions it reads
    (scored rows x outputs): every model while the greedy steps read at most ``CANDIDATE_WORK`` values, and never
    fewer than the best ``MIN_CANDIDATES``.

    A model's own score says little of what it adds to a blend. After an hour on wine_quality_red, extra trees of
    the first configuration scored 1.029 of log loss alone (its sharp probabilities are sometimes sharply wrong) and
    ranked 50th of 59; blended with a CatBoost, they scored 0.797 out of fold, where the best twenty gave 0.825. On
    the test rows, refitted: 0.703 against 0.753."""
    return min(n_models, max(MIN_CANDIDATES, CANDIDATE_WORK // max(1, values * n_iterations)))


def candidates(ranked: list[int], families: dict[int, str] | None, most: int) -> list[int]:
    """The selection's candidates among ``ranked`` (best first): the best ``most``, each family's best among them.

    A long search tunes its best family over and over, and its near-copies fill the first places: after an hour on
    magic, 44 CatBoosts ranked above the best LightGBM, and the best twenty alone left the blend no other family,
    although a blend with LightGBM, a random forest and extra trees scored higher out of fold (0.9407 against
    0.9393 ROC AUC). The candidates keep their rank order."""
    if families is None or len(ranked) <= most:
        return ranked[:most]
    firsts: dict[str, int] = {}
    for number in ranked:
        firsts.setdefault(families.get(number, ""), number)
    kept = set(list(firsts.values())[:most])
    for number in ranked:
        if len(kept) >= most:
            break
        kept.add(number)
    return [number for number in ranked if number in kept]


def _among(folds: list[tuple[np.ndarray, np.ndarray]], scored: np.ndarray,
           n_rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds' validation rows as positions among the ``scored`` rows (the selection reads no training rows)."""
    position = np.full(n_rows, -1, dtype=np.int64)
    position[scored] = np.arange(len(scored))
    return [(np.empty(0, dtype=np.int64), position[valid]) for _, valid in folds]


def nests(n_rows: int, n_candidates: int, n_folds: int, n_iterations: int = GREEDY_STEPS) -> bool:
    """Whether a selection over these rows and candidates is also scored nested: when it would be over the best
    ``MIN_CANDIDATES`` within ``NESTED_WORK``. More candidates (a long search) cost the nested selections in
    proportion, as they cost the plain one, and leave the overfitting they guard against more likely, not less."""
    return n_folds >= 2 and n_rows * min(n_candidates, MIN_CANDIDATES) * n_iterations * n_folds <= NESTED_WORK


def _nested_fold_scores(oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric,
                        folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int, max_candidates: int,
                        sizes: dict[int, float], max_size: float | None,
                        families: dict[int, str] | None = None) -> list[float]:
    """For each fold: the greedy selection made on the other folds' rows alone (its candidates ranked by their score
    there, its members within ``max_size``), scored on this fold's rows; where it finds no blend, the best model
    there alone. The size trimming is left out: it keeps a blend within a tenth of a standard error of the full
    one."""
    scored = []
    for held, (_, valid) in enumerate(folds):
        others = [v for i, (_, v) in enumerate(folds) if i != held]
        rest = np.concatenate(others)  # the folds' validation rows are disjoint
        ends = np.cumsum([len(v) for v in others])
        inner = [(np.empty(0, dtype=np.int64), np.arange(end - len(v), end))
                 for v, end in zip(others, ends, strict=True)]
        sub, y_rest = {n: oof[rest] for n, oof in oofs.items()}, y[rest]
        inner_scores = {n: float(np.mean([metric.compute(y_rest[v], o[v]) for _, v in inner]))
                        for n, o in sub.items()}
        ranked = candidates(sorted(sub, key=lambda n: metric.loss(inner_scores[n])), families, max_candidates)
        chosen = _greedy(ranked, sub, y_rest, metric, inner, n_iterations, sizes=sizes,
                         max_size=math.inf if max_size is None else max_size)
        weights = chosen.weights if chosen is not None else {ranked[0]: 1.0}
        blend = sum(w * oofs[n][valid] for n, w in weights.items())
        scored.append(float(metric.compute(y[valid], blend)))
    return scored


def _select(oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric, folds: list[tuple[np.ndarray, np.ndarray]],
            n_iterations: int, max_candidates: int, scores: dict[int, float] | None, sizes: dict[int, float] | None,
            max_size: float | None, families: dict[int, str] | None = None, *,
            work_rows: int) -> EnsembleSelection | None:
    if len(oofs) < 2:
        return None
    ranked = candidates(sorted(oofs, key=lambda n: metric.loss(scores[n]) if scores else 0.0), families,
                        max_candidates)
    full = _greedy(ranked, oofs, y, metric, folds, n_iterations)
    if full is None or not sizes:
        return full
    trimmed = _trim(full, ranked, oofs, y, metric, folds, n_iterations, sizes, work_rows=work_rows)
    if max_size is None or _size(trimmed, sizes) <= max_size:
        return trimmed
    capped, runs = _within(ranked, oofs, y, metric, folds, n_iterations, sizes, max_size, work_rows=work_rows)
    if capped is None:
        return replace(trimmed, selections=trimmed.selections + runs)
    return replace(capped, over_cap=tuple(sorted(trimmed.weights.keys() - capped.weights.keys())),
                   selections=trimmed.selections + runs)


def _size(selection: EnsembleSelection, sizes: dict[int, float]) -> float:
    return sum(sizes.get(n, 0.0) for n in selection.weights)


def _within(ranked: list[int], oofs: dict[int, np.ndarray], y: np.ndarray, metric: Metric,
            folds: list[tuple[np.ndarray, np.ndarray]], n_iterations: int, sizes: dict[int, float],
            max_size: float, *, work_rows: int) -> tuple[EnsembleSelection | None, int]:
    """The best blend found whose members fit ``max_size`` (None when no blend of two or more does), and how many
    greedy selections it made.

    A greedy selection under a cap is myopic: a large first pick can leave room for nothing else. So it runs
    again without the largest model of its blend (or, when it found none, the largest that fits the cap alone)."""
    best: EnsembleSelection | None = None
    candidates, runs = list(ranked), 0
    for _ in range(max(1, min(MAX_TRIM_TRIES, TRIM_WORK // max(1, work_rows * len(ranked) * n_iterations)))):
        found = None
        if len(candidates) >= 2:
            found, runs = _greedy(candidates, oofs, y, metric, folds, n_iterations, sizes=sizes,
                                  max_size=max_size), runs + 1
        if found is not None and (best is None or metric.loss(found.score) < metric.loss(best.score)):
            best = found
        pool = [n for n in (found.weights if found is not None else candidates)
                if 0.0 < sizes.get(n, 0.0) <= max_size]
        if not pool:
            break
        candidates.remove(max(pool, key=lambda n: sizes.get(n, 0.0)))
    return best, runs


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
          sizes: dict[int, float], *, work_rows: int) -> EnsembleSelection:
    """The smallest blend found, dropping the largest members first, whose score stays within the tolerance.

    A member without a known size counts as none, but a smaller blend may not bring one in: its size is unknown."""
    allowed = metric.loss(full.score) + TRIM_TOLERANCE_SE * float(np.std(full.fold_scores)) / math.sqrt(len(folds))
    best, left_out, kept, tries, runs = full, set[int](), set[int](), 0, 1
    most = min(MAX_TRIM_TRIES, TRIM_WORK // max(1, work_rows * len(ranked) * n_iterations))
    while tries < most:
        costly = [n for n in sorted(best.weights, key=lambda n: -sizes.get(n, 0.0))
                  if sizes.get(n, 0.0) > 0.0 and n not in kept]
        if not costly:
            break
        number, tries = costly[0], tries + 1
        candidates = [n for n in ranked if n not in left_out and n != number]
        smaller = None
        if len(candidates) >= 2:
            smaller, runs = _greedy(candidates, oofs, y, metric, folds, n_iterations), runs + 1
        if (smaller is not None and metric.loss(smaller.score) <= allowed and _size(smaller, sizes) < _size(best, sizes)
                and all(n in sizes or n in best.weights for n in smaller.weights)):
            best, left_out = smaller, left_out | {number}
        else:
            kept.add(number)
    return replace(full, selections=runs) if best is full else EnsembleSelection(
        weights=best.weights, oof=best.oof, score=best.score, fold_scores=best.fold_scores,
        trimmed=tuple(sorted(left_out & full.weights.keys())), selections=runs)
