"""One search across many workers: an Optuna study on shared storage (PostgreSQL), data and trials in a shared folder.

``kuai train --storage URL --shared DIR`` stores the data by content hash, creates the
study (its options and wall-clock deadline in the study's attributes) and works on it;
``kuai worker --storage URL --shared DIR`` joins it and runs trials until its deadline.
Whichever process claims the study first once the search is over refits, ensembles and
exports, once, into ``DIR/studies/<study>/run``; ``kuai train`` copies that run into ``--out``.
Wall clocks of the machines are assumed to agree (NTP): the deadline is a wall-clock time.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from kuai import engine
from kuai.app.services.options import ScaleOut, TrainOptions, options_dict, options_from_dict
from kuai.app.services.summary import summary_from_card
from kuai.app.services.training import (
    TrainSummary,
    frame_and_spec,
    publish,
    spool_failure,
    suggested_fixes,
)
from kuai.engine import ProgressEvent, SearchBudget
from kuai.storage import (
    SharedFolder,
    StudyError,
    StudySummary,
    beat_claim,
    claim_finish,
    claim_owner,
    list_studies,
    patiently,
    redact,
    study_storage,
    valid_study_name,
    worker_id,
)
from kuai.storage.studies import CLAIM_STALE_S

RUNNING_WAIT_S = 5.0  # how long a finisher waits for the other workers' last trials
Progress = Callable[[ProgressEvent], None] | None


@dataclass(frozen=True)
class WorkOutcome:
    study_name: str
    trials_run: int  # by this process
    trials_complete: int  # in the study, by every worker
    finished_here: bool
    run_dir: Path | None  # the finished run, once someone has finished it
    summary: TrainSummary | None = None


def configured_scale_out() -> ScaleOut | None:
    """The app's shared storage: ``KUAI_STORAGE`` (an Optuna RDB URL) and ``KUAI_SHARED`` (default: home/shared).

    Unset, the app trains on this machine alone, as by default.
    """
    from kuai.storage import home_dir, text_setting

    url = text_setting("KUAI_STORAGE")
    if not url:
        return None
    shared = text_setting("KUAI_SHARED")
    return ScaleOut(storage_url=url, shared_root=Path(shared) if shared else home_dir() / "shared")


_VIEWERS: dict[str, Any] = {}  # one storage (connection pool) per URL for the Runs page's reruns


def shared_studies(scale: ScaleOut) -> list[StudySummary]:
    """The studies on the shared storage, newest first, for the Runs page."""
    if scale.storage_url not in _VIEWERS:
        _VIEWERS[scale.storage_url] = study_storage(scale.storage_url)
    return list_studies(_VIEWERS[scale.storage_url])


def new_study_name(data_name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(data_name).stem).strip("-")[:30] or "data"
    return f"kuai-{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def train_shared(options: TrainOptions, out_dir: Path, *, started: float, progress: Progress,
                 should_stop: Callable[[], bool]) -> TrainSummary:
    """Submit the study, work on it like any worker, and copy the finished run into ``out_dir``."""
    assert options.scale_out is not None
    name, prepared = submit(options, started=started)
    where = redact(options.scale_out.storage_url)
    _emit(progress, started, options.time_budget_s, "search",
          f"Study '{name}' on {where}: other workers may join with kuai worker", {"study": name})
    outcome = work(options.scale_out, name, progress=progress, should_stop=should_stop, prepared=prepared)
    run = outcome.run_dir or wait_for_run(options.scale_out, name, progress=progress, should_stop=should_stop)
    if run.resolve() != out_dir.resolve():
        shutil.copytree(run, out_dir, dirs_exist_ok=True)
    receipt = outcome.summary.mlflow_run_id if outcome.summary else None
    return summary_from_card(out_dir, wall_time_s=time.monotonic() - started, mlflow_run_id=receipt,
                             tracking=outcome.summary.tracking if outcome.summary else None)


def submit(options: TrainOptions, *, started: float) -> tuple[str, engine.Prepared]:
    """Create the study: the data in the shared folder, the options and the deadline in the study's attributes."""
    scale = options.scale_out
    assert scale is not None
    storage = study_storage(scale.storage_url)
    shared = SharedFolder(scale.shared_root)
    # bad data is refused here, before any worker sees it
    read = engine.read_table(options.data_path, options=options.reading)
    if options.apply_suggested_fixes:  # decided once, here; the workers get the fixes in the stored options
        options = replace(options, fixes=(*options.fixes, *suggested_fixes(read, options)),
                          apply_suggested_fixes=False)
    frame, spec, _ = frame_and_spec(read, options)
    # the rows and folds every worker rebuilds from the shared copy
    prepared = engine.prepare(frame, spec, time_budget_s=options.time_budget_s)
    sha, suffix = shared.put_dataset(options.data_path)
    name = valid_study_name(scale.study_name or new_study_name(options.display_name or options.data_path.name))
    try:
        optuna.create_study(study_name=name, storage=storage, direction="minimize")
    except optuna.exceptions.DuplicatedStudyError:
        raise StudyError(f"A study named '{name}' already exists; choose another --study name.",
                         code="STUDY_EXISTS") from None
    now = time.time()
    stored = replace(options, target=engine.target_reference(read, spec.target), group=spec.group,
                     time=spec.time or None, scale_out=None,
                     data_path=Path(f"{sha}{suffix}"), display_name=options.display_name or options.data_path.name)
    attrs: dict[str, Any] = {
        "kuai.options": options_dict(stored), "kuai.data_sha256": sha, "kuai.data_suffix": suffix,
        "kuai.data_name": stored.display_name, "kuai.created_at": now, "kuai.budget_s": options.time_budget_s,
        "kuai.final_at": now + options.time_budget_s - (time.monotonic() - started),
        "kuai.greater_is_better": engine.get_metric(spec.metric).greater_is_better,
        "kuai.shared_hint": str(shared.root), "kuai.rows_sha256": rows_fingerprint(prepared),
        "kuai.status": "searching",  # last: a worker joins once every other attribute is there
    }
    study = optuna.load_study(study_name=name, storage=storage)
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    return name, prepared


