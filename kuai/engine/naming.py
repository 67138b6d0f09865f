"""Names and numbers as people read them: model families, model ids, plain numbers."""

from __future__ import annotations

FAMILY_LABELS = {
    "lightgbm": "LightGBM (boosted trees)",
    "catboost": "CatBoost (boosted trees)",
    "hist_gb": "Gradient boosting (scikit-learn)",
    "random_forest": "Random forest",
    "extra_trees": "Extra trees",
    "linear": "Linear / logistic model",
    "ensemble": "Ensemble (blend of models)",
    "stack": "Stack (LightGBM on the best models' predictions)",
}


def model_label(model: str) -> str:
    """'lightgbm_0' -> 'LightGBM (boosted trees) #0'; 'ensemble' -> 'Ensemble (blend of models)'."""
    if model in FAMILY_LABELS:
        return FAMILY_LABELS[model]
    family, _, number = model.rpartition("_")
    if family in FAMILY_LABELS and number.isdigit():
        return f"{FAMILY_LABELS[family]} #{number}"
    return model


def plain_number(value: float) -> str:
    """12345.6 -> '12,346'; 3.14159 -> '3.14'; 0.012345 -> '0.01235' (no scientific notation)."""
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}" if size >= 1e-4 else f"{value:.2g}"
