"""Scoring new data with an exported ONNX model (the CLI's ``predict``, the Predict page and ``kuai serve``).

The model file is opened and scored in the sandbox (``kuai.app.services.sandbox``: a child process with a memory cap
and a time limit), its metadata checked first (``kuai.app.services.model_metadata``). The data is prepared here, as at
training (``engine.to_model_frame``); what it could not read is counted in a note (``engine.unreadable_values``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from kuai.app.services.sandbox import ModelError, SandboxedScorer, SandboxLimits
from kuai.engine import (
    EngineError,
    Explanation,
    InputColumn,
    SchemaError,
    check_row_count,
    clip,
    to_model_frame,
    unreadable_values,
)
from kuai.engine.explain.row_explain import explain_rows_black_box
from kuai.exporters import ExporterError, onnx_feeds

__all__ = ["SCHEMA_METADATA_KEY", "LoadedModel", "Scored", "explain_prediction", "load_model", "predict_frame",
           "no_value_note", "score_table", "unreadable_note", "unseen_note"]
SCHEMA_METADATA_KEY = "kuai_schema"  # written by kuai.app.services.outputs.embed_schema, read by model_metadata
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_NOTE_ENTRIES = 6  # columns and reasons the note on values not used names
PROBABILITY_TOLERANCE = 1e-4  # float32 rounding of a probability just below 0 or above 1
PROBABILITY_SUM_TOLERANCE = 1e-3  # float32 rounding of a row's probabilities summed over many classes


class Scorer(Protocol):
    """What scores feeds: the sandbox, or ``exporters.OnnxScorer`` for a model Kuai has just built itself."""

    def predict(self, feeds: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray]: ...


@dataclass(frozen=True)
class LoadedModel:
    scorer: Scorer
    task: str
    classes: tuple[str, ...]
    schema: tuple[InputColumn, ...]
    target: str
    threshold: float | None = None  # binary: P(classes[1]) at or above it is a positive call
    name: str = "the model"  # its file's name, for messages

    def close(self) -> None:
        """End the model's scoring process now (it also ends when the model is collected)."""
        close = getattr(self.scorer, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class Scored:
    predictions: pd.DataFrame  # one row per input row, in order
    notes: tuple[str, ...]  # what the user must be told: values not read, categories never seen


def load_model(model: Path, *, limits: SandboxLimits | None = None) -> LoadedModel:
    """A directory written by ``kuai train`` or a ``.onnx`` file it wrote, opened in the scoring sandbox."""
    from kuai.app.services.model_metadata import read_metadata  # pydantic: not in the import time of a training

    path = Path(model)
    if path.is_dir():
        path = path / "model.onnx"
    if not path.is_file():
        raise SchemaError(f"No model at '{model}': give a folder written by 'kuai train' or its model.onnx.",
                          code="MODEL_NOT_FOUND")
    scorer = SandboxedScorer(path, limits=limits)
    try:
        metadata = read_metadata(scorer.metadata, inputs=scorer.inputs, outputs=scorer.outputs, file_name=path.name)
        loaded = LoadedModel(scorer=scorer, task=metadata.task, classes=metadata.classes, schema=metadata.schema,
                             target=metadata.target, threshold=metadata.threshold, name=path.name)
        _trial_run(loaded, scorer)
    except (EngineError, ExporterError):
        scorer.close()
        raise
    return loaded


def _trial_run(model: LoadedModel, scorer: SandboxedScorer) -> None:
    """Score one row of missing values under a short limit: a graph that loops or allocates whatever its input is
    fails now, at once, not at the first real call; and the outputs' shapes are checked against the classes."""
    row = pd.DataFrame({column.name: [None] for column in model.schema})
    feeds = onnx_feeds(to_model_frame(row, model.schema), model.schema)
    labels, outputs = scorer.predict(feeds, timeout_s=scorer.limits.trial_timeout_s)
    _check_outputs(model, labels, outputs, 1)


def predict_frame(model: LoadedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Predictions in input row order: ``prediction`` and ``proba_<class>`` per class."""
    return _predictions(model, to_model_frame(frame, model.schema), len(frame))


def score_table(model: LoadedModel, frame: pd.DataFrame) -> Scored:
    """``predict_frame`` and the notes the user must see beside the predictions."""
    model_frame = to_model_frame(frame, model.schema)
    predictions = _predictions(model, model_frame, len(frame))
    notes = (unreadable_note(frame, model.schema, model_frame), unseen_note(model, frame))
    return Scored(predictions=predictions, notes=tuple(note for note in notes if note))


def _predictions(model: LoadedModel, model_frame: pd.DataFrame, n_rows: int) -> pd.DataFrame:
    """One row of predictions per input row, in order (``check_row_count``: a coded error otherwise)."""
    check_row_count(n_rows, len(model_frame), "Preparing the rows to score")
    labels, outputs = model.scorer.predict(onnx_feeds(model_frame, model.schema))
    _check_outputs(model, labels, outputs, n_rows)
    if model.classes:
        probabilities = np.asarray(outputs, dtype=float)
        if model.threshold is not None:  # the decision threshold chosen for this model
            indices = (probabilities[:, 1] >= model.threshold).astype(int)
        else:
            indices = np.asarray(labels if labels is not None else np.argmax(probabilities, axis=1), dtype=int)
        result = pd.DataFrame({"prediction": [model.classes[i] for i in indices]})
        for k, label in enumerate(model.classes):
            result[f"proba_{label}"] = probabilities[:, k]
    else:
        result = pd.DataFrame({"prediction": np.asarray(outputs, dtype=float).reshape(-1)})
    check_row_count(n_rows, len(result), "Scoring")
    return result


def _check_outputs(model: LoadedModel, labels: np.ndarray | None, outputs: np.ndarray, n_rows: int) -> None:
    """The graph answered one row per input row, with one probability per class and labels among the classes."""
    n_classes = len(model.classes)
    problem = ""
    if n_classes and (outputs.ndim != 2 or outputs.shape != (n_rows, n_classes)):
        problem = f"it gave probabilities of shape {list(outputs.shape)} for {n_rows:,} rows and {n_classes} classes"
    elif not n_classes and outputs.size != n_rows:
        problem = f"it gave {outputs.size:,} values for {n_rows:,} rows"
    elif labels is not None and n_classes and model.threshold is None:
        if labels.shape != (n_rows,) or labels.dtype.kind not in "iu" or (
                n_rows and (labels.min() < 0 or labels.max() >= n_classes)):
            problem = f"its labels are not class numbers 0 to {n_classes - 1}, one per row"
    problem = problem or _value_problem(outputs, classifier=bool(n_classes))
    if problem:
        raise ModelError(f"'{model.name}' cannot be used: {problem}. Score with the model.onnx that Kuai wrote, "
                         "unchanged.", code="BAD_MODEL")


def _value_problem(outputs: np.ndarray, *, classifier: bool) -> str:
    """What is wrong with the values a graph returned, "" when nothing: a model Kuai wrote gives finite values and,
    for a classifier, probabilities within [0, 1] that sum to 1 on each row; anything else is a broken or hostile
    graph, whose values must not become predictions (a NaN probability would silently pick the first class)."""
    try:
        values = np.asarray(outputs, dtype=float).reshape(len(outputs), -1) if outputs.size else np.empty((0, 1))
    except (TypeError, ValueError):
        return "it returned values that are not numbers"
    finite = np.isfinite(values).all(axis=1)
    kind = "probabilities" if classifier else "predictions"
    if not finite.all():
        return f"it returned {kind} that are not numbers (NaN or infinite) for {_rows(int((~finite).sum()))}"
    if not classifier:
        return ""
    outside = ((values < -PROBABILITY_TOLERANCE) | (values > 1 + PROBABILITY_TOLERANCE)).any(axis=1)
    if outside.any():
        example = values[outside][0]
        return (f"it returned probabilities outside 0 to 1 (e.g. {', '.join(f'{v:.4g}' for v in example[:4])}) "
                f"for {_rows(int(outside.sum()))}")
    unsummed = np.abs(values.sum(axis=1) - 1) > PROBABILITY_SUM_TOLERANCE
    if unsummed.any():
        return (f"it returned probabilities that do not sum to 1 (e.g. {values[unsummed][0].sum():.4g}) for "
                f"{_rows(int(unsummed.sum()))}")
    return ""


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def unreadable_note(frame: pd.DataFrame, schema: tuple[InputColumn, ...], model_frame: pd.DataFrame) -> str:
    """A plain note when values present in the data could not be used as given (not read as their column's type,
    infinite, beyond the model's float32 range: scored as missing; dates read by a fallback); "" when none."""
    found = unreadable_values(frame, schema, model_frame)
    if not found:
        return ""
    more = f" And {len(found) - MAX_NOTE_ENTRIES} more such findings." if len(found) > MAX_NOTE_ENTRIES else ""
    return ("Some values were not used as given. " + ". ".join(entry.text for entry in found[:MAX_NOTE_ENTRIES])
            + "." + more + " Correct them in the file if they should count.")


def no_value_note(frame: pd.DataFrame) -> str:
    """A note on the rows of a request (``kuai serve``) with no value at all, scored as rows of missing values as
    ``kuai predict`` scores them; "" when none. (``kuai predict`` and the Predict page have the reader's note.)"""
    empty = np.flatnonzero(frame.isna().all(axis=1).to_numpy()) if len(frame.columns) else np.array([], dtype=int)
    if not len(empty):
        return ""
    shown = ", ".join(str(n + 1) for n in empty[:8]) + (f" and {len(empty) - 8:,} more" if len(empty) > 8 else "")
    return (f"{len(empty):,} row{'' if len(empty) == 1 else 's'} of the request {'has' if len(empty) == 1 else 'have'}"
            f" no value at all (row{'' if len(empty) == 1 else 's'} {shown}): scored as rows of missing values, so "
            "that every row keeps its prediction")


def unseen_note(model: LoadedModel, frame: pd.DataFrame) -> str:
    """A plain warning when some rows hold categories the model never saw in training; "" when none do."""
    from kuai.engine import unseen_categories

    found = unseen_categories(frame, model.schema)
    if not found:
        return ""
    parts = []
    for column, counts in list(found.items())[:5]:
        shown = ", ".join(f"'{clip(value, 40)}'" for value in list(counts)[:3]) + (" …" if len(counts) > 3 else "")
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
