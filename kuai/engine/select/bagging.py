"""Bagged models: the search's own fold models, averaged, instead of one model refitted on all rows.

Every trial fits one model per fold, each without its fold's rows. Averaging them (bagging) gives a
model made of the very models the cross-validation scored, that costs no refit, and whose averaging
lowers the variance of each fit (with stacking, the source of AutoGluon's lead in the AutoML
Benchmark). It costs k times the model's size and prediction time, so the tail chooses it only when
the export fits the budget and the size stays reasonable (``kuai.engine.select.final``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from kuai.engine.models import FAMILIES
from kuai.engine.search.trials import TrialOutcome
from kuai.engine.types import TaskSpec, TaskType

# The bagged part of an export, as ONNX (estimated); above it, members are refitted instead. The conversion, the
# parity check and the tracking all hold the graph: a 60 MB bagged ensemble peaked at 2.0 GB on wine_quality_red,
# a 34 MB one at 1.66 GB on 225_puma8NH, a 17 MB one at 1.4 GB.
MAX_BAG_ONNX_MB = 16.0
# The members of an exported blend, refitted on all rows, as exported (estimated, ``refit_onnx_mb``): the ensemble
# selection keeps within it when a blend does (``kuai.engine.select.ensemble``). The export takes about 16 times the
# model's
# size in memory, at opset 3 or 5 alike: at 300 s, a 62 MB blend on wine_quality_red (opset 3: an extra-trees forest
# and a 1,300-tree CatBoost, 6 classes) took 0.7 GB more to convert and 0.6 GB more for each ONNX Runtime session;
# a 46 MB one on 344_mv (opset 5, nine members) took 0.7 GB more, over a process of 650 MB.
MAX_BLEND_ONNX_MB = 20.0
REFIT_GROWTH = 1.2  # a refit on all rows against a fold's model: forests grow with the rows, boosters get 10 % more
# Each family's ONNX size per pickled size (``ExportCost.onnx_per_pickled``, measured on two datasets) is of
# opset-3 graphs. The export writes trees as ai.onnx.ml opset 5 (kuai/exporters/_tree_opset5.py):
# 0.31-0.38 of opset 3's bytes, measured for five families on magic and 562_cpu_small, except in a multiclass model
# with a family whose leaves vote for several classes (``ExportCost.multiclass_opset5`` false: forests, CatBoost),
# which stays at opset 3 throughout.
OPSET5_SIZE = 0.34


def bag_size_kb(outcomes: list[TrialOutcome]) -> float:
    """The pickled size of every fold model of these trials (each fold's model is about the first one's size)."""
    return float(sum((o.size_kb or 0.0) * len(o.fold_models or ()) for o in outcomes))


def onnx_mb(family: str, pickled_kb: float) -> float:
    """The estimated ONNX size of a model of this family from its pickled size."""
    return FAMILIES[family].export.onnx_per_pickled * pickled_kb / 1024


def refit_onnx_mb(outcome: TrialOutcome, task: TaskType) -> float | None:
    """The estimated exported size of this trial refitted on all rows; None when its size was not measured.

    Its opset is judged alone: in a multiclass blend with a forest or CatBoost, a LightGBM is larger than this."""
    if outcome.size_kb is None:
        return None
    return REFIT_GROWTH * exported_share(task, [outcome.family]) * onnx_mb(outcome.family, outcome.size_kb)


def exported_share(task: TaskType, families: Iterable[str]) -> float:
    """The exported size of a model made of these families, as a share of its opset-3 estimate (``onnx_mb``)."""
    if task is TaskType.MULTICLASS and not all(FAMILIES[family].export.multiclass_opset5 for family in families):
        return 1.0
    return OPSET5_SIZE


def bag_onnx_mb(outcomes: list[TrialOutcome]) -> float:
    """The estimated ONNX size of every fold model of these trials."""
    return sum(onnx_mb(o.family, bag_size_kb([o])) for o in outcomes)


def can_bag(outcomes: list[TrialOutcome]) -> bool:
    """Every trial kept its fold models, and together they fit ``MAX_BAG_ONNX_MB``."""
    return bool(outcomes) and all(o.fold_models for o in outcomes) and bag_onnx_mb(outcomes) <= MAX_BAG_ONNX_MB


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

    Nothing is refitted: each fold's preprocessor and model are the ones the search fitted and scored (each
    row's out-of-fold prediction came from the one fold model that did not see it).
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
