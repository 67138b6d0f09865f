"""One date format per column, read from its values, so that '03/04/2024' means the same day in every row.

Parsing value by value (pandas' ``format="mixed"``) reads '31/01/2024' day-first but '03/04/2024'
month-first: in a day-first column about a third of the dates get the wrong month. So the format is
decided once per column, from all of its (distinct) values:

- numbers with separators whose first field has four digits are year-first (``2024-01-31``; ISO 8601);
- otherwise a first field above 12 can only be a day (day-first, ``31/01/2024``) and a second field
  above 12 only a day (month-first, ``01/31/2024``); when nothing decides, the order is a guess
  (day-first after '.' or '-', month-first after '/') that the column's reason and notes say;
- dates written with month names or other layouts take the format pandas guesses from the values;

and the chosen format must read (nearly) every value. The format travels with the model (the input
schema) so that a scoring file's dates are read the same way; a value the format does not fit is
read on its own, with the same day/month order.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DateFormat", "date_note", "detect_date_format", "format_in_words", "is_day_first", "off_format_reads",
           "parse_datetimes", "swapped_format", "values_read"]

VALUE_BY_VALUE = "mixed"  # pandas reads each value on its own, month-first where ambiguous (models before formats)
VALUE_BY_VALUE_DAY_FIRST = "mixed-dayfirst"
ISO_8601 = "ISO8601"  # pandas' own fast path for every ISO 8601 variant (date, time, fraction, offset)
SCAN_ROWS = 20_000  # rows whose distinct values the format is read from ...
MAX_DISTINCT = 5_000  # ... at most this many of them
FORMAT_SHARE = 0.95  # of the distinct values one format must read, else value by value
GUESS_VALUES = 100  # values pandas guesses a format for (dates with month names and other layouts)
_NUMERIC_DATE = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?=$|[ T])")
_IN_WORDS = (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%H", "hh"), ("%I", "hh"), ("%M", "mm"),
             ("%S", "ss"), ("%f", "ffffff"), ("%z", "±hh:mm"), ("%b", "Mon"), ("%B", "Month"), ("%p", "AM/PM"),
             ("%a", "Day"), ("%A", "Weekday"))


@dataclass(frozen=True)
class DateFormat:
    """How a column's dates are read: ``format`` for :func:`parse_datetimes`, and why, in plain words."""

    format: str
    example: str
    how: str  # e.g. "read day-first (DD/MM/YYYY): 57 distinct dates have a day above 12"
    is_guess: bool = False  # nothing in the values decided between day-first and month-first

    @property
    def reason(self) -> str:
        return f"dates such as '{self.example}', {self.how}"


def detect_date_format(values: pd.Series) -> DateFormat | None:
    """The one format a text column's dates are read with; None when they are not text dates."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return None
    text = values.iloc[:SCAN_ROWS].dropna().astype(str).str.strip()
    distinct = pd.Series(pd.unique(text[text != ""])[:MAX_DISTINCT], dtype=object)
    if distinct.empty:
        return None
    fields = distinct.str.extract(_NUMERIC_DATE)
    numeric = fields[0].notna()
    if numeric.mean() >= 0.5:
        found = _numeric_format(distinct[numeric], fields[numeric])
    else:
        found = _guessed_format(distinct)
    if found is None or _share_read(distinct, found.format) >= FORMAT_SHARE:
        return found
    mixed = VALUE_BY_VALUE_DAY_FIRST if is_day_first(found.format) else VALUE_BY_VALUE
    order = "day-first" if is_day_first(found.format) else "month-first"
    return DateFormat(mixed, found.example, f"written in several ways: each value read on its own ({order} where "
                                            "the day and the month could be swapped)", is_guess=found.is_guess)


def date_note(name: str, found: DateFormat) -> str:
    """What Kuai does with a column's dates, and, when the day/month order is a guess, how to set the other one."""
    note = f"'{name}': {found.reason}"
    if found.is_guess:
        note += f"; if that order is wrong, set the format: --date-format '{name}={swapped_format(found.format)}'"
    return note


