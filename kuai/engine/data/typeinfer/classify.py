"""One of the nine benchmark labels per column: certain rules first, the learned model for the rest.

This is the path both the product (``kuai.engine.data.column_types.detect_column_type``) and the
benchmark script (``benchmarks/column_types.py``) take from a ``ColumnSummary``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from kuai.engine.data.typeinfer.model import LABELS, predict_probabilities
from kuai.engine.data.typeinfer.summary import MISSING, ColumnSummary

__all__ = ["BOOL_TOKENS", "TypeGuess", "classify_summaries", "guess_from_probabilities", "rule_label"]

BOOL_TOKENS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "0.0", "1.0", "on", "off"})
_MONEY_OR_PERCENT = re.compile(
    r"^\s*[-+(]?\s*[$€£¥₹]\s*[-+]?\d[\d,]*(\.\d+)?\s*\)?\s*$|^\s*[-+]?\d[\d,]*(\.\d+)?\s*%\s*$")


@dataclass(frozen=True)
class TypeGuess:
    """A label, how sure the model is, and where the label came from."""

    label: str
    probability: float
    source: str  # "rule" or "model"
    note: str = ""  # for a rule: what it saw
    ranking: tuple[tuple[str, float], ...] = ()  # every label by the model's probability, best first

    def runner_up(self, *, excluding: Sequence[str] = ()) -> tuple[str, float]:
        """The most likely label other than this one and those in ``excluding``."""
        skipped = {self.label, *excluding}
        return next(((label, p) for label, p in self.ranking if label not in skipped), ("categorical", 0.0))


def rule_label(summary: ColumnSummary) -> tuple[str, str] | None:
    """A label the summary makes certain, with what was seen; ``None`` when the model must decide."""
    if summary.num_of_dist_val == 0:
        return "not-generalizable", "every value is missing"
    if summary.num_of_dist_val == 1:
        return "not-generalizable", "one distinct value"
    present = {s.strip().lower() for s in summary.samples if s != MISSING}
    if summary.num_of_dist_val == 2 and len(present) == 2 and present <= BOOL_TOKENS:
        return "categorical", "two yes/no-like values"
    if present and all(_MONEY_OR_PERCENT.match(s) for s in summary.samples if s != MISSING):
        return "embedded-number", "numbers written with a currency or percent sign"
    return None


def guess_from_probabilities(probabilities: np.ndarray) -> TypeGuess:
    """The model's guess from one row of probabilities over ``LABELS``."""
    order = np.argsort(-probabilities, kind="stable")
    ranking = tuple((LABELS[int(i)], float(probabilities[i])) for i in order)
    return TypeGuess(label=ranking[0][0], probability=ranking[0][1], source="model", ranking=ranking)


def classify_summaries(
    summaries: Sequence[ColumnSummary], *, booster: lgb.Booster | None = None, use_rules: bool = True,
) -> list[TypeGuess]:
    """A guess per summary; the model runs once, in one batch, for the columns no rule settles."""
    settled = [rule_label(s) if use_rules else None for s in summaries]
    open_rows = [i for i, rule in enumerate(settled) if rule is None]
    probabilities = predict_probabilities([summaries[i] for i in open_rows], booster=booster)
    by_row = dict(zip(open_rows, probabilities, strict=True))
    guesses = []
    for row, rule in enumerate(settled):
        if rule is None:
            guesses.append(guess_from_probabilities(by_row[row]))
        else:
            guesses.append(TypeGuess(label=rule[0], probability=1.0, source="rule", note=rule[1]))
    return guesses
