"""Where the table sits in the text: dialect, title lines, header, footer, number format.

Everything here runs on a capped sample of decoded text (the first and the last
few kilobytes), never on the whole file.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from kuai.engine.read._footer import is_labelled_line
from kuai.engine.read._header import Header, count_header_rows, named_header
from kuai.engine.read._options import ReadingOptions
from kuai.engine.read._quoting import PLAIN, Quoting, choose_quoting
from kuai.engine.read._values import numeric_columns, split_lines, strip_number_affixes

logger = logging.getLogger(__name__)

DELIMITERS = [",", ";", "\t", "|", ":", "^", "~"]
_DETECT_CHARS = 20000
_NUMBER_PROBE = 4000

_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,(\d{1,2}|\d{4,})$")  # 1,5  12,25  3,14159 (not 1,234)
_EU_GROUPED = re.compile(r"^[-+]?\d{1,3}([.\s\u00a0\u202f'’]\d{3})+(,\d+)?$")  # 1.234  1 234,5
_DECIMAL_POINT = re.compile(r"^[-+]?\d*\.(\d{1,2}|\d{4,})$")  # 1.5  .25  3.14159 (not 1.234)
_US_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234  1,234.56
_SPACE_GROUPED = re.compile(r"^[-+]?\d{1,3}([\s\u00a0\u202f]\d{3})+$")  # 158 022
_AMBIGUOUS_COMMA = re.compile(r"^[-+]?\d{1,3},\d{3}$")  # 944,717: a decimal comma, or thousands
_SWISS_GROUPED = re.compile(r"^[-+]?\d{1,3}(['’]\d{3})+(\.\d+)?$")  # 1'234.50
@dataclass(frozen=True)
class Layout:
    """How to parse the text: the dialect, the lines around the table and the number format."""

    delimiter: str
    quotechar: str
    n_fields: int
    preamble_lines: int  # physical lines above the header (titles, notes, blank lines)
    decimal: str
    thousands: str | None
    header_fields: tuple[str, ...] = ()  # one name per column (joined from the header rows)
    text_columns: tuple[int, ...] = ()  # digit codes kept as text: leading zeros ('0042'), 16+ digits
    header_rows: int = 1  # records the header takes; 0: the first row is data
    header_lines: int = 1  # physical lines from the header's first line to the first row's
    names_given: bool = False  # the parser is given the names and skips the header (several header rows, ...)
    quoting: Quoting = PLAIN
    numeric_columns: tuple[int, ...] = ()  # positions of the columns of numbers in the sample
    filled_columns: tuple[int, ...] = ()  # positions the rows of the sample (nearly) always fill
    header: Header = Header()  # what the header rules found (for the notes)
    row_names: bool = False  # the header has no name for the first column (R's write.table)
    widened: bool = False  # the header is wider than most rows: the rows are short

    @property
    def has_header(self) -> bool:
        return self.header_rows > 0

    def csv_reader(self, lines: Iterable[str], *, strict: bool = False) -> Any:
        """The csv module's reader of this text (its type is private to the csv module)."""
        return csv.reader(lines, delimiter=self.delimiter, quotechar=self.quotechar, strict=strict,
                          escapechar=self.quoting.escapechar, skipinitialspace=self.quoting.skipinitialspace)


def detect_dialect(text_sample: str) -> tuple[str, str]:
    """Delimiter and quote character of a text sample (clevercsv, then the stdlib sniffer)."""
    lines = split_lines(text_sample)
    if len(lines) > 1:  # drop a possibly cut last line
        lines = lines[:-1]
    text_sample = "\n".join(lines)[:_DETECT_CHARS]
    obvious = _obvious_delimiter(lines[:200])
    if obvious is not None:
        return obvious, '"'
    try:
        import clevercsv

        found = clevercsv.Detector().detect(text_sample, delimiters=DELIMITERS)
        if found is not None and found.delimiter:
            return found.delimiter, found.quotechar or '"'
    except Exception:  # clevercsv may fail on odd samples; fall back below
        logger.debug("clevercsv could not detect the dialect", exc_info=True)
    try:
        sniffed = csv.Sniffer().sniff(text_sample, delimiters="".join(DELIMITERS))
        return sniffed.delimiter, sniffed.quotechar or '"'
    except csv.Error:
        return ",", '"'


def _obvious_delimiter(lines: list[str]) -> str | None:
    """No quotes, and one candidate occurs the same number of times on every line while the others never
    occur: the unambiguous case, decided without the costlier clevercsv search."""
    rows = [line for line in lines if line.strip()]
    if len(rows) < 3 or any('"' in line or "'" in line for line in rows):
        return None
    found = [d for d in DELIMITERS if any(d in line for line in rows)]
    if len(found) != 1 or len({line.count(found[0]) for line in rows}) != 1:
        return None
    return found[0]


