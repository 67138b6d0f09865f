"""Optuna search over the fixed-shape pipeline: family, encoder and hyperparameters.

Known-good configurations are enqueued first (cheapest first), then TPE explores. Each trial is k-fold
cross-validated, on the share of the rows its predicted time fits (``kuai.engine.search.fidelity``); the running
mean loss is reported after every fold so the median pruner can stop weak trials early, and boosting fits
early-stop on their validation fold. The search ends at its deadline; a fit running at it is stopped, its trial lost.
"""

from __future__ import annotations

import logging
import time
import zlib
from typing import Any

import numpy as np
import optuna

from kuai.engine.budget import TAIL_OF_REFIT
from kuai.engine.data.column_selection import columns_for
from kuai.engine.errors import BudgetError, is_disk_full, shown_text
from kuai.engine.metrics import get_metric
from kuai.engine.models import (
    FAMILIES,
    REFIT_EXTRA_ROUNDS,
    DataShape,
    Deadline,
    ModelFamily,
    available_cores,
    default_order,
    text,
)
from kuai.engine.models.preprocessing import input_width
from kuai.engine.search.fidelity import Fidelity, Promotion, TrialSize, fit_threads
from kuai.engine.search.fold_cache import FoldMatrices, Matrices
from kuai.engine.search.fold_fits import fit_fold_models
from kuai.engine.search.folds import make_folds, n_scored, refit_rows_factor
from kuai.engine.search.inputs import SearchInputs
from kuai.engine.search.memory import FamilyMemory, search_memory, size_text, trim_heap
from kuai.engine.search.portfolio import PortfolioQueue, perfect_note, portfolio
from kuai.engine.search.study import SETTLE_TRIES, Ended, PendingTells, lost_storage, open_search_study
from kuai.engine.search.trials import (
    HeldOutModel,
    OutcomeStore,
    SearchResult,
    TrialOutcome,
    by_score,
    collect_trials,
    held_out_model,
    keep_fold_models,
    predict_output,
    restore_trials,
    size_kb,
    trial_record,
)
from kuai.engine.select.bagging import MAX_BAG_ONNX_MB, bag_onnx_mb

__all__ = ["HeldOutModel", "OutcomeStore", "SearchInputs", "SearchResult", "TrialOutcome", "collect_trials",
           "held_out_model", "keep_fold_models", "make_folds", "restore_trials", "run_search", "trial_record"]

logger = logging.getLogger(__name__)
FIRST_TRIAL_SHARE = 0.5  # of the search window: the first model may use this much, so others still get a turn ...
TRIAL_SHARE = 0.3  # ... and any later one this much (boosters and forests stop early at it; their model counts)
FIRST_MODEL_ROUNDS = 20  # the first model's boosters are not stopped by the deadline before this many rounds
PROMOTED = "promoted_from"  # a trial's user attributes: the sampled trial whose configuration it runs on more rows ...
PROMOTED_SHARE = "promoted_share"  # ... and the share of the rows it runs on


class _OutOfTime(Exception):
    pass


def first_trial_tail_share(n_folds: int, *, forward_in_time: bool = False) -> float:
    """What refitting, explaining and exporting the first model cost, in units of one fold's fit."""
    return refit_rows_factor(n_folds, forward_in_time=forward_in_time) * REFIT_EXTRA_ROUNDS * (1 + TAIL_OF_REFIT)


