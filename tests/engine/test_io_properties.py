"""Property: whatever bytes arrive, the reader returns a table or raises a coded ReadError — nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kuai.engine import ReadError, read_table
from tests.conftest import LEDGER

CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
PIECES = st.sampled_from(['"', "'", ",", ";", "\n", "\r\n", "\r", " ", "1,5", "1.234,5", "(3)", "NA", "#REF!",
                          "Total", "sep=;", "\ufeff", "\x00", "é", "名"])


def _read(data: bytes, *, scoring: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(data)
        try:
            frame = read_table(path, scoring=scoring)  # ROW_COUNT_MISMATCH is not a ReadError: it fails the test
        except ReadError as error:
            coded = bool(error.code and error.code.isupper() and str(error).startswith(f"[{error.code}]"))
            LEDGER.bad_input("coded" if coded else "crash")
            assert coded
            return
        except Exception:
            LEDGER.bad_input("crash")
            raise
        LEDGER.bad_input("read")
        assert isinstance(frame, pd.DataFrame) and len(frame.columns) > 0  # a header with no rows: 0 rows
        assert len(set(frame.columns)) == len(frame.columns)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes(data: bytes) -> None:
    _read(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=12), DELIMITERS,
       st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_csv_like_tables(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    text = "\n".join(delimiter.join(row) for row in rows) + "\n"
    _read(text.encode(encoding, errors="replace"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=60))
def test_hostile_pieces(pieces: list[str]) -> None:
    _read("a,b,c\n".join(["", "".join(pieces)]).encode("utf-8"))


# lines that are not rows, or rows with no value: what reading to score must count right (one prediction per row)
LINES = st.sampled_from(["", ",,", " , , ", "1,2,3", "1,2", "x,y,z,w", "a,b,c", "-----", "Total,,6", "Summe;;;",
                         "Total,,,,6", '"q', 'r"', "NA,NA,NA", "Source: me"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=16), st.sampled_from(["\n", "\r\n"]))
@example([",,", "Total,,,,6"], "\n")  # a footer wider than the header: the parser's width, not the layout's
def test_reading_to_score_counts_its_rows_right(lines: list[str], newline: str) -> None:
    """The reader checks the rows it keeps to score against a count of its own (ROW_COUNT_MISMATCH): the two agree
    on blank lines, footers, short and mended rows, copies of the header and rows with no value."""
    _read(newline.join(["a,b,c", *lines, ""]).encode("utf-8"), scoring=True)
