"""What a model family declares: every fact Kuai knows about it, and its known-good configs and search space.

A family is one class (``kuai/engine/models/<family>.py``) registered in ``kuai.engine.models.FAMILIES``; the
search, the memory pre-flight, the tail's cost estimates, the explanation, the export and the app read its facts
from there, never from tables keyed by its name. ``tests/engine/test_family_contract.py`` checks every registered
family's facts, so a new family touches its own file and, at most, an ONNX converter in ``kuai.exporters``.
"""

from __future__ import annotations

import abc
import math
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np

from kuai.engine.cores import available_cores
from kuai.engine.models.preprocessing import Encoding
from kuai.engine.types import TaskType


@dataclass(frozen=True)
class DataShape:
    n_rows: int
    n_features: int
    n_classes: int  # 0 for regression


def n_threads(n_rows: int) -> int:
    """Threads for one fit: one on small data (OpenMP overhead and contention cost more than they win)."""
    return 1 if n_rows < 20_000 else available_cores()


def weighted(sample_weight: np.ndarray | None) -> dict[str, Any]:
    """Keyword arguments of a ``fit`` with these row weights (none when there are none)."""
    return {} if sample_weight is None else {"sample_weight": sample_weight}


class Deadline:
    """A wall-clock instant shared by the search and the fits it starts. ``min_rounds``: a boosting fit stops at it
    only once it has boosted that many rounds (the search's first model: a one-round booster predicts the mean)."""

    def __init__(self, at: float, *, min_rounds: int = 0) -> None:
        self.at = at
        self.min_rounds = min_rounds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0

    def stops(self, rounds: int) -> bool:
        """Whether a fit that has boosted ``rounds`` rounds stops now: the deadline has passed, and the floor is met."""
        return rounds >= self.min_rounds and self.passed()


REFIT_EXTRA_ROUNDS = 1.1  # a refit on all rows boosts 10 % more rounds


class ShapRoute(StrEnum):
    """How a family's fitted models are explained (``kuai.engine.explain.native_shap``)."""

    LIGHTGBM = "lightgbm"  # LightGBM's own TreeSHAP (``pred_contrib``)
    CATBOOST = "catboost"  # CatBoost's own TreeSHAP (``ShapValues``)
    SKLEARN_TREES = "sklearn_trees"  # scikit-learn's trees rewritten as LightGBM's (``pred_contrib``); SHAP's
    # ``TreeExplainer`` for those LightGBM cannot hold
    LINEAR = "linear"  # closed-form interventional values (``coef_``, ``intercept_``)
    SHAP_TREE = "shap_tree"  # SHAP's ``TreeExplainer`` (any tree model it reads)
    PERMUTATION = "permutation"  # any model, as a black box: permutation sampling of Shapley values against a
    # background sample (``predict_proba`` or ``predict``; additive, sampled, not exact)


@dataclass(frozen=True)
class TreeGrowth:
    """How a family's fitted model grows with the training rows (forests: full-depth trees, grown a step at a time
    until a node cap); the memory pre-flight holds k + 1 such models per trial."""

    nodes_per_row: tuple[float, float]  # a tree's nodes per training row at the smallest leaves (classification,
    # regression)
    trees_per_step: int  # trees grown between two checks of the node cap
    max_nodes: int  # the node cap: growing stops once it is reached (steps shrink to the room left under it)
    max_trees: int  # the search space's largest count of trees


@dataclass(frozen=True)
class MemoryCost:
    """What one fit needs beyond its inputs (``kuai.engine.search.memory``; measured, docs/search.md "Memory")."""

    cell_bytes: float  # bytes per training cell (rows × model inputs)
    fixed_mb: float  # a fixed amount per fit
    class_row_bytes: float  # a training row's extra for each class beyond two (per-class buffers)
    growth: TreeGrowth | None  # None: the fitted model's size does not grow with the rows


@dataclass(frozen=True)
class ExportCost:
    """What a fitted model of the family costs as ONNX (``kuai.engine.select.bagging``, ``kuai.engine.budget``)."""

    onnx_per_pickled: float  # the ONNX size (opset 3) per pickled size
    seconds_per_mb: float  # the ONNX conversion's seconds per MB of the pickled model (2 cores)
    multiclass_opset5: bool  # its multiclass trees vote for one class each: written at ai.onnx.ml opset 5


@dataclass(frozen=True)
class FitCost:
    """What one fit of the family's first known-good configuration costs in time, before any trial is measured
    (``kuai.engine.search.fidelity``; the search replaces it with its own measurements as trials finish)."""

    core_s_per_mcell: float  # seconds on one core per million training cells (rows × model inputs) of one fold's fit
    per_class: bool  # multiclass fits cost this once per class (one tree per class and round)

    def core_s(self, n_cells: float, n_classes: int) -> float:
        """Seconds on one core for a fit over ``n_cells`` training cells of a task with ``n_classes`` classes."""
        classes = n_classes if self.per_class and n_classes > 2 else 1
        return self.core_s_per_mcell * n_cells / 1e6 * classes


