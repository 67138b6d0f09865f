"""The model a training exports: bagged from the search's fold models where they fit, else refitted on all rows.

See ``kuai.engine.select.bagging`` for why bagging is the default, and ``docs/search.md`` for the measurements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.budget import BAG_MARGIN, MONOTONIC, BudgetPlan, Clock
from kuai.engine.data.task import class_weights
from kuai.engine.metrics import get_metric
from kuai.engine.models import FAMILIES, n_threads, text
from kuai.engine.models.preprocessing import build_preprocessor, fit_and_encode
from kuai.engine.search.fold_spill import SpillError
from kuai.engine.search.memory import subsample_rows
from kuai.engine.search.trials import SearchResult, TrialOutcome
from kuai.engine.select.bagging import can_bag, fitted_blend, fold_pipelines
from kuai.engine.select.ensemble import EnsembleSelection
from kuai.engine.select.limits import ModelCost, blend_cost, overshoot, within
from kuai.engine.select.stacking import STACK_MARGIN, STACK_NAME, Stack
from kuai.engine.select.tail_cost import blend_s, conversion_s, members_to_bag
from kuai.engine.types import InputColumn, LeaderboardEntry, Limits, TaskSpec, TrialRecord

logger = logging.getLogger(__name__)
ENSEMBLE_NAME = "ensemble"


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
    notes: tuple[str, ...] = ()  # what the user must be told of the choice: rows passed over, bagged or refitted


def final_model(
    X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...], result: SearchResult, *,
    leaderboard: list[LeaderboardEntry], plan: BudgetPlan, ensemble: EnsembleSelection | None = None,
    limits: Limits | None = None, stack: Stack | None = None, clock: Clock = MONOTONIC,
) -> FinalModel:
    """The model to export: the best leaderboard row within the limits, with its members bagged from their fold
    models where those fit (size, conversion time until the plan's ``refit_until``, the limits) and refitted on
    all rows otherwise; rows that fit neither way give their place to the next one. ``stack``: the stacking
    layer behind the leaderboard's stack row (``kuai.engine.select.stacking``), exported as fitted. What it had to
    leave out or chose for the limits is in the model's ``notes``, in the order it was decided."""
    time_left = _TimeLeft(plan.refit_until, clock)
    budget_s = plan.budget_s
    limits = limits or Limits()
    by_name = {o.name: o for o in result.outcomes.values()}

    def members_of(row: LeaderboardEntry) -> list[tuple[TrialOutcome, float]]:
        if row.is_ensemble and ensemble is not None:
            return [(result.outcomes[n], w) for n, w in ensemble.weights.items()]
        return [(by_name[row.model], 1.0)]

    passed_over: list[str] = []
    notes: list[str] = []  # of the rows tried before the one exported
    for row in leaderboard:
        if row.model == STACK_NAME:
            if stack is None:
                continue
            runner_up = next((r for r in leaderboard if r.model != STACK_NAME), None)
            if runner_up is not None and not clearly_better(row.score, runner_up.score, spec.metric):
                notes.append(f"The stack scored {row.score:.4g} against {runner_up.score:.4g} for {runner_up.model}: "
                             f"less than the {STACK_MARGIN:.0%} margin a stack must win by (its score, measured on "
                             "the folds its base models were scored on, is a little optimistic), so it was not "
                             "exported.")
                continue
            if not within(blend_cost(stack.parts, {o.number for o in stack.parts}, spec.task), limits):
                passed_over.append(row.model)
                continue
            chosen, stack_note = _stacked(stack, spec, time_left)
            if chosen is None:
                notes.append(stack_note)
                continue
            members = [(stack.top, 1.0)]
        else:
            members = members_of(row)
            bag = members_to_bag([o for o, _ in members], spec, budget_s, limits=limits)  # none, if bags break them
            if not within(blend_cost([o for o, _ in members], bag, spec.task), limits):
                passed_over.append(row.model)
                continue
            chosen = _blend_members(X, y, spec, schema, members, len(result.folds), time_left,
                                    bag=bag, must=not row.is_ensemble)
            if chosen is None:
                notes.append("The ensemble scored best but could not be bagged or refitted within the budget; "
                             "the next model on the leaderboard was exported instead.")
                continue
        note = _within_limits_note(row, chosen.cost, passed_over, limits)
        return replace(chosen, name=row.model, oof=ensemble.oof if row.is_ensemble and ensemble is not None
                       else members[0][0].oof, within_limits=True if limits.any else None, limits_note=note,
                       notes=(*notes, *chosen.notes, *([note] if note else [])))
    # nothing within the limits: the single model closest to them, refitted
    single = [r for r in leaderboard if not r.is_ensemble and r.model != STACK_NAME]
    closest = min(single, key=lambda r: overshoot(blend_cost([o for o, _ in members_of(r)], set(), spec.task), limits))
    outcome = members_of(closest)[0][0]
    chosen = _blend_members(X, y, spec, schema, [(outcome, 1.0)], len(result.folds), time_left, bag=set(), must=True)
    assert chosen is not None
    note = (f"No model is within the limits ({limits.text()}); the closest, {closest.model}, was exported "
            f"({chosen.cost.text()}).")
    return replace(chosen, name=closest.model, oof=outcome.oof, within_limits=False, limits_note=note,
                   notes=(*notes, *chosen.notes, note))


def clearly_better(stack_score: float, other_score: float, metric_name: str) -> bool:
    """The stack's score beats the other's by ``STACK_MARGIN`` of the other's error (1 - score for scores up to
    1, such as ROC AUC; the loss itself for losses)."""
    metric = get_metric(metric_name)
    error = 1.0 - other_score if metric.greater_is_better else other_score
    return metric.loss(other_score) - metric.loss(stack_score) > STACK_MARGIN * abs(error)


def _stacked(stack: Stack, spec: TaskSpec, time_left: _TimeLeft) -> tuple[FinalModel | None, str]:
    """The stack as fitted (every part bagged), when its bags fit the size cap and converting them the time left
    (its note says what it is made of); else None, and the note says why not."""
    parts = stack.parts
    conversion = conversion_s(parts, {o.number for o in parts})
    if not can_bag(parts) or not time_left.fits(BAG_MARGIN * conversion):
        return None, ("The stack scored best but its models are too big to export within the budget; the next "
                      "model on the leaderboard was exported instead.")
    try:
        estimator = stack.estimator(spec)
    except SpillError as exc:
        logger.warning("stack: %s", exc)
        return None, ("The stack scored best but its fold models, kept on disk during the search, could not be "
                      "read back; the next model on the leaderboard was exported instead.")
    k = len(stack.top.fold_models or ())
    note = (f"The model stacks a LightGBM on the input columns and the predictions of {len(stack.base)} base "
            f"models ({', '.join(o.name for o in stack.base)}); each of them, and the LightGBM, is the "
            f"average of its {k} fold models (bagging).")
    return FinalModel(estimator, STACK_NAME, stack.top.oof, k, conversion,
                      blend_cost(parts, {o.number for o in parts}, spec.task), notes=(note,)), note


def _within_limits_note(row: LeaderboardEntry, cost: ModelCost, passed_over: list[str], limits: Limits) -> str:
    """Which row the limits chose and which better ones they passed over; empty when no limits were set."""
    if passed_over:
        return (f"Within the limits ({limits.text()}): {row.model}, rank {row.rank}, {cost.text()}; "
                f"{_listed(passed_over)} scored better but would cost more.")
    if limits.any:
        return f"The best model, {row.model}, is within the limits ({limits.text()}): {cost.text()}."
    return ""


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _blend_members(X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...],
                   members: list[tuple[TrialOutcome, float]], n_folds: int, time_left: _TimeLeft,
                   *, bag: set[int], must: bool = False) -> FinalModel | None:
    """Bag the members in ``bag``, refit the rest; when that would not fit the time left, refit members instead of
    bagging them (``fitting_bag``); None when even refitting all would not fit (unless ``must``: one model is always
    exported, refitted if its bag does not fit). Its notes say which members were bagged and which refitted."""
    fitting = fitting_bag([o for o, _ in members], bag, spec, time_left)
    if fitting is None:
        if not must:
            return None
        fitting = set()
    planned, bag = bag, fitting
    parts: list[tuple[str, Any, float]] = []
    unread: set[int] = set()  # fold models kept on disk that could not be read back: refitted instead
    for outcome, weight in members:
        if outcome.number in bag:
            try:
                parts.extend(fold_pipelines(outcome, weight))
                continue
            except SpillError as exc:
                logger.warning("%s: %s", outcome.name, exc)
                outcome.fold_models, bag, unread = None, bag - {outcome.number}, unread | {outcome.number}
        parts.append((outcome.name, refit(outcome, X, y, spec, schema), weight))
    notes: list[str] = []
    if unread:
        notes.append("Refitted on all rows because their fold models, kept on disk during the search, could not be "
                     f"read back: {', '.join(o.name for o, _ in members if o.number in unread)}.")
        planned = planned - unread
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
    if planned - bag:
        notes.append("Refitted on all rows rather than bagged, so that the export fits the time left: "
                     f"{', '.join(o.name for o, _ in members if o.number in planned - bag)}.")
    estimator = parts[0][1] if len(parts) == 1 else fitted_blend(parts, spec)
    conversion = conversion_s([o for o, _ in members], bag)
    return FinalModel(estimator, ENSEMBLE_NAME, np.zeros(0), spec.n_folds if bag else 0, conversion,
                      blend_cost([o for o, _ in members], bag, spec.task), notes=tuple(notes))


