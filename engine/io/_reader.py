"""Read a delimited text table with pyarrow, after sniffing its layout on a sample.

The layout (encoding, dialect, title lines, header, footer, number format) comes
from the first 256 KiB and the last 16 KiB; pyarrow then parses the whole file in
parallel without holding a decoded copy of it. When pyarrow refuses a row, a
streaming scan with the standard csv module names the line and the fault.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from engine.errors import ReadError
from engine.io import _kinds
from engine.io._columns import NA_VALUES, clean_names, tidy_column
from engine.io._encoding import arrow_encoding, decode_sample, detect_encoding
from engine.io._layout import Layout, footer_lines, sniff_layout

logger = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024
TAIL_BYTES = 16 * 1024
MAX_COLUMNS = 20_000
BLOCK_BYTES = 4 * 1024**2
MAX_BLOCK_BYTES = 512 * 1024**2


@dataclass(frozen=True)
class Dialect:
    """What the reader found and did, for the Data page and the model card."""

    encoding: str
    delimiter: str
    quotechar: str
    decimal: str
    thousands: str | None = None
    has_header: bool = True
    preamble_lines: int = 0
    footer_lines: int = 0
    notes: tuple[str, ...] = ()


Source = str | pa.Buffer


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV/TSV (plain or gzip'd), Parquet or Excel file into a DataFrame."""
    frame, _ = read_table_with_dialect(path)
    return frame


def read_table_with_dialect(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, Dialect | None]:
    file_path = Path(path)
    size = _kinds.check_size(file_path)
    with file_path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    if _kinds.is_parquet(head):
        return _kinds.read_parquet(file_path), None
    if _kinds.is_excel(file_path, head):
        return _kinds.read_excel(file_path), None
    source: Source = str(file_path)
    if _kinds.is_gzip(head):
        raw = _kinds.gunzip(file_path)
        head, tail, size = raw[:SAMPLE_BYTES], raw[-TAIL_BYTES:], len(raw)
        source = pa.py_buffer(raw)
    else:
        _kinds.refuse_binary(head)
    return _read_delimited(source, head, tail, is_whole_file=size <= SAMPLE_BYTES)


def _read_delimited(source: Source, head: bytes, tail: bytes, *, is_whole_file: bool) -> tuple[pd.DataFrame, Dialect]:
    encoding = detect_encoding(head)
    sample = decode_sample(head, encoding)
    if "\x00" in sample:
        raise ReadError("The file contains NUL bytes, which a CSV cannot hold. Export it again as a text CSV.",
                        code="NUL_BYTES")
    if not sample.strip():
        raise ReadError("The file holds only blank space.", code="EMPTY_FILE")
    layout = sniff_layout(sample, is_whole_file=is_whole_file)
    if layout.n_fields > MAX_COLUMNS:
        raise ReadError(f"The file has {layout.n_fields:,} columns; the limit is {MAX_COLUMNS:,}. "
                        "Keep the columns you need.", code="TOO_MANY_COLUMNS")
    tail_text = sample if is_whole_file else _decode_tail(tail, encoding)
    footer = footer_lines(tail_text, layout)
    table = _parse(source, encoding, layout, footer)
    if table.num_rows == 0:
        raise ReadError("The file has a header but no data rows. Add rows and upload again.", code="HEADER_ONLY")
    _refuse_swallowed_rows(table, source, encoding, layout)
    frame, notes = _to_frame(table, layout)
    dialect = Dialect(encoding=encoding, delimiter=layout.delimiter, quotechar=layout.quotechar,
                      decimal=layout.decimal, thousands=layout.thousands, has_header=layout.has_header,
                      preamble_lines=layout.preamble_lines, footer_lines=len(footer),
                      notes=_layout_notes(layout, footer, encoding) + notes)
    return frame, dialect


def _decode_tail(tail: bytes, encoding: str) -> str:
    if encoding.startswith("utf-16") and len(tail) % 2:
        tail = tail[1:]
    text = tail.decode(encoding.replace("-sig", ""), errors="replace").lstrip("\ufeff")
    first_break = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=0)
    return text[first_break:]


