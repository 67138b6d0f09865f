"""Read a delimited text table with pyarrow, after sniffing its layout on a sample.

The layout (encoding, dialect, title lines, header, footer, number format) comes
from the first 256 KiB and the last 16 KiB; pyarrow then parses the whole file in
parallel without holding a decoded copy of it. When pyarrow refuses a row, a
streaming scan with the standard csv module names the line and the fault.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kuai.engine.data.target import DUPLICATE_NAMES
from kuai.engine.errors import ReadError, check_row_count
from kuai.engine.read import _kinds
from kuai.engine.read._columns import (
    clean_names,
    drop_empty_unnamed_columns,
    drop_running_index,
    duplicate_names,
    duplicate_notes,
    rename_notes,
    tidy_column,
)
from kuai.engine.read._encoding import arrow_encoding, decode_sample, decode_tail, detect_encoding
from kuai.engine.read._excel import read_workbook
from kuai.engine.read._footer import footer_lines
from kuai.engine.read._layout import Layout, sniff_layout
from kuai.engine.read._lines import SkippedLines, scan_to_score, scoring_notes
from kuai.engine.read._notes import NO_ROWS_NOTE, layout_notes
from kuai.engine.read._options import ReadingOptions
from kuai.engine.read._problems import MAX_BLOCK_BYTES, STRADDLES, explain, open_text, refuse_swallowed_rows
from kuai.engine.read._quoting import PLAIN
from kuai.engine.read._repair import REPAIR_MAX_BYTES, repair_note, repair_short_rows
from kuai.engine.read._rows import drop_sum_row, drop_trailing_rows, tidy_rows
from kuai.engine.read._summary_rows import drop_summary_rows

logger = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024
TAIL_BYTES = 16 * 1024
MAX_COLUMNS = 20_000
BLOCK_BYTES = 4 * 1024**2
STREAM_FROM_BYTES = 64 * 1024**2


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
    sheet: str = ""  # an Excel workbook: the sheet that was read
    header_rows: int = 1  # rows the column names take (0: none)
    n_rows: int = -1  # data rows read (-1: not counted)


Source: TypeAlias = str | pa.Buffer


def read_table(path: str | os.PathLike[str], *, scoring: bool = False,
               options: ReadingOptions | None = None) -> pd.DataFrame:
    """Read a CSV/TSV (plain or gzip'd), Parquet or Excel file into a DataFrame (``scoring``, ``options``: see
    ``read_table_with_dialect``)."""
    frame, _ = read_table_with_dialect(path, scoring=scoring, options=options)
    return frame


def require_rows(frame: pd.DataFrame) -> None:
    """A table of no rows (a file with a header only) cannot be trained on: a coded error that says so."""
    if len(frame) == 0:
        raise ReadError("The file has a header but no data rows, so there is nothing to learn from. Add rows and "
                        "try again.", code="HEADER_ONLY")


def read_table_for_scoring(path: str | os.PathLike[str],
                           options: ReadingOptions | None = None) -> tuple[pd.DataFrame, Dialect | None]:
    """``read_table_with_dialect(path, scoring=True)``, by a name the isolated reader can call."""
    return read_table_with_dialect(path, scoring=True, options=options)


def read_table_with_dialect(path: str | os.PathLike[str], *, scoring: bool = False,
                            options: ReadingOptions | None = None) -> tuple[pd.DataFrame, Dialect | None]:
    """The table and what the reader found and did.

    ``scoring``: the file is read to be scored, and each of its rows must get a prediction, in order: no row of the
    table is dropped (a row with no value, a copy of the header row: rows of missing values), and the lines that
    are not rows (blank lines, separator lines, lines after the table) are named by their line numbers. A file with
    a header and no rows is read as a table of no rows (its notes say so), but refused to score (HEADER_ONLY).
    ``options``: the header rows, the lines above the header, the delimiter or the encoding as the user gave them
    (a delimited text file; the rest is found as usual).
    """
    options = options or ReadingOptions()
    file_path = Path(path)
    size = _kinds.check_size(file_path)
    try:
        with file_path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except PermissionError:
        raise ReadError(f"Kuai may not read '{file_path}' (permission denied). Give your user read access to the "
                        "file, or copy it somewhere you can read.", code="FILE_UNREADABLE") from None
    if _kinds.is_parquet(head) or _kinds.is_excel(file_path, head):
        sheet, notes = "", ()  # type: tuple[str, tuple[str, ...]]
        if _kinds.is_parquet(head):
            frame = _kinds.read_parquet(file_path)
        else:
            frame, sheet, notes = read_workbook(file_path, scoring=scoring)
        frame, nested = _kinds.flatten_nested(frame)
        notes += nested
        return frame, (Dialect(encoding="", delimiter="", quotechar="", decimal=".", notes=notes, sheet=sheet)
                       if notes or sheet else None)
    try:
        return _read_text_table(file_path, head, tail, size=size, scoring=scoring, options=options)
    except _kinds.DECOMPRESSION_ERRORS as exc:  # a compressed file that is damaged or not what its name says
        coded = _kinds.decompression_error(file_path, head, exc)
        if coded is None:
            raise
        raise coded from exc


def _read_text_table(file_path: Path, head: bytes, tail: bytes, *, size: int, scoring: bool,
                     options: ReadingOptions) -> tuple[pd.DataFrame, Dialect]:
    """A delimited text file, gzip'd or not (by its content: its name never makes Kuai decompress it)."""
    source: Source = str(file_path)
    padding = 0
    if _kinds.is_gzip(head):
        raw = _kinds.gunzip(file_path)
        head, tail, size = raw[:SAMPLE_BYTES], raw[-TAIL_BYTES:], len(raw)
        source = pa.py_buffer(raw)
    else:
        _kinds.refuse_binary(head)
        padding = _kinds.nul_padding(file_path, head, tail, size)
        if padding:  # read the file up to its padding
            size -= padding
            source = pa.memory_map(str(file_path)).read_buffer(size)
            head, tail = source[:SAMPLE_BYTES].to_pybytes(), source[max(0, size - TAIL_BYTES):].to_pybytes()
    frame, dialect = _read_delimited(source, head, tail, size=size, scoring=scoring, options=options)
    if padding:
        dialect = replace(dialect, notes=(_kinds.padding_note(padding), *dialect.notes))
    return frame, dialect


