"""Train Kuai's column-type model on the ML Data Prep Zoo benchmark and ship it in the package.

    python benchmarks/train_type_model.py [--data PATH] [--seed 0] [--folds 5] [--rounds N]
                                          [--skip-cv] [--output kuai/engine/data/typeinfer/type_model.txt]

Steps: read the labelled columns (``data_train.csv``: 7,936 columns, 9 labels), report
cross-validated 9-class accuracy and macro-F1 of the product's path (certain rules, then the
model) twice — folds stratified over columns, and folds grouped by ``Record_id`` so that the
columns of one source file stay together (the honest figure for files never seen) — then
fit on all rows with the fixed seed and write the booster as LightGBM text (no pickle).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kuai.engine.data.typeinfer import (
    LABELS,
    MODEL_PATH,
    N_ROUNDS,
    classify_summaries,
    cross_validated_guesses,
    load_model,
    read_benchmark,
    score_labels,
    train_booster,
    write_model,
)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "typeinfer" / "data_train.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=N_ROUNDS)
    parser.add_argument("--skip-cv", action="store_true", help="only fit and write the model")
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    columns = read_benchmark(args.data)
    print(f"{len(columns.labels):,} labelled columns from {len(set(columns.groups)):,} files in {args.data}")
    if not args.skip_cv:
        for grouped in (False, True):
            started = time.perf_counter()
            guesses = cross_validated_guesses(columns, n_folds=args.folds, seed=args.seed, grouped=grouped,
                                              n_rounds=args.rounds)
            scores = score_labels(columns.labels, [guess.label for guess in guesses])
            split = "grouped by Record_id (files never seen)" if grouped else "stratified over columns"
            print(f"\n{args.folds}-fold CV, {split}: accuracy {scores.accuracy:.4f}, "
                  f"macro-F1 {scores.macro_f1:.4f} ({time.perf_counter() - started:.0f} s)")
            print("  " + ", ".join(f"{label} {scores.per_class_f1[label]:.3f}" for label in LABELS))
    started = time.perf_counter()
    booster = train_booster(columns.summaries, columns.labels, seed=args.seed, n_rounds=args.rounds)
    size = write_model(booster, args.output)
    print(f"\nfitted on all {len(columns.labels):,} columns in {time.perf_counter() - started:.0f} s; "
          f"wrote {args.output} ({size / 1e6:.2f} MB)")
    shipped = load_model(args.output)
    in_sample = classify_summaries(columns.summaries, booster=shipped)
    scores = score_labels(columns.labels, [guess.label for guess in in_sample])
    print(f"in-sample accuracy (seen in training, not a measure of quality): {scores.accuracy:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
