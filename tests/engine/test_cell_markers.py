"""Cells that are not values are found by their pattern and said: spreadsheet error cells of every spreadsheet,
missing-value markers counted per column ('NA' kept in a column of codes), and infinity in any spelling read as a
number."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kuai.engine import read_table_with_dialect
from tests.conftest import ReliabilityLedger


def _read(tmp_path: Path, rows: list[str], header: str = "v,g") -> tuple[pd.DataFrame, list[str]]:
    path = tmp_path / "cells.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    frame, dialect = read_table_with_dialect(path)
    return frame, list(dialect.notes) if dialect is not None else []


def _numbers_with(odd: list[str], n_rows: int = 60) -> list[str]:
    return [f"{odd[i // 10 % len(odd)]},a" if i % 10 == 0 else f"{i * 1.25:.2f},b" for i in range(n_rows)]


@pytest.mark.parametrize("errors", [["Err:502", "Err:504", "#NAME?"], ["#SPILL!", "#GETTING_DATA", "#BUSY!"],
                                    ["#¡VALOR!", "#N/D", "#ERROR!"], ["#CALC!", "#FIELD!", "#BLOCKED!"]])
def test_error_cells_of_any_spreadsheet_are_missing_and_counted(tmp_path: Path, errors: list[str],
                                                                reliability: ReliabilityLedger) -> None:
    frame, notes = _read(tmp_path, _numbers_with(errors))
    assert frame["v"].dtype.kind == "f" and frame["v"].isna().sum() == 6  # the column stays numbers
    note = next(note for note in notes if note.startswith("'v':"))
    assert "6 spreadsheet error values" in note and all(error in note for error in errors)
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_a_hashtag_is_not_an_error_cell(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, ["#sale,a", "#new,b", "plain,a"])
    assert frame["v"].tolist() == ["#sale", "#new", "plain"] and not notes


@pytest.mark.parametrize(("spellings", "expected"), [
    (["inf", "-inf", "+inf"], [math.inf, -math.inf, math.inf]),
    (["1.#INF", "-1.#INF", "∞", "-∞"], [math.inf, -math.inf, math.inf, -math.inf]),
    (["Infinity", "-Infinity", "INF", "Inf"], [math.inf, -math.inf, math.inf, math.inf]),
])
def test_infinity_in_any_spelling_is_a_number_and_said(tmp_path: Path, spellings: list[str], expected: list[float],
                                                       reliability: ReliabilityLedger) -> None:
    frame, notes = _read(tmp_path, _numbers_with(spellings, n_rows=10 * len(spellings)))
    assert frame["v"].dtype.kind == "f"
    assert frame["v"].iloc[::10].tolist() == expected
    unparsed = [spelling for spelling in spellings if spelling.lower().lstrip("+-") not in ("inf", "infinity")]
    if unparsed:  # the spellings the parser does not read itself are said (all infinities are, by the checks)
        assert any(note.startswith(f"'v': {len(unparsed)} values (") and "read as infinity" in note
                   for note in notes), notes
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_infinity_with_a_decimal_comma(tmp_path: Path) -> None:
    frame, _ = _read(tmp_path, ["1,5;a", "-inf;b", "2,25;a", "∞;b", "3,5;a"], header="v;g")
    assert frame["v"].tolist() == [1.5, -math.inf, 2.25, math.inf, 3.5]


@pytest.mark.parametrize("nans", [["NaN", "nan", "-nan"], ["-1.#IND", "1.#QNAN", "nan(ind)"], ["NA", "null", "-"]])
def test_nan_and_missing_markers_are_missing_and_counted(tmp_path: Path, nans: list[str],
                                                         reliability: ReliabilityLedger) -> None:
    frame, notes = _read(tmp_path, _numbers_with(nans))
    assert frame["v"].dtype.kind == "f" and frame["v"].isna().sum() == 6
    note = next(note for note in notes if note.startswith("'v':"))
    parsed = {"NaN", "nan", "-nan"} & set(nans)  # read as NaN by the parser, and counted as such
    assert note.startswith("'v': 6 cells read as missing: ") and all(f"'{nan}' (2)" in note for nan in nans
                                                                      if nan not in parsed), note
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_empty_cells_are_missing_without_a_note(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, ["1,a", ",b", "3,"])
    assert frame["v"].isna().sum() == 1 and frame["g"].isna().sum() == 1 and not notes


def test_na_in_a_column_of_codes_is_kept_and_said(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    regions = ["NA", "EU", "APAC", "NA", "LATAM"] * 6
    frame, notes = _read(tmp_path, [f"{i},{region}" for i, region in enumerate(regions)], header="v,region")
    assert frame["region"].value_counts()["NA"] == 12 and frame["region"].notna().all()
    assert any(note.startswith("'region': 'NA' (12 cells) is kept as a value") for note in notes)
    reliability.guess(told=True)


def test_na_in_a_column_of_codes_with_empty_cells_is_kept(tmp_path: Path) -> None:
    """Empty cells are no value: they do not make a column of codes a column of words (a blind test)."""
    regions = ["NA", "EU", "", "AS", "NA", "SA"] * 5
    frame, notes = _read(tmp_path, [f"{i},{region}" for i, region in enumerate(regions)], header="v,region")
    assert frame["region"].value_counts()["NA"] == 10 and frame["region"].isna().sum() == 5
    assert any(note.startswith("'region': 'NA' (10 cells) is kept as a value") for note in notes)


def test_na_among_words_is_missing_and_counted(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    regions = ["NA", "north", "south", "NA", "east"] * 6
    frame, notes = _read(tmp_path, [f"{i},{region}" for i, region in enumerate(regions)], header="v,region")
    assert frame["region"].isna().sum() == 12
    assert "'region': 12 cells read as missing: 'NA' (12)" in notes
    reliability.guess(told=True)


def test_a_workbook_counts_its_error_cells_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    pd.DataFrame({"v": [1.5, "Err:502", "#SPILL!", 2.5, "NA", 4.0], "g": list("abcdef")}).to_excel(path, index=False)
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None and frame["v"].isna().sum() == 3
    assert "'v': 2 spreadsheet error values (#SPILL!, Err:502) read as missing" in dialect.notes
    assert "'v': 1 cell read as missing: 'NA' (1)" in dialect.notes
