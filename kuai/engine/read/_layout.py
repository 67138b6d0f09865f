"""Where the table sits in the text: dialect, title lines, header, footer, number format.

Everything here runs on a capped sample of decoded text (the first and the last
few kilobytes), never on the whole file.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DELIMITERS = [",", ";", "\t", "|", ":", "^", "~"]
_DETECT_CHARS = 20000
_FOOTER_MAX_LINES = 5
_NUMBER_PROBE = 4000

_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,(\d{1,2}|\d{4,})$")  # 1,5  12,25  3,14159 (not 1,234)
_EU_GROUPED = re.compile(r"^[-+]?\d{1,3}([.\s\u00a0\u202f'’]\d{3})+(,\d+)?$")  # 1.234  1 234,5
_DECIMAL_POINT = re.compile(r"^[-+]?\d*\.(\d{1,2}|\d{4,})$")  # 1.5  .25  3.14159 (not 1.234)
_US_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234  1,234.56
_SWISS_GROUPED = re.compile(r"^[-+]?\d{1,3}(['’]\d{3})+(\.\d+)?$")  # 1'234.50
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")


_TOTAL_WORDS = re.compile(r"^(total|totals|grand total|sum|summe|gesamt|gesamtsumme|somme|totaal|totale|suma|"
                          r"totalt|summa|合計|总计)\b", re.I)
SEPARATOR_LINE = re.compile(r"^[\s\-=+|_*~#]+$")


@dataclass(frozen=True)
class Layout:
    """How to parse the text: the dialect, the lines around the table and the number format."""

    delimiter: str
    quotechar: str
    n_fields: int
    preamble_lines: int  # physical lines above the header (titles, notes, blank lines)
    has_header: bool
    decimal: str
    thousands: str | None
    header_fields: tuple[str, ...] = ()
    text_columns: tuple[int, ...] = ()  # digit codes kept as text: leading zeros ('0042'), 16+ digits


def split_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\n|\r", text)


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


def sniff_layout(sample: str, *, is_whole_file: bool) -> Layout:
    """Find the dialect, the header row (after any title lines) and the number format."""
    lines = split_lines(sample)
    if not is_whole_file and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    delimiter, quotechar = detect_dialect("\n".join(lines))
    if delimiter == "," and _single_column_of_decimal_commas(lines):
        delimiter = "\x1f"  # one column: no delimiter occurs in the text
    records = _records(lines, delimiter, quotechar)
    preamble = _preamble_lines(records)
    if preamble:
        lines = lines[preamble:]
        delimiter, quotechar = detect_dialect("\n".join(lines))
        records = _records(lines, delimiter, quotechar)
    n_fields = _modal_width(records)
    body = [fields for _, fields in records]
    has_header = _has_header(body, n_fields)
    data_rows = body[1:] if has_header else body
    decimal, thousands = _number_format([v for row in data_rows for v in row])
    return Layout(delimiter=delimiter, quotechar=quotechar, n_fields=n_fields, preamble_lines=preamble,
                  has_header=has_header, decimal=decimal, thousands=thousands,
                  header_fields=tuple(body[0]) if has_header and body else (),
                  text_columns=_leading_zero_columns(data_rows, n_fields))


LONG_DIGITS = 16  # from here a whole number can be beyond 2**53, where a float no longer holds every integer


def _leading_zero_columns(rows: list[list[str]], width: int) -> tuple[int, ...]:
    """Digit codes kept as text: written with leading zeros ('0042', not read as 42), or so long (16 digits and
    more) that as numbers they would lose their last digits (pyarrow reads beyond int64 as floats)."""
    positions = []
    for position in range(width):
        values = [row[position].strip() for row in rows if position < len(row) and row[position].strip()]
        if values and all(v.isdigit() for v in values) and any(
                (len(v) > 1 and v[0] == "0") or len(v) >= LONG_DIGITS for v in values):
            positions.append(position)
    return tuple(positions)


def _single_column_of_decimal_commas(lines: list[str]) -> bool:
    """'Messwert' over '1,5', '2,25', ...: one column of numbers with a decimal comma, not two columns."""
    rows = [line.strip() for line in lines if line.strip()]
    return len(rows) >= 3 and "," not in rows[0] and all(_DECIMAL_COMMA.match(row) for row in rows[1:])


def _records(lines: list[str], delimiter: str, quotechar: str) -> list[tuple[int, list[str]]]:
    """(first physical line, fields) for each record; blank lines are skipped."""
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=quotechar)
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
    for line, fields in records:
        if len(fields) > width:
            return 0  # a wide row before the table: ragged rows, not a title
        if len(fields) == width and sum(bool(f.strip()) for f in fields) > 1:
            return line
    return 0


def _has_header(rows: list[list[str]], width: int) -> bool:
    """A header unless the first row looks like the rows under it (numbers where they hold numbers)."""
    if len(rows) < 2:
        return True
    first = rows[0]
    rest = [row for row in rows[1:51] if row != first]  # a header may be repeated inside the data
    if not rest:
        return True
    if any(not value.strip() for value in first):
        return True  # data rows may have gaps, but a row of names with a gap is still a header
    if _numbered_names(first):
        return True
    votes = 0
    for position, value in enumerate(first[:width]):
        column = [row[position] for row in rest if position < len(row) and row[position].strip()]
        if not column:
            continue
        numeric_share = sum(bool(_NUMBER.match(v.strip())) for v in column) / len(column)
        if numeric_share >= 0.9:
            votes += 1 if not _NUMBER.match(value.strip()) else -1
        elif _NUMBER.match(value.strip()):
            votes += 1  # a number atop a text column: unusual for data
    if votes:
        return votes > 0
    return _header_by_length(first, rest)


def _numbered_names(first: list[str]) -> bool:
    """Columns named 0, 1, 2, … (or 1, 2, 3, …) in order, as a program writes unnamed columns: a header."""
    numbers = [value.strip() for value in first if value.strip().isdigit()]
    if len(numbers) < 3 or len(numbers) < 0.5 * len(first):
        return False
    start = int(numbers[0])
    return start in (0, 1) and [int(v) for v in numbers] == list(range(start, start + len(numbers)))


def _header_by_length(first: list[str], rest: list[list[str]]) -> bool:
    """All-text tables: a header row has no repeats of its values in the column below."""
    for position, value in enumerate(first):
        below = {row[position].strip() for row in rest if position < len(row)}
        if value.strip() in below:
            return False
    return True


_AFFIXES = re.compile(r"^[(\s]*[-+]?\s*[$€£¥₹]?\s*|\s*(%|[$€£¥₹]|[A-Z]{3})?[)\s]*$")


def strip_number_affixes(value: str) -> str:
    """'(1,234.50 $)' -> '1,234.50': currency, percent and accounting brackets around a number."""
    return _AFFIXES.sub("", value.strip())


def _number_format(values: list[str]) -> tuple[str, str | None]:
    """The decimal mark and the thousands separator the numbers in the sample use."""
    cleaned = [strip_number_affixes(v) for v in values[:_NUMBER_PROBE] if v and any(ch.isdigit() for ch in v)]
    comma_votes = sum(bool(_DECIMAL_COMMA.match(v)) or ("," in v and bool(_EU_GROUPED.match(v))) for v in cleaned)
    point_votes = sum(bool(_DECIMAL_POINT.match(v)) or ("." in v and bool(_US_GROUPED.match(v))) for v in cleaned)
    decimal = "," if comma_votes > point_votes else "."
    if decimal == ",":
        grouped = [v for v in cleaned if _EU_GROUPED.match(v)]
        separators = Counter(ch for v in grouped for ch in v if ch in ". \u00a0\u202f'’")
        return ",", (separators.most_common(1)[0][0] if separators else None)
    if any(_US_GROUPED.match(v) for v in cleaned):
        return ".", ","
    if any(_SWISS_GROUPED.match(v) for v in cleaned):
        return ".", "'"
    return ".", None


def footer_lines(tail: str, layout: Layout) -> list[str]:
    """Trailing lines that are not rows of the table ('Total: 42', '(c) 2024 ...', 'Summe;;;;23.456,78')."""
    lines = [line for line in split_lines(tail) if line.strip()]
    footer: list[str] = []
    for line in reversed(lines[-_FOOTER_MAX_LINES - 1:]):
        fields = next(csv.reader([line], delimiter=layout.delimiter, quotechar=layout.quotechar), [])
        is_short = len(fields) <= max(1, layout.n_fields // 2) and layout.quotechar not in line
        if layout.n_fields <= 1 or not (is_short or _is_totals_row(fields) or SEPARATOR_LINE.match(line)):
            break
        footer.append(line)
    if len(footer) >= len(lines):
        return []  # nothing but short lines: let the parser report them
    return footer[::-1]


def _is_totals_row(fields: list[str]) -> bool:
    """'Total,,,1234' : a sum the report tool appended, with most cells empty."""
    filled = [f for f in fields if f.strip()]
    return bool(filled) and bool(_TOTAL_WORDS.match(filled[0].strip())) and len(filled) <= max(2, len(fields) // 2)
