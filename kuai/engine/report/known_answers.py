"""A trained model checked on the user's own file with known answers (``kuai evaluate``, the Predict page).

The model's predictions come from its exported pipeline (the same as ``kuai predict``); this module turns them and
the file's answers into every metric of the task, the evaluation charts' data and a plain summary, as the training's
report gives them for its out-of-fold predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuai.engine.data.labels import class_indexes, class_labels
from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.task import METRICS
from kuai.engine.metrics import get_metric
from kuai.engine.naming import plain_number
from kuai.engine.read.cells import clip
from kuai.engine.report.evaluation import evaluate
from kuai.engine.report.evaluation_data import Evaluation
from kuai.engine.types import InputColumn, TaskSpec

__all__ = ["KnownAnswers", "known_answers", "score_known_answers"]


@dataclass(frozen=True)
class KnownAnswers:
    """The model's figures on the rows of a file whose answers are known."""

    n_rows: int  # rows scored (with a known answer the model can be scored on)
    scores: dict[str, float]  # every metric of the task, the model's own metric first; NaN where undefined
    evaluation: Evaluation
    summary: str  # in plain words
    y: np.ndarray  # the answers scored (class indexes, or values)
    outputs: np.ndarray  # the model's probabilities per class, or values, for those rows
    notes: tuple[str, ...] = ()  # rows left out, and why


def known_answers(spec: TaskSpec, answers: pd.Series, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """The encoded answers of the rows that can be scored, their positions, and a note on the rows left out: a
    missing answer, or (classification) a class the model does not know."""
    if spec.task.is_classification:
        labels = class_labels(answers)
        codes = class_indexes(answers, spec.classes)
        unknown = labels.notna() & (codes < 0)
        usable = codes >= 0
        y = codes[usable]
        shown = ", ".join(f"'{clip(str(v), 30)}'" for v in labels[unknown].unique()[:3])
        unknown_note = (f"{_rows(int(unknown.sum()))} an answer the model never learned ({shown}); "
                        if unknown.any() else "")
    else:
        values = numeric_values(answers).to_numpy(dtype=float)
        usable = np.isfinite(values)
        y, unknown_note = values[usable], ""
    missing = int(answers.isna().sum())
    note = unknown_note + (f"{_rows(missing)} no answer in '{clip(spec.target, 60)}'; " if missing else "")
    if note:
        note = note[:-2] + "; left out of the scores."
    return y, np.flatnonzero(usable), note


def _rows(count: int) -> str:
    return f"{count:,} rows have" if count != 1 else "1 row has"


def score_known_answers(spec: TaskSpec, y: np.ndarray, outputs: np.ndarray, *, model_frame: pd.DataFrame | None,
                        schema: tuple[InputColumn, ...], cv_score: float | None, cv_std: float | None,
                        file_name: str, notes: tuple[str, ...] = ()) -> KnownAnswers:
    """Every metric of the task on ``outputs`` (probabilities per class, or values) against ``y``."""
    names = [spec.metric, *(m for m in METRICS[spec.task] if m != spec.metric)]
    scores = {name: _score(name, y, outputs) for name in names}
    evaluation = evaluate(spec, y, outputs, model_frame=model_frame, schema=schema, seed=spec.seed)
    return KnownAnswers(n_rows=len(y), scores=scores, evaluation=evaluation, notes=notes, y=y, outputs=outputs,
                        summary=_summary(spec, y, outputs, scores, cv_score, cv_std, file_name))


def _score(name: str, y: np.ndarray, outputs: np.ndarray) -> float:
    try:
        return float(get_metric(name).compute(y, outputs))
    except ValueError:  # one class only among the answers: ROC AUC and PR AUC are undefined
        return float("nan")


def _summary(spec: TaskSpec, y: np.ndarray, outputs: np.ndarray, scores: dict[str, float], cv_score: float | None,
             cv_std: float | None, file_name: str) -> str:
    metric = get_metric(spec.metric)
    if spec.task.is_classification:
        accuracy = float(np.mean(np.argmax(outputs, axis=1) == y))
        counts = np.bincount(y, minlength=len(spec.classes))
        majority = spec.classes[int(np.argmax(counts))]
        first = (f"On the {len(y):,} rows of {file_name}, the model picks the right class {accuracy:.0%} of the "
                 f"time; always guessing '{majority}' would be right {counts.max() / max(1, counts.sum()):.0%} of "
                 "the time.")
    else:
        rmse = float(np.sqrt(np.mean((y - outputs) ** 2)))
        first = (f"On the {len(y):,} rows of {file_name}, the model's typical error is {plain_number(rmse)} "
                 f"(predicting their average every time: {plain_number(float(np.std(y)))}).")
    score = scores[spec.metric]
    shown = "cannot be computed on these rows" if not np.isfinite(score) else f"{score:.4f}"
    second = f"{metric.label}: {shown}"
    if cv_score is not None and np.isfinite(score):
        spread = f" ± {cv_std:.4f}" if cv_std is not None else ""
        second += f" (cross-validated at training: {cv_score:.4f}{spread}"
        gap = metric.loss(score) - metric.loss(cv_score)
        worse = cv_std is not None and gap > 2 * max(cv_std, 1e-9)
        second += "; clearly worse here: these rows may differ from the training data)" if worse else ")"
    return f"{first} {second}."
