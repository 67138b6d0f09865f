"""Reading the feature-type benchmark file and scoring labels against it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

from kuai.engine.data.typeinfer.classify import TypeGuess, classify_summaries
from kuai.engine.data.typeinfer.model import LABELS
from kuai.engine.data.typeinfer.summary import ColumnSummary, summary_from_benchmark_row
from kuai.engine.data.typeinfer.training import N_ROUNDS, feature_matrix, fit_booster, fold_splits

__all__ = ["BenchmarkColumns", "TypeScores", "cross_validated_guesses", "read_benchmark", "score_labels"]


@dataclass(frozen=True)
class BenchmarkColumns:
    """The labelled columns of a benchmark file: summaries, labels and source file ids."""

    summaries: tuple[ColumnSummary, ...]
    labels: tuple[str, ...]
    groups: tuple[str, ...]

    def subset(self, rows: Sequence[int]) -> BenchmarkColumns:
        return BenchmarkColumns(tuple(self.summaries[i] for i in rows), tuple(self.labels[i] for i in rows),
                                tuple(self.groups[i] for i in rows))


@dataclass(frozen=True)
class TypeScores:
    n_columns: int
    accuracy: float
    macro_f1: float
    per_class_f1: dict[str, float]


def read_benchmark(path: str | os.PathLike[str]) -> BenchmarkColumns:
    """A file in the ML Data Prep Zoo format (``Attribute_name``, ``y_act``, samples, statistics)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    missing = {"Attribute_name", "y_act", "sample_1", "total_vals"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} lacks the benchmark columns {sorted(missing)}.")
    rows = frame.to_dict("records")
    groups = frame["Record_id"] if "Record_id" in frame.columns else pd.Series(range(len(frame)), dtype=str)
    return BenchmarkColumns(
        summaries=tuple(summary_from_benchmark_row(row) for row in rows),
        labels=tuple(str(label) for label in frame["y_act"]),
        groups=tuple(str(group) for group in groups),
    )


def score_labels(true: Sequence[str], predicted: Sequence[str]) -> TypeScores:
    """Accuracy, macro-F1 over the nine labels and F1 per label."""
    per_class = f1_score(true, predicted, labels=list(LABELS), average=None, zero_division=0.0)
    present = [label for label in LABELS if label in set(true)]
    return TypeScores(
        n_columns=len(true),
        accuracy=float(accuracy_score(true, predicted)),
        macro_f1=float(f1_score(true, predicted, labels=present, average="macro", zero_division=0.0)),
        per_class_f1={label: float(score) for label, score in zip(LABELS, per_class, strict=True)},
    )


def cross_validated_guesses(
    columns: BenchmarkColumns, *, n_folds: int = 5, seed: int = 0, grouped: bool = False, use_rules: bool = True,
    n_rounds: int = N_ROUNDS, n_threads: int = 2,
) -> list[TypeGuess]:
    """The product's guess for every column, each made by a model trained on the other folds only.

    ``grouped`` keeps the columns of one source file (``Record_id``) in one fold: the figure
    for files the model has never seen. The guesses go through the same path as in the
    product (``classify_summaries``: certain rules, then the model).
    """
    features = feature_matrix(columns.summaries)
    guesses: list[TypeGuess | None] = [None] * len(columns.labels)
    splits = fold_splits(columns.labels, groups=columns.groups if grouped else None, n_folds=n_folds, seed=seed)
    for train_rows, test_rows in splits:
        booster = fit_booster(features[train_rows], [columns.labels[i] for i in train_rows], seed=seed,
                              n_rounds=n_rounds, n_threads=n_threads)
        fold_guesses = classify_summaries([columns.summaries[i] for i in test_rows], booster=booster,
                                          use_rules=use_rules)
        for row, guess in zip(test_rows, fold_guesses, strict=True):
            guesses[int(row)] = guess
    return [guess for guess in guesses if guess is not None]
