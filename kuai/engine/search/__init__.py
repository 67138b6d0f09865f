"""The search: an Optuna study over the fixed-shape pipeline, its trials, folds and warm start."""
