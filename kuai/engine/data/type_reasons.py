"""The words of a column type's reason: what the values look like and how sure the type model was
(``kuai.engine.data.column_types`` builds each reason from these)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.data.typeinfer import ColumnSummary, TypeGuess

MISFITS = {
    "datetime": "the values do not parse as dates",
    "numeric": "the text does not read as numbers",
    "embedded-number": "the text does not read as numbers in one unit",
    "url": "the values are not web addresses",
}


def evidence(guess: TypeGuess) -> str:
    if guess.source == "rule":
        return f"(rule: {guess.note})"
    sure = f"(model: {guess.probability:.0%} sure that it is {guess.label}"
    if guess.probability < 0.7 and len(guess.ranking) > 1:
        label, probability = guess.ranking[1]
        return f"{sure}, {probability:.0%} {label})"
    return f"{sure})"


def describe(values: pd.Series, summary: ColumnSummary) -> str:
    rows = f"in {summary.total_vals:,} rows"
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        whole = bool(np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)))
        kind = "integer" if whole else "decimal"
        span = f"from {number_text(float(numbers.min()))} to {number_text(float(numbers.max()))}"
        return f"{summary.num_of_dist_val:,} distinct {kind} values {span} {rows}"
    return f"{summary.num_of_dist_val:,} distinct values {rows} (e.g. '{show(values.iloc[0])}')"


def show(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number_text(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.0f}" if value == round(value) else f"{value:.3g}"