FACTS = ("name", "label", "short_label", "search_order", "encoding", "scale", "grows_iterations", "parallel_folds",
         "memory", "export", "fit_cost", "shap_route", "explains_probability", "estimators", "libraries",
         "preflight_group", "grams_first")


class ModelFamily(abc.ABC):
    """One family of models; tasks are data, not ``if task ==`` chains in the search.

    Every name of ``FACTS`` must be declared on the class (there are no defaults): a family that forgets one cannot
    be instantiated, so it cannot be registered."""

    name: ClassVar[str]  # the registry's key and the prefix of its parameters
    label: ClassVar[str]  # what people read: "LightGBM (boosted trees)"
    short_label: ClassVar[str]  # where space is short: "LightGBM"
    search_order: ClassVar[int | None]  # its place in the default search (cheapest first); None: only when asked
    encoding: ClassVar[Encoding]
    scale: ClassVar[bool]  # numbers standardised before the model
    grows_iterations: ClassVar[bool]  # fits grow step by step (rounds, trees); the count reached is kept for refit
    # single-threaded fits release the GIL, so folds can be fitted side by side in threads (measured on 2 cores:
    # LightGBM 1.6x, CatBoost 2.1x, forests 1.9x faster; scikit-learn's HistGradientBoosting ran 2x slower)
    parallel_folds: ClassVar[bool]
    memory: ClassVar[MemoryCost]
    export: ClassVar[ExportCost]
    fit_cost: ClassVar[FitCost]  # measured on 2 cores on benchmarks/growth.py's 100,000-row table, a quarter of a
    # fold's training rows (16,667 rows × 53 inputs), one thread
    shap_route: ClassVar[ShapRoute]
    explains_probability: ClassVar[bool]  # classifiers' SHAP values are in probability (forests), not log-odds
    estimators: ClassVar[tuple[str, ...]]  # the import paths of the classes ``build`` returns: "lightgbm.LGBMRegressor"
    libraries: ClassVar[tuple[str, ...]]  # the distributions its fitted models need (the model card's versions)
    preflight_group: ClassVar[str | None]  # the group the data's resource pre-flight names when it is the heaviest
    # ("gradient boosting"); None: not counted there
    grams_first: ClassVar[bool]  # its portfolio trials read text columns' character grams (``text.DEFAULT_SHARE``);
    # False where thousands more inputs cost too much time for a first trial (CatBoost: 2,000 grams made its default
    # fit on 400 reviews 7x slower); the search may still give them grams

    def __init__(self) -> None:
        missing = [fact for fact in FACTS if not hasattr(type(self), fact)]
        if missing:
            raise TypeError(f"Model family {type(self).__name__} does not declare {', '.join(missing)}: declare "
                            "every fact of kuai.engine.models._base.FACTS on the class.")

    def estimator_classes(self) -> tuple[type, ...]:
        """The classes of ``estimators``, imported (the exporters register a converter for each)."""
        import importlib

        classes = []
        for path in self.estimators:
            module, _, name = path.rpartition(".")
            classes.append(getattr(importlib.import_module(module), name))
        return tuple(classes)

    def owns(self, model: Any) -> bool:
        """Whether ``model`` is one of this family's estimators; imports nothing (a model's library is loaded)."""
        for path in self.estimators:
            module, _, name = path.rpartition(".")
            loaded = sys.modules.get(module)
            if loaded is not None and isinstance(model, getattr(loaded, name)):
                return True
        return False

    @abc.abstractmethod
    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        """Known-good starting points, cheapest first; each must be a point of the search space."""

    @abc.abstractmethod
    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        """Draw hyperparameters from an Optuna trial (names prefixed by the family)."""

    @abc.abstractmethod
    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        """An unfitted estimator for these parameters."""

    def cost_scale(self, params: dict[str, Any], shape: DataShape) -> float:
        """What a fit with ``params`` costs against one with the first known-good configuration, on which
        ``fit_cost`` was measured (``kuai.engine.search.fidelity``): 1.0 unless the family knows better."""
        return 1.0

    def fit(
        self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
        y_valid: np.ndarray | None = None, deadline: Deadline | None = None, sample_weight: np.ndarray | None = None,
    ) -> int | None:
        """Fit; return the best iteration when early stopping applies. ``sample_weight``: per training row."""
        model.fit(X, y, **weighted(sample_weight))
        return None

    def fit_all_rows(self, model: Any, X: np.ndarray, y: np.ndarray, *,
                     sample_weight: np.ndarray | None = None) -> None:
        """Fit a refit on all rows: no validation rows, the iteration count its parameters hold
        (``with_iterations``)."""
        model.fit(X, y, **weighted(sample_weight))

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        """Parameters for a refit on all rows with a fixed iteration count."""
        return params

    def refit_iterations(self, params: dict[str, Any], reached: float, *, n_folds: int) -> int:
        """The iteration count of a refit on all rows, from the count the fold models reached on average: boosters
        get ``REFIT_EXTRA_ROUNDS`` more rounds."""
        return int(math.ceil(reached * REFIT_EXTRA_ROUNDS))

    def unprefixed(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = f"{self.name}__"
        return {k.removeprefix(prefix): v for k, v in params.items() if k.startswith(prefix)}