def swapped_format(found: str) -> str:
    """The same format with the day and the month swapped ('%d/%m/%Y' <-> '%m/%d/%Y')."""
    if found in (VALUE_BY_VALUE, VALUE_BY_VALUE_DAY_FIRST):
        return VALUE_BY_VALUE if found == VALUE_BY_VALUE_DAY_FIRST else VALUE_BY_VALUE_DAY_FIRST
    return found.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _numeric_format(distinct: pd.Series, fields: pd.DataFrame) -> DateFormat | None:
    first, separator, second, last = fields[0], fields[1].mode().iloc[0], fields[2], fields[3]
    time = _time_format(distinct, fields)
    example = str(distinct.iloc[0])
    if (first.str.len() == 4).mean() >= 0.5:  # year first
        if separator == "-":
            return DateFormat(ISO_8601, example, "read as ISO 8601 dates (YYYY-MM-DD), year first")
        return _with_words(f"%Y{separator}%m{separator}%d{time}", example, "read year-first")
    year = "%Y" if (last.str.len() == 4).mean() >= 0.5 else "%y"
    day_first, month_first = int((first.astype(int) > 12).sum()), int((second.astype(int) > 12).sum())
    day_first_format = f"%d{separator}%m{separator}{year}{time}"
    month_first_format = f"%m{separator}%d{separator}{year}{time}"
    if day_first and not month_first:
        return _with_words(day_first_format, _example(distinct, first), "read day-first",
                           f": {day_first:,} distinct dates have a day above 12")
    if month_first and not day_first:
        return _with_words(month_first_format, _example(distinct, second), "read month-first",
                           f": {month_first:,} distinct dates have a day above 12 in the second place")
    if day_first and month_first:  # both orders occur: the more common one; the others are read on their own
        chosen, order, others, other = ((day_first_format, "day-first", month_first, "month-first")
                                        if day_first >= month_first else
                                        (month_first_format, "month-first", day_first, "day-first"))
        most = max(day_first, month_first)
        return _with_words(chosen, example, f"read {order}", f": {most:,} distinct dates can only be {order}, "
                           f"{others:,} only {other} (those are read on their own)")
    guess, order = (day_first_format, "day-first") if separator in ".-" else (month_first_format, "month-first")
    return _with_words(guess, example, f"read {order}",
                       f": no day is above 12, so the order is a guess (usual for '{separator}' dates)", guess=True)


def _guessed_format(distinct: pd.Series) -> DateFormat | None:
    """Dates with month names and other layouts: the format pandas guesses most often for the values."""
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = Counter(guess_datetime_format(str(v)) for v in distinct.iloc[:GUESS_VALUES])
    guesses.pop(None, None)
    if not guesses:
        return None
    found, _ = guesses.most_common(1)[0]
    return _with_words(str(found), str(distinct.iloc[0]), "read with one format")


def _time_format(distinct: pd.Series, fields: pd.DataFrame) -> str:
    """The format of what follows the date ('' when nothing does), from the most common kind of time."""
    from pandas.tseries.api import guess_datetime_format

    lengths = fields[0].str.len() + fields[2].str.len() + fields[3].str.len() + 2
    rests = Counter(str(value)[int(n):] for value, n in zip(distinct, lengths, strict=True))
    rest, _ = rests.most_common(1)[0]
    if not rest:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = guess_datetime_format(f"2000-01-01{rest}")
    return found[len("%Y-%m-%d"):] if found and found.startswith("%Y-%m-%d") else rest.replace("%", "%%")


def _example(distinct: pd.Series, deciding: pd.Series) -> str:
    """A value that shows the order (its day above 12)."""
    shown = distinct[deciding.astype(int) > 12]
    return str(shown.iloc[0] if len(shown) else distinct.iloc[0])


def _with_words(found: str, example: str, how: str, why: str = "", *, guess: bool = False) -> DateFormat:
    return DateFormat(found, example, f"{how} ({format_in_words(found)}){why}", is_guess=guess)


def format_in_words(found: str) -> str:
    """'%d/%m/%Y %H:%M' -> 'DD/MM/YYYY hh:mm'."""
    if found in (VALUE_BY_VALUE, VALUE_BY_VALUE_DAY_FIRST, ISO_8601):
        return {VALUE_BY_VALUE: "each value on its own, month-first where ambiguous",
                VALUE_BY_VALUE_DAY_FIRST: "each value on its own, day-first where ambiguous",
                ISO_8601: "ISO 8601, YYYY-MM-DD"}[found]
    for code, words in _IN_WORDS:
        found = found.replace(code, words)
    return found.replace("%%", "%")


def is_day_first(found: str) -> bool:
    """Whether a format reads the day before the month (where the two could be swapped)."""
    if found == VALUE_BY_VALUE_DAY_FIRST:
        return True
    return "%d" in found and "%m" in found and found.index("%d") < found.index("%m")


def _share_read(distinct: pd.Series, found: str) -> float:
    return float(_to_datetime(distinct, found).notna().mean())


def values_read(values: pd.Series, date_format: str) -> int:
    """How many of ``values`` the format reads, by itself (no fallback to ISO 8601 or value by value); a format with a
    code pandas does not know ('%Q') is a ``ValueError``."""
    return int(_to_datetime(values, date_format).notna().sum())


