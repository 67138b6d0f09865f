"""Model families: one per module, each declaring every fact Kuai knows about it (``_base.ModelFamily``)."""

from typing import Any

from kuai.engine.cores import available_cores
from kuai.engine.models._base import (
    FACTS,
    REFIT_EXTRA_ROUNDS,
    DataShape,
    Deadline,
    ExportCost,
    FitCost,
    MemoryCost,
    ModelFamily,
    ShapRoute,
    TreeGrowth,
    n_threads,
)
from kuai.engine.models.catboost_family import CatBoostFamily
from kuai.engine.models.hist_gradient_boosting import HistGradientBoostingFamily
from kuai.engine.models.lightgbm_family import LightGBMFamily
from kuai.engine.models.linear import LinearFamily
from kuai.engine.models.mlp import MLPFamily
from kuai.engine.models.random_forest import ExtraTreesFamily, RandomForestFamily
from kuai.engine.models.xgboost_family import XGBoostFamily

# the registry: every family is instantiated here, which fails for one that lacks a fact
FAMILIES: dict[str, ModelFamily] = {
    family.name: family
    for family in (
        LightGBMFamily(), CatBoostFamily(), HistGradientBoostingFamily(), RandomForestFamily(),
        ExtraTreesFamily(), LinearFamily(), MLPFamily(), XGBoostFamily(),
    )
}


def default_order() -> tuple[str, ...]:
    """The families a search tries when none are asked for, cheapest first (each family's ``search_order``)."""
    ordered = sorted((f for f in FAMILIES.values() if f.search_order is not None),
                     key=lambda f: (f.search_order, f.name))
    return tuple(f.name for f in ordered)


def family_of(model: Any) -> ModelFamily:
    """The registered family whose ``build`` makes estimators like ``model`` (a fitted pipeline's last step)."""
    for family in FAMILIES.values():
        if family.owns(model):
            return family
    raise LookupError(f"No registered model family makes {type(model).__module__}.{type(model).__name__}: "
                      "list it in a family's estimators (kuai.engine.models).")


def family_libraries() -> tuple[str, ...]:
    """The distributions the registered families' fitted models need, each once, in the registry's order."""
    return tuple(dict.fromkeys(library for family in FAMILIES.values() for library in family.libraries))


__all__ = [
    "FACTS", "FAMILIES", "REFIT_EXTRA_ROUNDS", "CatBoostFamily", "DataShape", "Deadline", "ExportCost",
    "ExtraTreesFamily", "FitCost", "HistGradientBoostingFamily", "LightGBMFamily", "LinearFamily", "MLPFamily",
    "MemoryCost", "XGBoostFamily",
    "ModelFamily",
    "RandomForestFamily", "ShapRoute", "TreeGrowth", "available_cores", "default_order", "family_libraries",
    "family_of", "n_threads",
]
