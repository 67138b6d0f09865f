"""Learned feature-type inference: column summaries, their features, and the shipped model.

A column becomes a ``ColumnSummary`` (name, five sample values, whole-column statistics,
the layout of the ML Data Prep Zoo benchmark); ``classify_summaries`` applies the certain
rules and then the LightGBM model shipped as ``type_model.txt`` to give one of the nine
benchmark labels with the model's probability.
"""

from kuai.engine.data.typeinfer.classify import BOOL_TOKENS, TypeGuess, classify_summaries, rule_label
from kuai.engine.data.typeinfer.evaluation import (
    BenchmarkColumns,
    TypeScores,
    cross_validated_guesses,
    read_benchmark,
    score_labels,
)
from kuai.engine.data.typeinfer.features import column_features
from kuai.engine.data.typeinfer.model import LABELS, MODEL_PATH, load_model, predict_labels, predict_probabilities
from kuai.engine.data.typeinfer.summary import MISSING, ColumnSummary, summarise_column, summary_from_benchmark_row
from kuai.engine.data.typeinfer.training import (
    N_ROUNDS,
    feature_matrix,
    fit_booster,
    fold_splits,
    train_booster,
    write_model,
)

__all__ = [
    "BOOL_TOKENS", "LABELS", "MISSING", "MODEL_PATH", "N_ROUNDS", "BenchmarkColumns", "ColumnSummary",
    "TypeGuess", "TypeScores", "classify_summaries", "column_features", "cross_validated_guesses",
    "feature_matrix", "fit_booster", "fold_splits", "load_model", "predict_labels", "predict_probabilities",
    "read_benchmark", "rule_label", "score_labels", "summarise_column", "summary_from_benchmark_row",
    "train_booster", "write_model",
]
