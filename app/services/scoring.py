"""Scoring new data with an exported ONNX model (the CLI's ``predict`` and the Predict page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine import ColumnType, Explanation, InputColumn, SchemaError, to_model_frame
from engine.row_explain import explain_rows_black_box
from exporters import THRESHOLD_METADATA_KEY, ExportError, OnnxScorer, onnx_feeds

SCHEMA_METADATA_KEY = "kuai_schema"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LoadedModel:
    scorer: OnnxScorer
    task: str
    classes: tuple[str, ...]
    schema: tuple[InputColumn, ...]
    target: str
    threshold: float | None = None  # binary: P(classes[1]) at or above it is a positive call


def load_model(model: Path) -> LoadedModel:
    """A directory written by ``kuai train`` or a ``.onnx`` file it wrote."""
    path = Path(model)
    if path.is_dir():
        path = path / "model.onnx"
    if not path.is_file():
        raise SchemaError(f"No model at '{model}': give a folder written by 'kuai train' or its model.onnx.",
                          code="MODEL_NOT_FOUND")
    try:
        scorer = OnnxScorer(path)  # the model's metadata comes from ONNX Runtime's session: no parse of our own
    except ExportError as exc:
        if exc.code != "INVALID_MODEL":
            raise
        raise SchemaError(f"'{path.name}' is not a readable ONNX model.", code="BAD_MODEL") from exc
    metadata = scorer.metadata
    if SCHEMA_METADATA_KEY not in metadata:
        raise SchemaError(f"'{path.name}' was not written by Kuai: it carries no input schema.",
                          code="NOT_A_KUAI_MODEL")
    info = json.loads(metadata[SCHEMA_METADATA_KEY])
    schema = tuple(_input_column(entry) for entry in info["input_schema"])
    threshold = metadata.get(THRESHOLD_METADATA_KEY)
    return LoadedModel(scorer=scorer, task=info["task"], classes=tuple(info["classes"]),
                       schema=schema, target=info["target"],
                       threshold=float(threshold) if threshold is not None and len(info["classes"]) == 2 else None)


def _input_column(entry: dict[str, Any]) -> InputColumn:
    inputs = tuple(entry["onnx_inputs"])
    return InputColumn(name=entry["name"], safe_name=inputs[0].split("__")[0], type=ColumnType(entry["type"]),
                       model_inputs=inputs, categories=tuple(entry.get("categories", ())),
                       date_format=str(entry.get("date_format") or ""))  # none recorded (older models): as before


def predict_frame(model: LoadedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Predictions in input row order: ``prediction`` and ``proba_<class>`` per class."""
    model_frame = to_model_frame(frame, model.schema)
    labels, outputs = model.scorer.predict(onnx_feeds(model_frame, model.schema))
    if model.classes:
        probabilities = np.asarray(outputs, dtype=float)
        if model.threshold is not None:  # the decision threshold chosen for this model
            indices = (probabilities[:, 1] >= model.threshold).astype(int)
        else:
            indices = np.asarray(labels if labels is not None else np.argmax(probabilities, axis=1), dtype=int)
        result = pd.DataFrame({"prediction": [model.classes[i] for i in indices]})
        for k, label in enumerate(model.classes):
            result[f"proba_{label}"] = np.asarray(outputs)[:, k].astype(float)
        return result
    return pd.DataFrame({"prediction": np.asarray(outputs, dtype=float).reshape(-1)})


def unseen_note(model: LoadedModel, frame: pd.DataFrame) -> str:
    """A plain warning when some rows hold categories the model never saw in training; "" when none do."""
    from engine import unseen_categories

    found = unseen_categories(frame, model.schema)
    if not found:
        return ""
    parts = []
    for column, counts in list(found.items())[:5]:
        shown = ", ".join(f"'{value}'" for value in list(counts)[:3]) + (" …" if len(counts) > 3 else "")
        parts.append(f"'{column}': {shown} ({sum(counts.values()):,} rows)")
    return ("Some values were never seen in training, so the model treats them like a rare category: "
            + "; ".join(parts) + ". Check their spelling if that is unexpected.")


def explain_prediction(model: LoadedModel, row: pd.DataFrame, background: pd.DataFrame) -> Explanation:
    """Why the exported model predicts what it does for one row (raw columns), against typical training rows.

    Classification explains the probability of the positive class (binary) or of the predicted class;
    regression explains the predicted value.
    """
    columns = [c.name for c in model.schema]
    if model.classes:
        explained = (model.classes[1] if len(model.classes) == 2
                     else str(predict_frame(model, row[columns])["prediction"].iloc[0]))

        def output(frame: pd.DataFrame) -> np.ndarray:
            return predict_frame(model, frame)[f"proba_{explained}"].to_numpy(dtype=float)

        return explain_rows_black_box(output, row[columns], background[columns], explained_class=[explained],
                                      output_space="probability", model_name="exported model")

    def value(frame: pd.DataFrame) -> np.ndarray:
        return predict_frame(model, frame)["prediction"].to_numpy(dtype=float)

    return explain_rows_black_box(value, row[columns], background[columns], output_space="predicted value",
                                  model_name="exported model")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote."""
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype == object or pd.api.types.is_string_dtype(safe[name]):
            safe[name] = safe[name].map(_neutralise)
    safe.columns = [_neutralise(str(c)) for c in safe.columns]
    return safe


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def write_predictions(predictions: pd.DataFrame, path: Path) -> None:
    neutralise_formulas(predictions).to_csv(path, index=False)
