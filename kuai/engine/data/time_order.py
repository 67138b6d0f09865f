"""Validation forward in time: when the user predicts the future from dated rows, models are scored on later rows
than they learned from, never on shuffled ones.

Kuai never turns it on by itself: whether the model will score the future or rows like the past is the user's
call. ``time_candidate`` names the column the Task page offers (a date column over a long period); the user chooses
it there or with ``kuai train --time COL``. The folds are made in ``kuai.engine.search.folds`` from each row's
``time_keys``; the column stays a feature (its date parts), and rows without a time are only ever learned from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.option_checks import close_names
from kuai.engine.errors import OptionError
from kuai.engine.read.cells import clip
from kuai.engine.read.dates import parse_datetimes
from kuai.engine.types import ColumnProfile, ColumnType, TaskSpec

MIN_TIMES = 10  # distinct times: fewer cannot be cut into a past and several later periods
LONG_PERIOD_DAYS = 60  # a date column over at least this long is offered as the time to validate along


def time_candidate(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, target: str | None) -> str | None:
    """The date column whose rows span the longest period, when it is at least ``LONG_PERIOD_DAYS`` long."""
    best, longest = None, pd.Timedelta(days=LONG_PERIOD_DAYS)
    for column in columns:
        if column.type is not ColumnType.DATETIME or column.name == target:
            continue
        stamps = parse_datetimes(frame[column.name], column.date_format).dropna()
        if stamps.nunique() >= MIN_TIMES and (span := stamps.max() - stamps.min()) >= longest:
            best, longest = column.name, span
    return best


def time_keys(values: pd.Series, date_format: str | None) -> tuple[np.ndarray, int]:
    """Each row's place in time as a float (dates: seconds since 1970; numbers: themselves), NaN where it has none;
    and how many rows have none."""
    numbers = numeric_values(values)
    if pd.api.types.is_numeric_dtype(values) or numbers.notna().sum() > 0.9 * values.notna().sum():
        keys = numbers.to_numpy(dtype=float, copy=True)
    else:
        stamps = parse_datetimes(values, date_format).to_numpy(dtype="datetime64[s]")  # [ns] wraps beyond 2262
        keys = stamps.astype("int64").astype(float)
        keys[np.isnat(stamps)] = np.nan
    keys[~np.isfinite(keys)] = np.nan
    return keys, int(np.isnan(keys).sum())


def resolve_time(frame: pd.DataFrame, *, target: str, time: str | None, group: str | None,
                 date_format: str | None) -> tuple[str, str]:
    """The column to validate along and the reason; ``("", "")`` when the user named none. A column that is not in
    the data, the target, one with fewer than ``MIN_TIMES`` different times, or a group named too, is refused
    (``BAD_TIME``)."""
    if not time:
        return "", ""
    if time not in frame.columns:
        budget = " (the time budget is --time-budget SECONDS)" if time.replace(".", "", 1).isdigit() else ""
        raise OptionError(f"'{time}' was to order the rows in time, but the data has no column of that name{budget}."
                          f"{close_names(time, [str(c) for c in frame.columns])}", code="BAD_TIME")
    if time == target:
        raise OptionError(f"'{time}' is the target; the rows are ordered by another column (a date).", code="BAD_TIME")
    if group:
        raise OptionError("Validation can keep an entity's rows together (--group) or follow time (--time), not "
                          "both: choose one, or --group none with --time.", code="BAD_TIME")
    keys, _ = time_keys(frame[time], date_format)
    n_times = len(np.unique(keys[~np.isnan(keys)]))
    if n_times < MIN_TIMES:
        raise OptionError(f"'{time}' has {n_times:,} different times that Kuai can read; validating forward in time "
                          f"needs at least {MIN_TIMES}.", code="BAD_TIME")
    return time, ("the models learn from earlier rows and are scored on later ones: each fold adds the next period "
                  "to what the models learn from and scores the one after it, as the model will be used, to predict "
                  "what comes next. The earliest period is only learned from.")


def time_note(spec: TaskSpec, n_without_time: int) -> str:
    """Rows without a time, said: they are learned from in every fold and never scored."""
    if not n_without_time:
        return ""
    return (f"{n_without_time:,} rows have no readable time in '{clip(spec.time, 60)}': they are learned from in "
            "every fold and never scored.")
