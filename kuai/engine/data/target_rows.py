"""The rows whose target a model can learn from, and why the others are left out.

A row is left out when its target is empty; for regression also when the target is not a number, is infinite
(``inf``, ``1e400``), or lies beyond float32's range (about ±3.4e38: the models and the exported graph hold the
target and the prediction as float32). A classification's labels are kept as they are: any label is a class.
Training (``kuai.engine.prepare.prepare``) and the pre-flight check (``MISSING_TARGET``) count them with this one rule,
and both say how many rows went and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kuai.engine.data.numbers import numbers_as_written
from kuai.engine.models.preprocessing import as_float32
from kuai.engine.read.cells import clip
from kuai.engine.types import TaskType

__all__ = ["TargetRows", "target_rows"]

_EXAMPLES = 3


@dataclass(frozen=True)
class TargetRows:
    """Which rows have a usable target (``usable``, one flag per row) and, for the others, why not."""

    usable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    n_missing: int = 0
    n_not_number: int = 0
    n_infinite: int = 0
    n_beyond_float32: int = 0
    examples: tuple[str, ...] = ()  # values present but left out, as given

    @property
    def n_left_out(self) -> int:
        return self.n_missing + self.n_not_number + self.n_infinite + self.n_beyond_float32

    @property
    def reasons(self) -> str:
        """'6 empty, 6 infinite (e.g. 'inf', '-inf')'."""
        counts = ((self.n_missing, "empty"), (self.n_not_number, "not a number"), (self.n_infinite, "infinite"),
                  (self.n_beyond_float32, "beyond float32's range, ±3.4e38"))
        text = ", ".join(f"{n:,} {what}" for n, what in counts if n)
        shown = ", ".join(f"'{value}'" for value in self.examples)
        return text + (f" (e.g. {shown})" if shown else "")

    def note(self, target: str) -> str:
        """What training says: how many rows were left out of how many, and why."""
        n_rows = len(self.usable)
        return (f"'{clip(target, 60)}': {self.n_left_out:,} of {n_rows:,} rows have no usable target and were left "
                f"out of training: {self.reasons}; the model learns from the other {n_rows - self.n_left_out:,}.")


def target_rows(values: pd.Series, task: TaskType | None) -> TargetRows:
    """The rows of ``values`` (a target column) a model of ``task`` can learn from; None: only empty ones go."""
    missing = np.array(values.isna(), dtype=bool)  # a copy: pandas may give a read-only view
    if not pd.api.types.is_numeric_dtype(values) and not missing.all():  # a blank label is no label
        missing[~missing] = (values[~missing].astype(str).str.strip() == "").to_numpy(dtype=bool)
    if task is not TaskType.REGRESSION:
        return TargetRows(usable=~missing, n_missing=int(missing.sum()))
    numbers = numbers_as_written(values).to_numpy(dtype=float)
    usable = ~missing & ~np.isnan(as_float32(numbers))
    infinite = ~missing & np.isinf(numbers)
    beyond = ~missing & np.isfinite(numbers) & ~usable
    not_number = ~missing & np.isnan(numbers)
    left_out = values[(~missing & ~usable)]
    examples = tuple(dict.fromkeys(clip(str(value), 30) for value in left_out.iloc[:1000]))[:_EXAMPLES]
    return TargetRows(usable=usable, n_missing=int(missing.sum()), n_not_number=int(not_number.sum()),
                      n_infinite=int(infinite.sum()), n_beyond_float32=int(beyond.sum()), examples=examples)