def fitting_bag(members: list[TrialOutcome], bag: set[int], spec: TaskSpec, time_left: _TimeLeft) -> set[int] | None:
    """The members to bag so that the blend fits the time left: ``bag`` itself, or it less the members whose bag
    costs the most beyond their refit (a bag converts k models, a refit fits and converts one); None when even
    refitting every member would not fit."""
    bag = set(bag)
    by_number = {o.number: o for o in members}

    def saving(number: int) -> float:
        outcome = [by_number[number]]
        return blend_s(outcome, {number}, spec) - blend_s(outcome, set(), spec)

    while not time_left.fits(blend_s(members, bag, spec)):
        costliest = max(bag, key=saving, default=None)
        if costliest is None or saving(costliest) <= 0:
            return None
        bag.discard(costliest)
    return bag


@dataclass(frozen=True)
class _TimeLeft:
    """Whether work of a given cost, started now, ends by ``until`` (the plan's ``refit_until``)."""

    until: float
    clock: Clock

    def fits(self, seconds: float) -> bool:
        return self.clock.now() + seconds <= self.until


def refit_pipeline(outcome: TrialOutcome | TrialRecord, spec: TaskSpec, schema: tuple[InputColumn, ...],
                   n_rows: int) -> Any:
    """An unfitted pipeline of this trial for all rows: boosters get 10 % more rounds than their folds' mean, forests
    as many trees (``ModelFamily.refit_iterations``)."""
    from sklearn.pipeline import Pipeline

    family = FAMILIES[outcome.family]
    params = outcome.params
    if family.grows_iterations and outcome.best_iterations:
        grown = float(np.mean(outcome.best_iterations))
        params = family.with_iterations(params, family.refit_iterations(params, grown, n_folds=spec.n_folds))
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale, grams=text.grams_share(params))
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
    prep, model = pipeline.steps[0][1], pipeline.steps[-1][1]
    FAMILIES[trial.family].fit_all_rows(model, fit_and_encode(prep, X, seed=spec.seed), y,
                                        sample_weight=class_weights(y, spec))
    return pipeline


def refit_members(X: pd.DataFrame, y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...],
                  members: list[tuple[str, TrialOutcome | TrialRecord, float]]) -> Any:
    """A soft-voting blend of these trials' pipelines, refitted on all rows."""
    return fitted_blend([(name, refit(trial, X, y, spec, schema), w) for name, trial, w in members], spec)


def total_size(sizes: Iterable[float | None]) -> float | None:
    known = list(sizes)
    return None if any(s is None for s in known) else float(sum(s for s in known if s is not None))
