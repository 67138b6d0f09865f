"""``kuai evaluate MODEL DATA [--out DIR]``: a trained model checked on the user's own file with known answers.

The file is read as ``kuai predict`` reads it (every row kept, in order) and scored by the exported model in the
scoring sandbox; its target column holds the answers. The figures are the training report's, on these rows
(``kuai.engine.report.known_answers``). With ``--out``, a new or empty folder receives ``evaluation.html``,
``evaluation.json`` and ``predictions.csv`` (each row's answer beside the model's); Kuai never writes into a folder
that holds other files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kuai import engine
from kuai.app.services.isolated import read_table_within_limits
from kuai.app.services.prediction_file import write_predictions_file
from kuai.app.services.scoring import LoadedModel, load_model, score_table
from kuai.engine import ColumnType, SchemaError, TaskSpec, TaskType
from kuai.engine.atomic import refuse_link
from kuai.engine.data.task import METRICS
from kuai.engine.models.preprocessing import to_model_frame
from kuai.engine.report.known_answers import KnownAnswers, known_answers, score_known_answers

EVALUATION_JSON = "evaluation.json"
PREDICTIONS_CSV = "predictions.csv"


@dataclass(frozen=True)
class FileEvaluation:
    known: KnownAnswers
    model_name: str
    predictions: pd.DataFrame  # one row per row of the file, the answer first
    card: dict[str, Any]  # the run's model card (empty for a lone model.onnx)
    reading_notes: tuple[str, ...]


def evaluate_file(model_path: Path, data_path: Path, *, reading: engine.ReadingOptions | None = None
                  ) -> FileEvaluation:
    """The model at ``model_path`` (a run folder or its model.onnx) scored on ``data_path``'s known answers."""
    card = _card(model_path)
    model = load_model(model_path)
    try:
        frame, dialect = read_table_within_limits(data_path, scoring=True, options=reading)
        target = _target_column(frame, model)
        scored = score_table(model, frame)
    finally:
        model.close()
    engine.check_row_count(len(frame), len(scored.predictions), "Scoring the file")
    known = check_known_answers(model, frame, scored.predictions, card=card, file_name=data_path.name,
                                notes=scored.notes)
    predictions = pd.concat([frame[[target]].reset_index(drop=True).rename(columns={target: f"answer ({target})"}),
                             scored.predictions.reset_index(drop=True)], axis=1)
    return FileEvaluation(known, str((card.get("model") or {}).get("name") or model.name), predictions, card,
                          dialect.notes if dialect is not None else ())


def check_known_answers(model: LoadedModel, frame: pd.DataFrame, predictions: pd.DataFrame, *,
                        card: dict[str, Any], file_name: str, notes: tuple[str, ...] = ()) -> KnownAnswers:
    """The model's figures on ``frame``'s answers (its target column), from its ``predictions`` of the rows (in
    order, as ``score_table`` gives them); ``card``: the run's model card (its metric and CV score), or {}."""
    target = _target_column(frame, model)
    spec = _spec(model, card)
    outputs = _outputs(predictions, model)
    y, rows, note = known_answers(spec, frame[target], outputs)
    if len(y) == 0:
        raise SchemaError(f"No row of '{file_name}' has an answer in '{target}' that the model can be scored on.",
                          code="NO_KNOWN_ANSWERS")
    model_frame = to_model_frame(frame.iloc[rows], model.schema).reset_index(drop=True)
    return score_known_answers(
        spec, y, outputs[rows], model_frame=model_frame, schema=model.schema, cv_score=card.get("cv_score"),
        cv_std=card.get("cv_score_std"), file_name=file_name, notes=tuple(n for n in (note, *notes) if n))


