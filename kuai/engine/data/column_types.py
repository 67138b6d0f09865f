"""A type per column, with a plain-language reason.

Cheap, certain rules run first on the whole column: every value missing or one value
(constant), true/false values (boolean), values stored as dates. Every other column goes
to the learned type model (``kuai.engine.data.typeinfer``): a LightGBM model over the column's name,
five sample values and whole-column statistics, trained on the ML Data Prep Zoo
feature-type benchmark. Its label is then mapped to Kuai's types, with checks on the
whole column where a wrong type would break the pipeline:

=================  =============================================================
model label        Kuai type
=================  =============================================================
numeric            NUMERIC (text must hold numbers in ≥ 97 % of values, else CATEGORICAL)
categorical        CATEGORICAL (BOOLEAN when it is two yes/no-like values); text mostly on one row
                   a value: TEXT for phrases, else ID (below)
datetime           DATETIME when ≥ 90 % of the values parse as dates; numbers stay NUMERIC
sentence           TEXT; CATEGORICAL when at most 50 distinct values repeat a lot (long labels)
embedded-number    NUMERIC read from text ("$1,200", "35 %", "12.5 km") when ≥ 97 % of the
                   values parse with one unit, else CATEGORICAL
url                TEXT when ≥ 97 % of the values are web addresses (not e-mail addresses), else
                   the model's next label
list               CATEGORICAL when ≤ 20 distinct lists, else TEXT
not-generalizable  CONSTANT when ≥ 95 % missing; CATEGORICAL when its values repeat a lot (each on at
                   least as many rows as there are values: they describe rows, they do not name
                   them); else ID (not a feature)
context-specific   CATEGORICAL when ≤ 20 distinct values or not numbers, else NUMERIC;
                   the reason says it may need domain knowledge; text mostly on one row a value:
                   TEXT for phrases, else ID
=================  =============================================================

Values of ``SENTENCE_WORDS`` words or more on average, more than ``SENTENCES`` of them distinct, are free text
(TEXT) when the model calls them categorical, not-generalizable or context-specific: sentences are neither labels,
keys nor codes. Text whose values are mostly on one row each (``names_rows``) is never categorical: phrases of
``PHRASE_WORDS`` words with letters or more are free text, shorter values (names, phone numbers) an identifier. The
word counts read rows spread over the column, and the model's five samples of a text column are drawn from such rows
in an order of their own, so that a type does not depend on which rows come first (a blind test: a column whose long
sentences came first was text, the same column with them last categorical). The text rules live in
``kuai.engine.data.text_kinds``.

Whole numbers of 16 digits or more (beyond 2^53, where a float stops holding every integer)
are codes — account, card or device numbers — and are typed before the model: ID, or
CATEGORICAL when their values repeat a lot. The reader keeps them as text, so that values
that differ only in their last digits stay distinct.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kuai.engine.data.column_facts import ColumnFacts, column_facts
from kuai.engine.data.numbers import NUMBER_WITH_UNIT, numbers_as_written, numeric_values, parse_numbers, unit_key
from kuai.engine.data.text_kinds import free_text, long_labels, mean_words, once_each, phrases, web_addresses
from kuai.engine.data.type_reasons import MISFITS, describe, evidence, number_text, show
from kuai.engine.data.typeinfer import BOOL_TOKENS, ColumnSummary, TypeGuess, classify_summaries, summarise_column
from kuai.engine.data.whole_numbers import (
    NUMBER_SHARE,
    ZERO_PADDED,
    as_codes,
    fills_its_range,
    long_whole_numbers,
    may_be_long_numbers,
    one_value,
    repeats,
    repeats_a_lot,
    spread_rows,
    spread_whole_numbers,
    zero_padded_codes,
)
from kuai.engine.read.dates import detect_date_format, parse_datetimes
from kuai.engine.types import ColumnProfile, ColumnType

__all__ = [
    "detect_column_type", "detect_column_types", "numbers_as_written", "numeric_values", "parse_datetimes",
    "parse_numbers",
    "profile_column", "profile_columns", "profile_table", "type_columns",
]

DATE_SHARE = 0.90  # values that must parse for text to count as dates
DATE_ROWS = 300  # values the date check parses (parsing mixed formats is slow)
FEW_VALUES = 20
MODEL_COLUMNS = 300  # open columns the type model reads at most: a wider table's others are typed by rule
MOSTLY_MISSING = 0.95

Detection = tuple[ColumnType, str]


def detect_column_type(series: pd.Series) -> Detection:
    """Return the column's type and the reason for it."""
    facts = column_facts(series.to_frame())[0]
    certain = _certain_type(series, facts)
    if certain is not None:
        return certain
    summary = summarise_column(series, counts=(facts.n_missing, facts.n_unique))
    return _type_from_guess(series, summary, classify_summaries([summary])[0])