def rows_fingerprint(prepared: engine.Prepared) -> str:
    """The rows, target and folds a worker rebuilt: all workers must agree, or their predictions do not line up."""
    digest = hashlib.sha256(np.ascontiguousarray(prepared.y).tobytes())
    digest.update(json.dumps([c.name for c in prepared.schema]).encode())
    digest.update(prepared.index.to_numpy().tobytes())
    for _, valid in prepared.folds:
        digest.update(np.asarray(valid, dtype=np.int64).tobytes())
    return digest.hexdigest()


def work(scale: ScaleOut, study_name: str, *, progress: Progress = None,
         should_stop: Callable[[], bool] = lambda: False, finish: bool = True,
         prepared: engine.Prepared | None = None) -> WorkOutcome:
    """Run trials of the study until its deadline; then finish it if nobody else has.

    ``prepared``: given by the process that made the study (its rows, read once), which also enqueues the
    known-good configurations; the others wait for them, so that nobody enqueues them twice.
    """
    storage = study_storage(scale.storage_url)
    shared = SharedFolder(scale.shared_root)
    attrs = _attrs(storage, study_name)
    creator = prepared is not None
    options, prepared, budget, started = _setup(attrs, shared, prepared)
    owner = worker_id()
    store = shared.trials(study_name)
    if not creator:
        _wait_for_first_trials(storage, study_name, started + budget.time_budget_s)
    if rows_fingerprint(prepared) != attrs.get("kuai.rows_sha256"):
        raise StudyError("This machine rebuilt other rows or folds from the study's data than the machine that "
                         "started it (different library versions?); install the same Kuai and libraries.",
                         code="ROWS_DIFFER")
    own = engine.search_phase(prepared, budget=budget, started=started, progress=progress,
                              should_stop=_stopper(storage, study_name, should_stop), storage=storage,
                              study_name=study_name, store=store, worker=owner, shared=True)[0]
    trials = patiently(lambda: optuna.load_study(study_name=study_name, storage=storage).get_trials(deepcopy=False))
    mine = sum(1 for t in trials if t.user_attrs.get("worker") == owner)
    complete = sum(1 for t in trials if t.state is optuna.trial.TrialState.COMPLETE)
    summary = finish_study(scale, study_name, prepared=prepared, options=options, budget=budget, started=started,
                           progress=progress, own=own) if finish and not should_stop() else None
    run = shared.run_dir(study_name)
    status = patiently(lambda: _attrs(storage, study_name).get("kuai.status"))
    done = status == "finished" and (run / "model_card.json").is_file()
    return WorkOutcome(study_name=study_name, trials_run=mine, trials_complete=complete,
                       finished_here=summary is not None, run_dir=run if done else None, summary=summary)


