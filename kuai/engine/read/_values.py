"""What a cell of the sample holds, as the layout rules see it: a number (in any of the formats Kuai reads), a
missing-value marker, nothing, or text."""

from __future__ import annotations

import re

from kuai.engine.read._markers import INFINITY_PATTERN, is_error_cell, is_missing_marker

SEPARATOR_LINE = re.compile(r"^[\s\-=+|_*~#]+$")
NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")  # a plain number, either decimal mark
# a number with thousands grouped by '.', ',', spaces or apostrophes, either decimal mark
_FORMATTED_NUMBER = re.compile(r"^[-+]?(\d{1,3}([.,\s\u00a0\u202f'’]\d{3})+([.,]\d+)?|\d+([.,]\d+)?|[.,]\d+)"
                               r"([eE][-+]?\d+)?$")
CURRENCY_SIGNS = "$€£¥₹₺₽₩₪₫₱₦₴₸฿"
_LETTERS = "A-Za-zÀ-ɏЀ-ӿ"  # Latin and Cyrillic letters, spelt out: Python's and RE2's classes differ
# before a number: a sign with an optional country ('R$', 'US$', '€'), or a code and a space ('EUR 12')
CURRENCY_BEFORE = rf"(?:[A-Z]{{1,3}}\s?)?[{CURRENCY_SIGNS}]|[A-Z]{{3}}\s"
# after it: a sign, or a word of three letters at most ('TL', 'PLN', 'zł', 'Kč', 'Ft', 'kr', 'лв', 'kg')
CURRENCY_AFTER = rf"[{CURRENCY_SIGNS}]|[{_LETTERS}]{{1,3}}"
_AFFIXES = re.compile(rf"^[(\s]*[-+]?\s*(?:{CURRENCY_BEFORE})?\s*|\s*(%|{CURRENCY_AFTER})?[)\s]*$")
LETTER_WORD = re.compile(rf"[{_LETTERS}]+")
NUMERIC_SHARE = 0.9  # a column of the sample is numbers when this share of its values are
MIN_VALUES = 2  # and it has at least this many
PROBE_ROWS = 200


def split_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\n|\r", text)


def strip_number_affixes(value: str) -> str:
    """'(1,234.50 $)' -> '1,234.50': currency, percent and accounting brackets around a number."""
    return _AFFIXES.sub("", value.strip())


def is_number(value: str) -> bool:
    """A number as a table writes one: '12', '-3.5', '1.234,50', '(1,200 $)', '45 %', and infinity in every
    spelling the reader reads ('inf', '-Infinity', '∞', '1.#INF')."""
    if _PLAIN_NUMBER.match(value) or _INFINITY.match(value.strip()):
        return True
    stripped = strip_number_affixes(value)
    return bool(stripped) and _FORMATTED_NUMBER.match(stripped) is not None


_PLAIN_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*$")
_INFINITY = re.compile(INFINITY_PATTERN)


def is_missing(value: str) -> bool:
    """Blank, a missing-value marker ('NA', '-') or a spreadsheet error cell."""
    stripped = value.strip()
    return not stripped or is_missing_marker(stripped) or is_error_cell(stripped)


def is_text(value: str) -> bool:
    """A value that is neither missing nor a number."""
    return not is_missing(value) and not is_number(value)


def numeric_columns(rows: list[list[str]], width: int) -> tuple[int, ...]:
    """The positions where the rows hold numbers (missing values aside), judged on the first rows."""
    rows = rows[:PROBE_ROWS]
    positions = []
    for position in range(width):
        numbers = others = 0
        for row in rows:
            value = row[position] if position < len(row) else ""
            if is_number(value):
                numbers += 1
            elif not is_missing(value):
                others += 1
        if numbers + others >= MIN_VALUES and numbers >= NUMERIC_SHARE * (numbers + others):
            positions.append(position)
    return tuple(positions)
