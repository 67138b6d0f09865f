"""Model families: one per module, each with default configs and a search space."""

from kuai.engine.models._base import DataShape, Deadline, ModelFamily, available_cores, n_threads
from kuai.engine.models.catboost_family import CatBoostFamily
from kuai.engine.models.hist_gradient_boosting import HistGradientBoostingFamily
from kuai.engine.models.lightgbm_family import LightGBMFamily
from kuai.engine.models.linear import LinearFamily
from kuai.engine.models.random_forest import ExtraTreesFamily, RandomForestFamily

FAMILIES: dict[str, ModelFamily] = {
    family.name: family
    for family in (
        LightGBMFamily(), CatBoostFamily(), HistGradientBoostingFamily(), RandomForestFamily(),
        ExtraTreesFamily(), LinearFamily(),
    )
}

__all__ = [
    "FAMILIES", "CatBoostFamily", "DataShape", "Deadline", "ExtraTreesFamily",
    "HistGradientBoostingFamily", "LightGBMFamily", "LinearFamily", "ModelFamily", "RandomForestFamily",
    "available_cores", "n_threads",
]
