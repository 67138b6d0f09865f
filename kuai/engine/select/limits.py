"""Limits on the exported model (prediction time per row, size), and the best model within them.

The figures come from the search: each trial timed its fold models predicting their held-out rows
in one batch (per row, without the preprocessing), and measured one fold model's pickled size,
converted to an ONNX size with the measured ratios of ``kuai.engine.select.bagging`` (opset 5's trees where the
export writes them). A bagged model predicts with all k of its fold models, so it costs k times one;
an ensemble costs the sum of its members.
After the export, the model card sets the limits beside the ONNX model's measured time and size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kuai.engine.metrics import get_metric
from kuai.engine.search.trials import TrialOutcome
from kuai.engine.select.bagging import exported_share, onnx_mb
from kuai.engine.types import LeaderboardEntry, Limits, TaskType

__all__ = ["LimitsOutcome", "ModelCost", "blend_cost", "overshoot", "pareto_front", "within"]


@dataclass(frozen=True)
class ModelCost:
    ms_per_row: float
    size_mb: float | None  # None: a member's size was not measured

    def text(self) -> str:
        size = f", {self.size_mb:.2g} MB" if self.size_mb is not None else ""
        return f"{self.ms_per_row:.3g} ms a row{size}"


@dataclass(frozen=True)
class LimitsOutcome:
    limits: Limits
    estimate: ModelCost  # the exported model's, from the search's measurements
    met: bool | None  # None: no limits were set
    note: str = ""

    def card(self, onnx_ms_per_row: float, onnx_size_mb: float) -> dict[str, Any]:
        """The model card's entry: the limits, the estimate, and the exported ONNX model's measured figures."""
        limits = self.limits
        measured = ModelCost(onnx_ms_per_row, onnx_size_mb)
        note = self.note
        if limits.any and self.met and not within(measured, limits):
            note += f" As exported (ONNX, with its preprocessing) it measured {measured.text()}: over the limits."
        return {"max_ms_per_row": limits.max_ms_per_row, "max_size_mb": limits.max_size_mb,
                "estimated_ms_per_row": self.estimate.ms_per_row, "estimated_size_mb": self.estimate.size_mb,
                "onnx_ms_per_row": onnx_ms_per_row, "onnx_size_mb": onnx_size_mb,
                "met": None if not limits.any else bool(self.met) and within(measured, limits), "note": note.strip()}


def blend_cost(members: Iterable[TrialOutcome], bagged: set[int], task: TaskType) -> ModelCost:
    """What these members cost together, each one bagged (k fold models) if its number is in ``bagged``; the size is
    the exported graph's (opset 5 trees where the export writes them)."""
    members = list(members)
    ms, size, known = 0.0, 0.0, True
    for outcome in members:
        copies = len(outcome.fold_models or ()) if outcome.number in bagged else 1
        ms += copies * outcome.predict_ms_per_1000_rows / 1000
        if outcome.size_kb is None:
            known = False
        else:
            size += copies * onnx_mb(outcome.family, outcome.size_kb)
    share = exported_share(task, (o.family for o in members))
    return ModelCost(ms, share * size if known else None)


def within(cost: ModelCost, limits: Limits) -> bool:
    """Within the limits; an unmeasured size counts as within (nothing to hold it against)."""
    if limits.max_ms_per_row is not None and cost.ms_per_row > limits.max_ms_per_row:
        return False
    return limits.max_size_mb is None or cost.size_mb is None or cost.size_mb <= limits.max_size_mb


def overshoot(cost: ModelCost, limits: Limits) -> float:
    """How far over the limits a cost is, as its largest ratio to a limit (at most 1: within them)."""
    ratios = [cost.ms_per_row / limits.max_ms_per_row if limits.max_ms_per_row else 0.0,
              (cost.size_mb or 0.0) / limits.max_size_mb if limits.max_size_mb else 0.0]
    return max(ratios)


def pareto_front(leaderboard: list[LeaderboardEntry], metric: str) -> list[str]:
    """The models no other model beats on both score and prediction time, fastest first."""
    loss = get_metric(metric).loss
    front: list[str] = []
    best = float("inf")
    for entry in sorted(leaderboard, key=lambda e: (e.predict_ms_per_1000_rows, loss(e.score))):
        if loss(entry.score) < best:
            front.append(entry.model)
            best = loss(entry.score)
    return front
