"""Numbers as people read them."""

from __future__ import annotations


def plain_number(value: float) -> str:
    """12345.6 -> '12,346'; 3.14159 -> '3.14'; 0.012345 -> '0.01235' (no scientific notation)."""
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}" if size >= 1e-4 else f"{value:.2g}"
