"""Rows and columns the reader drops, keeps or renames are said: one row per input row when scoring, spreadsheet
error cells counted per column, empty trailing columns and trimmed names noted, the workbook's sheet named, and
the text profile's first reading line gives the delimiter, the encoding and the decimal separator."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuai.engine import ReadError, describe_reading, read_table_with_dialect
from tests.conftest import ReliabilityLedger

_HOLES = "a,b,c,y\n1,x,2.5,yes\n,,,\n2,y,3.5,no\n ,  , ,\n3,x,4.5,yes\n,,,\n"


def _notes(path: Path, *, scoring: bool = False) -> tuple[int, str]:
    frame, dialect = read_table_with_dialect(path, scoring=scoring)
    assert dialect is not None
    return len(frame), " | ".join(dialect.notes)


def test_rows_of_only_delimiters_are_kept_to_score_and_dropped_with_a_count_to_train(
        tmp_path: Path, reliability: ReliabilityLedger) -> None:
    path = tmp_path / "holes.csv"
    path.write_text(_HOLES)
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert dialect is not None and len(frame) == 6  # every line under the header is a row, in order
    assert frame["a"].isna().tolist() == [False, True, False, True, False, True]
    assert frame["c"].tolist()[::2] == [2.5, 3.5, 4.5]  # still numbers
    assert any("3 rows have no value at all (rows 2, 4, 6 of the data)" in note for note in dialect.notes)
    n_rows, notes = _notes(path)
    assert n_rows == 3 and "dropped 3 empty row(s)" in notes
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_a_copy_of_the_header_is_a_row_of_missing_values_to_score(tmp_path: Path) -> None:
    path = tmp_path / "pasted.csv"
    path.write_text("a,b\n1,2\na,b\n3,4\n")
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert dialect is not None and len(frame) == 3 and frame["a"].isna().tolist() == [False, True, False]
    assert frame["a"].dtype.kind in "if"  # the copy does not make the column text
    assert any("repeats the header row (row 2 of the data)" in note for note in dialect.notes)
    assert _notes(path) == (2, "dropped 1 copies of the header row inside the data")


def test_blank_lines_are_not_rows_and_their_line_numbers_are_said(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("a,b\n1,2\n\n3,4\n   \n5,6\n")
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert dialect is not None and frame["a"].tolist() == [1, 3, 5]
    assert any("skipped 2 blank lines between rows (lines 3, 5)" in note for note in dialect.notes), dialect.notes


@pytest.mark.parametrize("errors", [["#DIV/0!"], ["#DIV/0!", "#VALUE!", "#REF!", "#N/A"]])
def test_spreadsheet_error_cells_are_missing_and_counted_per_column(tmp_path: Path, errors: list[str],
                                                                    reliability: ReliabilityLedger) -> None:
    cells = [errors[i // 20 % len(errors)] if i % 20 == 0 else f"{i / 7:.4f}" for i in range(200)]
    lines = ["id,ratio,seg"] + [f"{i},{cell},x" for i, cell in enumerate(cells)]
    path = tmp_path / "sheets.csv"
    path.write_text("\n".join(lines) + "\n")
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None and frame["ratio"].dtype.kind == "f" and frame["ratio"].isna().sum() == 10
    note = next(note for note in dialect.notes if note.startswith("'ratio':"))
    assert "10 spreadsheet error values" in note and all(kind in note for kind in errors)
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_plain_missing_markers_are_not_called_errors(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("a,b\n1,NA\n2,\n3,4\n")
    frame, dialect = read_table_with_dialect(path)
    assert frame["b"].isna().sum() == 2 and not any("error" in note for note in (dialect.notes if dialect else ()))


@pytest.mark.parametrize(("text", "where"), [
    ("id,x,y,\n1,2,a,\n3,4,b,\n", "the last column: each line ends with a delimiter"),
    ("id,,x,y\n1,,2,a\n3,,4,b\n", "column 2"),
])
def test_an_empty_unnamed_column_is_dropped_and_said(tmp_path: Path, text: str, where: str,
                                                     reliability: ReliabilityLedger) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text(text)
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns) == ["id", "x", "y"]
    assert dialect is not None and f"dropped 1 column with no name and no value ({where})" in dialect.notes
    reliability.guess(told=True)


def test_names_trimmed_or_given_are_said_old_and_new(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('"first\nname"," spaced ","trail ",,label\n7,2,8,1,a\n2,4,1,0,b\n')
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns)[1:3] == ["spaced", "trail"] and frame.columns[0] == "first\nname"
    notes = " | ".join(dialect.notes if dialect else ())
    assert "' spaced ' is read as 'spaced'" in notes and "'trail ' is read as 'trail'" in notes
    assert f"no name, so Kuai named it: '{frame.columns[3]}'" in notes
    reliability.guess(told=True)


def test_the_first_reading_line_gives_delimiter_encoding_and_decimal(tmp_path: Path) -> None:
    german = tmp_path / "de.csv"
    german.write_bytes("\ufeffNr;Umsatz;Kündigung\r\n1;1.234,56;ja\r\n2;99,5;nein\r\n3;7,25;ja\r\n".encode())
    lines = describe_reading(read_table_with_dialect(german)[1])
    assert lines[0] == "values separated by semicolons, UTF-8 text, numbers with a decimal comma ('1,5')"
    assert "numbers use a decimal comma" not in lines  # said once
    plain = tmp_path / "plain.csv"
    plain.write_bytes("a,b\n1.5,é\n2.5,x\n".encode("cp1252"))
    first = describe_reading(read_table_with_dialect(plain)[1])[0]
    assert first.startswith("values separated by commas, ") and "numbers with a decimal point" in first
    assert "utf-8" not in first.lower()


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_the_sheet_with_the_table_is_read_and_named_with_the_others(tmp_path: Path,
                                                                    reliability: ReliabilityLedger) -> None:
    rows: list[list[object]] = [["id", "x", "grp"]] + [[i, i / 3, "g" if i % 2 else "h"] for i in range(40)]
    path = _workbook(tmp_path / "two.xlsx", {"Cover": [["Quarterly report"]], "Data": rows, "Notes": [["see"]]})
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns) == ["id", "x", "grp"] and len(frame) == 40
    assert dialect is not None and dialect.sheet == "Data"
    assert describe_reading(dialect)[0].startswith("read the sheet 'Data'")
    assert "'Cover' (1 filled cell)" in dialect.notes[0] and "'Notes'" in dialect.notes[0]
    reliability.guess(told=True)


def test_a_workbook_with_one_sheet_says_so_and_its_error_cells_are_counted(tmp_path: Path) -> None:
    rows: list[list[object]] = [[" amount", "y", None]] + [[i, "a", None] for i in range(6)]
    rows[3][0] = "#DIV/0!"
    rows.insert(4, [None, None, None])
    path = _workbook(tmp_path / "one.xlsx", {"Sheet1": rows})
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert dialect is not None and len(frame) == 7 and frame["amount"].isna().sum() == 2
    notes = " | ".join(dialect.notes)
    assert "read the workbook's only sheet, 'Sheet1'" in notes
    assert "'amount': 1 spreadsheet error value (#DIV/0!) read as missing" in notes
    assert "' amount' is read as 'amount'" in notes and "1 row has no value at all (row 4 of the data)" in notes
    frame, dialect = read_table_with_dialect(path)
    assert len(frame) == 6 and dialect is not None and "dropped 1 empty row(s)" in dialect.notes


@pytest.mark.parametrize(("text", "case"), [
    ("a,b,c,d\n1,2,3,4\n5,6\n7,8,9,10\nTotal,,,22\n", "a short row mended, a totals line as wide as the table"),
    ("a,b,c,d\n1,2,3,4\n5,6,7,8\n7,8,9,10\nTotal,,,,22\n", "a totals line wider than the table"),
])
@pytest.mark.parametrize("scoring", [False, True])
def test_a_footer_takes_no_row_of_the_table_with_it(tmp_path: Path, text: str, case: str, scoring: bool,
                                                     reliability: ReliabilityLedger) -> None:
    """The footer's lines are left out once: the last row of the table stays (it was dropped in place of the footer
    line, which the repair or the parser had left out already)."""
    path = tmp_path / "totals.csv"
    path.write_text(text)
    frame, dialect = read_table_with_dialect(path, scoring=scoring)
    assert len(frame) == 3 and frame.iloc[-1].tolist() == [7, 8, 9, 10], case
    assert dialect is not None and any(note.startswith("ignored 1 line(s) after the table") for note in dialect.notes)
    reliability.bad_input("read")


def test_reading_to_score_names_the_lines_around_the_rows_it_skipped(tmp_path: Path) -> None:
    """A line that repeats the footer between rows, blank lines after the last row: not rows, and said by line."""
    path = tmp_path / "report.csv"
    path.write_text("a,b,c,d\n1,2,3,4\nSource: me\n5,6,7,8\n3,3,3,3\n\n\nTotal,,,22\nSource: me\n")
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert frame["a"].tolist() == [1, 5, 3] and dialect is not None
    notes = " | ".join(dialect.notes)
    assert "skipped 1 line between rows that repeats a line of the footer (line 3)" in notes
    assert "ignored 2 blank lines after the last row (lines 6, 7)" in notes
    assert "ignored 2 line(s) after the table (lines 8, 9, after its last row)" in notes


def test_a_row_whose_text_names_a_long_line_is_not_taken_for_one(tmp_path: Path,
                                                                  reliability: ReliabilityLedger) -> None:
    """pyarrow's message on a ragged row quotes the row: a row reading 'straddl' made the reader grow its blocks
    past what pyarrow takes (OverflowError, found by reading hypothesis' tables to score), not a coded error."""
    path = tmp_path / "ragged.csv"
    path.write_text(",\nstraddl\n")
    with pytest.raises(ReadError) as caught:
        read_table_with_dialect(path, scoring=True)
    assert caught.value.code == "PARSE_ERROR"
    reliability.bad_input("coded")


def test_a_line_longer_than_the_largest_block_is_a_coded_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kuai.engine.read._reader as reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 256)
    monkeypatch.setattr(reader, "MAX_BLOCK_BYTES", 1024)  # blocks of 256 bytes, then 1 KiB: the last try
    path = tmp_path / "long.csv"
    path.write_text(f'a,b\n1,"{"x" * 600}"\n2,y\n')
    assert read_table_with_dialect(path)[0].shape == (2, 2)
    path.write_text(f'a,b\n1,"{"x" * 3000}"\n2,y\n')
    with pytest.raises(ReadError) as caught:
        read_table_with_dialect(path)
    assert caught.value.code == "LINE_TOO_LONG"
