"""Where the lines the reader skips are, for reading to score: a skipped line must be named by its number, so that
the user can line the predictions up with the file.

Blank lines are not rows (pandas, R and the csv module skip them too), and neither are separator lines ('-----')
or the lines after the table. The parser skips them without saying where; this streaming scan with the csv module
finds their line numbers, and runs only when the file may hold such lines. It also counts the rows the parser must
have kept, a count of its own that the reader checks the table against (one prediction per input row).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from kuai.engine.read._layout import Layout
from kuai.engine.read._problems import open_text
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
    trailing_blank: tuple[int, ...] = ()  # blank lines after the last row
    inside: tuple[int, ...] = ()  # lines between rows that repeat a line of the footer, which the parser skipped
    rows: int | None = None  # the data rows the parser keeps (None: the scan stopped early)
    footer_rows: int = 0  # the footer's lines as wide as the table, which the parser reads as rows


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


def scan_to_score(source: str | pa.Buffer, encoding: str, layout: Layout, footer: list[str], *, mended: bool,
                  parser_skipped: bool, width: int) -> SkippedLines | None:
    """``skipped_lines`` when the parser may have skipped lines (a footer, blank lines, lines it skipped, a file
    the repair rewrote: ``mended``); None when it skipped none, so that each record of the file is a row."""
    if not (footer or mended or parser_skipped or may_hold_blank_lines(source, encoding)):
        return None
    with open_text(source, encoding) as stream:
        return skipped_lines(stream, layout, footer, repaired=mended, width=width)


def skipped_lines(stream: io.TextIOBase, layout: Layout, footer: Iterable[str], *, repaired: bool,
                  width: int | None = None) -> SkippedLines:
    """The blank lines between the header and the last row, the separator lines the repair of short rows skipped
    (``repaired``: else the parser reads a line as wide as the table as a row, and refuses any other), the footer's
    lines, and the number of rows the parser keeps. ``width``: the parser's number of columns, that of the header
    it read (default: the layout's).

    A line that repeats a line of the footer is a row where the parser keeps it (as wide as the table, not repaired:
    the footer's own such lines are dropped from the end of the table afterwards) and a skipped line elsewhere."""
    footer = list(footer)
    footer_texts = {line.strip() for line in footer}  # the parser's test: the line's text
    footer_fields = {tuple(next(layout.csv_reader([line]), [])) for line in footer}  # the repair's: its values
    offset, header_due = _header(stream, layout, repaired=repaired)
    consumed: list[str] = []  # the lines of the record just read: its text as the parser sees it

    def lines() -> Iterator[str]:
        for line in stream:
            consumed.append(line)
            yield line

    reader = layout.csv_reader(lines())
    found: dict[str, list[int]] = {"blank": [], "separator": [], "inside": []}
    pending: list[tuple[str, int]] = []  # lines after the last row so far
    rows, start = 0, offset + 1
    try:
        for fields in reader:
            in_footer = tuple(fields) in footer_fields if repaired else "".join(consumed).strip() in footer_texts
            consumed.clear()
            kind = _kind(fields, layout, in_footer, repaired=repaired, width=width or layout.n_fields)
            if header_due:  # the parser's header: its first line that is not empty (the repair's: not skipped)
                header_due -= (kind == "row") if repaired else bool(fields)
            elif kind == "row":  # the lines before it were inside the table
                rows += 1 + sum(what == "footer row" for what, _ in pending)
                for what, line in pending:
                    if what != "footer row":
                        found["inside" if what == "footer" else what].append(line)
                pending = []
            else:
                pending.append((kind, start))
            start = offset + reader.line_num + 1
    except csv.Error:  # the parser has read the file already; a quote the csv module disagrees on ends the scan
        return _found(found, pending, rows=None)
    return _found(found, pending, rows=rows)


def _header(stream: io.TextIOBase, layout: Layout, *, repaired: bool) -> tuple[int, int]:
    """Skips the lines above the header, and the header's lines where the parser is given the names (it skips them
    by number); the lines skipped, and the header's records still to be read (the parser's: its first record that
    is not empty; the repair's: the first records it keeps)."""
    skip = layout.preamble_lines + (layout.header_lines if layout.names_given and not repaired else 0)
    for _ in range(skip):
        stream.readline()
    return skip, (0 if layout.names_given and not repaired else layout.header_rows)


def _found(found: dict[str, list[int]], pending: list[tuple[str, int]], *, rows: int | None) -> SkippedLines:
    return SkippedLines(tuple(found["blank"]), tuple(found["separator"]),
                        footer=tuple(line for what, line in pending if what.startswith("footer")),
                        trailing_blank=tuple(line for what, line in pending if what == "blank"),
                        inside=tuple(found["inside"]), rows=rows,
                        footer_rows=sum(what == "footer row" for what, _ in pending))


def is_blank(fields: list[str], width: int) -> bool:
    """An empty line, or one of blanks only in a table of several columns (in a table of one column, a blank
    value)."""
    return not fields or (width > 1 and len(fields) == 1 and not fields[0].strip())


def is_separator(fields: list[str], delimiter: str) -> bool:
    """A ruler line ('-----', '====|====') with some mark on it; a row of empty cells is a row."""
    return any(field.strip() for field in fields) and bool(SEPARATOR_LINE.match(delimiter.join(fields)))


def _kind(fields: list[str], layout: Layout, in_footer: bool, *, repaired: bool, width: int) -> str:
    if is_blank(fields, width):
        return "blank"
    if in_footer:
        return "footer row" if not repaired and len(fields) == width else "footer"
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
    if skipped.inside:
        one = len(skipped.inside) == 1
        notes.append(f"skipped {len(skipped.inside):,} line{'' if one else 's'} between rows that "
                     f"repeat{'s' if one else ''} a line of the footer ({line_list(skipped.inside)}): not "
                     f"{'a row' if one else 'rows'} of the table, so {'it has' if one else 'they have'} no prediction")
    if skipped.trailing_blank:
        n_blank = len(skipped.trailing_blank)
        notes.append(f"ignored {n_blank:,} blank line{'' if n_blank == 1 else 's'} after the last row "
                     f"({line_list(skipped.trailing_blank)})")
    return notes
