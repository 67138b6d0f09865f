"""How every page and file words a decision threshold: its value, and who chose it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def format_threshold(value: float) -> str:
    """Three decimals, more only when they matter: 0.5 → '0.500', 0.181 → '0.181', a cost-picked 0.18134 →
    '0.18134' (six significant digits at most), so that the value written is the value applied."""
    short = f"{value:.3f}"
    return short if float(short) == float(value) else f"{value:.6g}"


def threshold_origin(entry: Mapping[str, Any]) -> str:
    """Who chose the threshold of a ``ThresholdChoice`` (as JSON) or a card's ``decision_threshold``, in words."""
    source = entry.get("source") or "default"
    if source == "default":
        return "Kuai's default, the more probable answer"
    costs = entry.get("cost_false_positive"), entry.get("cost_false_negative")
    if source == "costs" and all(cost is not None for cost in costs):
        return (f"chosen on the Results page from the costs of errors (a false alarm costs {costs[0]:g}, "
                f"a miss {costs[1]:g})")
    return "chosen on the Results page"


__all__ = ["format_threshold", "threshold_origin"]
