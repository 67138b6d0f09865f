"""The user's options, checked before any work: numbers finite and in range, named columns present, choices that
agree with each other and with the data. Every refusal is an ``OptionError`` with a stable code and says what to do.

The CLI, the app's pages (through ``kuai.app.services.training.run_training``) and the Python API all pass through these
checks: ``SearchBudget`` checks its budget and limits, ``build_task_spec`` its seed, folds and excluded columns,
``profile_dataset`` its type overrides and date formats.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kuai.engine.errors import OptionError
from kuai.engine.read.cells import clip

if TYPE_CHECKING:
    import pandas as pd

    from kuai.engine.types import ColumnType, Limits

__all__ = ["MAX_SEED", "MAX_TIME_BUDGET_S", "check_date_formats", "check_folds", "check_limit", "check_limits",
           "check_named_columns", "check_seed", "check_time_budget", "check_training_options", "close_names",
           "closest_columns"]

MAX_SEED = 2**32 - 1  # numpy's, scikit-learn's and Optuna's seeds are unsigned 32-bit numbers
MAX_TIME_BUDGET_S = 7 * 24 * 3600.0  # a week: longer is a typo (and overflows some waits)


def _finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a real, finite number (not a bool, not text); else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_time_budget(seconds: Any) -> float:
    """A time budget in seconds: finite, above 0, at most a week."""
    number = _finite_number(seconds)
    if number is None or not 0 < number <= MAX_TIME_BUDGET_S:
        raise OptionError(f"The time budget must be a number of seconds above 0 and at most {MAX_TIME_BUDGET_S:,.0f} "
                          f"(a week), not {seconds!r}.", code="BAD_TIME_BUDGET")
    return number


def check_seed(seed: Any) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise OptionError(f"The seed must be a whole number from 0 to {MAX_SEED:,} (2**32 - 1), not {seed!r}.",
                          code="BAD_SEED")
    return seed


def check_folds(n_folds: Any) -> int | None:
    """A number of cross-validation folds: a whole number of at least 2 (None: Kuai chooses)."""
    if n_folds is None:
        return None
    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
        raise OptionError(f"Cross-validation needs a whole number of at least 2 folds, not {n_folds!r}.",
                          code="BAD_FOLDS")
    return n_folds


def check_limit(value: Any, what: str = "the exported model") -> float | None:
    """A limit on the exported model: a finite number above 0, or None (no limit)."""
    if value is None:
        return None
    number = _finite_number(value)
    if number is None or number <= 0:
        raise OptionError(f"A limit on {what} must be a finite number above 0 (or none), not {value!r}.",
                          code="BAD_LIMIT")
    return number


def check_limits(limits: Limits) -> Limits:
    """Limits on the exported model: each a finite number above 0, or None (no limit)."""
    check_limit(limits.max_ms_per_row, "the prediction time per row (ms)")
    check_limit(limits.max_size_mb, "the model file's size (MB)")
    return limits


def check_training_options(*, time_budget_s: Any, seed: Any, n_folds: Any = None,
                           limits: Limits | None = None) -> None:
    """Every number a training is given, before it starts (the data's own checks come with ``build_task_spec``)."""
    check_time_budget(time_budget_s)
    check_seed(seed)
    check_folds(n_folds)
    if limits is not None:
        check_limits(limits)


def check_families(families: Iterable[str]) -> tuple[str, ...]:
    """Every model family asked for is one Kuai has (``UNKNOWN_FAMILY``, with the closest names); the families."""
    from kuai.engine.models import FAMILIES

    names = tuple(families)
    unknown = [str(name) for name in names if name not in FAMILIES]
    if unknown:
        said = " or ".join(f"'{clip(name, 40)}'" for name in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        close = [closest_columns(name, list(FAMILIES)) for name in unknown]
        hint = " Did you mean " + " or ".join(f"'{c}'" for c in dict.fromkeys(c for cs in close for c in cs)) + "?" \
            if any(close) else ""
        raise OptionError(f"There is no model family {said}. The families are: {', '.join(sorted(FAMILIES))}."
                          f"{hint}", code="UNKNOWN_FAMILY")
    return names


def check_named_columns(frame: pd.DataFrame, *, type_overrides: Mapping[str, ColumnType] | None = None,
                        date_formats: Mapping[str, str] | None = None, excluded: Iterable[str] = (),
                        target: str | None = None) -> None:
    """Every column the options name exists (``UNKNOWN_COLUMN``, with the closest names), and the target is not
    left out (``TARGET_EXCLUDED``) nor given a type (``TYPE_ON_TARGET``: the task says how it is read)."""
    columns = [str(c) for c in frame.columns]
    present = set(columns)
    named = [*((name, "A type was set for '{}'") for name in type_overrides or {}),
             *((name, "A date format was set for '{}'") for name in date_formats or {}),
             *((name, "'{}' was to be left out") for name in excluded)]
    for name, what in named:
        if str(name) not in present:
            raise OptionError(f"{what.format(name)}, but the data has no column of that name."
                              f"{close_names(str(name), columns)}", code="UNKNOWN_COLUMN")
    target_type = (type_overrides or {}).get(target) if target is not None else None
    if target_type is not None:
        raise OptionError(f"A type ({target_type}) was set for '{target}', the target. The target's type "
                          "does not change what Kuai predicts: choose the task instead (kuai train --task binary, "
                          "multiclass or regression; the task choice in the app), and keep types for the "
                          "input columns.", code="TYPE_ON_TARGET")
    if target is not None and target in set(excluded):
        raise OptionError(f"'{target}' is the target, and it is also among the columns left out (by you, or by a fix "
                          "you applied). The target is what the model predicts, never one of its inputs: keep it in, "
                          "or choose another target.", code="TARGET_EXCLUDED")


def close_names(name: str, columns: Collection[str]) -> str:
    """' Did you mean 'X'?' naming the columns closest to ``name`` (by case and spacing first, then by spelling);
    else the columns there are."""
    close = closest_columns(name, columns)
    if close:
        return " Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    listed = list(columns)
    shown = ", ".join(f"'{c}'" for c in listed[:20]) + (f" and {len(listed) - 20} more" if len(listed) > 20 else "")
    return f" The columns are {shown}."


def closest_columns(name: str, columns: Collection[str], *, n: int = 3) -> list[str]:
    """The columns that are ``name`` written another way (case, spaces, underscores, hyphens, dots), else those
    closest in spelling (``difflib``); at most ``n``."""
    import difflib

    key = _loose(name)
    same = [c for c in columns if key and _loose(c) == key]
    if same:
        return same[:n]
    return difflib.get_close_matches(name, list(columns), n=n, cutoff=0.6)


def _loose(name: str) -> str:
    """A name as compared loosely: full-width and compatibility forms folded (NFKC), case folded, letters and
    digits only."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


SCAN_ROWS = 20_000  # values a date format is tried on
# how a column the reader already read as dates is written in the file, most often (ISO 8601)
ISO_RENDERINGS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def check_date_formats(frame: pd.DataFrame, date_formats: Mapping[str, str] | None,
                       type_overrides: Mapping[str, ColumnType] | None = None) -> None:
    """Each date format the user set is one (its codes are strftime's: ``BAD_DATE_FORMAT``), reads at least one value
    of its column (``BAD_DATE_FORMAT``), and its column's type, if the user set one too, is a date
    (``DATE_FORMAT_NOT_DATE``). A format that reads values makes its column a date column
    (``kuai.engine.data.profile``).

    A column the reader already read as dates (ISO 8601 text) is checked against its values written that way."""
    from kuai.engine.read.dates import values_read
    from kuai.engine.types import ColumnType

    for name, date_format in (date_formats or {}).items():
        kind = (type_overrides or {}).get(name)
        if kind is not None and kind is not ColumnType.DATETIME:
            raise OptionError(f"A date format was set for '{name}', and its type was set to {kind}: a date format "
                              "applies only to a date column. Keep one of the two.", code="DATE_FORMAT_NOT_DATE")
        _check_format_codes(name, date_format)
        values = _written_values(frame[name].iloc[:SCAN_ROWS])
        if values and not any(values_read(texts, date_format) for texts in values):
            raise OptionError(f"The date format '{date_format}' set for '{name}' reads none of its values (such as "
                              f"'{values[0].iloc[0]}'). Write it with the strftime codes of those values (e.g. "
                              "%Y-%m-%d for 2024-01-31, %d/%m/%Y for 31/01/2024), or leave the column's format to "
                              "Kuai.", code="BAD_DATE_FORMAT")


def _check_format_codes(name: str, date_format: str) -> None:
    """A format with a code strftime does not know ('%Q'), or with no code at all, is ``BAD_DATE_FORMAT``."""
    import pandas as pd

    from kuai.engine.read.dates import values_read

    problem = "" if "%" in date_format or date_format in ("ISO8601", "mixed") else "it has no % code"
    try:
        values_read(pd.Series(["2024-01-31"], dtype=object), date_format)
    except ValueError as exc:
        problem = str(exc)
    if problem:
        raise OptionError(f"'{date_format}', set as the date format of '{name}', is not a date format ({problem}). "
                          "Write it with strftime codes, e.g. %d/%m/%Y for 31/01/2024, or ISO8601.",
                          code="BAD_DATE_FORMAT")


def _written_values(values: pd.Series) -> list[pd.Series]:
    """The column's values as text: as they are, or for a column the reader read as dates, each way ISO 8601 writes
    them (the file's own text is gone)."""
    import pandas as pd

    values = values.dropna()
    if pd.api.types.is_datetime64_any_dtype(values):
        return [values.dt.strftime(rendering) for rendering in ISO_RENDERINGS] if len(values) else []
    texts = values.astype(str)
    texts = texts[texts.str.strip() != ""]
    return [texts] if len(texts) else []


MIN_HOLDOUT, MAX_HOLDOUT = 0.05, 0.5


def check_holdout(fraction: float) -> float:
    """0 (none), or a share of the rows from ``MIN_HOLDOUT`` to ``MAX_HOLDOUT``; else ``BAD_HOLDOUT``."""
    if not math.isfinite(fraction) or (fraction != 0 and not MIN_HOLDOUT <= fraction <= MAX_HOLDOUT):
        raise OptionError(f"A holdout of {fraction:g} cannot be kept: give a share of the rows between "
                          f"{MIN_HOLDOUT:g} and {MAX_HOLDOUT:g} (0.2 keeps a fifth of the rows out of the search).",
                          code="BAD_HOLDOUT")
    return fraction
