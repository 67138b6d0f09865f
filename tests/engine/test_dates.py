"""One date format per column: decided from the values, said in the reason, kept in the schema, used at prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, build_input_schema, build_task_spec, profile_dataset, to_model_frame
from kuai.engine.data.column_types import detect_column_type
from kuai.engine.read.dates import detect_date_format, parse_datetimes

N_ROWS = 400


@pytest.fixture(scope="module")
def stamps() -> pd.DatetimeIndex:
    rng = np.random.default_rng(0)
    return pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, N_ROWS), unit="D")


def _day_first_frame(stamps: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"visit": stamps.strftime("%d/%m/%Y"), "amount": rng.normal(size=len(stamps)),
                         "outcome": rng.choice(["yes", "no"], len(stamps))})


@pytest.mark.parametrize(("written", "expected", "words"), [
    ("%d/%m/%Y", "%d/%m/%Y", "read day-first (DD/MM/YYYY)"),
    ("%m/%d/%Y", "%m/%d/%Y", "read month-first (MM/DD/YYYY)"),
    ("%d.%m.%y", "%d.%m.%y", "read day-first (DD.MM.YY)"),
    ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M", "(DD/MM/YYYY hh:mm)"),
    ("%Y-%m-%d", "ISO8601", "ISO 8601"),
    ("%Y-%m-%dT%H:%M:%SZ", "ISO8601", "ISO 8601"),
    ("%d %b %Y", "%d %b %Y", "(DD Mon YYYY)"),
])
def test_one_format_per_column_reads_every_date_right(stamps: pd.DatetimeIndex, written: str, expected: str,
                                                      words: str, reliability) -> None:
    text = pd.Series(stamps.strftime(written), name="visit")
    found = detect_date_format(text)
    assert found is not None and found.format == expected
    assert words in found.reason and not found.is_guess
    parsed = parse_datetimes(text, found.format)
    assert (parsed.dt.normalize() == stamps.normalize()).all()  # no month swapped, no date lost
    reliability.bad_input("read")
    reliability.guess(told=words in found.reason)


def test_day_first_dates_are_profiled_with_their_format_and_evidence(stamps: pd.DatetimeIndex, reliability) -> None:
    text = pd.Series(stamps.strftime("%d/%m/%Y"), name="visit")
    column_type, reason = detect_column_type(text)
    days_above_12 = len(set(stamps[stamps.day > 12]))
    assert column_type is ColumnType.DATETIME
    assert "read day-first (DD/MM/YYYY)" in reason and f"{days_above_12} distinct dates have a day above 12" in reason
    profile = profile_dataset(_day_first_frame(stamps), target="outcome", with_checks=False)
    assert profile.column("visit").date_format == "%d/%m/%Y" and not profile.column("visit").date_order_guessed
    reliability.guess(told="day-first" in reason)


def test_an_undecidable_order_is_a_guess_named_in_the_checks_with_the_override(reliability) -> None:
    days = pd.date_range("2024-01-01", periods=N_ROWS, freq="D")
    text = [f"{d.month:02d}/{(d.day - 1) % 12 + 1:02d}/{d.year}" for d in days]  # every field 12 or below
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"when": text, "x": rng.normal(size=N_ROWS), "y": rng.choice(["a", "b"], N_ROWS)})
    profile = profile_dataset(frame, target="y")
    column = profile.column("when")
    assert column.date_format == "%m/%d/%Y" and column.date_order_guessed and "a guess" in column.reason
    warning = next(w for w in profile.warnings if w.code == "AMBIGUOUS_DATES")
    assert warning.column == "when" and "--date-format 'when=%d/%m/%Y'" in warning.action
    chosen = profile_dataset(frame, target="y", date_formats={"when": "%d/%m/%Y"})
    assert chosen.column("when").date_format == "%d/%m/%Y" and "you set" in chosen.column("when").reason
    assert not any(w.code == "AMBIGUOUS_DATES" for w in chosen.warnings)
    spec = build_task_spec(frame, profile.columns, target="y")
    assert any("a guess" in note and "--date-format" in note for note in spec.notes)  # progress line, model card
    reliability.guess(told=warning is not None)


def test_a_few_dates_of_the_other_order_are_read_on_their_own(stamps: pd.DatetimeIndex) -> None:
    text = pd.Series([*stamps.strftime("%d/%m/%Y"), "01/13/2024", "2024-05-06", "not a date", None])
    found = detect_date_format(text)
    assert found is not None and found.format == "%d/%m/%Y" and "1 only month-first" in found.reason
    parsed = parse_datetimes(text, found.format)
    assert list(parsed.iloc[-4:-1].dt.strftime("%Y-%m-%d").fillna("-")) == ["2024-01-13", "2024-05-06", "-"]
    assert pd.isna(parsed.iloc[-1])


def test_text_that_is_not_dates_has_no_format() -> None:
    assert detect_date_format(pd.Series(["red", "blue", "green"] * 10)) is None
    assert detect_date_format(pd.Series([1.5, 2.0, 3.25])) is None


def test_the_training_format_is_used_for_a_scoring_file(stamps: pd.DatetimeIndex) -> None:
    """Training on day-first dates records the format; a scoring file's ambiguous dates are read the same way."""
    frame = _day_first_frame(stamps)
    profile = profile_dataset(frame, target="outcome", with_checks=False)
    spec = build_task_spec(frame, profile.columns, target="outcome")
    schema = build_input_schema(frame, spec)
    visit = next(c for c in schema if c.name == "visit")
    assert visit.date_format == "%d/%m/%Y" and spec.date_formats == {"visit": "%d/%m/%Y"}
    scoring = pd.DataFrame({"visit": ["03/04/2024", "01/02/2025"], "amount": [0.0, 1.0]})  # alone, ambiguous
    model_frame = to_model_frame(scoring, schema)
    assert list(model_frame[f"{visit.safe_name}__month"]) == [4.0, 2.0]
    assert list(model_frame[f"{visit.safe_name}__day"]) == [3.0, 1.0]


