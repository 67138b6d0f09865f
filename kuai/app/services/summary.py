"""What ``kuai train`` reports of a finished training: one line's worth, from the result or from its model card."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainSummary:
    out_dir: Path
    model_name: str
    score: float
    score_std: float
    metric: str
    parity_max_diff: float  # absolute on probabilities, relative on regression values
    mlflow_run_id: str | None
    wall_time_s: float
    # what became of its MLflow logging (kuai.storage.tracking_status.outcome): logged, pending or failed with the
    # reason
    tracking: dict[str, Any] | None = None


def parity_figure(card: dict[str, Any]) -> float:
    """The parity figure the summary shows: absolute on probabilities, relative on regression values."""
    return float(card["parity"]["max_abs_diff" if card["classes"] else "max_rel_diff"])


def summary_from_card(out_dir: Path, *, wall_time_s: float) -> TrainSummary:
    """The summary of the training whose outputs are in ``out_dir``, read from its ``model_card.json``."""
    card = json.loads((out_dir / "model_card.json").read_text())
    return TrainSummary(out_dir=out_dir, model_name=card["model"]["name"], score=card["cv_score"],
                        score_std=card["cv_score_std"], metric=card["metric"]["name"],
                        parity_max_diff=parity_figure(card), mlflow_run_id=None, wall_time_s=wall_time_s)
