"""Numbers that carry marks: statistical footnote flags, a few words for 'no value', bounds.

Statistics offices write a flag after a number ('6.4 p' provisional, '7.2 e' estimated, '12.3b', '1 234 (p)',
'5.0 [r]') and a sign for 'not available' (':', '..', '…'); laboratory instruments write a word where no value was
measured ('Undetermined', 'n.d.', '<LOD') or a bound ('<0,5': below the limit of detection). A column of numbers with
such marks is numbers: the flags are taken off, the words, signs and bounds read as missing, and a note says so.

The rule asks for a column that is mostly numbers (two thirds of its values at least, flags and bounds aside); flags
of one or two lower-case letters that some numbers carry and others do not, or in brackets (a bare unit written after
every number is not a flag); and at most three words without digits, on at most a third of the values.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

NUMBER_SHARE = 2 / 3  # values (flags and bounds aside) that must be numbers
MAX_WORDS = 3  # distinct spellings of 'no value'
WORD_SHARE = 1 / 3  # of the values at most
MAX_FLAGS = 8  # distinct flags
MIN_VALUES = 5
_PROBE = 200
_SHOWN = 4
_FLAG = r"^(.*\d)\s*(?:\(([a-z]{1,2})\)|\[([a-z]{1,2})\]|([a-z]{1,2}))$"  # '6.4 p', '12.3b', '1 234 (p)'
_NOT_AVAILABLE = re.compile(r"^(?::|\.\.|\.\.\.|…)\s*[a-z]{0,2}$")  # ':', ': c', '..'
_WORD = re.compile(r"^[^\d]{1,40}$")
_LIMIT = re.compile(r"^[<>≤≥]\s*(.+)$")  # '<0,5', '> 1000': below or above what the method measures


def unmark_numbers(column: pa.ChunkedArray, number: re.Pattern[str], *,
                   words: bool = True) -> tuple[pa.ChunkedArray | None, list[str]]:
    """The column with flags taken off numbers and its words for 'no value' missing, ready to be read as numbers
    (``number``: a number in the file's format); None when the column is not numbers with marks (``words``: False
    when no word may be read as missing)."""
    present = column.drop_null()
    if len(present) < MIN_VALUES:
        return None, []
    flag = re.compile(_FLAG)
    probe = present.slice(0, _PROBE).to_pylist()
    numbers_in_probe = sum(bool(number.match(v) or ((m := flag.match(v)) and number.match(m.group(1)))
                                or ((c := _LIMIT.match(v)) and number.match(c.group(1)))) for v in probe)
    if numbers_in_probe < NUMBER_SHARE * len(probe):
        return None, []
    stripped = pc.replace_substring_regex(column, pattern=_FLAG, replacement=r"\1")
    flagged = pc.fill_null(pc.not_equal(stripped, column), False)
    n_flagged = int(pc.sum(flagged).as_py() or 0)
    flags: list[str] = []
    if n_flagged:
        found = [m for v in pc.unique(column.filter(flagged)).to_pylist() if (m := flag.match(v))]
        flags = sorted({m.group(2) or m.group(3) or m.group(4) for m in found})
        bare = any(m.group(4) for m in found)
        if (n_flagged == len(present) and bare) or len(flags) > MAX_FLAGS:
            return None, []  # a bare word on every number: a unit; many kinds: words, not flags
    is_number = pc.fill_null(pc.match_substring_regex(stripped, pattern=number.pattern), False)
    others = stripped.filter(pc.and_(pc.invert(is_number), pc.is_valid(stripped)))
    counts = {item["values"]: item["counts"] for item in pc.value_counts(others).to_pylist()}
    signs = {value: n for value, n in counts.items() if _NOT_AVAILABLE.match(value.strip())}
    limits = {value: n for value, n in counts.items()
              if (c := _LIMIT.match(value.strip())) and number.match(c.group(1))}
    found_words = {value: n for value, n in counts.items() if value not in signs and value not in limits}
    if found_words and not words:
        return None, []
    if len(found_words) > MAX_WORDS or sum(found_words.values()) > WORD_SHARE * len(present) or not all(
            _WORD.match(value.strip()) for value in found_words):
        return None, []
    if not n_flagged and not counts:
        return None, []
    unmarked = pc.if_else(is_number, stripped, pa.scalar(None, pa.string()))
    return unmarked, _notes(n_flagged, flags, signs, found_words, limits)


def _notes(n_flagged: int, flags: list[str], signs: dict[str, int], words: dict[str, int],
           limits: dict[str, int]) -> list[str]:
    notes = []
    if limits:
        n = sum(limits.values())
        shown = ", ".join(f"'{value}'" for value in list(limits)[:_SHOWN])
        notes.append(f"{n:,} value{'' if n == 1 else 's'} beyond a limit of detection ({shown}) read as missing: "
                     "the value was not measured, only bounded")
    if n_flagged:
        shown = ", ".join(f"'{flag}'" for flag in flags[:_SHOWN]) + (", ..." if len(flags) > _SHOWN else "")
        notes.append(f"{n_flagged:,} number{' carries' if n_flagged == 1 else 's carry'} a footnote flag ({shown}), "
                     "taken off: the numbers are read, the flags are not kept")
    missing = {**signs, **words}
    if missing:
        n = sum(missing.values())
        shown = ", ".join(f"'{value}'" for value in list(missing)[:_SHOWN])
        notes.append(f"{n:,} value{'' if n == 1 else 's'} that {'is' if n == 1 else 'are'} not a number ({shown}) "
                     "read as missing in a column of numbers")
    return notes
