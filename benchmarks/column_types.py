"""Measure Kuai's column-type detector on the ML Data Prep Zoo feature-type benchmark.

    python benchmarks/column_types.py PATH [--cv] [--grouped] [--folds 5] [--no-rules] [--subset N]

PATH is a file in the benchmark's format (one row per column: ``Attribute_name``, ``y_act``,
``sample_1``..``sample_5``, ``total_vals``, ``num_nans``, ``%_nans``, ``num_of_dist_val``,
``%_dist_val``, ``mean``, ``std_dev``, ``min_val``, ``max_val``; ``Record_id`` for --grouped).
Each row becomes a ``ColumnSummary`` and goes through the product's own path
(``kuai.engine.data.typeinfer.classify_summaries``: the certain rules, then the learned model), the
path ``kuai.engine.data.column_types.detect_column_type`` takes after it has summarised a column.
The script prints 9-class accuracy, macro-F1 and F1 per label.

Without --cv the shipped model (``kuai/engine/data/typeinfer/type_model.txt``) is used. It was trained
on ``data_train.csv``, so on that file the figure is in-sample and flatters the model; the
honest figure is --cv (train on k-1 folds, predict the held-out fold: every column is
predicted by a model that never saw it). --grouped keeps the columns of one source file in
one fold (the figure for files never seen). --no-rules measures the model alone.

How the nine labels become Kuai's column types (``kuai/engine/data/column_types.py``):

    numeric            -> NUMERIC (text: when >= 97 % of values read as numbers, else CATEGORICAL)
    categorical        -> CATEGORICAL (BOOLEAN when it is two yes/no-like values)
    datetime           -> DATETIME when >= 90 % of the values parse as dates (numbers stay NUMERIC)
    sentence           -> TEXT (not a feature)
    embedded-number    -> NUMERIC read from text ("$1,200", "35 %", "12.5 km") when >= 97 % parse
                          with one unit, else CATEGORICAL
    url                -> TEXT (not a feature)
    list               -> CATEGORICAL when <= 20 distinct lists, else TEXT (not a feature)
    not-generalizable  -> CONSTANT when one value or >= 95 % missing, else ID (not a feature)
    context-specific   -> CATEGORICAL when <= 20 distinct values or not numbers, else NUMERIC,
                          with a reason saying it may need domain knowledge
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from kuai.engine.data.typeinfer import (
    LABELS,
    N_ROUNDS,
    BenchmarkColumns,
    TypeScores,
    classify_summaries,
    cross_validated_guesses,
    read_benchmark,
    score_labels,
)


def evaluate(
    columns: BenchmarkColumns, *, cv: bool, grouped: bool = False, n_folds: int = 5, seed: int = 0,
    use_rules: bool = True, n_rounds: int = N_ROUNDS,
) -> tuple[TypeScores, list[str]]:
    """Scores of the detector's labels on ``columns`` and the labels themselves."""
    if cv:
        guesses = cross_validated_guesses(columns, n_folds=n_folds, seed=seed, grouped=grouped,
                                          use_rules=use_rules, n_rounds=n_rounds)
    else:
        guesses = classify_summaries(columns.summaries, use_rules=use_rules)
    predicted = [guess.label for guess in guesses]
    return score_labels(columns.labels, predicted), predicted


def report(title: str, scores: TypeScores, true: tuple[str, ...], predicted: list[str]) -> None:
    print(f"\n{title}")
    print(f"  columns {scores.n_columns:,}   accuracy {scores.accuracy:.4f}   macro-F1 {scores.macro_f1:.4f}")
    print("  label               F1      support")
    for label in LABELS:
        support = sum(1 for t in true if t == label)
        print(f"  {label:<18} {scores.per_class_f1[label]:.4f}  {support:>6}")
    confusions: dict[tuple[str, str], int] = {}
    for t, p in zip(true, predicted, strict=True):
        if t != p:
            confusions[(t, p)] = confusions.get((t, p), 0) + 1
    worst = sorted(confusions.items(), key=lambda item: -item[1])[:6]
    print("  most frequent confusions (true -> predicted): "
          + ", ".join(f"{t} -> {p} {n}" for (t, p), n in worst))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="benchmark file (e.g. /work/shared/typeinfer/data_train.csv)")
    parser.add_argument("--cv", action="store_true", help="cross-validate: train on k-1 folds, predict the rest")
    parser.add_argument("--grouped", action="store_true", help="with --cv: keep each Record_id in one fold")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=N_ROUNDS, help="boosting rounds of each fold's model")
    parser.add_argument("--no-rules", action="store_true", help="the model alone, without the certain rules")
    parser.add_argument("--subset", type=int, default=0, help="a seeded random subset of N columns")
    args = parser.parse_args(argv)
    columns = read_benchmark(args.path)
    if args.subset and args.subset < len(columns.labels):
        rows = np.sort(np.random.default_rng(args.seed).choice(len(columns.labels), args.subset, replace=False))
        columns = columns.subset([int(i) for i in rows])
    started = time.perf_counter()
    scores, predicted = evaluate(columns, cv=args.cv, grouped=args.grouped, n_folds=args.folds, seed=args.seed,
                                 use_rules=not args.no_rules, n_rounds=args.rounds)
    if args.cv:
        split = "grouped by Record_id" if args.grouped else "stratified over columns"
        title = f"{args.folds}-fold cross-validated ({split}): each column predicted by a model that never saw it"
    else:
        title = "shipped model (in-sample if PATH is the file it was trained on)"
    if args.no_rules:
        title += ", model alone (no rules)"
    report(title, scores, columns.labels, predicted)
    print(f"  took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
