"""One training, from a data file to a folder of outputs — for the CLI and the worker alike.

Writes (through ``kuai.app.services.outputs``) ``model.onnx``, ``model_card.json``, ``leaderboard.csv``,
``report.html``,
``explanation.json``, ``evaluation.json``, ``trials.json`` and ``oof_by_model.npz`` into the output
folder, and hands the run to MLflow through a spool and a side process.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from kuai import engine
from kuai.app.services.fresh_tail import Tail, hand_over_result, load_tail, remove_stale
from kuai.app.services.isolated import read_table_within_limits
from kuai.app.services.model_entry import mlflow_model_entry
from kuai.app.services.options import (
    OPTIONS_FILE,
    STATE_FILE,
    TrainOptions,
    check_or_record_data,
    mark_finished,
    save_options,
    user_choices,
    write_atomically,
)
from kuai.app.services.outputs import write_outputs
from kuai.app.services.summary import TrainSummary
from kuai.engine import CheckFix, ProgressEvent, SearchBudget, TrainingResult
from kuai.engine.search.memory import release_memory
from kuai.storage import (
    Spool,
    TrackingSidecar,
    TrialStore,
    claim_output_folder,
    folder_study_url,
    load_experience,
    record_experience,
    schema_in_background,
    write_spool,
)

logger = logging.getLogger(__name__)
SPOOL_FILE = "mlflow_spool.json"


def run_training(options: TrainOptions, out_dir: Path, *, started_at: float | None = None,
                 progress: Callable[[ProgressEvent], None] | None = None,
                 should_stop: Callable[[], bool] = lambda: False, overwrite: bool = False) -> TrainSummary:
    """Train, export and log to MLflow, in this process (the app's run worker, a shared study's training).

    The output folder is claimed first (``kuai.storage.output_folder``): a new or empty folder, or its own run folder
    with ``options.resume`` or ``overwrite``, and one training at a time. ``kuai train`` runs the same steps in
    child processes (``kuai.app.processes.train``).
    """
    started = started_at if started_at is not None else time.monotonic()
    engine.check_training_options(time_budget_s=options.time_budget_s, seed=options.seed, n_folds=options.n_folds,
                                  limits=options.limits)  # before any work: the page's, the CLI's, a resume's
    # claimed as given (a link is refused there, before resolving would follow it); the claim's path is absolute:
    # the MLflow side process runs elsewhere, and the spool and its files name absolute paths
    with claim_output_folder(out_dir, resume=options.resume, overwrite=overwrite) as claimed:
        if claimed.replaced:  # an earlier training's files went: said, not silent
            _emit(progress, started, options, "reading", claimed.replaced)
        return _run_claimed(options, claimed.path, started=started, progress=progress, should_stop=should_stop)


def _run_claimed(options: TrainOptions, out_dir: Path, *, started: float,
                 progress: Callable[[ProgressEvent], None] | None, should_stop: Callable[[], bool]) -> TrainSummary:
    if options.scale_out is not None:  # a study on shared storage that other workers may join
        from kuai.app.services.scaleout import train_shared

        return train_shared(options, out_dir, started=started, progress=progress, should_stop=should_stop)
    if options.optuna_storage is None:  # the folder's own study (the folder is new, emptied, or resumed)
        options = replace(options, optuna_storage=folder_study_url(out_dir))
    if not options.resume:
        write_atomically(out_dir / STATE_FILE, json.dumps({"started_at": time.time(),
                                                      "time_budget_s": options.time_budget_s}))
    sidecar = TrackingSidecar(out_dir / SPOOL_FILE, wait_s=options.time_budget_s + 300)
    try:
        result, options = _train(options, started, progress, should_stop, out_dir)
    except BaseException as exc:
        spool_failure(options, out_dir, exc)
        raise
    remember(result, options, out_dir)
    published = publish(result, options, out_dir, started=started, progress=progress, sidecar=sidecar)
    del result  # the side process loads the model to log it: this process waits without the training's memory
    return published.wait_for_tracking(progress=progress)


def search_and_hand_over(options: TrainOptions, out_dir: Path, *, started: float,
                         progress: Callable[[ProgressEvent], None] | None, hand_over: Path, key: bytes,
                         sidecar_pid: int, fresh_start_s: float = 0.0) -> None:
    """``kuai train``'s search child (``kuai.app.processes.search``): read, search and refit in the claimed
    ``out_dir``, then write the result to ``hand_over`` for the export child; a result that cannot be handed over
    (too large, not picklable, a full disk, or too late for a fresh process to start and export within the budget's
    allowance: it took this one ``fresh_start_s``) is exported here instead. SHAP is left to the export."""
    spool = out_dir / SPOOL_FILE
    try:
        result, options = _train(options, started, progress, lambda: False, out_dir, defer_shap=True)
    except BaseException as exc:
        spool_failure(options, out_dir, exc)
        raise
    remember(result, options, out_dir)
    if hand_over_result(Tail(result, options, out_dir, started, sidecar_pid, spool), hand_over, key,
                        fresh_start_s=fresh_start_s):
        return
    publish(result, options, out_dir, started=started, progress=progress,
            sidecar=TrackingSidecar.attach(spool, sidecar_pid))


def export_handed_over(hand_over: Path, *, progress: Callable[[ProgressEvent], None] | None) -> None:
    """``kuai train``'s export child (``kuai.app.processes.tail``): publish the result the search child handed
    over (``kuai.app.services.fresh_tail``), without the search's memory. The parent waits for MLflow."""
    reading = time.monotonic()
    tail = load_tail(hand_over)
    logger.info("the export child read the hand-over in %.1f s, %.1f s into the training", time.monotonic() - reading,
                time.monotonic() - tail.started)
    sidecar = TrackingSidecar.attach(tail.spool, tail.sidecar_pid)
    publish(tail.result, tail.options, tail.out_dir, started=tail.started, progress=progress, sidecar=sidecar,
            early_tracking=False)


