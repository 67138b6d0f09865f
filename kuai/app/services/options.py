"""What a training was asked to do: its options, as the CLI, the app, a resume and the workers read them back."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kuai import engine
from kuai.engine import CheckFix, ColumnType, Limits, ReadingOptions, TaskType
from kuai.storage import folder_study_url

OPTIONS_FILE = "training_options.json"  # what a resume, or a refit of another leaderboard model, needs
STATE_FILE = "run_state.json"  # when the training started and its budget: what a resume has left
MIN_RESUME_BUDGET_S = 10.0  # a resume always gets time to refit, explain and export
# what a finished training wrote (folders of versions that recorded no end in the state file), the last one last
FINISHED_OUTPUTS = ("model.onnx", "model_card.json", "leaderboard.csv", "report.html", "evaluation.json",
                    "trials.json")


@dataclass(frozen=True)
class ScaleOut:
    """Train on shared storage: an Optuna study in a database many workers reach, data and trials in a folder."""

    storage_url: str  # e.g. postgresql://kuai@db-host/kuai
    shared_root: Path  # a folder every worker reaches (datasets by hash, trials, the finished run)
    study_name: str | None = None  # default: chosen by Kuai


@dataclass(frozen=True)
class TrainOptions:
    data_path: Path
    target: str | None = None
    task: TaskType | None = None
    metric: str | None = None
    time_budget_s: float = 60.0
    planned_budget_s: float | None = None  # a resume's: the budget its training was planned with (folds by budget)
    seed: int = 0
    type_overrides: dict[str, ColumnType] = field(default_factory=dict)
    families: tuple[str, ...] = ()
    fixes: tuple[CheckFix, ...] = ()  # one-click fixes of the pre-flight checks
    excluded: tuple[str, ...] = ()  # columns the user left out
    n_folds: int | None = None
    group: str | None = None  # the column whose rows stay in one fold; None: Kuai's choice; "": rows one by one
    time: str | None = None  # the column the folds follow forward in time (None: rows are not ordered)
    holdout: float = 0.0  # the share of the rows kept out of the whole search, scored once at the end
    apply_suggested_fixes: bool = False  # apply every fix the pre-flight checks propose (but a target change)
    display_name: str = ""
    optuna_storage: str | None = None  # default: a SQLite study in the output folder (trials survive a kill)
    study_name: str = "kuai"
    resume: bool = False  # continue the study the output folder holds (kuai train --resume)
    scale_out: ScaleOut | None = None
    limits: Limits = field(default_factory=Limits)  # on the exported model (expert mode)
    class_weight: str = ""  # "balanced": every class weighs the same in training (expert mode)
    use_past_runs: bool = True  # start from the best models of the most similar earlier training in the home folder
    date_formats: dict[str, str] = field(default_factory=dict)  # date column -> the format its text is read with
    keep_label_variants: bool = False  # target labels that differ only by case, spaces or width stay apart
    target_is_column: bool = False  # the target was picked from the columns as Kuai reads them (the app), not typed
    reading: ReadingOptions = field(default_factory=ReadingOptions)  # how the file is read, where the user said


def save_options(options: TrainOptions, path: Path) -> None:
    write_atomically(path, json.dumps(options_dict(options), indent=2))


def options_dict(options: TrainOptions) -> dict[str, Any]:
    """The options as plain JSON (a resume, a refit and the workers of a shared study read them back)."""
    return {"data_path": str(options.data_path.resolve()), "target": options.target,
            "task": str(options.task) if options.task else None, "metric": options.metric,
            "time_budget_s": options.time_budget_s, "seed": options.seed,
            "type_overrides": {k: str(v) for k, v in options.type_overrides.items()},
            "families": list(options.families), "fixes": [engine.to_jsonable(f) for f in options.fixes],
            "excluded": list(options.excluded), "n_folds": options.n_folds, "group": options.group,
            "time": options.time, "holdout": options.holdout, "display_name": options.display_name,
            "limits": engine.to_jsonable(options.limits), "class_weight": options.class_weight,
            "use_past_runs": options.use_past_runs, "date_formats": dict(options.date_formats),
            "keep_label_variants": options.keep_label_variants, "reading": options.reading.to_dict()}


write_atomically = engine.write_atomically  # a kill mid-write leaves the old file or the new one (a resume reads these)


def load_options(path: Path) -> TrainOptions:
    return options_from_dict(json.loads(path.read_text()))


def options_from_dict(data: dict[str, Any]) -> TrainOptions:
    return TrainOptions(
        data_path=Path(data["data_path"]), target=data["target"],
        task=TaskType(data["task"]) if data.get("task") else None, metric=data.get("metric"),
        time_budget_s=float(data["time_budget_s"]), seed=int(data["seed"]),
        type_overrides={k: ColumnType(v) for k, v in data.get("type_overrides", {}).items()},
        families=tuple(data.get("families", ())), fixes=tuple(CheckFix.from_dict(f) for f in data.get("fixes", ())),
        excluded=tuple(data.get("excluded", ())), n_folds=data.get("n_folds"),
        group=data.get("group", ""),  # options written before grouped validation: rows one by one, as then
        time=data.get("time"), holdout=float(data.get("holdout") or 0.0),
        display_name=data.get("display_name", ""), limits=Limits(**data.get("limits", {})),
        class_weight=data.get("class_weight", ""), use_past_runs=bool(data.get("use_past_runs", True)),
        date_formats=dict(data.get("date_formats") or {}),
        keep_label_variants=bool(data.get("keep_label_variants", False)),
        reading=ReadingOptions.from_dict(data.get("reading")))


def user_choices(options: TrainOptions) -> dict[str, Any]:
    """What the user changed from Kuai's guesses: types, left-out columns, applied fixes, folds, families."""
    return {"type_overrides": {name: str(kind) for name, kind in options.type_overrides.items()},
            "excluded_columns": list(options.excluded),
            "fixes": [engine.to_jsonable(fix) for fix in options.fixes],
            "n_folds": options.n_folds, "group": options.group, "time": options.time,
            "holdout": options.holdout or None, "limits": engine.to_jsonable(options.limits),
            "class_weight": options.class_weight or None, "date_formats": dict(options.date_formats),
            "keep_label_variants": options.keep_label_variants, "families": list(options.families) or None}