def _read_delimited(source: Source, head: bytes, tail: bytes, *, size: int, scoring: bool,
                    options: ReadingOptions) -> tuple[pd.DataFrame, Dialect]:
    is_whole_file = size <= SAMPLE_BYTES
    encoding = options.encoding or detect_encoding(head, b"" if is_whole_file else tail)
    sample = decode_sample(head, encoding)
    if "\x00" in sample:
        raise ReadError("The file contains NUL bytes, which a CSV cannot hold. Export it again as a text CSV.",
                        code="NUL_BYTES")
    if not sample.strip():
        raise ReadError("The file holds only blank space.", code="EMPTY_FILE")
    _kinds.refuse_markup(sample)
    layout = sniff_layout(sample, is_whole_file=is_whole_file, options=options)
    if layout.n_fields > MAX_COLUMNS:
        raise ReadError(f"The file has more than {MAX_COLUMNS:,} columns (the limit). "
                        "Keep the columns you need.", code="TOO_MANY_COLUMNS")
    tail_text = sample if is_whole_file else decode_tail(tail, encoding)
    footer = footer_lines(tail_text, layout)
    try:
        frame, notes, skipped, n_summed = _parse_to_frame(source, encoding, layout, footer, sample_text=sample,
                                                          size=size, scoring=scoring)
    except UnicodeDecodeError as exc:  # e.g. a header name that is not valid text
        raise ReadError(f"Bytes that are not {encoding} text appear in the file ({exc.reason}). "
                        "Save it as UTF-8 CSV.", code="BAD_ENCODING") from exc
    dialect = Dialect(encoding=encoding, delimiter=layout.delimiter, quotechar=layout.quotechar,
                      decimal=layout.decimal, thousands=layout.thousands, has_header=layout.has_header,
                      preamble_lines=layout.preamble_lines, footer_lines=len(footer) + n_summed,
                      header_rows=layout.header_rows, n_rows=len(frame),
                      notes=layout_notes(layout, footer, encoding, skipped, options) + notes)
    return frame, dialect