def spool_failure(options: TrainOptions, out_dir: Path, exc: BaseException) -> None:
    write_spool(out_dir / SPOOL_FILE, Spool(run_name=options.display_name or options.data_path.name, status="failed",
                                            params=_params(options, None), tags={"error": str(exc)[:500]}))


@dataclass(frozen=True)
class Published:
    """A training whose outputs are written and whose run is spooled for MLflow: what is left to report it.

    It holds nothing of the training's memory, so the caller can drop the result before the wait (the side process
    loads the exported model to log it, and the two processes would otherwise peak together).
    """

    summary: TrainSummary  # its MLflow run id is filled in by the wait
    options: TrainOptions
    sidecar: TrackingSidecar
    started: float

    @property
    def tracking_deadline(self) -> float:
        """Until when (``time.monotonic()``) the command waits for MLflow: the budget plan's ``logging_until``."""
        return engine.plan_budget(self.options.time_budget_s, started=self.started).logging_until

    def wait_for_tracking(self, *, progress: Callable[[ProgressEvent], None] | None = None) -> TrainSummary:
        """Wait (within the budget) for the side process to log the run; the summary with its MLflow run id and
        what became of the logging (logged, failed and why, or still going)."""
        release_memory()  # what the caller dropped
        receipt = self.sidecar.join(timeout_s=self.tracking_deadline - time.monotonic())
        _emit(progress, self.started, self.options, "done", "Finished", {"out_dir": str(self.summary.out_dir)})
        return replace(self.summary, mlflow_run_id=(receipt or {}).get("mlflow_run_id"),
                       tracking=self.sidecar.outcome(), wall_time_s=time.monotonic() - self.started)


