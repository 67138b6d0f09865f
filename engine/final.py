"""The model a training exports: bagged from the search's fold models where they fit, else refitted on all rows.

See ``engine.bagging`` for why bagging is the default, and ``docs/search.md`` for the measurements.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.bagging import bag_size_kb, can_bag, fitted_blend, fold_pipelines
from engine.ensemble import EnsembleSelection
from engine.limits import ModelCost, blend_cost, overshoot, within
from engine.memory import subsample_rows
from engine.models import FAMILIES, n_threads
from engine.models.random_forest import FORESTS
from engine.preprocessing import build_preprocessor
from engine.search import REFIT_EXTRA_ROUNDS, SearchResult, TrialOutcome
from engine.tail import TAIL_FIXED_S, export_s, member_plan
from engine.task import class_weights
from engine.types import InputColumn, LeaderboardEntry, Limits, TaskSpec, TrialRecord

ENSEMBLE_NAME = "ensemble"
BAG_MARGIN = 1.25  # the ONNX conversion's estimate, with room for error


@dataclass(frozen=True)
class FinalModel:
    estimator: Any
    name: str
    oof: np.ndarray
    bagged_folds: int  # 0: refitted on all rows
    export_s: float  # the ONNX conversion's estimated cost
    cost: ModelCost  # its estimated prediction time per row and ONNX size
    within_limits: bool | None = None  # None: no limits were set
    limits_note: str = ""  # which model the limits chose, and why


def final_model(
    X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...], result: SearchResult,
    ensemble: EnsembleSelection | None, leaderboard: list[LeaderboardEntry], final: float, budget_s: float,
    notes: list[str], limits: Limits | None = None,
) -> FinalModel:
    """The model to export: the best leaderboard row within the limits, with its members bagged from their fold
    models where those fit (size, conversion time within what is left of the budget, the limits) and refitted on
    all rows otherwise; rows that fit neither way give their place to the next one."""
    limits = limits or Limits()
    by_name = {o.name: o for o in result.outcomes.values()}

    def members_of(row: LeaderboardEntry) -> list[tuple[TrialOutcome, float]]:
        if row.is_ensemble and ensemble is not None:
            return [(result.outcomes[n], w) for n, w in ensemble.weights.items()]
        return [(by_name[row.model], 1.0)]

    passed_over: list[str] = []
    for row in leaderboard:
        members = members_of(row)
        bag = members_to_bag(members, spec, budget_s)
        if not within(blend_cost([o for o, _ in members], bag), limits):
            bag = set()  # refitted, each member is one model instead of k
            if not within(blend_cost([o for o, _ in members], bag), limits):
                passed_over.append(row.model)
                continue
        chosen = _blend_members(X, y, spec, schema, members, len(result.folds), final, budget_s, notes, bag=bag,
                                must=not row.is_ensemble)
        if chosen is None:
            notes.append("The ensemble scored best but could not be bagged or refitted within the budget; "
                         "the best single model was exported instead.")
            continue
        note = ""
        if passed_over:
            note = (f"Within the limits ({limits.text()}): {row.model}, rank {row.rank}, {chosen.cost.text()}; "
                    f"{_listed(passed_over)} scored better but would cost more.")
        elif limits.any:
            note = f"The best model, {row.model}, is within the limits ({limits.text()}): {chosen.cost.text()}."
        notes.extend([note] if note else [])
        return replace(chosen, name=row.model, oof=ensemble.oof if row.is_ensemble and ensemble is not None
                       else members[0][0].oof, within_limits=True if limits.any else None, limits_note=note)
    # nothing within the limits: the single model closest to them, refitted
    single = [r for r in leaderboard if not r.is_ensemble]
    closest = min(single, key=lambda r: overshoot(blend_cost([o for o, _ in members_of(r)], set()), limits))
    outcome = members_of(closest)[0][0]
    chosen = _blend_members(X, y, spec, schema, [(outcome, 1.0)], len(result.folds), final, budget_s, notes,
                            bag=set(), must=True)
    assert chosen is not None
    note = (f"No model is within the limits ({limits.text()}); the closest, {closest.model}, was exported "
            f"({chosen.cost.text()}).")
    notes.append(note)
    return replace(chosen, name=closest.model, oof=outcome.oof, within_limits=False, limits_note=note)


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _blend_members(X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...],
                   members: list[tuple[TrialOutcome, float]], n_folds: int, final: float, budget_s: float,
                   notes: list[str], *, bag: set[int], must: bool = False) -> FinalModel | None:
    """Bag the members in ``bag``, refit the rest; None when that would not fit the time left (unless ``must``:
    one model is always exported, refitted if its bag does not fit)."""
    if not _fits(_blend_s(members, bag, n_folds), final):
        if not must:
            return None
        bag = set()
    parts: list[tuple[str, Any, float]] = []
    for outcome, weight in members:
        if outcome.number in bag:
            parts.extend(fold_pipelines(outcome, weight))
        else:
            parts.append((outcome.name, refit(outcome, X, y, spec, schema), weight))
    refitted = [o.name for o, _ in members if o.number not in bag]
    if bag and not refitted:
        notes.append(f"The model is the average of the {n_folds} models the cross-validation fitted and scored "
                     f"{'for each member ' if len(members) > 1 else ''}(bagging); no refit on all rows was needed.")
    elif bag:
        unkept = [o.name for o, _ in members if not o.fold_models]
        why = "too big to bag within the budget" if not unkept else "too big to bag, or fold models not at hand"
        notes.append(f"Bagged from the cross-validation's {n_folds} fold models: "
                     f"{', '.join(o.name for o, _ in members if o.number in bag)}; refitted on all rows ({why}): "
                     f"{', '.join(refitted)}.")
    estimator = parts[0][1] if len(parts) == 1 else fitted_blend(parts, spec)
    conversion = sum(export_s(bag_size_kb([o]) if o.number in bag else o.size_kb, o.family) for o, _ in members)
    return FinalModel(estimator, ENSEMBLE_NAME, np.zeros(0), spec.n_folds if bag else 0, conversion,
                      blend_cost([o for o, _ in members], bag))


def members_to_bag(members: list[tuple[TrialOutcome, float]], spec: TaskSpec, budget_s: float) -> set[int]:
    """The members to bag: those whose bag is worth its conversion (``member_plan``), smallest first, while their
    fold models fit the bag's size cap together (``can_bag``); the others are refitted on all rows."""
    chosen: list[TrialOutcome] = []
    for outcome, _ in sorted(members, key=lambda m: bag_size_kb([m[0]])):
        if member_plan(outcome, spec, budget_s)[0] and can_bag([*chosen, outcome]):
            chosen.append(outcome)
    return {o.number for o in chosen}


