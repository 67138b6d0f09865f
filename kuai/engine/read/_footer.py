"""The lines after the table: a totals row, notes, a source or copyright line, a ruler.

Found on the last few kilobytes of text: walking up from the end, a line is not a row of the table when it is short
(one or two values in a wide table), a totals row (its first value 'Total', 'Summe', '合計', 'Итого', ..., the others
numbers or blank), a labelled value ('Kontostand am 31.03.2024:;;;1.234,56') or a ruler ('-----'); and the lines
after the last blank line are not rows when none of them fits the table (as many values as columns, numbers where the
columns hold numbers).
"""

from __future__ import annotations

import csv
import re
from typing import Protocol

from kuai.engine.read._values import SEPARATOR_LINE, is_missing, is_number, is_text, split_lines

FOOTER_MAX_LINES = 5
TOTAL_ALTERNATIVES = (
    r"grand total|sub-?totals?|totals?|sum|summe|zwischensumme|gesamt|gesamtsumme|insgesamt|endsumme|somme|"
    r"total général|totaal|totale|suma|totalt|summa|yhteensä|celkem|razem|összesen|toplam|итого|всего|разом|усього|"
    r"合計|合计|总计|總計|小計|小计|총계|합계")
TOTAL_WORDS = re.compile(rf"^({TOTAL_ALTERNATIVES})(\b|:|$)", re.I)


class TableShape(Protocol):
    """What the footer rules need of the layout."""

    @property
    def delimiter(self) -> str: ...
    @property
    def quotechar(self) -> str: ...
    @property
    def n_fields(self) -> int: ...
    @property
    def numeric_columns(self) -> tuple[int, ...]: ...
    @property
    def filled_columns(self) -> tuple[int, ...]: ...


def footer_lines(tail: str, layout: TableShape) -> list[str]:
    """The trailing lines that are not rows of the table, in file order (blank lines left out)."""
    if layout.n_fields <= 1:
        return []
    lines = split_lines(tail)
    while lines and not lines[-1].strip():
        lines.pop()
    filled = [line for line in lines if not _is_blank(line, layout)]  # a line of delimiters only is blank too
    footer = _after_blank_line(lines, layout)
    above = filled[:len(filled) - len(footer)]
    for line in reversed(above[-(FOOTER_MAX_LINES + 1 - len(footer)):] if len(footer) <= FOOTER_MAX_LINES else []):
        fields = _fields(line, layout)
        is_short = len(fields) <= max(1, layout.n_fields // 2) and (layout.quotechar not in line
                                                                     or _quoted_whole(line, layout.quotechar))
        if not (is_short or is_totals_row(fields) or is_labelled_line(fields) or SEPARATOR_LINE.match(line)):
            break
        footer.insert(0, line)
    if len(footer) >= len(filled):
        return []  # nothing but short lines: let the parser report them
    return footer


def _after_blank_line(lines: list[str], layout: TableShape) -> list[str]:
    """The lines after the last blank line when none of them fits the table (a note, a source, a copyright)."""
    blanks = [i for i, line in enumerate(lines) if _is_blank(line, layout)]
    if not blanks:
        return []
    block = lines[blanks[-1] + 1:]
    if not block or len(block) > FOOTER_MAX_LINES or all(_is_blank(line, layout) for line in lines[:blanks[-1]]):
        return []
    if any(line.count(layout.quotechar) % 2 for line in block):
        return []  # a quoted value that holds a blank line, and goes on after it
    if any(_fits(_fields(line, layout), layout) for line in block):
        return []
    return block


def _quoted_whole(line: str, quotechar: str) -> bool:
    """'"Confidential Information"': one quoted value that opens and closes on the line (not the end of a value
    that began on a line above)."""
    text = line.strip()
    return len(text) >= 2 and text[0] == text[-1] == quotechar and text.count(quotechar) % 2 == 0


def is_labelled_line(fields: list[str]) -> bool:
    """'Kontostand am 31.03.2024:;;;1.234,56': a label ending with a colon and a value or two, in a wide table (a
    balance, a count, a date the report tool appended)."""
    filled = [f.strip() for f in fields if f.strip()]
    return bool(filled) and filled[0].endswith(":") and len(fields) > 2 and len(filled) <= max(2, len(fields) // 2)


def _fits(fields: list[str], layout: TableShape) -> bool:
    """As many values as the table has columns (or more, empty), more than one of them filled, a value where the
    rows always have one (a statement's date), and numbers or blanks where the columns hold numbers."""
    if len(fields) < layout.n_fields or any(value.strip() for value in fields[layout.n_fields:]) \
            or sum(bool(value.strip()) for value in fields) < 2 \
            or not all(fields[i].strip() for i in layout.filled_columns if i < len(fields)):
        return False
    return not any(is_text(fields[i]) for i in layout.numeric_columns if i < len(fields))


def is_totals_row(fields: list[str]) -> bool:
    """'Total,,,1234', 'Summe;;;;23.456,78;EUR', 'Grand total,120,340.5': a total a report tool appended, its first
    value a word for 'total', the others numbers or blank (or few)."""
    filled = [f for f in fields if f.strip()]
    if not filled or not TOTAL_WORDS.match(filled[0].strip()):
        return False
    return len(filled) <= max(2, len(fields) // 2) or all(is_number(f) or is_missing(f) for f in filled[1:])


def _is_blank(line: str, layout: TableShape) -> bool:
    return not any(value.strip() for value in _fields(line, layout))


def _fields(line: str, layout: TableShape) -> list[str]:
    return next(csv.reader([line], delimiter=layout.delimiter, quotechar=layout.quotechar), [])