def publish(result: TrainingResult, options: TrainOptions, out_dir: Path, *, started: float,
            progress: Callable[[ProgressEvent], None] | None, sidecar: TrackingSidecar | None = None,
            early_tracking: bool = True) -> Published:
    """Export, write every output and spool the run for MLflow: the tail of a training, wherever it searched.

    ``early_tracking``: the side process imports MLflow as soon as the export is done, beside the last files; else
    once the spool is written (the export child, whose cold imports make the last files slower: the two would peak
    together).
    The caller drops ``result`` and then calls ``wait_for_tracking`` on what this returns (``kuai train``'s parent
    waits instead: ``kuai.app.processes.train``)."""
    spool = out_dir / SPOOL_FILE
    sidecar = sidecar or TrackingSidecar(spool, wait_s=options.time_budget_s + 300)
    name = options.display_name or options.data_path.name
    _emit(progress, started, options, "export", "Exporting to ONNX and checking parity")
    save_options(replace(options, target=options.target or result.spec.target), out_dir / OPTIONS_FILE)
    # the side process imports MLflow once the export's ONNX Runtime sessions are gone, not beside them
    written = write_outputs(
        result, out_dir, options=options, dataset_name=name,
        sessions_closed=sidecar.export_done if early_tracking else lambda: None,
        explaining=lambda: _emit(progress, started, options, "explain", "Explaining the model with SHAP"))
    card, artifacts, result = written.card, written.artifacts, written.result
    best = result.leaderboard[0]
    write_spool(spool, Spool(
        run_name=name, status="finished", params=_params(options, result),
        metrics={"cv_score": card.cv_score, "cv_score_std": card.cv_score_std, "parity_max_diff": card.parity_figure,
                 **{f"leaderboard.{e.model}": e.score for e in result.leaderboard}},
        tags={"kuai.model": result.model_name, "kuai.best_on_leaderboard": best.model},
        artifacts=tuple(str(p) for p in artifacts),
        model=mlflow_model_entry(result, out_dir / "model.onnx", name),
    ))
    mark_finished(out_dir)  # every output is written: a --resume has nothing left to do
    summary = TrainSummary(out_dir=out_dir, model_name=result.model_name, score=card.cv_score,
                           score_std=card.cv_score_std, metric=result.spec.metric,
                           parity_max_diff=card.parity_figure, mlflow_run_id=None,
                           wall_time_s=time.monotonic() - started)
    return Published(summary=summary, options=options, sidecar=sidecar, started=started)


def _train(options: TrainOptions, started: float, progress: Callable[[ProgressEvent], None] | None,
           should_stop: Callable[[], bool], out_dir: Path, *,
           defer_shap: bool = False) -> tuple[TrainingResult, TrainOptions]:
    """The trained result, and the options with the fixes that were applied. ``defer_shap``: its SHAP explanation
    is left for ``publish`` to run after the export (``kuai.engine.explain.step``)."""
    _emit(progress, started, options, "reading", f"Reading {options.display_name or options.data_path.name}")
    own = folder_study_url(out_dir)  # the folder's study, no other training's: made as the data is read
    schema = schema_in_background(own) if options.optuna_storage == own else None
    try:
        prepared, options, fix_notes = _prepare(options, started, progress, out_dir)
    except BaseException:
        if schema is not None:
            schema.discard()
        raise
    if schema is not None:
        schema.wait()
    budget = SearchBudget(time_budget_s=options.time_budget_s, families=options.families, limits=options.limits)
    result = engine.train_prepared(prepared, budget=budget, started_at=started, progress=progress,
                                   should_stop=should_stop, storage=options.optuna_storage,
                                   study_name=options.study_name, store=TrialStore(out_dir / "trials"),
                                   past=past_runs() if options.use_past_runs else (),
                                   spill_folder=out_dir / "trials", defer_shap=defer_shap)
    after_warm_start = 1 if result.warm_start is not None else 0  # what was done to the data, and what was capped
    result.notes[after_warm_start:after_warm_start] = list(fix_notes)
    return result, options