def sniff_layout(sample: str, *, is_whole_file: bool, options: ReadingOptions | None = None) -> Layout:
    """Find the dialect, the lines above the header, the header rows and the number format (``options``: what
    the user said instead)."""
    options = options or ReadingOptions()
    lines = split_lines(sample)
    if not is_whole_file and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    skipped = options.skip_rows or 0
    lines = lines[skipped:]
    delimiter, quotechar = _dialect(lines, options)
    quoting = choose_quoting(lines, delimiter, quotechar)
    records = _records(lines, delimiter, quotechar, quoting)
    preamble = _preamble_lines(records) if options.skip_rows is None else 0
    if preamble:
        lines = lines[preamble:]
        delimiter, quotechar = _dialect(lines, options)
        quoting = choose_quoting(lines, delimiter, quotechar)
        records = _records(lines, delimiter, quotechar, quoting)
    return _table(records, len(lines), Layout(delimiter=delimiter, quotechar=quotechar, n_fields=0,
                                              preamble_lines=skipped + preamble, decimal=".", thousands=None,
                                              quoting=quoting), options.header_rows)


def _dialect(lines: list[str], options: ReadingOptions) -> tuple[str, str]:
    if options.delimiter is not None:
        return options.delimiter, '"'
    delimiter, quotechar = detect_dialect("\n".join(lines))
    if delimiter == "," and _single_column_of_decimal_commas(lines):
        delimiter = "\x1f"  # one column: no delimiter occurs in the text
    return delimiter, quotechar


def _table(records: list[tuple[int, list[str]]], n_lines: int, layout: Layout, header_rows: int | None) -> Layout:
    """The header, the width and the number format of the records under the lines above the header."""
    width = _modal_width(records)
    body = [fields for _, fields in records]
    row_names = header_rows != 0 and _lacks_first_name(body, width)
    if row_names:
        body = [["", *body[0]], *body[1:]]
    rows = count_header_rows(body, width, header_rows)
    row_names = row_names and rows > 0
    data_rows = body[rows:]
    width, widened = _width(body[0] if rows else None, data_rows, width)
    header = named_header(body[:rows], width)
    first_row = records[rows][0] if rows < len(records) else n_lines
    decimal, thousands = _number_format([v for row in data_rows for v in row], layout.delimiter)
    return replace(layout, n_fields=width, decimal=decimal, thousands=thousands, header_fields=header.names,
                   text_columns=_leading_zero_columns(data_rows, width), header_rows=rows,
                   header_lines=first_row if rows else 0, names_given=rows > 1 or row_names,
                   numeric_columns=numeric_columns(data_rows, width), header=header, row_names=row_names,
                   filled_columns=_filled_columns(data_rows, width),
                   widened=widened)


def _title_with_a_delimiter(fields: list[str], after: list[tuple[int, list[str]]]) -> bool:
    """'Table 7. Residents, census 2021,,,,': a title whose text holds the delimiter, padded to the table's width:
    its values fill the first cells only (less than half), and the row under it fills more."""
    filled = sum(bool(f.strip()) for f in fields)
    return (len(_trimmed(fields)) == filled and filled < len(fields) / 2 and bool(after)
            and sum(bool(f.strip()) for f in after[0][1]) > filled)


def _lacks_first_name(body: list[list[str]], width: int) -> bool:
    """A first row of names, one fewer than the values of (nearly) every row under it, the last of which are not
    empty: the first column has no name (row names, as R's write.table writes them)."""
    if len(body) < 2 or len(body[0]) != width - 1 or not all(value.strip() for value in body[0]):
        return False
    rows = body[1:]
    longer = [row for row in rows if len(row) == width]
    return len(longer) >= 0.9 * len(rows) and any(row[-1].strip() for row in longer)


def _width(header: list[str] | None, rows: list[list[str]], width: int) -> tuple[int, bool]:
    """The table's width, and whether the header names more columns than most rows have values (rows that leave
    trailing values off): the header's width when no row holds a value past the header's last name."""
    if header is None or not rows:
        return width, False
    named = len(_trimmed(header))
    if named >= max(len(_trimmed(row)) for row in rows) and (named > width or len(header) < width):
        return max(named, len(header)), named > width
    return width, False


def _trimmed(fields: list[str]) -> list[str]:
    end = len(fields)
    while end and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


_CODE_SHARE = 0.9  # values of a column of codes that are digits (the others: a header repeated, a note)
LONG_DIGITS = 16  # from here a whole number can be beyond 2**53, where a float no longer holds every integer


def _leading_zero_columns(rows: list[list[str]], width: int) -> tuple[int, ...]:
    """Digit codes kept as text: written with leading zeros ('0042', not read as 42), or so long (16 digits and
    more) that as numbers they would lose their last digits (pyarrow reads beyond int64 as floats). A line of one
    value in a wider table (a note or a source under it) is not a value of its first column."""
    if width > 1:
        rows = [row for row in rows if sum(bool(value.strip()) for value in row) > 1]
    positions = []
    for position in range(width):
        values = [row[position].strip() for row in rows if position < len(row) and row[position].strip()]
        if values and _mostly_digits(values) and any(
                (len(v) > 1 and v[0] == "0") or len(v) >= LONG_DIGITS for v in values):
            positions.append(position)
    return tuple(positions)