def _parse_to_frame(source: Source, encoding: str, layout: Layout, footer: list[str], *, sample_text: str,
                    size: int, scoring: bool) -> tuple[pd.DataFrame, tuple[str, ...], SkippedLines, int]:
    """Parse, check, tidy column by column and convert, holding one copy of the data at a time; and whether a last
    row of sums was dropped (1) or not (0)."""
    notes: list[str] = []
    read_from, read_layout, read_encoding = source, layout, encoding  # the file as it is, for line numbers
    parser_skipped: list[str] = []  # why the parser skipped each line it skipped (blank, or a line of the footer)
    if layout.quoting.skipinitialspace:  # pyarrow cannot skip the blanks before a quote: the csv module does
        source, layout, encoding, note = _rewritten(source, encoding, layout, footer, size=size)
        notes += [note] if note else []
    try:
        table = _parse(source, encoding, layout, footer if source is read_from else [], sample_text=sample_text,
                       size=size, skipped=parser_skipped, scoring=scoring)
    except ReadError as error:
        if error.code != "RAGGED_ROWS" or source is not read_from or size > REPAIR_MAX_BYTES:
            raise
        source, layout, encoding, note = _rewritten(source, encoding, layout, footer, size=size, error=error)
        table = _parse(source, encoding, layout, [], sample_text=sample_text, size=size)
        notes += [note] if note else []
    refuse_swallowed_rows(table, source, encoding, layout)
    mended = source is not read_from  # the repair left out the footer's lines already
    # the parser keeps the footer's lines as wide as the table (and skips the others): they end the table
    footer_rows = 0 if mended else sum(_width(line, layout) == table.num_columns for line in footer)
    n_parsed = table.num_rows
    table = drop_trailing_rows(table, footer_rows, decimal=layout.decimal, blank_rows=not scoring,
                               codes=layout.text_columns)
    n_rows = table.num_rows  # the rows of the table: when scoring, each gets a prediction
    table, row_notes = tidy_rows(table, layout.header_fields, decimal=layout.decimal, scoring=scoring,
                                 codes=layout.text_columns)
    notes.extend(row_notes)
    skipped = scan_to_score(read_from, read_encoding, read_layout, footer, mended=mended,
                            parser_skipped=bool(parser_skipped), width=table.num_columns) if scoring else None
    if skipped is not None:
        notes.extend(scoring_notes(skipped))
        if skipped.rows is not None:  # the csv module's count, and the footer's rows still in the table
            n_rows = skipped.rows + skipped.footer_rows - (footer_rows if n_parsed > n_rows else 0)
    if layout.has_header:
        table, dropped = drop_empty_unnamed_columns(table, table.column_names)
        table, index = drop_running_index(table, table.column_names)
        notes.extend(dropped + index)
    if table.num_rows == 0:
        if scoring:
            raise ReadError("The file has a header but no data rows: there is nothing to score. Add rows and "
                            "try again.", code="HEADER_ONLY")
        notes.append(NO_ROWS_NOTE)
    # to score, a total is a row like any other: it gets its prediction, in order
    parsed = [table]  # handed over whole: this function holds no reference, so each column goes once converted
    del table
    frame, column_notes, sum_notes = _to_frame(parsed, layout, scoring=scoring)
    if scoring:  # one prediction per input row: a row lost on the way is a coded error, not a shifted table
        check_row_count(n_rows, len(frame), "Reading the file to score")
    return frame, tuple(notes + sum_notes + column_notes), skipped or SkippedLines(), len(sum_notes)