def finish_study(scale: ScaleOut, study_name: str, *, prepared: engine.Prepared, options: TrainOptions,
                 budget: SearchBudget, started: float, progress: Progress,
                 own: engine.SearchResult | None = None) -> TrainSummary | None:
    """Refit, ensemble and export the study once: None if it is finished, or another process has claimed it.

    ``own``: this process's search, whose kept fold models let permutation importance run.
    """
    storage = study_storage(scale.storage_url)
    shared = SharedFolder(scale.shared_root)
    owner = worker_id()

    def claim() -> optuna.Study | None:
        if _attrs(storage, study_name).get("kuai.status") in ("finished", "failed"):
            return None
        if not claim_finish(storage, study_name, owner):
            return None
        claimed = optuna.load_study(study_name=study_name, storage=storage)
        claimed.set_user_attr("kuai.status", "finishing")  # the other workers stop at their next fold
        claimed.set_user_attr("kuai.finisher", owner)
        _wait_for_running(storage, study_name)  # their last trials end before the leaderboard is made
        return claimed

    study = patiently(claim)
    if study is None:
        return None
    stop, lost = threading.Event(), threading.Event()
    beat = threading.Thread(target=_beat, args=(storage, study_name, owner, stop, lost), daemon=True)
    beat.start()
    run = shared.run_dir(study_name)
    run.mkdir(parents=True, exist_ok=True)
    local = replace(options, data_path=shared.dataset(*_data_key(patiently(lambda: _attrs(storage, study_name)))))
    try:
        result = patiently(lambda: engine.collect_trials(prepared.X, prepared.y, spec=prepared.spec, storage=storage,
                                                         study_name=study_name, store=shared.trials(study_name),
                                                         folds=prepared.folds))
        result.stopped_early = own.stopped_early if own else ""  # this process's search ended at a perfect score
        for number, outcome in (own.outcomes.items() if own else ()):
            if number in result.outcomes:  # this process's fitted fold models (bags, permutation importance)
                kept = result.outcomes[number]
                kept.fold_models, kept.first_fold = outcome.fold_models, outcome.first_fold
                outcome.fold_models = outcome.first_fold = None  # moved: the search's own copy outlives this call
        training = engine.finish_phase(prepared, result, list(result.trials), budget=budget, started=started,
                                       progress=progress)
        if lost.is_set():
            raise StudyError("Another process took over finishing this study (this one stalled); it writes the "
                             "result.", code="CLAIM_LOST")
        published = publish(training, local, run, started=started, progress=progress)
        del training, result  # the side process loads the model to log it: not beside the training's memory
        summary = published.wait_for_tracking(progress=progress)
    except BaseException as exc:
        if not isinstance(exc, StudyError) or exc.code != "CLAIM_LOST":
            study.set_user_attr("kuai.status", "failed")
            study.set_user_attr("kuai.error", str(exc)[:500])
            spool_failure(local, run, exc)
        raise
    finally:
        stop.set()
    patiently(lambda: study.set_user_attr("kuai.status", "finished"))
    patiently(lambda: beat_claim(storage, study_name, owner, done=True))
    return summary


def wait_for_run(scale: ScaleOut, study_name: str, *, progress: Progress = None,
                 should_stop: Callable[[], bool] = lambda: False) -> Path:
    """The finished run of a study that another process is finishing; take over if that process has died."""
    storage = study_storage(scale.storage_url)
    shared = SharedFolder(scale.shared_root)
    run = shared.run_dir(study_name)
    while not should_stop():
        attrs = patiently(lambda: _attrs(storage, study_name))
        status = str(attrs.get("kuai.status"))
        if status == "finished" and (run / "model_card.json").is_file():
            return run
        if status == "failed":
            raise StudyError(f"The worker finishing study '{study_name}' failed: {attrs.get('kuai.error', '')}",
                             code="STUDY_FAILED")
        claim = patiently(lambda: claim_owner(storage, study_name))
        if claim is None or time.time() - claim[1] > CLAIM_STALE_S:
            options, prepared, budget, started = _setup(attrs, shared)
            if finish_study(scale, study_name, prepared=prepared, options=options, budget=budget,
                            started=started, progress=progress) is not None:
                return run
        time.sleep(0.5)
    raise engine.CancelledError("Training was cancelled.")


