"""Numbers written as text ('1,200', '$35', '12 %', '35 kg'), read as floats: one rule for type detection, the
profile, the target's rows and the model's inputs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_NUMBER_JUNK = re.compile(r"[,\s$€£¥%]")
_UNIT = r"(?:[A-Za-zµ°]{2,8}|(?<=\s)[A-Za-zµ]|°[CF])(?:/[A-Za-z]{1,4})?[²³]?\.?|%"
NUMBER_WITH_UNIT = re.compile(rf"^\s*([-+]?[$€£¥]?\s*[-+]?(?:\d[\d,]*)?\.?\d+)\s*({_UNIT})\s*$")


def unit_key(unit: str) -> str:
    """'Kg' and 'kg', 'years' and 'year', 'lbs.' and 'lb' count as one unit."""
    key = unit.lower().rstrip(".")
    return key[:-1] if len(key) > 2 and key.endswith("s") else key


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text ('1,200', '$35', '12 %', '35 kg') to floats; NaN where not a number."""
    text = values.astype("string")
    numbers = pd.to_numeric(text.str.replace(_NUMBER_JUNK, "", regex=True), errors="coerce").astype(float)
    unparsed = numbers.isna() & text.notna()
    if unparsed.any():
        numbers.loc[unparsed] = np.array([_leading_number(str(item)) for item in text[unparsed]], dtype=float)
    return numbers


def _leading_number(text: str) -> float:
    match = NUMBER_WITH_UNIT.match(text)
    if match is None:
        return float("nan")
    try:
        return float(_NUMBER_JUNK.sub("", match.group(1)))
    except ValueError:
        return float("nan")


def numeric_values(values: pd.Series) -> pd.Series:
    """Numbers from a numeric column or from text that holds numbers; NaN for the rest and for inf."""
    numbers = numbers_as_written(values)
    return numbers.where(np.isfinite(numbers))


def numbers_as_written(values: pd.Series) -> pd.Series:
    """``numeric_values`` with the infinities kept ('inf', '-Infinity', '1e400' beyond any float): NaN where not a
    number."""
    return (pd.to_numeric(values, errors="coerce") if pd.api.types.is_numeric_dtype(values)
            else parse_numbers(values)).astype(float)
