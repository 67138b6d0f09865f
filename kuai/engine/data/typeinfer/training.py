"""Training the type model and the folds used to measure it (used by the benchmark scripts).

Features are stateless (hashed n-grams, no fitted vocabulary), so they can be computed
once for all rows; each fold's booster is fitted on the other folds' rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from kuai.engine.data.typeinfer.features import column_features
from kuai.engine.data.typeinfer.model import LABELS
from kuai.engine.data.typeinfer.summary import ColumnSummary

__all__ = [
    "N_ROUNDS", "TRAINING_PARAMS", "feature_matrix", "fit_booster", "fold_splits", "label_codes", "train_booster",
    "write_model",
]

N_ROUNDS = 300
TRAINING_PARAMS: dict[str, Any] = {
    "objective": "multiclass",
    "num_class": len(LABELS),
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 5,
    "feature_fraction": 0.3,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "force_row_wise": True,
    "feature_pre_filter": False,
    "deterministic": True,
    "verbose": -1,
}
# Per-tree statistics that prediction never reads; dropping them halves the file.
_UNUSED_TREE_FIELDS = ("split_gain=", "leaf_weight=", "leaf_count=", "internal_value=", "internal_weight=",
                       "internal_count=", "tree_sizes=")


def feature_matrix(summaries: Sequence[ColumnSummary]) -> np.ndarray:
    """Dense float32 features (LightGBM trains several times faster on them than on sparse rows)."""
    return np.asarray(column_features(summaries).toarray(), dtype=np.float32)


def label_codes(labels: Sequence[str]) -> np.ndarray:
    """Labels as class indices into ``LABELS``; an unknown label is a ``ValueError``."""
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"Unknown labels {unknown}; expected some of {', '.join(LABELS)}.")
    index = {label: i for i, label in enumerate(LABELS)}
    return np.array([index[label] for label in labels], dtype=int)


def fit_booster(
    features: np.ndarray, labels: Sequence[str], *, seed: int = 0, n_rounds: int = N_ROUNDS, n_threads: int = 2,
) -> lgb.Booster:
    """Fit the type model on a feature matrix from ``feature_matrix``."""
    params = {**TRAINING_PARAMS, "seed": seed, "num_threads": n_threads}
    dataset = lgb.Dataset(features, label_codes(labels), params=params)
    return lgb.train(params, dataset, num_boost_round=n_rounds)


def train_booster(
    summaries: Sequence[ColumnSummary], labels: Sequence[str], *, seed: int = 0, n_rounds: int = N_ROUNDS,
    n_threads: int = 2,
) -> lgb.Booster:
    """Fit the type model on all given columns."""
    return fit_booster(feature_matrix(summaries), labels, seed=seed, n_rounds=n_rounds, n_threads=n_threads)


def fold_splits(
    labels: Sequence[str], *, groups: Sequence[object] | None = None, n_folds: int = 5, seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (train rows, test rows); with ``groups``, a group never spans two folds."""
    codes = label_codes(labels)
    rows = np.zeros((len(codes), 1))
    if groups is None:
        return list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed).split(rows, codes))
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(rows, codes, list(groups)))


def write_model(booster: lgb.Booster, path: str | Path) -> int:
    """Write ``booster`` in LightGBM's text format without the statistics prediction does not use.

    Returns the file's size in bytes. The file loads with ``lightgbm.Booster(model_file=...)``
    and predicts exactly as ``booster`` does (it cannot compute SHAP contributions).
    """
    lines = booster.model_to_string().split("\n")
    kept = [line for line in lines if not line.startswith(_UNUSED_TREE_FIELDS)]
    text = "\n".join(kept)
    Path(path).write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))