def join_study(scale: ScaleOut, study_name: str | None, *, wait_s: float) -> str:
    """The study a worker joins: the one named, or the newest that is still searching; waits ``wait_s`` for it."""
    storage = study_storage(scale.storage_url)
    if study_name is not None:
        valid_study_name(study_name)
    until = time.monotonic() + wait_s
    while True:
        try:
            if study_name is not None:
                attrs = _attrs(storage, study_name)
                if "kuai.status" not in attrs:  # being set up by its creator
                    raise StudyError(f"Study '{study_name}' is not ready yet.", code="UNKNOWN_STUDY")
                if attrs.get("kuai.status") != "searching" or float(attrs["kuai.final_at"]) <= time.time():
                    raise StudyError(f"Study '{study_name}' is no longer searching ({attrs.get('kuai.status')}).",
                                     code="STUDY_OVER")
                return study_name
            open_ = [s for s in list_studies(storage)
                     if s.status == "searching" and float(s.attrs["kuai.final_at"]) > time.time()]
            if open_:
                return open_[0].name
            raise StudyError(f"No study is searching on {redact(scale.storage_url)}; start one with "
                             "kuai train --storage, or name one with --study.", code="NO_STUDY")
        except StudyError as exc:
            if exc.code == "STUDY_OVER" or time.monotonic() > until:
                raise
        time.sleep(0.5)


def _attrs(storage: Any, study_name: str) -> dict[str, Any]:
    try:
        attrs = optuna.load_study(study_name=study_name, storage=storage).user_attrs
    except KeyError:
        raise StudyError(f"No study named '{study_name}' in this storage.", code="UNKNOWN_STUDY") from None
    if "kuai.final_at" not in attrs:
        raise StudyError(f"Study '{study_name}' was not made by kuai train.", code="NOT_A_KUAI_STUDY")
    return dict(attrs)


def _data_key(attrs: dict[str, Any]) -> tuple[str, str]:
    return str(attrs["kuai.data_sha256"]), str(attrs["kuai.data_suffix"])


def _setup(attrs: dict[str, Any], shared: SharedFolder,
           prepared: engine.Prepared | None = None) -> tuple[TrainOptions, engine.Prepared, SearchBudget, float]:
    """The same rows, folds and spec in every worker: the data by hash, the submitter's options."""
    options = options_from_dict(attrs["kuai.options"])
    options = replace(options, data_path=shared.dataset(*_data_key(attrs)))
    if prepared is None:
        frame, spec, _ = frame_and_spec(engine.read_table(options.data_path, options=options.reading), options)
        prepared = engine.prepare(frame, spec, time_budget_s=options.time_budget_s)
    budget = SearchBudget(time_budget_s=float(attrs["kuai.budget_s"]), families=options.families, limits=options.limits)
    final_at = float(attrs["kuai.final_at"])
    started = time.monotonic() + (final_at - time.time()) - budget.time_budget_s
    return options, prepared, budget, started


def _wait_for_first_trials(storage: Any, study_name: str, final: float) -> None:
    """A worker that starts with the submitter waits until it has enqueued the known-good configurations."""
    study = optuna.load_study(study_name=study_name, storage=storage)
    while not study.get_trials(deepcopy=False) and time.monotonic() < final:
        time.sleep(0.2)


def _wait_for_running(storage: Any, study_name: str) -> None:
    study = optuna.load_study(study_name=study_name, storage=storage)
    until = time.monotonic() + RUNNING_WAIT_S
    while time.monotonic() < until:
        optuna.storages.fail_stale_trials(study)
        if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            return
        time.sleep(0.2)


def _beat(storage: Any, study_name: str, owner: str, stop: threading.Event, lost: threading.Event) -> None:
    while not stop.wait(5.0):
        try:
            if not beat_claim(storage, study_name, owner):
                lost.set()
                return
        except Exception:  # a missed beat only risks a takeover after CLAIM_STALE_S
            pass


def _stopper(storage: Any, study_name: str, should_stop: Callable[[], bool]) -> Callable[[], bool]:
    """Stop when asked, or once the study stops searching (being finished elsewhere); reads it every 2 s."""
    checked = {"at": 0.0, "over": False}

    def stop() -> bool:
        if should_stop() or checked["over"]:
            return True
        if time.monotonic() - checked["at"] > 2.0:
            checked["at"] = time.monotonic()
            try:
                checked["over"] = _attrs(storage, study_name).get("kuai.status") != "searching"
            except Exception:  # the database is away: the search's own retry deals with it
                pass
        return bool(checked["over"])

    return stop


def _emit(progress: Progress, started: float, budget_s: float, stage: str, message: str,
          data: dict[str, Any]) -> None:
    if progress is not None:
        elapsed = time.monotonic() - started
        progress(ProgressEvent(stage=stage, message=message, fraction=min(1.0, elapsed / budget_s),
                               elapsed_s=elapsed, data=data))