def _prepare(options: TrainOptions, started: float, progress: Callable[[ProgressEvent], None] | None,
             out_dir: Path) -> tuple[engine.Prepared, TrainOptions, list[str]]:
    """The data read, checked against a resumed training's, profiled and prepared for the search; the options with
    the fixes that were applied, and what the fixes did."""
    read, dialect = read_table_within_limits(options.data_path, options=options.reading)
    for note in dialect.notes if dialect is not None else ():  # how the file was read: nothing guessed silently
        _emit(progress, started, options, "reading", f"Read: {note}")
    if options.apply_suggested_fixes:
        options = replace(options, fixes=(*options.fixes, *suggested_fixes(read, options)))
    frame, spec, fix_notes = frame_and_spec(read, options)
    check_or_record_data(out_dir / STATE_FILE, engine.data_fingerprint(frame, spec), resume=options.resume)
    # what a resume names again: the target, and the validation Kuai chose (its choice may differ in a later version)
    options = replace(options, target=engine.target_reference(read, spec.target), group=spec.group,
                      time=spec.time or None)
    if not options.resume:  # before the search: a killed training can be resumed from here
        save_options(options, out_dir / OPTIONS_FILE)
    for note in (*fix_notes, *spec.notes):
        _emit(progress, started, options, "profiling", note)
    _emit(progress, started, options, "profiling",
          f"Target '{spec.target}', {spec.task}, metric {spec.metric}, {len(spec.features)} features, "
          f"{engine.folds_in_words(spec)}",
          {"target": spec.target, "task": str(spec.task), "metric": spec.metric, "n_features": len(spec.features)})
    for stale in (out_dir / "trials").glob("spill-*"):  # fold models a killed training left on disk
        shutil.rmtree(stale, ignore_errors=True)
    remove_stale(out_dir)  # and the result it was handing over to its export
    prepared = engine.prepare(frame, spec, time_budget_s=options.time_budget_s)
    del read, frame  # the search holds the model frame, not the table as read (435 MB on a million rows)
    release_memory()
    return prepared, options, list(fix_notes)


def past_runs() -> list[engine.PastRun]:
    """The earlier trainings of this home folder that can still be read."""
    runs = []
    for entry in load_experience():
        try:
            runs.append(engine.past_run_from_dict(entry))
        except (KeyError, TypeError, ValueError):  # an entry of another version, or edited by hand
            continue
    return runs


def remember(result: TrainingResult, options: TrainOptions, out_dir: Path) -> None:
    """Record what this training learned, for later trainings on similar data."""
    if result.traits is None:
        return
    configs = engine.best_configs(result.leaderboard, result.trials)
    if configs:
        record_experience(engine.PastRun(options.display_name or options.data_path.name, result.traits, configs,
                                         run=str(out_dir.resolve())).to_dict())


def frame_and_spec(frame: pd.DataFrame,
                    options: TrainOptions) -> tuple[pd.DataFrame, engine.TaskSpec, tuple[str, ...]]:
    """The rows after the user's fixes and the task spec: one path for training and for a later refit.

    The notes say what was done to the rows (fixes, merged target labels) and what profiling capped (a wide table's
    columns typed by rule); the spec's own notes what Kuai decided about the data."""
    engine.require_rows(frame)  # a file with a header only: shown on the Data page, never trained on
    plan = engine.fix_plan(options.fixes)
    if options.target and options.target_is_column:  # picked from the list of columns: 'y' is the first 'y'
        options = replace(options, target=engine.target_reference(frame, options.target), target_is_column=False)
    profile = engine.profile_dataset(frame, target=options.target or plan.target,
                                     type_overrides=options.type_overrides, with_checks=False,
                                     date_formats=options.date_formats,
                                     keep_label_variants=options.keep_label_variants)
    named = options.target or plan.target or profile.target.suggested
    if named is None:
        raise engine.TargetError("No column looks like a target; name one with --target.", code="NO_TARGET")
    target = engine.resolve_target(frame, named)  # an unknown or ambiguous name is refused
    frame = engine.without_duplicate_names(frame)
    variants = engine.LabelVariants()
    if not options.keep_label_variants:  # one spelling per class before the row fixes, which name classes
        frame, variants = engine.merge_label_variants(frame, target)
    frame, fix_notes = engine.apply_row_fixes(frame, plan.row_fixes, target=target, seed=options.seed)
    spec = engine.build_task_spec(frame, profile.columns, target=target, task=options.task,
                                  metric=options.metric, type_overrides=options.type_overrides,
                                  excluded=(*options.excluded, *plan.excluded),
                                  n_folds=options.n_folds or plan.n_folds, seed=options.seed,
                                  date_formats=options.date_formats, keep_label_variants=options.keep_label_variants,
                                  group=options.group, time=options.time, holdout=options.holdout,
                                  time_budget_s=options.planned_budget_s or options.time_budget_s)
    if variants:  # merged above, so the spec found one spelling per class: it keeps the merge and its note
        spec = replace(spec, label_variants=variants.mapping, notes=(variants.note(target), *spec.notes))
    if options.class_weight and spec.task.is_classification:
        spec = replace(spec, class_weight=options.class_weight)
    return frame, spec, (*fix_notes, *_folds_fix_note(options, plan, spec, len(frame)), *profile.notes,
                         *_decisions(options, plan, profile, spec))


