"""How long a value may be where Kuai keeps it as a label or shows it.

A category is a short label. A value longer than ``MAX_LABEL_CHARS`` (a pasted document, a 10 MB cell) is never
kept as a known category — the model treats it as an unknown one, as it does rare labels — and wherever a value is
written for people (model card, README, report, explanations, notes) it is shortened by ``clip``. The model's
inputs themselves are never cut.
"""

from __future__ import annotations

__all__ = ["MAX_LABEL_CHARS", "clip", "is_label_sized"]

MAX_LABEL_CHARS = 200


def is_label_sized(value: object) -> bool:
    return not isinstance(value, str) or len(value) <= MAX_LABEL_CHARS


def clip(value: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``value``, or its start and how long it was: 'xxxx… (10,000,000 characters)'."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"