def detect_column_types(frame: pd.DataFrame) -> list[Detection]:
    """``detect_column_type`` for every column of ``frame``, with one batched model call (on a table wider than
    ``MODEL_COLUMNS`` open columns, the model reads a sample of them and the rest are typed by rule)."""
    return type_columns(frame).detections


@dataclass(frozen=True)
class TableTypes:
    """Every column's type and reason, its facts, and what the wide-table rule left to rules (``note``)."""

    detections: list[Detection]
    facts: list[ColumnFacts]
    note: str = ""  # empty unless the type model read only a sample of the columns


def type_columns(frame: pd.DataFrame, *, read_first: Collection[str] = ()) -> TableTypes:
    """The type of every column: certain rules on each column's facts, then the learned model, in one batch, on
    the columns no rule settles; at most ``MODEL_COLUMNS`` of them (``read_first`` among them, the others evenly
    spaced), the rest typed by rule (``_rule_type``) with the reason saying so."""
    facts = column_facts(frame)
    detections: list[Detection | None] = [_certain_type(frame.iloc[:, i], found) for i, found in enumerate(facts)]
    open_columns = [i for i, found in enumerate(detections) if found is None]
    read = _model_sample(open_columns, [str(frame.columns[i]) for i in open_columns], read_first)
    summaries = [summarise_column(frame.iloc[:, i], counts=(facts[i].n_missing, facts[i].n_unique)) for i in read]
    for i, summary, guess in zip(read, summaries, classify_summaries(summaries), strict=True):
        detections[i] = _type_from_guess(frame.iloc[:, i], summary, guess)
    note = ""
    if len(read) < len(open_columns):
        by_rule = f"typed by rule: the type model read {len(read):,} of the {len(open_columns):,} columns"
        for i in open_columns:
            if detections[i] is None:
                detections[i] = _rule_type(facts[i], by_rule)
        note = (f"{frame.shape[1]:,} columns: the type model read {len(read):,} of them; the other "
                f"{len(open_columns) - len(read):,} were typed by rule (stored as numbers: numeric; text: "
                "categorical, or an identifier when every value differs). Check the types on the Data page or "
                "set them with --type.")
    return TableTypes([found for found in detections if found is not None], facts, note)


def _model_sample(open_columns: list[int], names: list[str], read_first: Collection[str]) -> list[int]:
    """The open columns the type model reads: all of them, or ``MODEL_COLUMNS``: ``read_first`` and evenly spaced
    others (the first and the last among them), in column order."""
    if len(open_columns) <= MODEL_COLUMNS:
        return open_columns
    first = {i for i, name in zip(open_columns, names, strict=True) if name in set(read_first)}
    spaced = np.linspace(0, len(open_columns) - 1, MODEL_COLUMNS - len(first)).round().astype(int)
    chosen = first | {open_columns[k] for k in spaced}
    others = iter(i for i in open_columns if i not in chosen)
    while len(chosen) < MODEL_COLUMNS:  # rounding made two positions one
        chosen.add(next(others))
    return sorted(chosen)


def _rule_type(facts: ColumnFacts, why: str) -> Detection:
    """A column the type model did not read: numbers are numeric, text categorical (an identifier when every value
    differs), a column nearly all missing a constant."""
    if facts.n_rows and facts.n_missing / facts.n_rows >= MOSTLY_MISSING:
        return ColumnType.CONSTANT, (f"{facts.n_missing / facts.n_rows:.0%} of the values are missing: too little to "
                                     f"learn from ({why})")
    if facts.is_number:
        kind = "integer" if facts.all_whole else "decimal"
        span = f" from {number_text(facts.minimum)} to {number_text(facts.maximum)}" if facts.minimum is not None and \
            facts.maximum is not None else ""
        return ColumnType.NUMERIC, (f"{facts.n_unique:,} distinct {kind} values{span} in {facts.n_rows:,} rows, "
                                    f"stored as numbers: numeric ({why})")
    if facts.n_unique == facts.n_present > FEW_VALUES:
        return ColumnType.ID, f"every one of the {facts.n_present:,} values is distinct: an identifier ({why})"
    example = f" (e.g. '{show(facts.first_values[0])}')" if facts.first_values else ""
    return ColumnType.CATEGORICAL, (f"{facts.n_unique:,} distinct values in {facts.n_rows:,} rows{example}: "
                                    f"categorical ({why})")


