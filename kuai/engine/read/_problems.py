"""Why the parser refused a file, said with its line: found again by a streaming scan with the csv module."""

from __future__ import annotations

import csv
import io
from typing import TypeAlias

import pyarrow as pa

from kuai.engine.errors import ReadError
from kuai.engine.read._encoding import text_errors
from kuai.engine.read._layout import Layout

MAX_BLOCK_BYTES = 512 * 1024**2
STRADDLES = "straddles two block boundaries"  # pyarrow's words for a line longer than a block (not a row's text)
Source: TypeAlias = str | pa.Buffer


def explain(exc: pa.ArrowInvalid, source: Source, encoding: str, layout: Layout, footer: set[str]) -> ReadError:
    """Name the line pyarrow refused."""
    message = str(exc)
    if STRADDLES in message:
        return ReadError(f"A single line is longer than {MAX_BLOCK_BYTES // 1024**2} MB. "
                         "Check that the file has line breaks between rows.", code="LINE_TOO_LONG")
    problem = find_problem(source, encoding, layout, footer)
    if problem is not None:
        return problem
    return ReadError(f"The file could not be parsed as a table ({message.splitlines()[0][:200]}). "
                     "Check the delimiter and the quotes.", code="PARSE_ERROR")


def open_text(source: Source, encoding: str) -> io.TextIOWrapper:
    """The file's text, its line breaks as written (the caller closes it)."""
    if isinstance(source, pa.Buffer):
        return io.TextIOWrapper(io.BytesIO(source.to_pybytes()), encoding=encoding, errors=text_errors(encoding),
                                newline="")
    return open(source, encoding=encoding, errors=text_errors(encoding), newline="")  # noqa: SIM115 - caller closes


def find_problem(source: Source, encoding: str, layout: Layout, footer: set[str]) -> ReadError | None:
    with open_text(source, encoding) as stream:
        for _ in range(layout.preamble_lines):
            stream.readline()
        reader = layout.csv_reader(stream, strict=True)
        line = layout.preamble_lines + 1
        try:
            for fields in reader:
                if fields and len(fields) != layout.n_fields and "".join(fields).strip():
                    text = layout.delimiter.join(fields)
                    if text.strip() not in footer:
                        return _ragged(line, len(fields), layout.n_fields, text)
                line = layout.preamble_lines + reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return ReadError(f"A quote opened on line {line} is never closed, so the rest of the file "
                                 "would be read as one value. Close the quote or remove it.", code="UNCLOSED_QUOTE")
            return ReadError(f"Line {line} has a stray quote character ({exc}). Remove it or quote the whole "
                             "value.", code="BAD_QUOTING")
    return None


def _ragged(line: int, found: int, expected: int, text: str) -> ReadError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ReadError(f"Line {line} has {found} fields where the header has {expected}: '{shown}'. "
                     "Check for a stray delimiter or an unclosed quote on that line, or remove it.",
                     code="RAGGED_ROWS")


def refuse_swallowed_rows(table: pa.Table, source: Source, encoding: str, layout: Layout) -> None:
    """An unclosed quote swallows the rest of the file into the last row's value."""
    if table.num_rows == 0:
        return
    last = table.slice(table.num_rows - 1)
    for column in last.columns:
        value = column[0].as_py()
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            problem = find_problem(source, encoding, layout, set())
            if problem is not None and problem.code == "UNCLOSED_QUOTE":
                raise problem
            return