class _Objective:
    def __init__(self, inputs: SearchInputs, families: list[ModelFamily], result: SearchResult,
                 memory: dict[str, FamilyMemory] | None = None) -> None:
        spec, schema, selection = inputs.spec, inputs.schema, inputs.selection
        self.X, self.y, self.spec, self.schema, self.selection = inputs.X, inputs.y, spec, schema, selection
        self.worker = inputs.worker  # set when the study is shared with other workers (scale-out)
        self.others_finished = False  # another worker of the shared study has a finished model
        self.fatal: BaseException | None = None  # a full disk: every later trial would fail the same way
        self.running: int | None = None  # the trial in progress, and how it ended (for a tell lost with the database)
        self.ended: Ended | None = None
        self.families = {f.name: f for f in families}
        self.search_deadline, self.first_deadline = inputs.deadline, inputs.first_deadline or inputs.deadline
        self.result, self.should_stop, self.store, self.spill = result, inputs.should_stop, inputs.store, inputs.spill
        self.metric = get_metric(spec.metric)
        n_classes = len(spec.classes)
        self.shape = DataShape(len(self.y), len(columns_for(schema, selection, 0)), n_classes)
        self.n_scored = n_scored(result.folds)  # the rows each trial predicts
        self.started = time.monotonic()  # the search window opens
        self.memory = memory or {}
        self.has_grams = any(c.grams for fold in [None, *range(len(result.folds))]
                             for c in columns_for(schema, selection, fold) if c.is_text)
        self.matrices = FoldMatrices(self.X, self.y, spec=spec, schema=schema, selection=selection, folds=result.folds,
                                     tight=any(plan.row_fraction < 1.0 for plan in self.memory.values()),
                                     has_grams=self.has_grams)
        # each trial's share of the rows, from the budget's plan (None: all rows, the memory allowing)
        self.fidelity = None if inputs.first_model_by is None or inputs.trial_s is None \
            else Fidelity(inputs.first_model_by, inputs.trial_s)

    def row_fraction(self, family: ModelFamily) -> float:
        plan = self.memory.get(family.name)
        return plan.row_fraction if plan is not None else 1.0

    def trial_size(self, family: ModelFamily) -> TrialSize:
        columns = columns_for(self.schema, self.selection, 0)
        return TrialSize(n_rows=len(self.y), features=self.shape.n_features,
                         train_rows=max(len(train) for train, _ in self.result.folds),
                         width=max(1, input_width(columns, family.encoding)), n_folds=len(self.result.folds),
                         n_classes=len(self.spec.classes), parallel_folds=family.parallel_folds,
                         most=self.row_fraction(family))

    def trial_fraction(self, family: ModelFamily, trial: optuna.Trial, params: dict[str, Any]) -> tuple[float, str]:
        """The share of each fold's training rows a trial trains on: the memory's, or fewer when its predicted time
        exceeds what the budget plans for it, or the share a promoted configuration was given
        (``kuai.engine.search.fidelity``); and why it is skipped ("" when it runs)."""
        most = self.row_fraction(family)
        if self.fidelity is None:
            return most, ""
        if (promoted_to := trial.user_attrs.get(PROMOTED_SHARE)) is not None:
            self.fidelity.promoted.add(trial.number)  # never promoted again
            return float(promoted_to), ""
        return self.fidelity.share(family, self.trial_size(family), now=time.monotonic(), has_model=self.has_model,
                                   available_s=self.available_s(), most=most, params=params)

    def available_s(self) -> float:
        """What a new trial can have: its share of the search's window, within the time left."""
        return min(TRIAL_SHARE * (self.deadline.at - self.started), self.deadline.remaining())

    def sizes(self) -> dict[str, TrialSize]:
        return {name: self.trial_size(family) for name, family in self.families.items() if self.row_fraction(family)}

    def promotion(self) -> Promotion | None:
        """The best sampled configuration to run again on more rows, when it is time (``Fidelity.promotion``)."""
        if self.fidelity is None:
            return None
        ranked = [(o.number, {"family": o.family, **o.params}, o.row_fraction)
                  for o in by_score(self.result.outcomes.values(), self.metric)]
        return self.fidelity.promotion(ranked, self.sizes(), self.families, remaining_s=self.deadline.remaining(),
                                       window_s=self.deadline.at - self.started)

    def nothing_fits(self) -> bool:
        """Every family's next trial would be skipped for its predicted time (``Fidelity.nothing_fits``)."""
        return self.fidelity is not None and self.has_model and self.fidelity.nothing_fits(
            self.sizes(), self.families, available_s=self.available_s())

    def fold_matrices(self, fold: int, family: ModelFamily, grams: float = 0.0, fraction: float = 1.0) -> Matrices:
        return self.matrices.get(fold, family, grams=grams, fraction=fraction)

    @property
    def deadline(self) -> Deadline:
        """Until one model has finished, the first one may run into the tail's slack."""
        return self.search_deadline if self.has_model else self.first_deadline

    @property
    def has_model(self) -> bool:
        return bool(self.result.outcomes) or self.others_finished

    def margin(self) -> float:
        """A booster or forest stopped at its share keeps its model: its share ends this much before the deadline."""
        return max(0.2, 0.02 * (self.deadline.at - self.started))

    def no_time_left(self) -> bool:
        """A new trial would be stopped before its first fold (the first trial alone may run into the tail)."""
        return self.has_model and self.deadline.remaining() <= self.margin()

    def _check_others(self, trial: optuna.Trial) -> None:
        """A worker joining a shared study whose other workers have models has no first trial to protect: its
        trials end at the deadline like theirs, so the finisher does not wait for them."""
        if self.worker and not self.has_model:
            complete = trial.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
            self.others_finished = bool(complete)

    def __call__(self, trial: optuna.Trial) -> float:
        self.running, self.ended = trial.number, None  # first: a lost database below must know the trial
        family = self.families[trial.suggest_categorical("family", list(self.families))]
        self._check_others(trial)
        params = family.sample(trial, self.shape)
        if self.has_grams:  # the text columns' character grams are a step of the search like the model's settings
            params[text.SEARCH_PARAM] = trial.suggest_categorical(text.SEARCH_PARAM, text.GRAM_SHARES)
        if self.row_fraction(family) <= 0.0:  # pruned at once: the sampler learns to leave the family alone
            self.ended = (trial.number, optuna.trial.TrialState.PRUNED, None)
            trial.set_user_attr("error", self.memory[family.name].note)
            raise optuna.TrialPruned()
        fraction, skipped = self.trial_fraction(family, trial, params)
        if skipped:  # pruned at once, as above
            self.ended = (trial.number, optuna.trial.TrialState.PRUNED, None)
            trial.set_user_attr("error", skipped)
            raise optuna.TrialPruned()
        trial.set_user_attr("row_fraction", fraction)  # at its start, for one stopped early too; a retry's own
        if self.worker:  # who ran it, for the Runs page (scale-out)
            trial.set_user_attr("worker", self.worker)
        State = optuna.trial.TrialState
        try:
            value = self._cross_validate(trial, family, params, fraction,
                                         whole_window=trial.user_attrs.get(PROMOTED) is not None)
            self.ended = (trial.number, State.COMPLETE, value)
            return value
        except _OutOfTime as stop:
            self.ended = (trial.number, State.PRUNED, None)
            trial.set_user_attr("error", str(stop) or "stopped: the time budget ran out during this trial")
            raise optuna.TrialPruned() from None
        except optuna.TrialPruned:
            self.ended = (trial.number, State.PRUNED, None)
            raise
        except Exception as exc:
            self.ended = (trial.number, State.FAIL, None)
            if is_disk_full(exc):
                self.fatal = exc
            trial.set_user_attr("error", shown_text(exc)[:500])
            raise

    def _fit_folds(self, family: ModelFamily, params: dict[str, Any], folds: list[int],
                   deadline: Deadline, fraction: float, threads: int) -> list[tuple[Any, int | None, float]]:
        grams = text.grams_share(params)
        work = [(self.fold_matrices(f, family, grams, fraction), self.result.folds[f]) for f in folds]  # cached
        return fit_fold_models(family, params, work, y=self.y, spec=self.spec, deadline=deadline, threads=threads)

    def _cross_validate(self, trial: optuna.Trial, family: ModelFamily, params: dict[str, Any],
                        fraction: float, *, whole_window: bool = False) -> float:
        n_outputs = len(self.spec.classes) if self.spec.task.is_classification else 0
        oof = np.zeros((len(self.y), n_outputs)) if n_outputs else np.zeros(len(self.y))
        scores, iterations, fold_models = list[float](), list[int](), list[tuple[Any, Any]]()
        fit_time, predict_time, cut_short = 0.0, 0.0, False
        n_folds, is_first = len(self.result.folds), not self.has_model
        window, margin = self.deadline.at - self.started, 0.0 if is_first else self.margin()
        share = 1.0 if whole_window else FIRST_TRIAL_SHARE if is_first else TRIAL_SHARE  # of the window
        size = self.trial_size(family)  # one thread a fit on a sample cut for time under 20,000 rows
        due = self.fidelity.first_model_by if is_first and self.fidelity and size.cut and not whole_window else 1e300
        trial_end = Deadline(min(self.deadline.at - margin, time.monotonic() + share * window,  # due: a large table's
                                 max(due, time.monotonic())))  # first model, by when its sample was sized to end
        threads = fit_threads(size.n_rows, size.train_rows, fraction, size.most)
        fold = 0
        while fold < n_folds:
            if (self.deadline.passed() and not is_first) or self.should_stop():
                raise _OutOfTime()
            if trial_end.passed() and not is_first:
                raise _OutOfTime("stopped: this trial used its share of the time budget")
            parallel = min(n_folds, available_cores() // threads) if family.parallel_folds else 1
            batch = list(range(fold, min(n_folds, fold + parallel)))
            # each round of folds may use its share of the time left; the first trial keeps one for its refit
            tail = first_trial_tail_share(n_folds, forward_in_time=bool(self.spec.time)) if is_first else 0.0
            shares = -(-(n_folds - fold) // parallel) + tail
            fold_deadline = Deadline(time.monotonic() + max(0.0, trial_end.remaining()) / shares,
                                     min_rounds=FIRST_MODEL_ROUNDS if is_first else 0)
            fitted = self._fit_folds(family, params, batch, fold_deadline, fraction, threads)
            cut_short = cut_short or fold_deadline.passed()  # the fits' time is then less than the family's cost
            if self.deadline.passed() and not is_first:
                raise _OutOfTime()
            for f, (model, best, seconds) in zip(batch, fitted, strict=True):
                _, X_valid, prep, _ = self.fold_matrices(f, family, text.grams_share(params), fraction)
                valid = self.result.folds[f][1]
                fit_time += seconds
                started = time.perf_counter()
                predictions = predict_output(model, X_valid, self.spec)
                predict_time += time.perf_counter() - started
                oof[valid] = predictions
                scores.append(self.metric.compute(self.y[valid], predictions))
                if best:
                    iterations.append(best)
                fold_models.append((prep, model))
                trial.report(float(np.mean([self.metric.loss(s) for s in scores])), f)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            fold += len(batch)
        mean_score = float(np.mean(scores))
        if not np.isfinite(mean_score):
            raise ValueError("the cross-validated score is not a number")
        outcome = TrialOutcome(
            number=trial.number, family=family.name, params=params, oof=oof, fold_scores=scores,
            best_iterations=iterations, fit_time_s=fit_time,
            predict_ms_per_1000_rows=1e6 * predict_time / max(1, self.n_scored),  # every scored row predicted once
            size_kb=size_kb(fold_models[0][1]) if fold_models else None, fold_models=fold_models,
            row_fraction=fraction,
        )
        if self.fidelity is not None:  # what the family costs, for the next trials' shares of the rows
            self.fidelity.costs.record(family, fit_s=fit_time, threads=threads, n_classes=size.n_classes,
                                        n_cells=size.cells(fraction), scale=family.cost_scale(params, size.shape),
                                        cut_short=cut_short)
        if trial.user_attrs.get(PROMOTED) is not None:
            self.result.promoted.add(trial.number)
        if self.store is not None:  # before the trial completes in the study: a kill loses nothing it counts
            self.store.save(trial.number, oof)
        self.result.outcomes[trial.number] = outcome
        keep_fold_models(self.result, self.metric, bag_fits=lambda o: bag_onnx_mb([o]) <= MAX_BAG_ONNX_MB)
        if self.spill is not None:  # what was kept waits on disk, not in the search's memory
            outcome.fold_models = self.spill.spill(outcome.fold_models) if outcome.fold_models else None
            outcome.first_fold = self.spill.spill(outcome.first_fold) if outcome.first_fold else None
        measured = {"score": mean_score, "score_std": float(np.std(scores)), "fit_time_s": fit_time,
                    "predict_ms_per_1000_rows": outcome.predict_ms_per_1000_rows,
                    "best_iterations": [int(i) for i in iterations], "fold_scores": [float(v) for v in scores],
                    "size_kb": None if outcome.size_kb is None else float(outcome.size_kb)}  # row_fraction: at start
        for key, value in measured.items():  # what a resumed or joining search reads back (``restore_trials``)
            if value is not None:
                trial.set_user_attr(key, value)
        return self.metric.loss(mean_score)


def run_search(inputs: SearchInputs) -> SearchResult:
    """Search until the deadline, ``max_trials`` or a stop request; return every trial.

    A ``shared`` study has other processes working on it at once (scale-out): their running trials are theirs, and
    a lost connection to the database is waited out until the deadline. With ``stop_when_perfect``, the search ends
    once a model scores the metric's best possible value on every fold and every family has had its turn (nothing
    can score higher); ``result.stopped_early`` then says so.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    y, spec, deadline, should_stop = inputs.y, inputs.spec, inputs.deadline, inputs.should_stop
    shared, worker, max_trials = inputs.shared, inputs.worker, inputs.max_trials
    chosen = [FAMILIES[name] for name in (inputs.families or default_order())]  # cheapest first
    result = SearchResult(folds=inputs.folds if inputs.folds is not None else make_folds(y, spec),
                          many_candidates=inputs.by_family)
    result.memory = search_memory(y, spec, columns_for(inputs.schema, inputs.selection, 0), chosen,
                                  n_scored=n_scored(result.folds), n_columns=len(inputs.schema) + 1)
    if chosen and all(plan.row_fraction <= 0.0 for plan in result.memory.values()):
        plan = min(result.memory.values(), key=lambda p: p.need_mb)
        raise BudgetError(f"Not enough memory for any model: the lightest, {plan.family}, would need about "
                          f"{size_text(plan.need_mb)} on all rows, and {size_text(plan.allowed_mb)} is available. "
                          "Close other programs, or train on fewer rows or columns.", code="NOT_ENOUGH_MEMORY")
    objective = _Objective(inputs, chosen, result, result.memory)
    # workers of one shared study must not all draw the same suggestions: each gets its own sampler seed
    seed = (spec.seed + (zlib.crc32(worker.encode()) % 100_000 if shared and worker else 0)) % 2**32
    searching = open_search_study(inputs.storage, inputs.study_name, seed, shared=shared, by_family=inputs.by_family)
    study = searching.study
    if study.trials:  # resuming or joining: what finished counts
        restore_trials(study, result, inputs.store, inputs.on_trial)
    queue = PortfolioQueue(study, [])
    if not (shared and study.trials):  # a resumed search runs what it had not run of the portfolio
        usable = [f for f in chosen if objective.row_fraction(f) > 0]
        names = {f.name for f in usable}
        warm = [c for c in inputs.warm_configs if c.get("family") in names]  # a similar run's best first
        configs = [*warm, *portfolio(usable, objective.shape, objective.has_grams)]
        if shared:  # every worker draws from the queue at once
            for config in configs:
                study.enqueue_trial(config, skip_if_exists=True)
        else:  # one at a time: a promoted configuration goes before the rest
            queue = PortfolioQueue(study, configs)
            queue.feed()
    if objective.fidelity is not None:  # promoted before a resume or by another worker: not again
        result.promoted |= objective.fidelity.restore(study.get_trials(deepcopy=False), key=PROMOTED)

    first_new = max((t.number for t in result.trials), default=-1) + 1

    pending = PendingTells(study)

    def after_trial(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        record = trial_record(frozen)
        announce = inputs.on_trial
        searching.keep(frozen, then=None if announce is None else lambda: announce(record))  # once it is kept
        pending.retry()  # the database answers again: the ends it missed, if any
        trim_heap()  # the trial's freed fit memory, before the next trial's fit lands on top of it
        result.trials.append(record)
        if inputs.update_deadline is not None:
            inputs.update_deadline(result)
        if deadline.passed() or objective.no_time_left() or should_stop() or objective.fatal is not None:
            study.stop()
            return
        if inputs.stop_when_perfect and not result.stopped_early:  # time is left, but nothing could score higher
            result.stopped_early = perfect_note(objective.metric, result, deadline.remaining(), families=[
                name for name, family in objective.families.items() if objective.row_fraction(family) > 0])
            if result.stopped_early:
                study.stop()
                return
        if (promotion := objective.promotion()) is not None:  # a sampled configuration earns more rows
            study.enqueue_trial(promotion.params, user_attrs={PROMOTED: promotion.number, PROMOTED_SHARE: promotion.to})
        elif objective.nothing_fits():  # any new trial would be skipped: stop rather than skip trial after trial
            study.stop()
            return
        queue.feed()

    try:
        while True:
            try:
                study.optimize(objective, n_trials=max_trials, catch=(Exception,), callbacks=[after_trial],
                               gc_after_trial=False)
                if objective.fatal is not None:  # the disk is full: stop here, with the finished trials kept
                    raise objective.fatal
                return result
            except Exception as exc:  # the database went away: wait for it while there is time
                if not (shared and lost_storage(exc)):
                    raise
                if deadline.passed() or should_stop():  # the database may still be away: wait for it a little
                    settled = pending.settle(objective.running, objective.ended)
                    for _ in range(SETTLE_TRIES):
                        if settled or (settled := pending.retry()):
                            break
                        time.sleep(0.5)
                    return result
                logger.warning("lost the study's database (%s); retrying", type(exc).__name__)
                time.sleep(min(2.0, max(0.0, deadline.remaining())))
                pending.settle(objective.running, objective.ended)
                if max_trials is not None:
                    max_trials = max(0, max_trials - sum(1 for t in result.trials if t.number >= first_new))
    finally:  # the trials still being written to the study's database
        searching.close()