def _certain_type(series: pd.Series, facts: ColumnFacts) -> Detection | None:
    dtype = series.dtype
    if facts.n_present == 0:
        return ColumnType.CONSTANT, "every value is missing"
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnType.BOOLEAN, "true/false values"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnType.DATETIME, "stored as dates"
    distinct = facts.first_values
    if facts.n_unique == 1:
        return one_value(series, facts, show(distinct[0]))
    if may_be_long_numbers(facts):
        values = series.dropna()
        long_numbers = long_whole_numbers(values)
        if long_numbers:
            return as_codes(values, facts.n_unique, f"whole numbers of {long_numbers} (e.g. "
                             f"'{show(values.iloc[0])}'), more than a number holds exactly")
    if any(isinstance(v, str) and ZERO_PADDED.fullmatch(v.strip()) for v in facts.first_values):
        values = series.dropna()
        if zero_padded_codes(values):
            return as_codes(values, facts.n_unique, f"digits written with leading zeros (e.g. "
                             f"'{show(values.iloc[0])}'), which a number would lose")
    if facts.n_unique == 2:
        tokens = {str(v).strip().lower() for v in distinct}
        if tokens <= BOOL_TOKENS:
            pair = "/".join(sorted(str(v).strip() for v in distinct))
            return ColumnType.BOOLEAN, f"two values ({pair})"
    return None


