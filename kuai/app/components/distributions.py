"""Small distribution charts for the column table: a histogram of numbers and dates, top label counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from kuai.app.components.data import load_frame
from kuai.engine import ColumnType, DatasetProfile
from kuai.engine.data.column_types import parse_datetimes
from kuai.engine.data.numbers import numeric_values

SAMPLE_ROWS = 50_000
BINS = 20
TOP_LABELS = 12


@st.cache_data(max_entries=16, show_spinner=False)
def column_distributions(dataset_id: str, types: tuple[tuple[str, str], ...]) -> dict[str, list[int]]:
    """Counts per bin (numbers, dates) or per label (most frequent first), from a sample of rows."""
    _, frame = load_frame(dataset_id)
    sample = frame.sample(SAMPLE_ROWS, random_state=0) if len(frame) > SAMPLE_ROWS else frame
    return {name: _counts(sample[name], ColumnType(kind)) for name, kind in types}


def distributions_for(dataset_id: str, profile: DatasetProfile, overrides: dict[str, str]) -> dict[str, list[int]]:
    types = tuple((c.name, overrides.get(c.name, str(c.type))) for c in profile.columns)
    return column_distributions(dataset_id, types)


def _counts(values: pd.Series, kind: ColumnType) -> list[int]:
    if kind is ColumnType.NUMERIC:
        return _histogram(numeric_values(values).dropna().to_numpy(dtype=float))
    if kind is ColumnType.DATETIME:
        stamps = parse_datetimes(values).dropna()
        return _histogram(stamps.astype("int64").to_numpy(dtype=float)) if len(stamps) else []
    if kind in (ColumnType.CATEGORICAL, ColumnType.BOOLEAN):
        return [int(c) for c in values.astype(str).where(values.notna()).value_counts().head(TOP_LABELS)]
    return []


def _histogram(numbers: np.ndarray) -> list[int]:
    if not len(numbers):
        return []
    low, high = np.percentile(numbers, [0.5, 99.5])  # a few extreme values would squash the chart
    if low == high:
        return [len(numbers)]
    counts, _ = np.histogram(np.clip(numbers, low, high), bins=BINS, range=(low, high))
    return [int(c) for c in counts]
