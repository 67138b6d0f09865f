"""What a training was asked to do: its options, as the CLI, the app, a resume and the workers read them back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine
from engine import CheckFix, ColumnType, Limits, TaskType


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
    seed: int = 0
    type_overrides: dict[str, ColumnType] = field(default_factory=dict)
    families: tuple[str, ...] = ()
    fixes: tuple[CheckFix, ...] = ()  # one-click fixes of the pre-flight checks
    excluded: tuple[str, ...] = ()  # columns the user left out
    n_folds: int | None = None
    apply_suggested_fixes: bool = False  # apply every fix the pre-flight checks propose (but a target change)
    display_name: str = ""
    optuna_storage: str | None = None  # default: a SQLite study in the output folder (trials survive a kill)
    study_name: str = "kuai"
    resume: bool = False  # continue the study the output folder holds (kuai train --resume)
    scale_out: ScaleOut | None = None
    limits: Limits = field(default_factory=Limits)  # on the exported model (expert mode)
    class_weight: str = ""  # "balanced": every class weighs the same in training (expert mode)
    use_past_runs: bool = True  # start from the best models of the most similar earlier training in the home folder


def save_options(options: TrainOptions, path: Path) -> None:
    write_atomically(path, json.dumps(options_dict(options), indent=2))


def options_dict(options: TrainOptions) -> dict[str, Any]:
    """The options as plain JSON (a resume, a refit and the workers of a shared study read them back)."""
    return {"data_path": str(options.data_path.resolve()), "target": options.target,
            "task": str(options.task) if options.task else None, "metric": options.metric,
            "time_budget_s": options.time_budget_s, "seed": options.seed,
            "type_overrides": {k: str(v) for k, v in options.type_overrides.items()},
            "families": list(options.families), "fixes": [engine.to_jsonable(f) for f in options.fixes],
            "excluded": list(options.excluded), "n_folds": options.n_folds, "display_name": options.display_name,
            "limits": engine.to_jsonable(options.limits), "class_weight": options.class_weight,
            "use_past_runs": options.use_past_runs}


def write_atomically(path: Path, text: str) -> None:
    """A kill mid-write leaves the old file or the new one, never half of one (a resume reads these)."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


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
        display_name=data.get("display_name", ""), limits=Limits(**data.get("limits", {})),
        class_weight=data.get("class_weight", ""), use_past_runs=bool(data.get("use_past_runs", True)))


def user_choices(options: TrainOptions) -> dict[str, Any]:
    """What the user changed from Kuai's guesses: types, left-out columns, applied fixes, folds."""
    return {"type_overrides": {name: str(kind) for name, kind in options.type_overrides.items()},
            "excluded_columns": list(options.excluded),
            "fixes": [engine.to_jsonable(fix) for fix in options.fixes],
            "n_folds": options.n_folds, "limits": engine.to_jsonable(options.limits),
            "class_weight": options.class_weight or None}
