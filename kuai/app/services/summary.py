"""What ``kuai train`` reports of a finished training: one line's worth, from the result or from its model card."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kuai.exporters import ModelCard


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


def summary_from_card(out_dir: Path, *, wall_time_s: float, mlflow_run_id: str | None = None,
                      tracking: dict[str, Any] | None = None) -> TrainSummary:
    """The summary of the training whose outputs are in ``out_dir``, read from its ``model_card.json``."""
    card = ModelCard.read(out_dir)
    return TrainSummary(out_dir=out_dir, model_name=card.model.name, score=float(card.cv_score),
                        score_std=float(card.cv_score_std), metric=card.metric.name,
                        parity_max_diff=card.parity_figure, mlflow_run_id=mlflow_run_id, wall_time_s=wall_time_s,
                        tracking=tracking)
