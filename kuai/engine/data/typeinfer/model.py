"""The shipped type model: a LightGBM booster stored as text inside the package, loaded once.

The file is LightGBM's own text format (never a pickle), written by
``benchmarks/train_type_model.py``. ``predict_labels`` gives, per column summary, the
most likely of the nine benchmark labels and the model's probability for it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path

import lightgbm as lgb
import numpy as np

from kuai.engine.data.typeinfer.features import column_features
from kuai.engine.data.typeinfer.summary import ColumnSummary

__all__ = ["LABELS", "MODEL_PATH", "load_model", "predict_labels", "predict_probabilities"]

# The nine labels of the ML Data Prep Zoo benchmark, in the model's class order.
LABELS = (
    "categorical", "context-specific", "datetime", "embedded-number", "list", "not-generalizable",
    "numeric", "sentence", "url",
)
MODEL_PATH = Path(__file__).with_name("type_model.txt")
_LOCK = threading.Lock()


@functools.cache
def _load(path: Path) -> lgb.Booster:
    return lgb.Booster(model_file=str(path))


def load_model(path: Path = MODEL_PATH) -> lgb.Booster:
    """The booster in ``path`` (the shipped model by default), read from disk once per process."""
    with _LOCK:
        booster = _load(path)
    if booster.num_model_per_iteration() != len(LABELS):
        raise ValueError(f"{path} predicts {booster.num_model_per_iteration()} classes, not {len(LABELS)}; "
                         "retrain it with benchmarks/train_type_model.py.")
    return booster


def predict_probabilities(summaries: Sequence[ColumnSummary], *, booster: lgb.Booster | None = None) -> np.ndarray:
    """Probabilities over ``LABELS``, one row per summary."""
    if not summaries:
        return np.zeros((0, len(LABELS)))
    model = booster if booster is not None else load_model()
    probabilities = np.asarray(model.predict(column_features(summaries)), dtype=float)
    return probabilities.reshape(len(summaries), len(LABELS))


def predict_labels(
    summaries: Sequence[ColumnSummary], *, booster: lgb.Booster | None = None,
) -> list[tuple[str, float]]:
    """The most likely label of each column and the model's probability for it."""
    probabilities = predict_probabilities(summaries, booster=booster)
    best = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, dtype=int)
    return [(LABELS[int(i)], float(row[i])) for i, row in zip(best, probabilities, strict=True)]
