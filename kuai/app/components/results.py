"""A finished run's outputs, rebuilt from its JSON files into the engine's dataclasses.

No streamlit here: the Results, Predict and Export pages wrap these in caches.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kuai.app.services.jobs import outputs_dir
from kuai.app.services.outputs import MODEL_OOFS_FILE
from kuai.engine import (
    ColumnType,
    Evaluation,
    Explanation,
    LeaderboardEntry,
    TaskSpec,
    TaskType,
    TrialRecord,
    evaluate,
    evaluation_from_dict,
    get_metric,
)
from kuai.engine.metrics import Metric
from kuai.engine.naming import plain_number
from kuai.exporters import BUNDLE_EXAMPLE_FILES, ModelCard

BUNDLE_FILES = ("model.onnx", "model_card.json", "leaderboard.csv", "report.html", "threshold.json",
                *BUNDLE_EXAMPLE_FILES)


class ResultsMissing(FileNotFoundError):
    """The run has no (complete) outputs: it did not finish, or its folder was cleaned up."""


@dataclass(frozen=True)
class RunResults:
    run_id: str
    out_dir: Path
    spec: TaskSpec
    y: np.ndarray
    oof: np.ndarray
    leaderboard: tuple[LeaderboardEntry, ...]
    explanation: Explanation | None
    model_name: str
    summary: str
    card: ModelCard
    evaluation: Evaluation
    trials: tuple[TrialRecord, ...] = ()
    model_oofs: dict[str, np.ndarray] | None = None  # the best models' out-of-fold predictions

    @property
    def metric(self) -> Metric:
        return get_metric(self.spec.metric)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsMissing(f"'{path.name}' is missing: the run did not finish writing its results.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsMissing(f"'{path.name}' is damaged and cannot be read.") from exc


def task_spec_from_json(data: dict[str, Any]) -> TaskSpec:
    return TaskSpec(
        target=data["target"], task=TaskType(data["task"]), metric=data["metric"],
        features=tuple(data["features"]),
        feature_types={name: ColumnType(kind) for name, kind in data["feature_types"].items()},
        dropped=dict(data.get("dropped", {})), classes=tuple(data.get("classes", ())),
        n_folds=int(data.get("n_folds", 5)), seed=int(data.get("seed", 0)), class_weight=data.get("class_weight", ""),
        group=str(data.get("group") or ""), group_reason=str(data.get("group_reason") or ""),
        time=str(data.get("time") or ""), time_reason=str(data.get("time_reason") or ""),
        folds_reason=str(data.get("folds_reason") or ""))


def leaderboard_entry_from_json(data: dict[str, Any]) -> LeaderboardEntry:
    return LeaderboardEntry(**{**data, "members": dict(data.get("members") or {})})


def explanation_from_json(data: dict[str, Any]) -> Explanation:
    return Explanation(**{**data, "columns": tuple(data["columns"])})


def load_results(run_id: str) -> RunResults:
    folder = outputs_dir(run_id)
    evaluation = _read_json(folder / "evaluation.json")
    explanation_path = folder / "explanation.json"
    explanation_data = _read_json(explanation_path) if explanation_path.exists() else None
    explanation = explanation_from_json(explanation_data) if explanation_data else None
    spec = task_spec_from_json(evaluation["spec"])
    y, oof = np.asarray(evaluation["y"]), np.asarray(evaluation["oof"], dtype=float)
    trials_path = folder / "trials.json"
    trials = tuple(TrialRecord.from_dict(t) for t in _read_json(trials_path)) if trials_path.exists() else ()
    return RunResults(
        run_id=run_id, out_dir=folder, spec=spec, y=y, oof=oof,
        leaderboard=tuple(leaderboard_entry_from_json(e) for e in evaluation["leaderboard"]),
        explanation=explanation, model_name=evaluation["model_name"], summary=evaluation.get("summary", ""),
        card=ModelCard.read(folder), trials=trials, model_oofs=_read_oofs(folder / MODEL_OOFS_FILE),
        evaluation=(evaluation_from_dict(evaluation["evaluation"]) if "evaluation" in evaluation
                    else evaluate(spec, y, oof)))  # runs written before evaluation.json held it


def read_card(folder: Path) -> dict[str, Any]:
    """A model folder's card as it is on disk now ({} when missing or damaged)."""
    try:
        card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


def results_stamp(folder: Path) -> float:
    """Changes whenever a file the results are read from changes (the card and threshold after a new threshold)."""
    stamps = [(folder / name).stat().st_mtime_ns for name in ("evaluation.json", "model_card.json", "threshold.json")
              if (folder / name).exists()]
    return float(max(stamps, default=0))


def _read_oofs(path: Path) -> dict[str, np.ndarray]:
    """The kept models' out-of-fold predictions; none for runs written before they were kept, or damaged."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: np.asarray(stored[name], dtype=np.float64) for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile):
        return {}


def explained_rows(frame: pd.DataFrame, results: RunResults) -> pd.DataFrame:
    """The original rows behind the explanation's sample, in the explanation's order.

    ``Explanation.sample_index`` holds row positions in the uploaded data.
    """
    spec, explanation = results.spec, results.explanation
    if explanation is None or spec.target not in frame.columns:
        return frame.head(0)
    positions = [i for i in explanation.sample_index if i < len(frame)]
    return frame.iloc[positions]


def row_outputs(explanation: Explanation, row: int) -> tuple[float, float]:
    """The model's average output and this row's output, in the explanation's output space."""
    base = float(explanation.base_values[row])
    return base, base + float(np.sum(explanation.sample_values[row]))


def in_plain_units(value: float, output_space: str) -> str | None:
    """A log-odds or probability output as a percentage, a predicted value as a number; else None."""
    if output_space == "log-odds":
        return f"{100 / (1 + np.exp(-value)):.0f}% chance"
    if output_space == "probability":
        return f"{100 * value:.0f}% chance"
    if output_space == "predicted value":
        return plain_number(value)
    return None


def bundle_zip(run_id: str, folder: Path | None = None) -> bytes:
    """The model, its card, leaderboard, report, threshold and the scoring examples in one zip, built in memory.

    ``folder``: another exported model of the run (its ``models/<name>`` folder); default the chosen model.
    """
    folder = folder or outputs_dir(run_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in BUNDLE_FILES:
            path = folder / name
            if path.is_file():
                archive.write(path, arcname=name)
    return buffer.getvalue()
