"""Metrics by name, with their direction.

Predictions are probabilities (n_rows x n_classes) for classification and
values (n_rows,) for regression; labels are integer class indices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as sk


@dataclass(frozen=True)
class Metric:
    name: str
    greater_is_better: bool
    compute: Callable[[np.ndarray, np.ndarray], float]
    label: str
    best: float | None = None  # the best value it can take, when a model can reach it exactly

    def is_perfect(self, value: float) -> bool:
        return self.best is not None and value == self.best

    def better(self, a: float, b: float) -> bool:
        return a > b if self.greater_is_better else a < b

    def loss(self, value: float) -> float:
        """Lower is better, for minimisation in search and ensembling."""
        return -value if self.greater_is_better else value


def _positive(proba: np.ndarray) -> np.ndarray:
    return proba[:, 1] if proba.ndim == 2 else proba


def _labels(proba: np.ndarray) -> np.ndarray:
    return np.asarray(np.argmax(proba, axis=1))


def _log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    clipped = np.clip(proba, 1e-15, 1.0)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    # scikit-learn's log_loss, without its input checks: ensemble selection computes it thousands of times
    labels = np.ravel(y).astype(np.intp)
    return float(-np.mean(np.log(clipped[np.arange(len(labels)), labels])))


def _roc_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Binary ROC AUC as the Mann-Whitney statistic over average ranks: scikit-learn's value (ties count half)
    without its input checks, for ensemble selection's thousands of calls."""
    labels, score = np.ravel(y), _positive(proba)
    positive = labels == 1
    n_positive = int(positive.sum())
    n_negative = int((labels == 0).sum())
    if n_positive == 0 or n_negative == 0 or n_positive + n_negative != len(labels) or not np.isfinite(score).all():
        # scikit-learn's answer: one class, labels other than 0 and 1, or a score that is not a number
        return float(sk.roc_auc_score(labels, score))
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative))


def _rmse(y: np.ndarray, predictions: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.ravel(y).astype(np.float64) - np.ravel(predictions)) ** 2)))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", True, _roc_auc, "ROC AUC", 1.0),
        Metric("pr_auc", True, lambda y, p: float(sk.average_precision_score(y, _positive(p))), "PR AUC", 1.0),
        Metric("log_loss", False, _log_loss, "log loss"),
        Metric("accuracy", True, lambda y, p: float(sk.accuracy_score(y, _labels(p))), "accuracy", 1.0),
        Metric("balanced_accuracy", True,
               lambda y, p: float(sk.balanced_accuracy_score(y, _labels(p))), "balanced accuracy", 1.0),
        Metric("rmse", False, _rmse, "RMSE", 0.0),
        Metric("mae", False, lambda y, p: float(sk.mean_absolute_error(y, p)), "MAE", 0.0),
        Metric("r2", True, lambda y, p: float(sk.r2_score(y, p)), "R²", 1.0),
    )
}


def get_metric(name: str) -> Metric:
    return METRICS[name]


def score(name: str, y_true: np.ndarray, predictions: np.ndarray) -> float:
    return METRICS[name].compute(y_true, predictions)