def test_a_schema_without_a_format_reads_dates_as_before(stamps: pd.DatetimeIndex) -> None:
    """Models exported before formats were recorded: value by value, month-first where ambiguous."""
    frame = _day_first_frame(stamps)
    profile = profile_dataset(frame, target="outcome", with_checks=False)
    schema = build_input_schema(frame, build_task_spec(frame, profile.columns, target="outcome"))
    old = tuple(type(c)(c.name, c.safe_name, c.type, c.model_inputs, c.categories) for c in schema)
    model_frame = to_model_frame(pd.DataFrame({"visit": ["03/04/2024"], "amount": [0.0]}), old)
    assert model_frame["c00000__month"].iloc[0] == 3.0  # as pandas' mixed parsing always did


def test_the_format_travels_in_the_model_card_and_back(stamps: pd.DatetimeIndex) -> None:
    import json
    from types import SimpleNamespace

    from kuai.app.services.model_metadata import _Column
    from kuai.app.services.model_metadata import _input_column as read_column
    from kuai.exporters.model_card import input_schema

    def _input_column(entry: dict[str, object]) -> object:  # as a model's metadata is read back
        return read_column(_Column.model_validate_json(json.dumps(entry)))

    frame = _day_first_frame(stamps)
    profile = profile_dataset(frame, target="outcome", with_checks=False)
    schema = build_input_schema(frame, build_task_spec(frame, profile.columns, target="outcome"))
    entries = input_schema(SimpleNamespace(schema=schema))  # type: ignore[arg-type]
    assert entries[0]["date_format"] == "%d/%m/%Y"
    assert tuple(_input_column(entry) for entry in entries) == schema
    entries[0].pop("date_format")  # a model card from before
    assert _input_column(entries[0]).date_format == ""