def write_evaluation(evaluation: FileEvaluation, out_dir: Path, *, file_name: str) -> None:
    """The three files, into ``out_dir`` (created; refused when it holds anything: ``OUT_NOT_EMPTY``)."""
    from kuai.exporters.evaluation_page import EVALUATION_PAGE, write_evaluation_page

    check_out_folder(out_dir)
    out_dir.mkdir(exist_ok=True)
    known = evaluation.known
    engine.write_atomically(out_dir / EVALUATION_JSON, json.dumps({
        "file": file_name, "model": evaluation.model_name, "n_rows": known.n_rows,
        "scores": {k: (v if np.isfinite(v) else None) for k, v in known.scores.items()},
        "summary": known.summary, "notes": list(known.notes),
        "evaluation": engine.to_jsonable(known.evaluation)}, indent=2))
    write_predictions_file(evaluation.predictions, out_dir / PREDICTIONS_CSV, overwrite=False)
    write_evaluation_page(known, out_dir / EVALUATION_PAGE, model_name=evaluation.model_name, file_name=file_name,
                          card=_at_threshold(evaluation))


def check_out_folder(out_dir: Path) -> None:
    """``--out`` is a new folder in an existing one, or an empty folder Kuai may write to (else a coded error)."""
    refuse_link(out_dir, "give --out a new or empty folder.")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SchemaError(f"'{out_dir}' is not a new or empty folder. Kuai never writes beside or over your files: "
                          "give --out a new folder.", code="OUT_NOT_EMPTY")
    if not out_dir.parent.is_dir():
        raise SchemaError(f"The folder '{out_dir.parent}' does not exist; create it first or choose another --out.",
                          code="OUT_FOLDER_MISSING")
    if not os.access(out_dir if out_dir.exists() else out_dir.parent, os.W_OK):
        raise SchemaError(f"Cannot write to '{out_dir}'; choose another --out.", code="OUT_NOT_WRITABLE")


def _card(model_path: Path) -> dict[str, Any]:
    """The run's model card beside the model, when there is one and it can be read (else: the task's defaults)."""
    folder = model_path if model_path.is_dir() else model_path.parent
    try:
        card: dict[str, Any] = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
        return card
    except (OSError, ValueError):
        return {}


def _target_column(frame: pd.DataFrame, model: LoadedModel) -> str:
    if model.target in frame.columns:
        return str(model.target)
    close = engine.closest_columns(model.target, [str(c) for c in frame.columns])
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise SchemaError(f"The file has no column '{model.target}', the answers the model predicts; evaluating needs "
                      f"them (to score a file without them, use 'kuai predict').{hint}", code="NO_TARGET_COLUMN")


def _spec(model: LoadedModel, card: dict[str, Any]) -> TaskSpec:
    task = TaskType(model.task)
    metric = str((card.get("metric") or {}).get("name") or METRICS[task][0])
    return TaskSpec(target=model.target, task=task, metric=metric if metric in METRICS[task] else METRICS[task][0],
                    features=tuple(c.name for c in model.schema),
                    feature_types={c.name: ColumnType(c.type) for c in model.schema}, classes=tuple(model.classes),
                    seed=int(card.get("seed") or 0))


def _outputs(predictions: pd.DataFrame, model: LoadedModel) -> np.ndarray:
    if model.classes:
        return predictions[[f"proba_{label}" for label in model.classes]].to_numpy(dtype=float)
    return predictions["prediction"].to_numpy(dtype=float)


def has_answers(model: LoadedModel, frame: pd.DataFrame) -> bool:
    """The file holds the model's target column: it can be checked, not only scored."""
    return model.target in frame.columns


def _at_threshold(evaluation: FileEvaluation) -> dict[str, Any]:
    """A binary model's decision threshold, with its counts on these rows, as the report's charts take it."""
    entry = dict(evaluation.card.get("decision_threshold") or {})
    known = evaluation.known
    if not entry or known.outputs.ndim != 2 or known.outputs.shape[1] != 2:
        return {}
    is_positive = known.y == 1  # the answers as the model's class indexes (the positive class second)
    says_positive = known.outputs[:, 1] >= float(entry["threshold"])
    entry["out_of_fold"] = {"true_positives": int(np.sum(is_positive & says_positive)),
                            "false_positives": int(np.sum(~is_positive & says_positive)),
                            "false_negatives": int(np.sum(is_positive & ~says_positive)),
                            "true_negatives": int(np.sum(~is_positive & ~says_positive))}
    return {"decision_threshold": entry}
