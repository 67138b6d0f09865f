"""kuai.engine.read.unreadable: what the model frame could not read, counted against the raw column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine import ColumnType, InputColumn, UnreadableValues, to_model_frame, unreadable_values

SCHEMA = (InputColumn("amount", "c00000", ColumnType.NUMERIC, ("c00000",)),
          InputColumn("visited", "c00001", ColumnType.DATETIME,
                      tuple(f"c00001__{p}" for p in ("year", "month", "day", "day_of_week", "hour"))),
          InputColumn("colour", "c00002", ColumnType.CATEGORICAL, ("c00002",), ("red",)))


def test_values_present_but_not_read_are_counted_per_column() -> None:
    frame = pd.DataFrame({"amount": [1.5, np.inf, -np.inf, np.nan, 3.0],  # real infinities, not text
                          "visited": ["2024-01-02", "soon", "n/a", "", None],
                          "colour": ["red", "green", "", None, "blue"]})
    found = {entry.column: entry for entry in unreadable_values(frame, SCHEMA, to_model_frame(frame, SCHEMA))}
    assert set(found) == {"amount", "visited"}  # categories are never unreadable (unseen ones are another note)
    assert found["amount"].n_rows == 2 and found["amount"].examples == ("inf", "-inf")
    assert found["visited"].n_rows == 1 and found["visited"].examples == ("soon",)  # 'n/a', '' and None: missing


def test_typed_columns_and_numbers_written_as_text_are_read() -> None:
    frame = pd.DataFrame({"amount": ["1,200", "35 kg", "7"],
                          "visited": pd.to_datetime(["2024-01-02", None, "2023-05-06"]), "colour": "red"})
    assert unreadable_values(frame, SCHEMA, to_model_frame(frame, SCHEMA)) == ()


def _by_reason(frame: pd.DataFrame,
               schema: tuple[InputColumn, ...] = SCHEMA) -> dict[tuple[str, str], UnreadableValues]:
    return {(entry.column, str(entry.reason)): entry
            for entry in unreadable_values(frame, schema, to_model_frame(frame, schema))}


def test_infinities_and_numbers_beyond_float32_are_missing_and_counted_apart(reliability) -> None:
    """'inf', 'Infinity', '1e400' are infinite; 1e308 is a legal double that float32 cannot hold: missing too (not
    clipped to ±3.4e38, a value nobody wrote), at training as at prediction, and each kind is told."""
    amount = ["1.5", "inf", "-Infinity", "1e400", "1e308", "-1e308", "3e38", "abc", None, "NA"]
    frame = pd.DataFrame({"amount": amount, "visited": None, "colour": "red"})
    model_frame = to_model_frame(frame, SCHEMA)
    read = model_frame["c00000"].to_numpy()
    assert read.dtype == np.float32 and np.isfinite(read[[0, 6]]).all() and np.isnan(read[1:6]).all()
    found = _by_reason(frame)
    infinite, beyond, text = (found[("amount", reason)] for reason in ("infinite", "beyond_float32", "not_read"))
    assert infinite.n_rows == 3 and infinite.examples == ("inf", "-Infinity", "1e400")
    assert beyond.n_rows == 2 and beyond.text == (
        "'amount': 2 values are beyond ±3.4e38, the range of the model's float32 inputs (e.g. '1e308', '-1e308'); "
        "treated as missing")
    assert text.text == "'amount': 1 value is not a number (e.g. 'abc'); treated as missing"
    stored = pd.DataFrame({"amount": [np.inf, 1e308, 2.0], "visited": None, "colour": "red"})  # numbers, not text
    assert {key: entry.n_rows for key, entry in _by_reason(stored).items()} == {("amount", "infinite"): 1,
                                                                                ("amount", "beyond_float32"): 1}
    for _ in range(3):  # infinities, beyond float32, text in numbers
        reliability.bad_input("read")
        reliability.guess(told=True)


def test_a_column_none_of_whose_values_is_a_number_says_all(reliability) -> None:
    """``--type region=numeric`` on text: every value is missing to the model, and the note says 'all'."""
    frame = pd.DataFrame({"amount": ["north", "south", "east", None], "visited": None, "colour": "red"})
    [entry] = unreadable_values(frame, SCHEMA, to_model_frame(frame, SCHEMA))
    assert entry.text == "'amount': all 3 values are not numbers (e.g. 'north', 'south', 'east'); treated as missing"
    reliability.bad_input("read")
    reliability.guess(told=True)


DATED = InputColumn("visited", "c00001", ColumnType.DATETIME, SCHEMA[1].model_inputs, date_format="ISO8601")


def test_dates_not_in_the_recorded_format_are_counted_with_the_fallback_that_read_them(reliability) -> None:
    """ISO dates at training, DD.MM.YYYY at prediction: pandas reads '05.03.2024' month-first on its own (May 3rd),
    a guess that is counted and told; ISO values, blanks and dates the format reads are not."""
    schema = (SCHEMA[0], DATED)
    frame = pd.DataFrame({"amount": 1.0, "visited": ["2024-01-02", "05.03.2024", "25.03.2024", "", None, "soon"]})
    found = _by_reason(frame, schema)
    assert set(found) == {("visited", "not_read"), ("visited", "other_date_format")}
    off = found[("visited", "other_date_format")]
    assert off.n_rows == 2 and not off.as_missing and off.examples == ("05.03.2024", "25.03.2024")
    assert off.text.startswith(
        "'visited': 2 values do not fit the column's date format (ISO 8601, YYYY-MM-DD) (e.g. '05.03.2024', "
        "'25.03.2024'); each read on its own (month-first where ambiguous): check them")
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_a_format_set_on_iso_dates_counts_the_values_read_as_iso(reliability) -> None:
    """``--date-format visited=%d/%m/%Y`` on ISO dates: every value is read by the ISO fallback, and said."""
    schema = (SCHEMA[0], InputColumn("visited", "c00001", ColumnType.DATETIME, SCHEMA[1].model_inputs,
                                     date_format="%d/%m/%Y"))
    frame = pd.DataFrame({"amount": 1.0, "visited": ["2024-01-02", "2024-02-03", "2024-03-04"]})
    [entry] = unreadable_values(frame, schema, to_model_frame(frame, schema))
    assert entry.text == ("'visited': all 3 values do not fit the column's date format (DD/MM/YYYY) (e.g. "
                          "'2024-01-02', '2024-02-03', '2024-03-04'); read as ISO 8601 dates (YYYY-MM-DD)")
    fitting = pd.DataFrame({"amount": 1.0, "visited": ["02/01/2024", "31/12/2023"]})
    assert unreadable_values(fitting, schema, to_model_frame(fitting, schema)) == ()
    reliability.guess(told=True)


def test_text_dates_for_a_model_of_stored_dates_are_expected_in_iso_and_others_counted(reliability) -> None:
    """No format recorded (the training file's dates were read as dates: ISO text or stored dates): at prediction,
    '31.01.2024' is read on its own, month-first where it can be, a guess that is counted; ISO text is not."""
    frame = pd.DataFrame({"amount": 1.0, "visited": ["2024-01-02", "2024-01-03 10:30", "09.02.2023", "31.01.2024",
                                                     "soon", None], "colour": "red"})
    found = _by_reason(frame)
    off = found[("visited", "other_date_format")]
    assert off.n_rows == 2 and off.examples == ("09.02.2023", "31.01.2024") and off.date_format == "ISO8601"
    assert off.text.startswith("'visited': 2 values do not fit the column's date format (ISO 8601, YYYY-MM-DD)")
    assert "each read on its own (month-first where ambiguous): check them" in off.text
    assert found[("visited", "not_read")].n_rows == 1
    iso = pd.DataFrame({"amount": 1.0, "visited": ["2024-01-02", "2024-01-03T10:30:00+02:00"], "colour": "red"})
    assert unreadable_values(iso, SCHEMA, to_model_frame(iso, SCHEMA)) == ()
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_dates_the_reader_read_are_counted_where_the_columns_pattern_does_not_fit_them(reliability) -> None:
    """The CSV reader reads ISO dates as dates before any format applies: a '%d/%m/%Y' column of them (the user's
    --date-format on ISO dates, at training or at prediction) was read as ISO 8601, and that is counted; a pattern
    that fits their ISO text (with or without the time) is not."""
    stamps = pd.to_datetime(pd.Series(["2024-01-02", "2024-03-04", None]))

    def entries(date_format: str, values: pd.Series = stamps) -> tuple[UnreadableValues, ...]:
        schema = (SCHEMA[0], InputColumn("visited", "c00001", ColumnType.DATETIME, SCHEMA[1].model_inputs,
                                         date_format=date_format))
        frame = pd.DataFrame({"amount": 1.0, "visited": values})
        return unreadable_values(frame, schema, to_model_frame(frame, schema))

    [entry] = entries("%d/%m/%Y")
    assert entry.text == ("'visited': all 2 values do not fit the column's date format (DD/MM/YYYY) (e.g. "
                          "'2024-01-02', '2024-03-04'); read as ISO 8601 dates (YYYY-MM-DD)")
    timed = pd.to_datetime(pd.Series(["2024-01-02 10:30:00", "2024-01-02 10:30:05"]))
    assert entries("%Y-%m-%d") == () and entries("") == () and entries("mixed") == ()
    assert [entry.n_rows for entry in entries("%Y-%m-%d %H:%M", timed)] == [1]  # the seconds do not fit
    reliability.guess(told=True)


def test_numbers_stored_as_numbers_are_checked_a_few_columns_at_a_time(monkeypatch) -> None:
    """A tall table's numeric columns are compared with the model frame in blocks (no copy of them all at once):
    with blocks of two columns, a lost value in the last block is still counted, and only there."""
    import kuai.engine.read.unreadable as unreadable

    monkeypatch.setattr(unreadable, "BLOCK_CELLS", 8)  # 4 rows: two columns a block
    names = [f"x{i}" for i in range(5)]
    schema = tuple(InputColumn(name, f"c{i:05d}", ColumnType.NUMERIC, (f"c{i:05d}",)) for i, name in enumerate(names))
    frame = pd.DataFrame({name: [1.0, 2.0, np.nan, 4.0] for name in names})
    frame["x4"] = [1.0, 1e308, np.nan, np.inf]
    found = {(entry.column, str(entry.reason)): entry.n_rows
             for entry in unreadable_values(frame, schema, to_model_frame(frame, schema))}
    assert found == {("x4", "beyond_float32"): 1, ("x4", "infinite"): 1}
