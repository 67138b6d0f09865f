"""Kuai's engine, in the order a training runs through it.

- ``read``: a file to a table (kind, encoding, dialect, header, footer, dates), saying what it guessed;
- ``data``: the table understood: column types, profile, target and task, pre-flight checks, leakage, fixes;
- ``models``: the model families and the pipeline's clean and encode stages;
- ``search``: the Optuna study over the fixed-shape pipeline, its trials, folds and warm start;
- ``select``: the final model: leaderboard, ensemble, bagging, stacking, limits, refit;
- ``explain``: SHAP, permutation importance and per-row explanations;
- ``report``: the evaluation data and the plain-language summary;

and ``budget`` (what each stage may spend), ``automl`` (the stages in order), ``types`` and ``errors`` (what crosses
the engine's boundary). Pure Python over pandas and the model libraries: it imports nothing of the app, storage or
exporters, reports progress through a callback and stops on request.

Importing it has no side effect and loads nothing: every name of ``__init__.pyi`` is imported when first used
(``from kuai.engine import EngineError`` loads the errors, not pandas, scikit-learn and the model libraries).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