def _type_from_guess(series: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    values = series.dropna()
    if guess.label in ("not-generalizable", "context-specific") and (text := free_text(values, summary)
                                                                     or phrases(values, summary)):
        # sentences and phrases are neither keys nor codes: the model read five of them, and among files of one
        # kind it called the same column an identifier, codes or free text (a blind test); the rule reads the column
        return ColumnType.TEXT, f"{text} {evidence(guess)[:-1]}, but values of this many words are free text)"
    found = _HANDLERS[guess.label](values, summary, guess)
    if found is not None:
        return found[0], f"{found[1]} {evidence(guess)}"
    # the label did not survive the check on the whole column: take the model's next label that can
    runner_up, _ = guess.runner_up(excluding=("datetime", "embedded-number", "numeric"))
    column_type, reason = _HANDLERS[runner_up](values, summary, guess) or _as_categorical(values, summary, guess)
    misfit = MISFITS.get(guess.label, "the values do not fit")
    return column_type, f"{reason} {evidence(guess)[:-1]}, but {misfit})"


def _as_numeric(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection | None:
    if pd.api.types.is_numeric_dtype(values):
        return ColumnType.NUMERIC, f"{describe(values, summary)}: numeric"
    found = _text_numbers(values)
    if found is None:
        return None
    shown = f", in {found}" if found else ""
    return ColumnType.NUMERIC, f"text that holds numbers (e.g. '{show(values.iloc[0])}'{shown}), read as numbers"


def _as_categorical(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    text = free_text(values, summary)  # sentences that repeat: their words count
    if text:
        return ColumnType.TEXT, text
    return once_each(values, summary) or (ColumnType.CATEGORICAL,
                                           f"{describe(values, summary)}, repeated: categorical")


def _as_datetime(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection | None:
    if pd.api.types.is_numeric_dtype(values):
        return ColumnType.NUMERIC, f"{describe(values, summary)}, numbers that read like years or dates: numeric"
    found = detect_date_format(values)
    sample = values.astype(str).str.strip().iloc[:DATE_ROWS]
    if found is None or parse_datetimes(sample, found.format).notna().mean() < DATE_SHARE:
        return None
    return ColumnType.DATETIME, found.reason


def _as_text(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    if long_labels(summary):  # a few long labels, each on many rows
        repeated = repeats(summary.num_of_dist_val, summary.n_present)
        return ColumnType.CATEGORICAL, (f"{describe(values, summary)}, {repeated}: long labels that repeat, not free "
                                        "text: categorical")
    words = mean_words(values)
    return ColumnType.TEXT, f"free text, about {words:.0f} words a value: its words are used as features"


def _as_url(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection | None:
    if not web_addresses(values):
        return None
    return ColumnType.TEXT, f"web addresses (e.g. '{show(values.iloc[0])}'): the words in them are used as features"


def _as_list(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    example = show(values.iloc[0])
    if summary.num_of_dist_val <= FEW_VALUES:
        return ColumnType.CATEGORICAL, (f"lists of items (e.g. '{example}'), only {summary.num_of_dist_val} "
                                        "distinct lists: each list used as a label")
    return ColumnType.TEXT, (f"lists of items (e.g. '{example}'), {summary.num_of_dist_val:,} distinct lists: "
                             "the words of the items are used as features")


def _as_identifier(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    missing_share = summary.num_nans / summary.total_vals
    if missing_share >= MOSTLY_MISSING:
        return ColumnType.CONSTANT, f"{missing_share:.0%} of the values are missing: too little to learn from"
    if summary.num_of_dist_val == summary.n_present:
        spread = spread_whole_numbers(values)
        if spread:
            return ColumnType.NUMERIC, (f"every value is distinct, but as quantities are: {spread}, not numbered "
                                        "one after another nor of one length like identifiers, so numeric")
        return ColumnType.ID, f"every one of the {summary.n_present:,} values is distinct: an identifier"
    if repeats_a_lot(summary.num_of_dist_val, summary.n_present):
        repeated = repeats(summary.num_of_dist_val, summary.n_present)
        return ColumnType.CATEGORICAL, (f"{describe(values, summary)}, {repeated}: values that repeat this much "
                                        "describe rows rather than name them, so categorical, not an identifier")
    return ColumnType.ID, (f"{describe(values, summary)}: codes or keys that do not generalise, "
                           "treated as an identifier")


def _as_context_specific(values: pd.Series, summary: ColumnSummary, guess: TypeGuess) -> Detection:
    caveat = "coded values whose meaning depends on the data (may need domain knowledge)"
    if summary.num_of_dist_val > FEW_VALUES:
        numeric = _as_numeric(values, summary, guess)
        if numeric is not None:
            return ColumnType.NUMERIC, f"{describe(values, summary)}, {caveat}: treated as numeric"
    if fills_its_range(values):
        return ColumnType.NUMERIC, (f"{describe(values, summary)}, nearly every whole number between used: a count "
                                    "or a scale, whose order means something: numeric (set it to categorical if "
                                    "the numbers are codes)")
    return once_each(values, summary) or (ColumnType.CATEGORICAL,
                                           f"{describe(values, summary)}, {caveat}: treated as categorical")


_HANDLERS: dict[str, Callable[[pd.Series, ColumnSummary, TypeGuess], Detection | None]] = {
    "numeric": _as_numeric, "embedded-number": _as_numeric, "categorical": _as_categorical,
    "datetime": _as_datetime, "sentence": _as_text, "url": _as_url, "list": _as_list,
    "not-generalizable": _as_identifier, "context-specific": _as_context_specific,
}


def _text_numbers(values: pd.Series) -> str | None:
    """The unit ('' for none) when nearly all of a text column reads as numbers with one unit, else None."""
    sample = spread_rows(values).astype(str).str.strip()
    if parse_numbers(sample).notna().mean() < NUMBER_SHARE:
        return None
    matches = (NUMBER_WITH_UNIT.match(text) for text in sample)
    units = Counter(m.group(2) for m in matches if m)
    if not units:
        return ""
    by_key: Counter[str] = Counter()
    for unit, count in units.items():
        by_key[unit_key(unit)] += count
    unit, count = by_key.most_common(1)[0]
    if count < NUMBER_SHARE * units.total():
        return None
    return "" if unit == "%" else unit


def profile_column(series: pd.Series) -> ColumnProfile:
    profile = _profile(series.to_frame(), 0, detect_column_type(series), column_facts(series.to_frame())[0])
    return replace(profile, name=str(series.name))


def profile_columns(frame: pd.DataFrame, *, read_first: Collection[str] = ()) -> tuple[ColumnProfile, ...]:
    """``profile_column`` for every column, with one batched model call (fast on wide tables)."""
    return profile_table(frame, read_first=read_first)[0]


def profile_table(frame: pd.DataFrame, *,
                  read_first: Collection[str] = ()) -> tuple[tuple[ColumnProfile, ...], str]:
    """Every column's profile, and what the wide-table rule left to rules (``TableTypes.note``)."""
    typed = type_columns(frame, read_first=read_first)
    return tuple(_profile(frame, i, found, typed.facts[i]) for i, found in enumerate(typed.detections)), typed.note


def _profile(frame: pd.DataFrame, position: int, detection: Detection, facts: ColumnFacts) -> ColumnProfile:
    column_type, reason = detection
    minimum, maximum, mean = facts.minimum, facts.maximum, facts.mean
    if column_type is ColumnType.NUMERIC and not facts.is_number:  # text read as numbers
        numbers = numeric_values(frame.iloc[:, position].dropna()).dropna()
        minimum, maximum, mean = ((float(numbers.min()), float(numbers.max()), float(numbers.mean()))
                                  if len(numbers) else (None, None, None))
    elif column_type is not ColumnType.NUMERIC:
        minimum = maximum = mean = None
    dates = detect_date_format(frame.iloc[:, position].dropna()) if column_type is ColumnType.DATETIME else None
    return ColumnProfile(
        name=str(frame.columns[position]),
        type=column_type,
        reason=reason,
        missing_fraction=facts.n_missing / facts.n_rows if facts.n_rows else 0.0,
        n_unique=facts.n_unique,
        examples=tuple(show(v) for v in facts.first_values),
        minimum=minimum,
        maximum=maximum,
        mean=mean,
        date_format=dates.format if dates is not None else "",
        date_order_guessed=dates is not None and dates.is_guess,
    )
