"""Where the lines the reader skips are, for reading to score: a skipped line must be named by its number, so that
the user can line the predictions up with the file.

Blank lines are not rows (pandas, R and the csv module skip them too), and neither are separator lines ('-----')
or the lines after the table. The parser skips them without saying where; this streaming scan with the csv module
finds their line numbers, and runs only when the file may hold such lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from kuai.engine.read._layout import Layout
from kuai.engine.read._values import SEPARATOR_LINE

_BLANK_LINE = re.compile(rb"\n[ \t]*[\r\n]|\r[ \t]*\r")  # a line break, nothing but blanks, another line break
_CHUNK_BYTES = 16 * 1024**2
_SHOWN = 8


@dataclass(frozen=True)
class SkippedLines:
    """1-based line numbers in the file."""

    blank: tuple[int, ...] = ()  # blank lines between the header and the last row
    separators: tuple[int, ...] = ()  # ruler lines between rows ('-----')
    footer: tuple[int, ...] = ()  # the lines after the table


def may_hold_blank_lines(source: str | pa.Buffer, encoding: str) -> bool:
    """Whether two line breaks with nothing but blanks between them occur anywhere (a quoted value may hold them:
    the scan decides). UTF-16 text is always scanned."""
    if encoding.startswith("utf-16"):
        return True
    if isinstance(source, pa.Buffer):
        return _BLANK_LINE.search(memoryview(source)) is not None
    with open(source, "rb") as handle:
        carry = b""
        while chunk := handle.read(_CHUNK_BYTES):
            if _BLANK_LINE.search(carry + chunk):
                return True
            carry = chunk[-64:]
    return False


def skipped_lines(stream: io.TextIOBase, layout: Layout, footer: Iterable[str], *, repaired: bool) -> SkippedLines:
    """The blank lines between the header and the last row, the separator lines the repair of short rows skipped
    (``repaired``: else the parser reads a line as wide as the table as a row, and refuses any other), and the
    footer's lines."""
    footer_texts = {line.strip() for line in footer}
    for _ in range(layout.preamble_lines):
        stream.readline()
    reader = layout.csv_reader(stream)
    blank: list[int] = []
    separators: list[int] = []
    pending: list[tuple[str, int]] = []  # skipped lines after the last row so far
    tail: list[int] = []  # footer lines at the end of the file
    start = layout.preamble_lines + 1
    try:
        for fields in reader:
            kind = _kind(fields, layout, footer_texts, repaired=repaired)
            if kind == "row":
                blank.extend(line for what, line in pending if what == "blank")
                separators.extend(line for what, line in pending if what == "separator")
                pending, tail = [], []
            else:
                pending.append((kind, start))
                tail += [start] if kind == "footer" else []
            start = layout.preamble_lines + reader.line_num + 1
    except csv.Error:  # the parser has read the file already; a quote the csv module disagrees on ends the scan
        pass
    return SkippedLines(tuple(blank), tuple(separators), tuple(tail))


def is_blank(fields: list[str], width: int) -> bool:
    """An empty line, or one of blanks only in a table of several columns (in a table of one column, a blank
    value)."""
    return not fields or (width > 1 and len(fields) == 1 and not fields[0].strip())


def is_separator(fields: list[str], delimiter: str) -> bool:
    """A ruler line ('-----', '====|====') with some mark on it; a row of empty cells is a row."""
    return any(field.strip() for field in fields) and bool(SEPARATOR_LINE.match(delimiter.join(fields)))


def _kind(fields: list[str], layout: Layout, footer: set[str], *, repaired: bool) -> str:
    if is_blank(fields, layout.n_fields):
        return "blank"
    if layout.delimiter.join(fields).strip() in footer:
        return "footer"
    if repaired and is_separator(fields, layout.delimiter):
        return "separator"
    return "row"


def line_list(lines: tuple[int, ...]) -> str:
    """'line 7' or 'lines 7, 12, 15 and 4 more'."""
    shown = ", ".join(f"{n:,}" for n in lines[:_SHOWN])
    more = f" and {len(lines) - _SHOWN:,} more" if len(lines) > _SHOWN else ""
    return f"line{'' if len(lines) == 1 else 's'} {shown}{more}"


def scoring_notes(skipped: SkippedLines) -> list[str]:
    """What a reading to score says about the lines it skipped."""
    notes = []
    if skipped.blank:
        notes.append(f"skipped {len(skipped.blank):,} blank line{'' if len(skipped.blank) == 1 else 's'} between "
                     f"rows ({line_list(skipped.blank)}): a blank line is not a row, so it has no prediction")
    if skipped.separators:
        notes.append(f"skipped {len(skipped.separators):,} separator line{'' if len(skipped.separators) == 1 else 's'}"
                     f" ({line_list(skipped.separators)}): not rows, so they have no prediction")
    return notes