def mark_finished(out_dir: Path) -> None:
    """Record in the state file that the training's outputs are all written: a resume has nothing left to do."""
    state_file = out_dir / STATE_FILE
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    write_atomically(state_file, json.dumps({**state, "finished_at": time.time()}))


def finished_at(out_dir: Path) -> float | None:
    """When the training in ``out_dir`` finished (its outputs all written), or None while it has not.

    A folder of an earlier version, which recorded no end, counts as finished when it holds every output."""
    try:
        state = json.loads((out_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        state = {}
    if isinstance(state, dict) and isinstance(state.get("finished_at"), (int, float)):
        return float(state["finished_at"])
    if isinstance(state, dict) and "data_fingerprint" in state and all((out_dir / name).is_file()
                                                                       for name in FINISHED_OUTPUTS):
        return (out_dir / FINISHED_OUTPUTS[-1]).stat().st_mtime
    return None


def finished_message(out_dir: Path, when: float) -> str:
    """What ``--resume`` says of a training that finished: nothing to resume, and where its model is."""
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
    return (f"The training in {out_dir} finished on {stamp}: there is nothing to resume, and nothing was changed. "
            f"Its model is {out_dir / 'model.onnx'}. To train again there, use --overwrite; to search longer, start a "
            "new training in a new folder.")


def resume_options(out_dir: Path, *, storage_url: str | None = None, study_name: str = "kuai") -> TrainOptions:
    """The options of the training an output folder holds, with the budget it had left when it stopped.

    Time used is counted from the start to the last trial that finished: the rest of the budget was lost
    with the process and is given back. ``storage_url``: the study's storage (default: the folder's own).
    A training that finished is not resumed (``ALREADY_FINISHED``): its outputs would be replaced.
    """
    import optuna

    if not (out_dir / OPTIONS_FILE).is_file() or not (out_dir / STATE_FILE).is_file():
        from kuai.storage.output_folder import MARKER_FILE

        why = (": the training there stopped before its search began. Run the same 'kuai train' without --resume to "
               "start it again in this folder." if (out_dir / MARKER_FILE).is_file() else
               ". Give --resume the folder a training wrote (its --out).")
        raise engine.SchemaError(f"'{out_dir}' holds no training to resume (no {OPTIONS_FILE}){why}",
                                 code="NOTHING_TO_RESUME")
    ended = finished_at(out_dir)
    if ended is not None:
        raise engine.SchemaError(finished_message(out_dir, ended), code="ALREADY_FINISHED")
    state = json.loads((out_dir / STATE_FILE).read_text())
    storage_url = storage_url or folder_study_url(out_dir.resolve())
    last = float(state["started_at"])
    try:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        trials = optuna.load_study(study_name=study_name, storage=storage_url).get_trials(deepcopy=False)
        done = [t.datetime_complete.timestamp() for t in trials  # Optuna stores local naive times
                if t.state is optuna.trial.TrialState.COMPLETE and t.datetime_complete is not None]
        last = max([last, *done])
    except KeyError:  # no study yet: killed before the first trial
        pass
    left = float(state["time_budget_s"]) - (last - float(state["started_at"]))
    options = load_options(out_dir / OPTIONS_FILE)
    return replace(options, time_budget_s=max(MIN_RESUME_BUDGET_S, left), resume=True, optuna_storage=storage_url,
                   study_name=study_name, planned_budget_s=float(state["time_budget_s"]))


def check_or_record_data(state_file: Path, fingerprint: str, *, resume: bool) -> None:
    """A new training records the fingerprint of its rows, target and folds (``engine.data_fingerprint``) in its
    state file before the search; a resume refuses data whose fingerprint differs (``DATA_CHANGED``)."""
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    recorded = state.get("data_fingerprint")
    if not resume or recorded is None:  # a new training (or one of a version that kept no fingerprint)
        write_atomically(state_file, json.dumps({**state, "data_fingerprint": fingerprint}))
        return
    if recorded != fingerprint:
        short = engine.short_fingerprint
        raise engine.ReadError(
            f"The data has changed since this training started (its rows, target or folds: fingerprint "
            f"{short(recorded)} then, {short(fingerprint)} now), so its finished trials do not fit it. Resume with "
            "the original file, or start a new training in a new folder.", code="DATA_CHANGED")
