"""Metrics by name, with their direction.

Predictions are probabilities (n_rows x n_classes) for classification and
values (n_rows,) for regression; labels are integer class indices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
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
    """scikit-learn's log loss of the probabilities clipped and scaled to sum to one, without its input checks:
    ensemble selection computes it thousands of times. Only each row's own class is scaled (its sum by a product
    with ones: numpy's row sums over a few columns are slow), about three times as fast on 100,000 rows."""
    clipped = np.clip(proba, 1e-15, 1.0)
    labels = np.ravel(y).astype(np.intp)
    own = clipped[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(own / (clipped @ np.ones(clipped.shape[1])))))


def _roc_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Binary ROC AUC as the Mann-Whitney statistic: scikit-learn's value (ties count half) without its input
    checks, for ensemble selection's thousands of calls. One sort: each run of equal scores counts its positives
    above the negatives ranked below it, and half of the pairs within it (30 ms on 100,000 rows with average ranks
    on a slow machine; 8-10 ms so)."""
    labels, score = np.ravel(y), _positive(proba)
    positive = labels == 1
    n_positive = int(positive.sum())
    n_negative = int((labels == 0).sum())
    if n_positive == 0 or n_negative == 0 or n_positive + n_negative != len(labels) or not np.isfinite(score).all():
        # scikit-learn's answer: one class, labels other than 0 and 1, or a score that is not a number
        return float(sk.roc_auc_score(labels, score))
    order = np.argsort(score)
    ranked, is_positive = score[order], positive[order]
    starts = _starts(ranked)
    if starts.all():  # no ties (a blend's scores, mostly): the positives' ranks
        return float((np.flatnonzero(is_positive).sum() + n_positive - n_positive * (n_positive + 1) / 2)
                     / (n_positive * n_negative))
    run = np.cumsum(starts) - 1
    positives = np.bincount(run, weights=is_positive)
    negatives = np.bincount(run) - positives
    below = np.cumsum(negatives) - negatives
    return float((positives @ below + 0.5 * (positives @ negatives)) / (n_positive * n_negative))


def _starts(ranked: np.ndarray) -> np.ndarray:
    """Where each run of equal scores starts among sorted scores."""
    starts = np.empty(len(ranked), dtype=bool)
    starts[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    return starts


def _pr_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """scikit-learn's average precision (one threshold per distinct score) from one sort, without its checks: 45 ms
    on 100,000 rows on a slow machine, about a fifth of that so."""
    labels, score = np.ravel(y), _positive(proba)
    positive = labels == 1
    n_positive = int(positive.sum())
    if n_positive == 0 or n_positive + int((labels == 0).sum()) != len(labels) or not np.isfinite(score).all():
        return float(sk.average_precision_score(labels, score))  # its answer (and warning) for these
    order = np.argsort(score)[::-1]  # highest first (not ``-score``: an unsigned score would wrap)
    starts = _starts(score[order])
    ends = np.flatnonzero(np.r_[starts[1:], True])  # each threshold's last row, highest scores first
    true_positives = np.cumsum(positive[order])[ends]
    recall = true_positives / n_positive
    precision = true_positives / (ends + 1)
    return float(np.diff(recall, prepend=0.0) @ precision)


def _accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(_labels(proba) == _some(y)))


def _some(y: np.ndarray) -> np.ndarray:
    """``y`` as one row of labels; a ValueError, as scikit-learn's, when there are none (a holdout's note says so)."""
    labels = np.ravel(y)
    if len(labels) == 0:
        raise ValueError("there are no rows to score")
    return labels


def _balanced_accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    """The mean recall over the classes present in ``y``, as scikit-learn's (which warns of, and leaves out, a class
    predicted but not present)."""
    labels = _some(y).astype(np.intp)
    right = labels[_labels(proba) == labels]
    counts = np.bincount(labels)
    present = counts > 0
    return float(np.mean(np.bincount(right, minlength=len(counts))[present] / counts[present]))


def _rmse(y: np.ndarray, predictions: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.ravel(y).astype(np.float64) - np.ravel(predictions)) ** 2)))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", True, _roc_auc, "ROC AUC", 1.0),
        Metric("pr_auc", True, _pr_auc, "PR AUC", 1.0),
        Metric("log_loss", False, _log_loss, "log loss"),
        Metric("accuracy", True, _accuracy, "accuracy", 1.0),
        Metric("balanced_accuracy", True, _balanced_accuracy, "balanced accuracy", 1.0),
        Metric("rmse", False, _rmse, "RMSE", 0.0),
        Metric("mae", False, lambda y, p: float(sk.mean_absolute_error(y, p)), "MAE", 0.0),
        Metric("r2", True, lambda y, p: float(sk.r2_score(y, p)), "R²", 1.0),
    )
}


def get_metric(name: str) -> Metric:
    return METRICS[name]


def score(name: str, y_true: np.ndarray, predictions: np.ndarray) -> float:
    return METRICS[name].compute(y_true, predictions)
