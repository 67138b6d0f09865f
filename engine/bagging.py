"""Bagged models: the search's own fold models, averaged, instead of one model refitted on all rows.

Every trial fits one model per fold, each without its fold's rows. Averaging them (bagging) gives a
model whose out-of-fold score is exactly what the search measured, that costs no refit, and whose
averaging lowers the variance of each fit (the source of AutoGluon's lead in the AutoML Benchmark,
with stacking). It costs k times the model's size and prediction time, so the tail chooses it only
when the export fits the budget and the size stays reasonable (``engine.automl``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.trials import TrialOutcome
from engine.types import TaskSpec

# the pickled fold models of a bagged export; above it the chosen model is refitted instead (the ONNX conversion
# takes about 30 times the model's size in memory: 6 GB for a 195 MB forest, measured)
MAX_BAG_MB = 64.0


def bag_size_kb(outcomes: list[TrialOutcome]) -> float:
    """The pickled size of every fold model of these trials (each fold's model is about the first one's size)."""
    return float(sum((o.size_kb or 0.0) * len(o.fold_models or ()) for o in outcomes))


def can_bag(outcomes: list[TrialOutcome]) -> bool:
    """Every trial kept its fold models, and their total size is within ``MAX_BAG_MB``."""
    return bool(outcomes) and all(o.fold_models for o in outcomes) and bag_size_kb(outcomes) <= MAX_BAG_MB * 1024


def fold_pipelines(outcome: TrialOutcome, weight: float) -> list[tuple[str, Any, float]]:
    """A trial's fitted fold models as pipelines, each with its share ``weight / k`` of the member's weight."""
    from sklearn.pipeline import Pipeline

    if not outcome.fold_models:
        raise ValueError(f"{outcome.name} did not keep its fold models")
    k = len(outcome.fold_models)
    return [(f"{outcome.name}_fold{fold}", Pipeline([("prep", prep), ("model", model)]), weight / k)
            for fold, (prep, model) in enumerate(outcome.fold_models, start=1)]


def bagged_model(members: list[tuple[TrialOutcome, float]], spec: TaskSpec) -> Any:
    """A fitted soft-voting blend of every member's fold models: weight ``w / k`` for each of a member's k folds.

    Nothing is refitted: each fold's preprocessor and model are the ones the search fitted and scored, so on
    the training rows the blend's out-of-fold predictions are the ones the leaderboard shows.
    """
    return fitted_blend([part for outcome, weight in members for part in fold_pipelines(outcome, weight)], spec)


def fitted_blend(parts: list[tuple[str, Any, float]], spec: TaskSpec) -> Any:
    """A soft-voting blend (``VotingClassifier``/``VotingRegressor``) of already fitted pipelines, as fitted.

    Weights are normalised to sum to one; class outputs are the engine's class indices.
    """
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch

    named = [(name, pipeline) for name, pipeline, _ in parts]
    weights = np.asarray([w for _, _, w in parts], dtype=np.float64)
    normalised = weights / weights.sum()  # skl2onnx needs an array
    blend: Any
    if spec.task.is_classification:
        blend = VotingClassifier(named, voting="soft", weights=normalised, flatten_transform=False)
        blend.le_ = LabelEncoder().fit(np.arange(len(spec.classes)))
        blend.classes_ = blend.le_.classes_
    else:
        blend = VotingRegressor(named, weights=normalised)
    blend.estimators_ = [pipeline for _, pipeline in named]
    blend.named_estimators_ = Bunch(**dict(named))
    return blend