def _blend_s(members: list[tuple[TrialOutcome, float]], bag: set[int], n_folds: int) -> float:
    """Converting the bagged members, refitting (and converting) the others."""
    return sum(BAG_MARGIN * export_s(bag_size_kb([o]), o.family) if o.number in bag
               else o.fit_time_s / n_folds * 1.3 + BAG_MARGIN * export_s(o.size_kb, o.family) for o, _ in members)


def _fits(seconds: float, final: float) -> bool:
    return time.monotonic() + seconds + TAIL_FIXED_S / 2 <= final


def refit_pipeline(outcome: TrialOutcome | TrialRecord, spec: TaskSpec, schema: tuple[InputColumn, ...],
                   n_rows: int) -> Any:
    """An unfitted pipeline of this trial for all rows: boosters get 10 % more rounds than their folds' mean."""
    from sklearn.pipeline import Pipeline

    family = FAMILIES[outcome.family]
    params = outcome.params
    if family.grows_iterations and outcome.best_iterations:
        grown = np.mean(outcome.best_iterations)  # all rows: a little more for boosters, as many trees for forests
        scale = REFIT_EXTRA_ROUNDS if family.name not in FORESTS else 1.0
        if family.name in FORESTS and grown < float(family.unprefixed(params).get("n_estimators", np.inf)):
            scale = (spec.n_folds - 1) / spec.n_folds  # stopped at the size cap: trees grow with the rows
        params = family.with_iterations(params, int(np.ceil(grown * scale)))
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    model = family.build(params, spec.task, seed=spec.seed, threads=n_threads(n_rows))
    return Pipeline([("prep", prep), ("model", model)])


def refit(trial: TrialOutcome | TrialRecord, X: pd.DataFrame, y: np.ndarray, spec: TaskSpec,
          schema: tuple[InputColumn, ...]) -> Any:
    """This trial's pipeline fitted on all rows, or on the share of them it trained on (memory pre-flight)."""
    pipeline = refit_pipeline(trial, spec, schema, len(X))
    if trial.row_fraction < 1.0:
        rows = subsample_rows(np.arange(len(y)), y, trial.row_fraction, seed=spec.seed,
                              classification=spec.task.is_classification)
        X, y = X.iloc[rows], y[rows]
    weights = class_weights(y, spec)
    return pipeline.fit(X, y, **({} if weights is None else {"model__sample_weight": weights}))


def refit_members(X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...],
                  members: list[tuple[str, TrialOutcome | TrialRecord, float]]) -> Any:
    """A soft-voting blend of these trials' pipelines, refitted on all rows."""
    return fitted_blend([(name, refit(trial, X, y, spec, schema), w) for name, trial, w in members], spec)


def total_size(sizes: Iterable[float | None]) -> float | None:
    known = list(sizes)
    return None if any(s is None for s in known) else float(sum(s for s in known if s is not None))
