"""The decision threshold of a binary model: one source of truth, ``threshold.json``, and everything that states it.

The ONNX graph itself is unchanged (its ``label`` output stays the most probable class); the threshold recorded
in a model's folder (``threshold.json``, written at training with 0.5 and again whenever the user chooses another)
is the one every other file states, and :func:`save_threshold` rewrites them all from it: ``decision_threshold``
in ``model_card.json``, the metadata entry ``kuai_threshold`` inside ``model.onnx`` (which ``kuai predict``, the
Predict page, ``score.py`` and ``score.js`` apply, so that a lone ONNX file still says which probability of the
positive class makes a positive call), the bundle's ``README.md``, and ``report.html``'s evaluation (its text,
and its confusion matrix drawn at the threshold).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from kuai.engine import (
    Evaluation,
    ThresholdChoice,
    evaluation_from_dict,
    threshold_choice,
    to_jsonable,
    write_atomically,
)
from kuai.exporters.bundle import README_FILE, write_readme
from kuai.exporters.report import EVALUATION_FILE, REPORT_FILE, rewrite_evaluation_section

THRESHOLD_FILE = "threshold.json"
THRESHOLD_METADATA_KEY = "kuai_threshold"
logger = logging.getLogger(__name__)


def decision_threshold_entry(choice: ThresholdChoice) -> dict[str, Any]:
    """What the model card says about the threshold."""
    entry = {"threshold": choice.threshold, "positive_class": choice.positive_class, "source": choice.source,
             "cost_false_positive": choice.cost_false_positive, "cost_false_negative": choice.cost_false_negative,
             "applies_to": f"probabilities[:, 1] (P('{choice.positive_class}')) >= threshold → "
                           f"'{choice.positive_class}'; the ONNX 'label' output is the most probable class"}
    if choice.confusion is not None:
        entry["out_of_fold"] = dict(zip(("true_positives", "false_positives", "false_negatives", "true_negatives"),
                                        choice.confusion, strict=True))
    return entry


def set_onnx_threshold(onnx_model: Any, threshold: float) -> None:
    """Put (or replace) ``kuai_threshold`` in an ONNX model's metadata; the graph is not touched."""
    for entry in list(onnx_model.metadata_props):
        if entry.key == THRESHOLD_METADATA_KEY:
            onnx_model.metadata_props.remove(entry)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = THRESHOLD_METADATA_KEY, repr(float(threshold))


def save_threshold(out_dir: Path, choice: ThresholdChoice, *, evaluation: Evaluation | None = None) -> ThresholdChoice:
    """Record ``choice`` as the folder's decision threshold and rewrite every file that states it; return it as
    recorded (with its figures on the folder's out-of-fold predictions when the choice came without them).

    ``evaluation``: the folder's evaluation, when the caller holds it (else read from ``evaluation.json``).
    """
    stored = _stored_evaluation(out_dir) if choice.confusion is None or evaluation is None else None
    if choice.confusion is None and stored is not None:
        y, scores, _ = stored
        choice = threshold_choice(y, scores, choice.threshold, positive_class=choice.positive_class,
                                  source=choice.source, cost_false_positive=choice.cost_false_positive,
                                  cost_false_negative=choice.cost_false_negative)
    write_atomically(out_dir / THRESHOLD_FILE, json.dumps(to_jsonable(choice), indent=2))
    sync_threshold(out_dir, evaluation=evaluation or (stored[2] if stored else None))
    return choice


def sync_threshold(out_dir: Path, *, evaluation: Evaluation | None = None) -> None:
    """Bring the card, ``model.onnx``, the README and the report in line with ``threshold.json``."""
    import onnx

    choice = load_threshold(out_dir)
    if choice is None:
        return
    card_path = out_dir / "model_card.json"
    card: dict[str, Any] | None = None
    if card_path.is_file():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card["decision_threshold"] = decision_threshold_entry(choice)
        write_atomically(card_path, json.dumps(card, indent=2, default=str))
        if (out_dir / README_FILE).is_file():  # the bundle's guide states the threshold too
            write_readme(out_dir, card)
    model_path = out_dir / "model.onnx"
    if model_path.is_file():
        model = onnx.load(str(model_path), load_external_data=False)
        set_onnx_threshold(model, choice.threshold)
        write_atomically(model_path, model.SerializeToString())
    report_path = out_dir / REPORT_FILE
    if card is not None and report_path.is_file():
        evaluation = evaluation or _evaluation_only(out_dir)
        if evaluation is None:
            logger.warning("%s: no %s, so the report's threshold cannot be redrawn", out_dir, EVALUATION_FILE)
        else:
            rewrite_evaluation_section(report_path, evaluation, card)


def recorded_threshold(card: dict[str, Any]) -> float | None:
    """The threshold a model card states (None: not a binary model, or none recorded)."""
    entry = card.get("decision_threshold") or {}
    return float(entry["threshold"]) if entry.get("threshold") is not None else None


def _stored_evaluation(out_dir: Path) -> tuple[np.ndarray, np.ndarray, Evaluation] | None:
    """The out-of-fold labels, positive-class scores and evaluation a training wrote beside its model."""
    path = out_dir / EVALUATION_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if "evaluation" not in data:
        return None
    oof = np.asarray(data["oof"], dtype=float)
    if oof.ndim != 2 or oof.shape[1] != 2:  # only a binary model has a decision threshold
        return None
    return np.asarray(data["y"]), oof[:, 1], evaluation_from_dict(data["evaluation"])


def _evaluation_only(out_dir: Path) -> Evaluation | None:
    stored = _stored_evaluation(out_dir)
    return stored[2] if stored else None


def load_threshold(out_dir: Path) -> ThresholdChoice | None:
    """The recorded threshold of a run folder, or None (not binary, or an older run)."""
    from kuai.engine import threshold_choice_from_dict

    path = out_dir / THRESHOLD_FILE
    if not path.is_file():
        return None
    try:
        return threshold_choice_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError):
        return None
