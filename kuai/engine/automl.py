"""Orchestration: search → leaderboard → ensemble → refit → explain, inside one budget.

The budget bounds the whole command; every stage reads its deadline from one plan (``kuai.engine.budget``). The
search ends early enough for the tail (refit, explanation, export, report), whose cost the plan re-estimates from
the measured fit times and sizes of the models that the refit would need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.budget import MONOTONIC, BudgetPlan, Clock, after_refit, late_start_note, plan_budget, revised
from kuai.engine.data.column_selection import columns_for, inputs_of, read_by_model
from kuai.engine.data.option_checks import check_families
from kuai.engine.errors import BudgetError, CancelledError, TargetError
from kuai.engine.explain.permutation import PermutationOutcome, permutation_outcome
from kuai.engine.explain.step import explain_pending
from kuai.engine.metrics import get_metric
from kuai.engine.models import Deadline, default_order, n_threads
from kuai.engine.prepare import prepare
from kuai.engine.report.summary import no_better_note
from kuai.engine.results import PendingExplanation, Prepared, TrainingResult, scored_only, spread
from kuai.engine.search.fidelity import sampled_note
from kuai.engine.search.fold_spill import FoldSpill
from kuai.engine.search.folds import scored_rows
from kuai.engine.search.optimize import OutcomeStore, SearchInputs, SearchResult, held_out_model, run_search
from kuai.engine.search.trials import TrialOutcome, drop_fold_models
from kuai.engine.search.warm_start import PastRun, data_traits, nearest_run
from kuai.engine.select import tail_cost
from kuai.engine.select.ensemble import EnsembleSelection
from kuai.engine.select.final import ENSEMBLE_NAME, final_model, refit, refit_members
from kuai.engine.select.holdout_score import holdout_line, score_holdout
from kuai.engine.select.leaderboard import build_leaderboard, ensemble_notes
from kuai.engine.select.limits import LimitsOutcome
from kuai.engine.select.stacking import STACK_NAME, TOP_FAMILY, Stack, fit_stack, held_out_stack
from kuai.engine.types import (
    LeaderboardEntry,
    ProgressEvent,
    SearchBudget,
    TaskSpec,
    TrialRecord,
)

logger = logging.getLogger(__name__)
KEPT_MODELS = 50  # the best models whose out-of-fold predictions are kept (to compare, and to export later) ...
KEPT_VALUES = 25_000_000  # ... within this many stored numbers (100 MB as float32)


ProgressFn = Callable[[ProgressEvent], None]


def train(
    frame: pd.DataFrame, spec: TaskSpec, *, budget: SearchBudget, started_at: float | None = None,
    progress: ProgressFn | None = None, should_stop: Callable[[], bool] = lambda: False,
    storage: str | None = None, study_name: str = "kuai", store: OutcomeStore | None = None,
    past: Sequence[PastRun] = (), spill_folder: Path | None = None, defer_shap: bool = False,
    clock: Clock = MONOTONIC,
) -> TrainingResult:
    """Train within ``budget.time_budget_s`` seconds counted from ``started_at`` (``clock``'s time, monotonic).

    ``past``: earlier trainings (``kuai.engine.search.warm_start``); the search starts from the nearest one's best
    models.
    ``spill_folder``: where the fold models kept for bagging wait on disk during the search, in a folder of their
    own that is removed before this returns (``kuai.engine.search.fold_spill``); None keeps them in memory.
    ``defer_shap``: leave the SHAP explanation pending, for after the export (``kuai.engine.explain.step``).

    With an RDB ``storage`` and a ``store``, finished trials outlive the process; a later call on the same
    study resumes it: the trials finished before count, the one that was running is marked failed.
    """
    started = started_at if started_at is not None else clock.now()
    check_families(budget.families)  # before the rows are prepared: a misspelt family fails at once
    prepared = prepare(frame, spec, time_budget_s=budget.time_budget_s)
    return train_prepared(prepared, budget=budget, started_at=started, progress=progress, should_stop=should_stop,
                          storage=storage, study_name=study_name, store=store, past=past, spill_folder=spill_folder,
                          defer_shap=defer_shap, clock=clock)


def train_prepared(
    prepared: Prepared, *, budget: SearchBudget, started_at: float | None = None,
    progress: ProgressFn | None = None, should_stop: Callable[[], bool] = lambda: False,
    storage: str | None = None, study_name: str = "kuai", store: OutcomeStore | None = None,
    past: Sequence[PastRun] = (), spill_folder: Path | None = None, defer_shap: bool = False,
    clock: Clock = MONOTONIC,
) -> TrainingResult:
    """``train`` on rows already prepared (``prepare``). A caller that lets go of its table first holds only the
    model frame during the search: on a million rows of 50 columns, 435 MB less than the table as read."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads(len(prepared.y)), user_api="openmp"):
        return _train(prepared, budget=budget, started_at=started_at, progress=progress, should_stop=should_stop,
                      storage=storage, study_name=study_name, store=store, past=past, spill_folder=spill_folder,
                      defer_shap=defer_shap, clock=clock)


def _train(
    prepared: Prepared, *, budget: SearchBudget, started_at: float | None,
    progress: ProgressFn | None, should_stop: Callable[[], bool], storage: Any, study_name: str,
    store: OutcomeStore | None = None, past: Sequence[PastRun] = (), spill_folder: Path | None = None,
    defer_shap: bool = False, clock: Clock = MONOTONIC,
) -> TrainingResult:
    started = started_at if started_at is not None else clock.now()
    check_families(budget.families)
    traits = data_traits(prepared)
    source = nearest_run(traits, past, budget.families or default_order())
    notes = []
    if late := late_start_note(clock.now() - started, budget.time_budget_s):
        notes.append(late)
        _emitter(progress, started, budget.time_budget_s, clock)("search", late, {})
    if source is not None:
        notes.append(f"The search started from the {len(source.configs)} best models of an earlier training on "
                     f"similar data ({source.name}: {source.traits.text()}), then went on as usual.")
        _emitter(progress, started, budget.time_budget_s, clock)("search", notes[-1], {})
    spill = FoldSpill(spill_folder) if spill_folder is not None else None
    try:
        result, records = search_phase(prepared, budget=budget, started=started, progress=progress,
                                       should_stop=should_stop, storage=storage, study_name=study_name, store=store,
                                       warm_configs=source.configs if source is not None else (), spill=spill,
                                       clock=clock)
        training = finish_phase(prepared, result, records, budget=budget, started=started, progress=progress,
                                should_stop=should_stop, defer_shap=defer_shap, clock=clock)
    finally:  # the chosen model holds what it needs of the fold models: the files go
        if spill is not None:
            spill.close()
    return replace(training, traits=traits, warm_start=source, notes=[*notes, *training.notes])


def search_phase(
    prepared: Prepared, *, budget: SearchBudget, started: float, progress: ProgressFn | None,
    should_stop: Callable[[], bool], storage: Any, study_name: str, store: OutcomeStore | None,
    worker: str = "", shared: bool = False, max_trials: int | None = None,
    warm_configs: Sequence[dict[str, Any]] = (), spill: FoldSpill | None = None, clock: Clock = MONOTONIC,
) -> tuple[SearchResult, list[TrialRecord]]:
    """Search until the budget plan's ``search_until``, revised after every trial with the measured tail.

    ``shared``: the study is shared with other processes (scale-out): this one only adds trials to it,
    never enqueues the portfolio twice nor fails another process's running trial.
    """
    spec, schema, X, y = prepared.spec, prepared.schema, prepared.X, prepared.y
    plan = plan_budget(budget.time_budget_s, started=started, n_inputs=_export_inputs(prepared))
    emit = _emitter(progress, started, budget.time_budget_s, clock)
    for note in prepared.notes:  # rows left out, fewer folds, values not used as given: also on the model card
        emit("profiling", note, {})
    if prepared.selection is not None:
        emit("search", prepared.selection.note(), {"selection": prepared.selection})
    emit("search", f"Searching models on {len(X):,} rows, "
         f"{len(columns_for(schema, prepared.selection, 0)):,} columns", {})
    search_deadline = Deadline(plan.search_until)
    likely_members = tail_cost.LikelyMembers(y, get_metric(spec.metric), spec.task, clock=clock)
    records: list[TrialRecord] = []

    def on_trial(record: TrialRecord) -> None:
        records.append(record)
        emit("trial", _trial_message(record), {"trial": record})

    def end_in_time(found: SearchResult) -> None:  # the search ends early enough for the tail measured so far
        def planned(members: list[TrialOutcome] | None) -> tuple[float, float]:
            tail_s = tail_cost.tail_cost_s(found, spec, budget.time_budget_s, shared=shared, members=members,
                                           ensemble_s=likely_members.selection_s(found), limits=budget.limits)
            return tail_s, revised(plan, tail_reserve_s=tail_s).search_until

        remaining = search_deadline.remaining()
        members = None if shared else likely_members(found, remaining)
        tail_s, until = planned(members)
        if members is not None and likely_members.stale(found) \
                and until < planned(likely_members.selected(found) or None)[1] - likely_members.selection_s(found):
            guessed = until
            members = likely_members(found, remaining, now=True)  # the newer trials guessed in cut the search
            tail_s, until = planned(members)
            logger.info("the likely blend selected again: the search ends %.1f s later than a guess said",
                        until - guessed)
        search_deadline.at = until
        logger.info("after %d trials: the tail is planned at %.1f s (members %s; selecting them %.1f s); the search "
                    "ends %.1f s from now", len(found.outcomes), tail_s,
                    None if members is None else [o.name for o in members], likely_members.selection_s(found),
                    search_deadline.remaining())

    result = run_search(SearchInputs(
        X, y, spec=spec, schema=schema, selection=prepared.selection, folds=prepared.folds,
        deadline=search_deadline,
        first_deadline=Deadline(plan.first_trial_until), update_deadline=end_in_time,
        first_model_by=time.monotonic() + plan.first_model_by - clock.now(), trial_s=plan.trial_s,
        max_trials=budget.max_trials if max_trials is None else max_trials, by_family=plan.prunes_by_family,
        stop_when_perfect=not budget.limits.any,  # a perfect model may be too slow or too big for the limits
        families=budget.families, warm_configs=warm_configs, storage=storage, study_name=study_name, store=store,
        spill=spill, worker=worker, shared=shared, on_trial=on_trial, should_stop=should_stop,
    ))
    if result.stopped_early:
        emit("search", result.stopped_early, {"stopped_early": True})
    return result, records


def finish_phase(
    prepared: Prepared, result: SearchResult, records: list[TrialRecord], *, budget: SearchBudget, started: float,
    progress: ProgressFn | None, should_stop: Callable[[], bool] = lambda: False, defer_shap: bool = False,
    clock: Clock = MONOTONIC,
) -> TrainingResult:
    """Ensemble, leaderboard, refit and explanation of a finished search, inside what is left of the budget.

    ``defer_shap``: the result's SHAP explanation is left pending, for after the export (``kuai.engine.explain.step``).
    """
    spec, y, schema, X = prepared.spec, prepared.y, prepared.schema, prepared.X
    plan = plan_budget(budget.time_budget_s, started=started, n_inputs=_export_inputs(prepared))
    emit = _emitter(progress, started, budget.time_budget_s, clock)
    if should_stop():
        raise CancelledError("Training was cancelled.")
    failures = [t for t in result.trials if t.state == "failed"]
    if not result.outcomes and failures and len(failures) == len(result.trials):
        raise TargetError(f"Every model failed on this data; the first said: {failures[0].message}",
                          code="ALL_MODELS_FAILED")
    if not result.outcomes:
        raise BudgetError(f"No model finished within the budget of {budget.time_budget_s:.0f} s. "
                          "Raise the time budget or sample the rows.")
    timings = {"search_s": clock.now() - started}
    metric = get_metric(spec.metric)
    selecting = clock.now()
    among, too_slow = tail_cost.exportable(result, spec, plan.refit_until - selecting)
    ensemble = tail_cost.likely_ensemble(among, y, metric, spec.task, nested=True)
    logger.info("the ensemble of %d trials selected in %.1f s", len(result.outcomes), clock.now() - selecting)
    # after a perfect-score stop a stack could only tie, and rank below the smaller models it is made of
    stack = None if result.stopped_early else _stack_in_time(prepared, result, budget, plan, emit, clock, ensemble)
    leaderboard = build_leaderboard(result, ensemble, spec, stack)
    emit("refit", f"Preparing {leaderboard[0].model} for export", {"leaderboard": leaderboard})
    memory = [family for family in result.memory.values() if family.row_fraction < 1.0]
    notes: list[str] = [*spec.notes, *prepared.notes, *(family.note for family in memory)]  # spec: merged labels, dates
    notes += [result.stopped_early] if result.stopped_early else []
    shares = {name: plan.row_fraction for name, plan in result.memory.items()}
    if note := sampled_note([o.row_fraction for o in result.outcomes.values()
                             if o.row_fraction < shares.get(o.family, 1.0)], len(result.promoted)):
        notes.append(note)
    notes += ensemble_notes(result, ensemble, leaderboard, metric)
    if too_slow and ensemble is not None:
        notes.append(f"Left out of the ensemble: {', '.join(too_slow)}. Neither bagging nor refitting "
                     f"{'it' if len(too_slow) == 1 else 'them'} would be done in the time left.")
    if spec.class_weight == "balanced":
        notes.append("Trained with balanced class weights: each class counted as much as the others, so rare classes "
                     "weigh more. The probabilities lean towards rare classes; they are not the observed frequencies.")
    chosen = final_model(X, y, spec, prepared.refit_schema, result, leaderboard=leaderboard, plan=plan,
                         ensemble=ensemble, limits=budget.limits, stack=stack, clock=clock)
    notes += chosen.notes
    estimator, name, oof = chosen.estimator, chosen.name, chosen.oof
    exported = next(e for e in leaderboard if e.model == name)
    if no_better := no_better_note(spec, y, exported.score, exported.score_std):
        notes.insert(0, no_better)
        emit("refit", no_better, {})
    spec, schema = read_by_model(estimator, spec, schema, prepared.selection)  # what the exported model reads
    holdout = score_holdout(prepared, estimator, schema)
    if holdout is not None:
        emit("refit", holdout_line(holdout, spec), {"holdout": holdout})
    if prepared.selection is not None:
        notes.insert(0, prepared.selection.note(len(schema)))
    drop_fold_models(result, members=set(_weights_of(name, result, ensemble)),
                      stacked={o.number for o in stack.base} if name == STACK_NAME and stack is not None else set())
    timings["refit_s"] = clock.now() - started - timings["search_s"]
    emit("explain", "Checking which columns matter on the held-out fold" if defer_shap
         else "Explaining the model with SHAP", {})
    # what is left once the export and report have their share (about half the refit, or the conversion's cost):
    # permutation importance gets its share of it now, while the held-out fold's models are in memory; SHAP the rest
    plan = after_refit(plan, refit_s=timings["refit_s"], conversion_s=chosen.export_s)
    held_out = held_out_stack(stack, result, spec) if name == STACK_NAME and stack is not None \
        else held_out_model(result, _weights_of(name, result, ensemble), spec)
    shuffling, share_s = clock.now(), plan.permutation_s(clock.now())
    permutation = permutation_outcome(held_out, X, y, spec=spec, schema=schema, seed=spec.seed, time_budget_s=share_s)
    logger.info("permutation importance in %.1f s (its share: %.1f s)", clock.now() - shuffling, share_s)
    del held_out
    pending = PendingExplanation(original_rows=prepared.index.to_numpy(), permutation=permutation, plan=plan,
                                 shap_s=plan.shap_s(clock.now()))
    timings["explain_s"] = clock.now() - started - timings["search_s"] - timings["refit_s"]
    training = TrainingResult(spec=spec, schema=schema, estimator=estimator, model_name=name,
                              leaderboard=leaderboard, trials=records or list(result.trials), oof=oof, y=y,
                              model_frame=inputs_of(X, schema), explanation=None, timings=timings, notes=notes,
                              model_oofs=_best_oofs(leaderboard, result, ensemble, name, stack),
                              bagged_folds=chosen.bagged_folds, memory=memory,
                              limits=LimitsOutcome(budget.limits, chosen.cost, chosen.within_limits,
                                                   chosen.limits_note),
                              pending_explanation=pending, holdout=holdout)
    training = scored_only(replace(training, n_rows_trained=len(y)), scored_rows(result.folds, len(y)))
    return training if defer_shap else explain_pending(training)


def _export_inputs(prepared: Prepared) -> int:
    """The inputs whose export the plan keeps time for: the model frame's columns, and each text column's terms and
    character grams (its TF-IDF is converted once per fold model; measured ~0.25 s for 1,000 terms on 2 cores)."""
    return prepared.X.shape[1] + sum(column.terms + column.grams for column in prepared.schema if column.is_text)


def refit_model(prepared: Prepared, members: list[tuple[TrialRecord, float]]) -> Any:
    """Refit one trial's pipeline, or a soft-voting blend of several, on all rows (as training refits its choice)."""
    if len(members) == 1:
        return refit(members[0][0], prepared.X, prepared.y, prepared.spec, prepared.refit_schema)
    return refit_members(prepared.X, prepared.y, prepared.spec, prepared.refit_schema,
                         [(f"{t.family}_{t.number}", t, w) for t, w in members])


def result_for_model(
    prepared: Prepared, estimator: Any, *, model_name: str, leaderboard: list[LeaderboardEntry],
    trials: list[TrialRecord], oof: np.ndarray, explain_budget_s: float = 30.0,
) -> TrainingResult:
    """A TrainingResult for a model refitted after training (any model the leaderboard kept), explained by SHAP."""
    pending = PendingExplanation(
        original_rows=prepared.index.to_numpy(), shap_s=explain_budget_s,
        plan=plan_budget(float("inf"), started=0.0),
        permutation=PermutationOutcome(note="Permutation importance is computed for the model chosen at training "
                                            "only."))
    spec, schema = read_by_model(estimator, prepared.spec, prepared.schema, prepared.selection)
    scored = scored_rows(prepared.folds, len(prepared.y))  # ``oof``: as the training kept it, its scored rows
    return explain_pending(scored_only(TrainingResult(
        spec=spec, schema=schema, estimator=estimator, model_name=model_name,
        leaderboard=leaderboard, trials=trials, oof=spread(oof, scored, len(prepared.y)), y=prepared.y,
        model_frame=inputs_of(prepared.X, schema), explanation=None, n_rows_trained=len(prepared.y),
        holdout=score_holdout(prepared, estimator, schema), pending_explanation=pending), scored))


def _stack_in_time(prepared: Prepared, result: SearchResult, budget: SearchBudget, plan: BudgetPlan,
                   emit: Callable[..., None], clock: Clock, ensemble: EnsembleSelection | None) -> Stack | None:
    """The stacking layer, when fitting and exporting it ends by the plan's ``stack_until``, and early enough for
    the ensemble's bag or refit should the stack not be exported (``kuai.engine.select.stacking``)."""
    if budget.families and TOP_FAMILY not in budget.families:  # the user left its top model's family out
        return None
    seconds = tail_cost.stack_s(result, prepared.spec)
    members = [result.outcomes[n] for n in ensemble.weights] if ensemble is not None else []
    ends = min(plan.stack_until, plan.refit_until - tail_cost.final_blend_s(result, prepared.spec, budget.time_budget_s,
                                                                  members, limits=budget.limits))
    if not np.isfinite(seconds) or clock.now() + seconds > ends:
        return None
    emit("ensemble", "Stacking: a LightGBM learns from the inputs and the best models' predictions", {})
    until = Deadline(ends - (seconds - tail_cost.stack_fit_s(result, prepared.spec)))  # its conversion follows
    return fit_stack(prepared.X, prepared.y, prepared.spec, prepared.schema, result, until, prepared.selection)


def _best_oofs(leaderboard: list[LeaderboardEntry], result: SearchResult, ensemble: EnsembleSelection | None,
               chosen: str, stack: Stack | None = None) -> dict[str, np.ndarray]:
    by_name = {o.name: o.oof for o in result.outcomes.values()}
    if ensemble is not None:
        by_name[ENSEMBLE_NAME] = ensemble.oof
    if stack is not None:
        by_name[STACK_NAME] = stack.top.oof
    per_model = max((o.oof.size for o in result.outcomes.values()), default=1)
    names = [e.model for e in leaderboard[:max(2, min(KEPT_MODELS, KEPT_VALUES // per_model))]]
    if chosen not in names:
        names.append(chosen)
    return {n: by_name[n] for n in names if n in by_name}


def _weights_of(name: str, result: SearchResult, ensemble: EnsembleSelection | None) -> dict[int, float]:
    """The trials behind the exported model and their weights."""
    if name == ENSEMBLE_NAME and ensemble is not None:
        return dict(ensemble.weights)
    return {o.number: 1.0 for o in result.outcomes.values() if o.name == name}


def _trial_message(record: TrialRecord) -> str:
    if record.state == "complete" and record.score is not None:
        return f"trial {record.number} {record.family}: {record.score:.4f}"
    return f"trial {record.number} {record.family}: {record.state}"


def _emitter(progress: ProgressFn | None, started: float, budget_s: float, clock: Clock) -> Callable[..., None]:
    def emit(stage: str, message: str, data: dict[str, Any]) -> None:
        elapsed = clock.now() - started
        if progress is not None:
            progress(ProgressEvent(stage=stage, message=message, fraction=min(1.0, elapsed / budget_s),
                                   elapsed_s=elapsed, data=data))

    return emit