def _rewritten(source: Source, encoding: str, layout: Layout, footer: list[str], *, size: int,
               error: ReadError | None = None) -> tuple[Source, Layout, str, str]:
    """The rows as plain CSV (``kuai.engine.read._repair``), the layout to parse them with, and what was mended;
    ``error`` (or the line at fault, found again) when a row has more values than the table has columns."""
    if size > REPAIR_MAX_BYTES:
        raise ReadError(f"Values after the delimiters are quoted after a space ('{layout.delimiter} \"...\"'), "
                        f"which Kuai reads in files up to {REPAIR_MAX_BYTES // 1024**2} MB. Save the file again "
                        "without spaces after the delimiters.", code="PADDED_DELIMITER")
    with open_text(source, encoding) as stream:
        repaired = repair_short_rows(stream, layout, footer)
    if repaired is None:
        raise error or explain(pa.ArrowInvalid("a row has more values than the header"), source, encoding, layout,
                               {line.strip() for line in footer})
    buffer, n_mended, joined = repaired
    clean = replace(layout, preamble_lines=0, header_lines=0, names_given=True, quotechar='"', quoting=PLAIN)
    note = repair_note(n_mended, joined)
    return buffer, clean, "utf-8", note


def _to_frame(parsed: list[pa.Table], layout: Layout, *, scoring: bool) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Names made unique and said, each column tidied (a note for what was repaired), rows of totals dropped (not
    when ``scoring``), then one conversion; ``parsed``: the table, taken out so no caller holds its columns."""
    table = parsed.pop()
    text_names = {_table_name(layout, i) for i in layout.text_columns}
    keep_text = [name in text_names for name in table.column_names]
    raw_names = table.column_names
    names = [f"column_{i + 1}" for i in range(table.num_columns)] if not layout.has_header else clean_names(raw_names)
    duplicates = duplicate_names(raw_names, names) if layout.has_header else {}
    notes = duplicate_notes(duplicates) + (rename_notes(raw_names, names, duplicates) if layout.has_header else [])
    columns: list[pa.ChunkedArray] = list(table.columns)
    del table
    for position, (name, is_code) in enumerate(zip(names, keep_text, strict=True)):
        columns[position], column_notes = tidy_column(columns[position], decimal=layout.decimal,
                                                      thousands=layout.thousands, keep_text=is_code,
                                                      scoring=scoring)
        notes.extend(f"'{name}': {note}" for note in column_notes)  # the column it replaces is freed
    tidied = pa.Table.from_arrays(columns, names=names)
    del columns
    codes = frozenset(name for name, is_code in zip(names, keep_text, strict=True) if is_code)
    tidied, sum_notes = drop_sum_row(tidied, codes) if not scoring else (tidied, [])
    if not scoring:
        tidied, summary_notes = drop_summary_rows(tidied, codes)
        sum_notes += summary_notes
    # one conversion for the whole table (one per column cost a millisecond each: 5 s on 5,000 columns), each
    # column's buffers freed as it is converted
    frame = tidied.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)
    pa.default_memory_pool().release_unused()  # the parse's freed pages (330 MB on a 477 MB file) back to the system
    if duplicates:  # for the target: a name two columns had is ambiguous (kuai.engine.data.target.resolve_target)
        frame.attrs[DUPLICATE_NAMES] = duplicates
    return frame, notes, sum_notes


def _width(line: str, layout: Layout) -> int:
    return len(next(csv.reader([line], delimiter=layout.delimiter, quotechar=layout.quotechar), []))


def _arrow_name(layout: Layout, position: int) -> str:
    """The name pyarrow gives the column at this position."""
    if layout.has_header and not layout.names_given and position < len(layout.header_fields):
        return layout.header_fields[position]
    return f"f{position}"


def _table_name(layout: Layout, position: int) -> str:
    """The name the column at this position has once parsed: the header's, given in place of pyarrow's
    placeholder when the header takes several rows (``_readable_names``)."""
    if layout.names_given and layout.has_header and position < len(layout.header_fields):
        return layout.header_fields[position]
    return _arrow_name(layout, position)


def _parse(source: Source, encoding: str, layout: Layout, footer: list[str], *, sample_text: str,
           size: int, skipped: list[str] | None = None, scoring: bool = False) -> pa.Table:
    """The whole table; the first error pyarrow meets is explained with its line. ``skipped`` receives why each line
    skipped as not a row was ('blank', 'footer'). To train, a short line of delimiters only is a blank line; to score,
    it is a row (and its prediction keeps its place)."""
    footer_set = {line.strip() for line in footer}
    skips: list[str] = [] if skipped is None else skipped
    blank = " " if scoring else f" {layout.delimiter}{layout.quotechar}"

    def on_invalid_row(row: pacsv.InvalidRow) -> str:  # a line of blanks is a blank line, not a row
        text = row.text.strip()
        if not text.strip(blank) or text in footer_set:
            skips.append("footer" if text else "blank")
            return "skip"
        return "error"

    block, quoted_newlines, streaming = BLOCK_BYTES, layout.quotechar in sample_text, size > STREAM_FROM_BYTES
    while True:
        skips.clear()  # a new attempt reads the file from its start
        options = {
            "read_options": _read_options(layout, encoding, block),
            "parse_options": pacsv.ParseOptions(delimiter=layout.delimiter, quote_char=layout.quotechar,
                                                escape_char=layout.quoting.escapechar or False,
                                                newlines_in_values=quoted_newlines,
                                                invalid_row_handler=on_invalid_row),
            # only empty cells are null: the missing-value markers ('NA') are read as missing, and counted, by
            # ``tidy_column``
            "convert_options": pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
                decimal_point=layout.decimal,
                column_types={_arrow_name(layout, i): pa.string() for i in layout.text_columns}),
        }
        # a path is opened without compression: pyarrow would otherwise decompress by the name's extension
        stream = pa.BufferReader(source) if isinstance(source, pa.Buffer) else pa.input_stream(source, compression=None)
        try:
            if streaming:  # block by block: about half the peak memory of the parallel reader
                with pacsv.open_csv(stream, **options) as reader:
                    return _readable_names(reader.read_all(), layout)
            return _readable_names(pacsv.read_csv(stream, **options), layout)
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if layout.names_given and "Could not skip initial" in message:
                return _no_rows(layout)  # nothing under the header rows
            if STRADDLES in message and block < MAX_BLOCK_BYTES:
                block = min(block * 8, MAX_BLOCK_BYTES)  # a line longer than a block: read in bigger blocks
            elif streaming and "conversion error" in message:
                streaming = False  # a column's type changes after the first block: infer over the whole file
            elif not quoted_newlines:
                quoted_newlines = True  # a quoted line break beyond the sample
            else:
                raise explain(exc, source, encoding, layout, footer_set) from exc
        except UnicodeDecodeError as exc:
            raise ReadError(f"Bytes that are not {encoding} text appear in the file ({exc.reason}). "
                            "Save it as UTF-8 CSV.", code="BAD_ENCODING") from exc
        finally:
            stream.close()


def _read_options(layout: Layout, encoding: str, block: int) -> pacsv.ReadOptions:
    """Names from the header row, or given (several header rows: the parser skips them and reads rows only)."""
    if layout.names_given:
        return pacsv.ReadOptions(encoding=arrow_encoding(encoding), block_size=block,
                                 skip_rows=layout.preamble_lines + layout.header_lines,
                                 column_names=[f"f{i}" for i in range(layout.n_fields)])
    return pacsv.ReadOptions(encoding=arrow_encoding(encoding), skip_rows=layout.preamble_lines,
                             autogenerate_column_names=not layout.has_header, block_size=block)


def _no_rows(layout: Layout) -> pa.Table:
    return _readable_names(pa.table({f"f{i}": pa.array([], pa.string()) for i in range(layout.n_fields)}), layout)


def _readable_names(table: pa.Table, layout: Layout) -> pa.Table:
    """A header that is not UTF-8 in a UTF-8 file: the names as the sample read them (as Windows-1252); the names
    the header rows give, when the parser was given placeholders."""
    if layout.names_given:
        return table.rename_columns(list(layout.header_fields)) if layout.has_header else table
    try:
        table.column_names  # noqa: B018 - decodes the names
    except UnicodeDecodeError:
        if not layout.has_header or len(layout.header_fields) != table.num_columns:
            raise
        return table.rename_columns(list(layout.header_fields))
    return table
