"""The leaderboard: every trial, the ensemble and the stack, ranked by their cross-validated score."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from kuai.engine.metrics import Metric, get_metric
from kuai.engine.models import FAMILIES, text
from kuai.engine.search.trials import SearchResult, TrialOutcome, rank_key
from kuai.engine.select.bagging import MAX_BLEND_ONNX_MB
from kuai.engine.select.ensemble import EnsembleSelection
from kuai.engine.select.final import ENSEMBLE_NAME, total_size
from kuai.engine.select.limits import blend_cost
from kuai.engine.select.stacking import STACK_NAME, Stack
from kuai.engine.types import LeaderboardEntry, TaskSpec


def build_leaderboard(result: SearchResult, ensemble: EnsembleSelection | None,
                      spec: TaskSpec, stack: Stack | None = None) -> list[LeaderboardEntry]:
    metric = get_metric(spec.metric)
    rows: list[LeaderboardEntry] = []
    for outcome in result.outcomes.values():
        rows.append(LeaderboardEntry(
            rank=0, model=outcome.name, family=outcome.family, score=_mean(outcome),
            score_std=float(np.std(outcome.fold_scores)), fit_time_s=outcome.fit_time_s / len(result.folds),
            predict_ms_per_1000_rows=outcome.predict_ms_per_1000_rows, size_kb=outcome.size_kb,
            params=shown_params(outcome.params, outcome.family), row_fraction=outcome.row_fraction))
    if ensemble is not None:
        members = {result.outcomes[n].name: w for n, w in ensemble.weights.items()}
        by_name = {r.model: r for r in rows}
        ranked = ensemble.ranked_fold_scores(_best_fold_scores(result, metric), metric)
        rows.append(LeaderboardEntry(
            rank=0, model=ENSEMBLE_NAME, family="ensemble", score=float(np.mean(ranked)),
            score_std=float(np.std(ranked)),
            fit_time_s=sum(by_name[m].fit_time_s for m in members),
            predict_ms_per_1000_rows=sum(by_name[m].predict_ms_per_1000_rows for m in members),
            size_kb=total_size(by_name[m].size_kb for m in members),
            params={"weights": members}, is_ensemble=True, members=members))
    if stack is not None:
        top, parts = stack.top, stack.parts
        cost = blend_cost(parts, {o.number for o in parts}, spec.task)
        rows.append(LeaderboardEntry(
            rank=0, model=STACK_NAME, family="stack", score=_mean(top), score_std=float(np.std(top.fold_scores)),
            fit_time_s=top.fit_time_s / len(result.folds), predict_ms_per_1000_rows=1000 * cost.ms_per_row,
            size_kb=None if cost.size_mb is None else 1024 * cost.size_mb,
            params={"top": shown_params(top.params, top.family), "base": [o.name for o in stack.base]},
            members={o.name: 1 / len(stack.base) for o in stack.base}))
    rows.sort(key=lambda r: rank_key(metric, r.score, r.score_std, r.size_kb))
    return [replace(row, rank=i + 1) for i, row in enumerate(rows)]


def ensemble_notes(result: SearchResult, ensemble: EnsembleSelection | None, leaderboard: list[LeaderboardEntry],
                   metric: Metric) -> list[str]:
    """What the run's notes say of the ensemble: members left out for their size or the size cap, and a blend that
    scored best on the rows that chose its weights but not on the others (``EnsembleSelection.nested_score``)."""
    if ensemble is None:
        return []
    notes = []
    if ensemble.trimmed:
        notes.append(f"The ensemble leaves out {', '.join(result.outcomes[n].name for n in ensemble.trimmed)}: "
                     "large to export for a gain well within the noise of the CV score.")
    if ensemble.over_cap:
        notes.append(f"The ensemble is the best blend found within about {MAX_BLEND_ONNX_MB:.0f} MB of ONNX (its "
                     "export takes about 16 times its size in memory); the best blend regardless of size also had "
                     f"{', '.join(result.outcomes[n].name for n in ensemble.over_cap)}.")
    best = next((e for e in leaderboard if not e.is_ensemble and e.family != "stack"), None)
    nested = ensemble.nested_score
    if best is not None and nested is not None and ensemble.overfits(_best_fold_scores(result, metric), metric):
        notes.append(f"The ensemble scored {ensemble.score:.4g} on the rows that chose its weights but "
                     f"{nested:.4g} on rows they were not chosen on (a nested cross-validation), clearly worse than "
                     f"{best.model} alone ({best.score:.4g}): it ranks by the second score.")
    return notes


def _best_fold_scores(result: SearchResult, metric: Metric) -> list[float]:
    """The fold scores of the trial with the best mean score."""
    best = min(result.outcomes.values(), key=lambda o: metric.loss(_mean(o)))
    return list(best.fold_scores)


def _mean(outcome: TrialOutcome) -> float:
    return float(np.mean(outcome.fold_scores))


def shown_params(params: dict[str, Any], family: str) -> dict[str, Any]:
    """A trial's settings as people read them: the family's without its prefix, and the share of the text columns'
    character grams it read (``text_grams``) when the search chose one."""
    shown = FAMILIES[family].unprefixed(params)
    if text.SEARCH_PARAM in params:
        shown["text_grams"] = text.grams_share(params)
    return shown
