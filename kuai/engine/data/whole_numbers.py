"""Whole numbers the type model may read wrong, typed by rule: codes (16 digits or more, which a float cannot hold;
digits written with leading zeros), counts and scales (a run of whole numbers that fills its range), quantities that
are all distinct (of several lengths, spread, in no order), and a column of one value and blanks."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kuai.engine.data.column_facts import ColumnFacts
from kuai.engine.data.type_reasons import number_text
from kuai.engine.types import ColumnType

SAMPLE_ROWS = 1000  # rows of a column the costlier checks (numbers in text, dates) read
FEW_ROWS = 20  # on fewer rows, whether values repeat says little
NUMBER_SHARE = 0.97  # values that must read as numbers for text to count as numeric
LONG_DIGITS = 16  # whole numbers this long can be beyond 2**53, where floats skip integers: codes, not quantities
_LONG_DIGITS_TEXT = re.compile(rf"[-+]?\d{{{LONG_DIGITS},}}")

Detection = tuple[ColumnType, str]


def spread_rows(values: pd.Series, n: int = SAMPLE_ROWS) -> pd.Series:
    """At most ``n`` of the values, evenly spaced over the column: a check reads the whole column's kind, not its
    first rows (a column of short labels whose last tenth held long sentences was read as sentences when those came
    first, and as labels when they came last: a blind test)."""
    if len(values) <= n:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, n).round().astype(np.int64)]


def names_rows(n_distinct: int, n_present: int) -> bool:
    """Most values on one row each (fewer than two rows a value, on average, over more than ``FEW_ROWS`` rows):
    names, phone numbers, one-off comments. They name rows rather than describe them: an identifier, not a
    category."""
    return n_present > FEW_ROWS and 2 * n_distinct > n_present


PRESENT_SHARE = (0.05, 0.95)  # a value on this share of the rows, the others empty: whether it is there tells


def one_value(series: pd.Series, facts: ColumnFacts, value: str) -> Detection:
    """One value on every row is a constant; one value on some rows, the others empty ('Paid in' on a statement, a
    'Y' flag), tells by being there: numeric for a number, categorical for a label."""
    share = facts.n_present / facts.n_rows if facts.n_rows else 1.0
    if not PRESENT_SHARE[0] <= share <= PRESENT_SHARE[1]:
        return ColumnType.CONSTANT, f"one distinct value ({value}) in {facts.n_present:,} rows"
    kind = ColumnType.NUMERIC if pd.api.types.is_numeric_dtype(series.dtype) else ColumnType.CATEGORICAL
    return kind, (f"one value ({value}) on {facts.n_present:,} of {facts.n_rows:,} rows, the others empty: whether "
                  f"it is there can tell, so {kind.value}")


SCALE_VALUES = 6  # a run of whole numbers this long or longer is a count or a scale (shorter ones may be codes)
SCALE_FILL = 0.8  # of the whole numbers between its least and its greatest, the share it uses


def fills_its_range(values: pd.Series) -> bool:
    """Whole numbers that use most of the numbers between their least and greatest, six or more of them (a
    quantity 1-14, a rating 0-10): counts or a scale, not codes."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or values.empty:
        return False
    numbers = values.to_numpy(dtype=float)
    if not np.all(numbers == np.round(numbers)):
        return False
    distinct = np.unique(numbers)
    span = distinct[-1] - distinct[0] + 1
    return len(distinct) >= SCALE_VALUES and len(distinct) >= SCALE_FILL * span


def spread_whole_numbers(values: pd.Series) -> str:
    """'whole numbers from 12,171 to 236,194 (5 to 6 digits)' when distinct whole numbers look like quantities: of
    several lengths, spread over a range far wider than their count, and not in increasing order (an identifier
    counts up, 1001, 1002, ... or 53, 54, 59, in the order the records were made, or has one length); '' otherwise."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or len(values) < 2:
        return ""
    numbers = values.to_numpy(dtype=float)
    if not np.all(numbers == np.round(numbers)) or numbers.min() < 0:
        return ""
    digits = np.char.str_len(np.abs(numbers).astype(np.int64).astype(str))
    low, high = float(numbers.min()), float(numbers.max())
    counts_up = bool(np.all(np.diff(numbers) > 0))  # records in the order they were made: 53, 54, 59, 62, ...
    if counts_up or digits.min() == digits.max() or len(numbers) >= SPREAD_SHARE * (high - low + 1):
        return ""
    return f"whole numbers from {number_text(low)} to {number_text(high)} ({digits.min()} to {digits.max()} digits)"


SPREAD_SHARE = 0.5  # distinct whole numbers filling this share of their range or more count up, as identifiers do


def repeats_a_lot(n_distinct: int, n_present: int) -> bool:
    """Few distinct values for the rows: each value, on average, on at least as many rows as there are values."""
    return n_distinct * n_distinct <= n_present


def repeats(n_distinct: int, n_present: int) -> str:
    return f"each on about {n_present / max(1, n_distinct):,.0f} rows"


def may_be_long_numbers(facts: ColumnFacts) -> bool:
    """A cheap look before ``long_whole_numbers``: numbers of 16 digits or more, or text whose first values are."""
    if facts.is_number:
        largest = max(abs(facts.minimum or 0.0), abs(facts.maximum or 0.0))
        return facts.all_whole and largest >= 10.0 ** (LONG_DIGITS - 1)
    return any(isinstance(v, str) and _LONG_DIGITS_TEXT.fullmatch(v.strip()) for v in facts.first_values)


def long_whole_numbers(values: pd.Series) -> str | None:
    """'20 digits' when (nearly) every value is a whole number of ``LONG_DIGITS`` digits or more, else None.

    Floats are left alone: their digits beyond the 16th are already lost.
    """
    sample = spread_rows(values)
    if pd.api.types.is_integer_dtype(sample):
        digits = sample.astype(str).str.lstrip("-").str.len()
    elif pd.api.types.is_object_dtype(sample) or pd.api.types.is_string_dtype(sample):
        text = sample.astype(str).str.strip()
        whole = text.str.fullmatch(r"[-+]?\d+")
        if whole.mean() < NUMBER_SHARE:
            return None
        digits = text[whole].str.lstrip("+-").str.len()
    else:
        return None
    if len(digits) == 0 or (digits >= LONG_DIGITS).mean() < NUMBER_SHARE:
        return None
    low, high = int(digits.min()), int(digits.max())
    return f"{low} digits" if low == high else f"{low} to {high} digits"


def zero_padded_codes(values: pd.Series) -> bool:
    """Text of digits only (nearly every value), some written with a leading zero: codes such as postal codes,
    prefecture or storage location codes, payment symbols."""
    text = spread_rows(values).astype(str).str.strip()
    digits = text.str.fullmatch(r"\d+")
    return bool(digits.mean() >= NUMBER_SHARE and text[digits].str.fullmatch(r"0\d+").any())


ZERO_PADDED = re.compile(r"0\d+")


def as_codes(values: pd.Series, n_distinct: int, written: str) -> Detection:
    what = f"{written}: codes, not quantities"
    if repeats_a_lot(n_distinct, len(values)):
        repeated = repeats(n_distinct, len(values))
        return ColumnType.CATEGORICAL, f"{what}; {n_distinct:,} distinct, {repeated}: categorical"
    return ColumnType.ID, f"{what}; {n_distinct:,} distinct in {len(values):,} rows: an identifier"