def _decisions(options: TrainOptions, plan: engine.FixPlan, profile: engine.DatasetProfile,
               spec: engine.TaskSpec) -> tuple[str, ...]:
    """Why Kuai chose what the user left to it, as ``kuai profile`` says it: the target, the task and the metric."""
    said = []
    if not (options.target or plan.target) and profile.target.suggested == spec.target and profile.target.reason:
        why = profile.target.reason.removeprefix(f"'{spec.target}': ")
        said.append(f"Target '{spec.target}', Kuai's choice: {why}")
    if options.task is None and profile.task is spec.task and profile.task_reason:
        said.append(f"Task {spec.task}, Kuai's choice: {profile.task_reason}")
    if options.metric is None and profile.metric == spec.metric and profile.metric_reason:
        said.append(f"Metric {spec.metric}, Kuai's choice: {profile.metric_reason}")
    return tuple(said)


def _folds_fix_note(options: TrainOptions, plan: engine.FixPlan, spec: engine.TaskSpec,
                    n_rows: int) -> tuple[str, ...]:
    """Fewer folds than the default because a fix set them, said (the user's own ``--folds`` is no guess)."""
    default, _ = engine.choose_validation(n_rows)
    if options.n_folds or plan.n_folds is None or spec.n_folds >= default:
        return ()
    labels = ", ".join(f"'{fix.label}'" for fix in options.fixes if fix.action is engine.FixAction.SET_FOLDS)
    return (f"Cross-validation uses {spec.n_folds} folds instead of {default}, set by the fix {labels}: the data has "
            f"too few rows, or too rare a class, for {default}.",)


def suggested_fixes(frame: pd.DataFrame, options: TrainOptions) -> tuple[CheckFix, ...]:
    """The fixes the checks propose for this target, but a change of target (that is the user's call)."""
    profile = engine.profile_dataset(frame, target=options.target, type_overrides=options.type_overrides,
                                     time_budget_s=options.time_budget_s, date_formats=options.date_formats,
                                     keep_label_variants=options.keep_label_variants)
    return tuple(w.fix for w in profile.warnings
                 if w.fix is not None and w.fix.action is not engine.FixAction.CHANGE_TARGET)


def _params(options: TrainOptions, result: TrainingResult | None) -> dict[str, Any]:
    params: dict[str, Any] = {"data": options.display_name or options.data_path.name,
                              "time_budget_s": options.time_budget_s, "seed": options.seed}
    if options.type_overrides or options.excluded or options.fixes:
        params["user_choices"] = json.dumps(user_choices(options))[:500]
    if result is not None:
        params |= {"target": result.spec.target, "task": str(result.spec.task), "metric": result.spec.metric,
                   "model": result.model_name, "n_rows": result.n_training_rows, "n_features": len(result.schema),
                   "n_trials": len(result.trials)}
    return params


def _emit(progress: Callable[[ProgressEvent], None] | None, started: float, options: TrainOptions,
          stage: str, message: str, data: dict[str, Any] | None = None) -> None:
    if progress is not None:
        elapsed = time.monotonic() - started
        progress(ProgressEvent(stage=stage, message=message, fraction=min(1.0, elapsed / options.time_budget_s),
                               elapsed_s=elapsed, data=data or {}))
