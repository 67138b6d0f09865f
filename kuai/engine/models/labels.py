"""Model names as people read them: a family's label, a model id's ('lightgbm_0' -> 'LightGBM (boosted trees) #0')."""

from __future__ import annotations

from kuai.engine.models import FAMILIES

# the leaderboard's rows that are no family's models: (label, short label)
COMBINED_LABELS = {
    "ensemble": ("Ensemble (blend of models)", "Ensemble"),
    "stack": ("Stack (LightGBM on the best models' predictions)", "Stack"),
}


def family_label(family: str) -> str:
    """A family's label ('lightgbm' -> 'LightGBM (boosted trees)'), 'ensemble' and 'stack' included; a name no
    registered family has (a run saved by another version of Kuai) is shown as it is."""
    return _labels(family, short=False) or family


def model_label(model: str) -> str:
    """'lightgbm_0' -> 'LightGBM (boosted trees) #0'; 'ensemble' -> 'Ensemble (blend of models)'."""
    if label := _labels(model, short=False):
        return label
    family, _, number = model.rpartition("_")
    if (label := _labels(family, short=False)) and number.isdigit():
        return f"{label} #{number}"
    return model


def short_model_label(model: str) -> str:
    """'lightgbm_0' -> 'LightGBM'; 'ensemble' -> 'Ensemble'."""
    return _labels(model, short=True) or _labels(model.rpartition("_")[0], short=True) or model


def _labels(name: str, *, short: bool) -> str:
    """The label of a family or combined model by its name ('' for other names)."""
    if name in FAMILIES:
        return FAMILIES[name].short_label if short else FAMILIES[name].label
    if name in COMBINED_LABELS:
        return COMBINED_LABELS[name][1 if short else 0]
    return ""
