"""The decision threshold of a binary model, recorded with its export.

The ONNX graph itself is unchanged (its ``label`` output stays the most probable
class); the threshold travels beside it: ``threshold.json`` in the run folder,
``decision_threshold`` in ``model_card.json`` and the metadata entry
``kuai_threshold`` inside ``model.onnx``, so that a lone ONNX file still says
which probability of the positive class makes a positive call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine import ThresholdChoice, to_jsonable
from exporters.bundle import README_FILE, write_readme

THRESHOLD_FILE = "threshold.json"
THRESHOLD_METADATA_KEY = "kuai_threshold"


def decision_threshold_entry(choice: ThresholdChoice) -> dict[str, Any]:
    """What the model card says about the threshold."""
    return {"threshold": choice.threshold, "positive_class": choice.positive_class, "source": choice.source,
            "cost_false_positive": choice.cost_false_positive, "cost_false_negative": choice.cost_false_negative,
            "applies_to": f"probabilities[:, 1] (P('{choice.positive_class}')) >= threshold → "
                          f"'{choice.positive_class}'; the ONNX 'label' output is the most probable class"}


def set_onnx_threshold(onnx_model: Any, threshold: float) -> None:
    """Put (or replace) ``kuai_threshold`` in an ONNX model's metadata; the graph is not touched."""
    for entry in list(onnx_model.metadata_props):
        if entry.key == THRESHOLD_METADATA_KEY:
            onnx_model.metadata_props.remove(entry)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = THRESHOLD_METADATA_KEY, repr(float(threshold))


def save_threshold(out_dir: Path, choice: ThresholdChoice) -> None:
    """Record ``choice`` in a run folder's ``threshold.json``, ``model_card.json``, ``model.onnx`` and ``README.md``."""
    import onnx

    (out_dir / THRESHOLD_FILE).write_text(json.dumps(to_jsonable(choice), indent=2))
    card_path = out_dir / "model_card.json"
    if card_path.is_file():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card["decision_threshold"] = decision_threshold_entry(choice)
        card_path.write_text(json.dumps(card, indent=2, default=str))
        if (out_dir / README_FILE).is_file():  # the bundle's guide states the threshold too
            write_readme(out_dir, card)
    model_path = out_dir / "model.onnx"
    if model_path.is_file():
        model = onnx.load(str(model_path), load_external_data=False)
        set_onnx_threshold(model, choice.threshold)
        temporary = model_path.with_suffix(".onnx.tmp")
        temporary.write_bytes(model.SerializeToString())
        temporary.replace(model_path)


def load_threshold(out_dir: Path) -> ThresholdChoice | None:
    """The recorded threshold of a run folder, or None (not binary, or an older run)."""
    from engine import threshold_choice_from_dict

    path = out_dir / THRESHOLD_FILE
    if not path.is_file():
        return None
    try:
        return threshold_choice_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError):
        return None