_FILLED_SHARE = 0.98


def _filled_columns(rows: list[list[str]], width: int) -> tuple[int, ...]:
    """The positions that (nearly) every row of the sample fills, such as a statement's date; judged above the last
    five rows, which may be the lines under the table."""
    rows = rows[:-5][:_NUMBER_PROBE]
    if len(rows) < 5:
        return ()
    return tuple(i for i in range(width)
                 if sum(i < len(row) and bool(row[i].strip()) for row in rows) >= _FILLED_SHARE * len(rows))


def _mostly_digits(values: list[str]) -> bool:
    """At least ``_CODE_SHARE`` of the values are digits only (stops at the first values that rule it out)."""
    allowed = int((1 - _CODE_SHARE) * len(values))
    for value in values:
        if not value.isdigit():
            allowed -= 1
            if allowed < 0:
                return False
    return True


def _single_column_of_decimal_commas(lines: list[str]) -> bool:
    """'Messwert' over '1,5', '2,25', ...: one column of numbers with a decimal comma, not two columns."""
    rows = [line.strip() for line in lines if line.strip()]
    return len(rows) >= 3 and "," not in rows[0] and all(_DECIMAL_COMMA.match(row) for row in rows[1:])


def _records(lines: list[str], delimiter: str, quotechar: str,
             quoting: Quoting = PLAIN) -> list[tuple[int, list[str]]]:
    """(first physical line, fields) for each record; blank lines are skipped."""
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=quotechar,
                        escapechar=quoting.escapechar, skipinitialspace=quoting.skipinitialspace)
    records: list[tuple[int, list[str]]] = []
    start = 0
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                records.append((start, fields))
            start = reader.line_num
    except csv.Error:  # a quote left open in the sample: keep what was read
        logger.debug("the sample ends inside a quoted field")
    return records


def _modal_width(records: list[tuple[int, list[str]]]) -> int:
    if not records:
        return 0
    widths = Counter(len(fields) for _, fields in records)
    return max(widths.items(), key=lambda item: (item[1], item[0]))[0]


def _preamble_lines(records: list[tuple[int, list[str]]]) -> int:
    """Physical lines above the header: narrower rows (titles, notes) or a title padded with empty cells."""
    width = _modal_width(records)
    if width <= 1 or len(records) < 3:
        return 0
    used = Counter(len(_trimmed(fields)) for _, fields in records).most_common(1)[0][0]  # trailing blanks aside
    for index, (line, fields) in enumerate(records):
        filled = sum(bool(f.strip()) for f in fields)
        if _title_with_a_delimiter(fields, records[index + 1:index + 2]) or (width >= 4 and is_labelled_line(fields)):
            continue  # a title, or a line of metadata ('Sequence:<TAB>QC_2024-03') above the table
        if len(fields) > width and (line == 0 or filled <= 1):
            return 0  # a wide row before the table: ragged rows, not a title
        if (len(fields) >= width or len(_trimmed(fields)) >= used) and filled > 1:
            return line  # the header (or a header wider than the rows under it: rows that leave values off)
        if _lacks_first_name([fields] + [row for _, row in records[index + 1:index + 11]], width):
            return line  # a header without the row names' column
    return 0


def _number_format(values: list[str], delimiter: str = ",") -> tuple[str, str | None]:
    """The decimal mark and the thousands separator the numbers in the sample use. Where every comma in a number
    could be either ('944,717'), a file whose values are separated by semicolons takes it as the decimal comma: a
    spreadsheet writes semicolons where the comma is the decimal mark."""
    cleaned = [strip_number_affixes(v if v.isascii() else unicodedata.normalize("NFKC", v))
               for v in values[:_NUMBER_PROBE] if v and any(ch.isdigit() for ch in v)]  # NFKC: '１，２３４' as '1,234'
    comma_votes = sum(bool(_DECIMAL_COMMA.match(v)) or ("," in v and bool(_EU_GROUPED.match(v))) for v in cleaned)
    point_votes = sum(bool(_DECIMAL_POINT.match(v)) or ("." in v and bool(_US_GROUPED.match(v))) for v in cleaned)
    if delimiter == ";" and not comma_votes and not point_votes and any(_AMBIGUOUS_COMMA.match(v) for v in cleaned):
        return ",", None
    decimal = "," if comma_votes > point_votes else "."
    if decimal == ",":
        grouped = [v for v in cleaned if _EU_GROUPED.match(v)]
        separators = Counter(ch for v in grouped for ch in v if ch in ". \u00a0\u202f'’")
        return ",", (separators.most_common(1)[0][0] if separators else None)
    if any(_US_GROUPED.match(v) for v in cleaned):
        return ".", ","
    if any(_SWISS_GROUPED.match(v) for v in cleaned):
        return ".", "'"
    if any(_SPACE_GROUPED.match(v) for v in cleaned):
        return ".", " "  # '158 022' (a no-break space between thousands, as French tables write them)
    return ".", None