def parse_datetimes(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Text to naive UTC timestamps (NaT where unparseable); mixed time zones are normalised.

    ``date_format``: the column's format (:func:`detect_date_format`); a value it does not fit is read as ISO
    8601, else on its own with the same day/month order. None: the format is detected from ``values``.
    Empty: value by value, month-first where ambiguous (models trained before formats were recorded).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, utc=True).dt.tz_convert(None)
    if date_format is None:
        detected = detect_date_format(values)
        date_format = detected.format if detected is not None else ""
    found = date_format or VALUE_BY_VALUE
    stamps = _to_datetime(values, found)
    for step in _fallbacks(found):  # a value written another way (a new layout in a scoring file): ISO, else on its own
        unread = stamps.isna() & values.notna()
        if not unread.any():
            break
        stamps = stamps.where(~unread, _to_datetime(values[unread], step))
    naive: pd.Series = stamps.dt.tz_convert(None)
    return naive


def off_format_reads(values: pd.Series, date_format: str) -> pd.Series:
    """Per value, the fallback :func:`parse_datetimes` read it with because ``date_format`` did not fit it
    (``ISO_8601``, or a value-by-value format); "" where the format read it, or nothing did, or it is missing.

    No format recorded ("": the model learnt from dates stored as dates, or predates formats): text dates are
    expected in ISO 8601, and one read value by value is reported as such. Dates the reader itself read (ISO 8601
    text, stored dates) in a column whose format is a pattern (``%d/%m/%Y``) were read as ISO 8601 wherever the
    pattern does not fit them. A value-by-value format has no fallback: every value is "".
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return _stored_off_format(values, date_format)
    how = np.full(len(values), "", dtype=object)
    steps = (VALUE_BY_VALUE,) if not date_format else _fallbacks(date_format)
    stamps = _to_datetime(values, date_format or ISO_8601) if steps else pd.Series(dtype="datetime64[ns, UTC]")
    for step in steps:
        unread = (stamps.isna() & values.notna()).to_numpy()
        if not unread.any():
            break
        read = _to_datetime(values[unread], step)
        how[np.flatnonzero(unread)[read.notna().to_numpy()]] = step
        stamps = stamps.where(~unread, read)
    return pd.Series(how, index=values.index, dtype=object)


def _stored_off_format(stamps: pd.Series, date_format: str) -> pd.Series:
    """``ISO_8601`` for the dates the pattern ``date_format`` would not read back from their ISO 8601 text."""
    how = pd.Series("", index=stamps.index, dtype=object)
    if "%" not in date_format or not stamps.notna().any():
        return how
    distinct = pd.Series(stamps.dropna().unique())
    if distinct.dt.tz is not None:
        distinct = distinct.dt.tz_localize(None)  # the wall time, as the text wrote it
    fits = np.zeros(len(distinct), dtype=bool)
    for layout in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        unfit = ~fits
        read = _pandas_datetime(distinct[unfit].dt.strftime(layout), date_format).dt.tz_convert(None)
        fits[unfit] = (read.to_numpy() == distinct[unfit].to_numpy())
        if fits.all():
            return how
    local = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    how[local.isin(distinct[~fits]).to_numpy()] = ISO_8601
    return how


def _fallbacks(found: str) -> tuple[str, ...]:
    """What reads a value that ``found`` does not fit: ISO 8601, else the value on its own with the same order."""
    if found in (VALUE_BY_VALUE, VALUE_BY_VALUE_DAY_FIRST):
        return ()
    on_its_own = VALUE_BY_VALUE_DAY_FIRST if is_day_first(found) else VALUE_BY_VALUE
    return tuple(step for step in (ISO_8601, on_its_own) if step != found)


def _to_datetime(values: pd.Series, found: str) -> pd.Series:
    """Value by value day-first reads ISO dates first: dateutil's day-first would swap '2024-05-06'."""
    if found != VALUE_BY_VALUE_DAY_FIRST:
        return _pandas_datetime(values, found)
    stamps = _pandas_datetime(values, ISO_8601)
    unread = stamps.isna() & values.notna()
    if not unread.any():
        return stamps
    return stamps.where(~unread, _pandas_datetime(values[unread], VALUE_BY_VALUE, day_first=True))


def _pandas_datetime(values: pd.Series, found: str, *, day_first: bool = False) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(values, errors="coerce", format=found, dayfirst=day_first, utc=True)
        except (ValueError, TypeError, OverflowError):
            return pd.to_datetime(values.astype(str), errors="coerce", format=found, dayfirst=day_first, utc=True)