def _parse(source: Source, encoding: str, layout: Layout, footer: list[str]) -> pa.Table:
    footer_set = {line.strip() for line in footer}

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        return "skip" if row.text.strip() in footer_set else "error"

    block = BLOCK_BYTES
    while True:
        try:
            return pacsv.read_csv(
                pa.BufferReader(source) if isinstance(source, pa.Buffer) else source,
                read_options=pacsv.ReadOptions(encoding=arrow_encoding(encoding), skip_rows=layout.preamble_lines,
                                               autogenerate_column_names=not layout.has_header, block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, quote_char=layout.quotechar,
                                                 newlines_in_values=True, invalid_row_handler=on_invalid_row),
                convert_options=pacsv.ConvertOptions(null_values=NA_VALUES, strings_can_be_null=True,
                                                     quoted_strings_can_be_null=True, decimal_point=layout.decimal),
            )
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < MAX_BLOCK_BYTES:
                block *= 8  # a line longer than a block: read in bigger blocks
                continue
            raise _explain(exc, source, encoding, layout, footer_set) from exc
        except UnicodeDecodeError as exc:
            raise ReadError(f"Bytes that are not {encoding} text appear in the file ({exc.reason}). "
                            "Save it as UTF-8 CSV.", code="BAD_ENCODING") from exc


def _explain(exc: pa.ArrowInvalid, source: Source, encoding: str, layout: Layout,
             footer: set[str]) -> ReadError:
    """Name the line pyarrow refused, found again by a streaming scan with the csv module."""
    message = str(exc)
    if "straddl" in message:
        return ReadError(f"A single line is longer than {MAX_BLOCK_BYTES // 1024**2} MB. "
                         "Check that the file has line breaks between rows.", code="LINE_TOO_LONG")
    problem = _find_problem(source, encoding, layout, footer)
    if problem is not None:
        return problem
    return ReadError(f"The file could not be parsed as a table ({message.splitlines()[0][:200]}). "
                     "Check the delimiter and the quotes.", code="PARSE_ERROR")


def _open_text(source: Source, encoding: str) -> io.TextIOBase:
    raw: io.BufferedIOBase = (io.BytesIO(source.to_pybytes()) if isinstance(source, pa.Buffer)
                              else open(source, "rb"))  # noqa: SIM115 - closed by the wrapper
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def _find_problem(source: Source, encoding: str, layout: Layout, footer: set[str]) -> ReadError | None:
    with _open_text(source, encoding) as stream:
        for _ in range(layout.preamble_lines):
            stream.readline()
        reader = csv.reader(stream, delimiter=layout.delimiter, quotechar=layout.quotechar, strict=True)
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


def _refuse_swallowed_rows(table: pa.Table, source: Source, encoding: str, layout: Layout) -> None:
    """An unclosed quote swallows the rest of the file into the last row's value."""
    last = table.slice(table.num_rows - 1)
    for column in last.columns:
        value = column[0].as_py()
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            problem = _find_problem(source, encoding, layout, set())
            if problem is not None and problem.code == "UNCLOSED_QUOTE":
                raise problem
            return


def _to_frame(table: pa.Table, layout: Layout) -> tuple[pd.DataFrame, tuple[str, ...]]:
    names = ([f"column_{i + 1}" for i in range(table.num_columns)] if not layout.has_header
             else clean_names(table.column_names))
    columns, notes = [], []
    for name, column in zip(names, table.columns, strict=True):
        tidied, note = tidy_column(column, decimal=layout.decimal, thousands=layout.thousands)
        columns.append(tidied)
        if note:
            notes.append(f"'{name}': {note}")
    frame = pa.table(columns, names=names).to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)
    return frame, tuple(notes)


def _layout_notes(layout: Layout, footer: list[str], encoding: str) -> tuple[str, ...]:
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"read as {encoding} text")
    if layout.preamble_lines:
        notes.append(f"skipped {layout.preamble_lines} line(s) above the header")
    if not layout.has_header:
        notes.append("the first row holds data, not names: columns are named column_1, column_2, ...")
    if footer:
        notes.append(f"ignored {len(footer)} line(s) after the table, such as '{footer[0][:40]}'")
    if layout.decimal == ",":
        notes.append("numbers use a decimal comma")
    if layout.thousands:
        notes.append(f"numbers use '{layout.thousands}' between thousands")
    return tuple(notes)
