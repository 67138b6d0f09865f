"""Cells that are not values: spreadsheet error cells, missing-value markers, and the spellings of infinity.

Each is found by its pattern where it has one, so that spellings not listed are found too:
- error cells of Excel (in its languages), Google Sheets, LibreOffice and Numbers ('#DIV/0!', '#¡VALOR!', '#N/D',
  '#GETTING_DATA', LibreOffice's 'Err:502') are read as missing and counted in a reading note;
- missing-value markers ('NA', 'null', '-', 'NaN', '-1.#IND', 'nan(ind)') are read as missing and counted per
  column in a reading note, so that a real value read as missing ('NA' for North America) can be seen; in a column
  of upper-case codes ('EU', 'APAC') 'NA' is kept as a code, and the note says so;
- infinity ('inf', '-Infinity', '∞', '1.#INF') is read as a number where the column is numbers, and said.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from kuai.engine.read._matches import cell_matches

_UPPER = "A-ZÀ-ÖØ-Þ"
# '#' and an upper-case word ending in '!' or '?' ('#DIV/0!', '#NAME?', '#SPILL!', '#¡VALOR!', '#VÄRDEFEL!'), the
# ones without ('#N/A', '#N/D', '#NV', '#GETTING_DATA') and LibreOffice's numbered errors ('Err:502')
ERROR_PATTERN = (rf"^(?:#[¡¿]?[{_UPPER}][{_UPPER}0-9_/.]*[!?]|#N/[{_UPPER}]|#(?:NV|NA|REF|NULL|GETTING_DATA)"
                 r"|Err:\d{3})$")
# the commonest, for the documentation and the checks that list them
SPREADSHEET_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#SPILL!", "#CALC!",
                      "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#GETTING_DATA", "#UNKNOWN!", "#ERROR!",
                      "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#VALEUR!", "#REF", "#NOM?", "#NOMBRE!", "#NUL!",
                      "Err:502", "Err:504")
NA_VALUES = ["", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL",
             "Null", "nil", "<NA>", "#NA", "#N/A N/A", "?", "-", "--", *SPREADSHEET_ERRORS,
             # German 'not available'
             "n.v.", "N.V.", "k.A.", "k. A."]
# NaN as programs write it: 'nan', '-NaN', 'nan(ind)', MSVC's '1.#QNAN' and '-1.#IND'
NAN_PATTERN = r"(?i)^[-+]?(?:nan(?:\([a-z0-9]*\))?|1\.#(?:qnan|snan|ind)0*)$"
INFINITY_PATTERN = r"(?i)^[-+]?(?:inf|infinity|∞|1\.#inf0*)$"
_MARKER_SET = pa.array([value for value in NA_VALUES if value])
_SHOWN = 4
_CODE = re.compile(r"^[A-Z]{2,5}$")


def errors_as_missing(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, int, str]:
    """Spreadsheet error cells ('#DIV/0!', 'Err:502') as missing values, and a note counting them ("" when none)."""
    errors = cell_matches(column, lambda values: pc.match_substring_regex(values, pattern=ERROR_PATTERN))
    found = _counts(column, errors)
    if not found:
        return column, 0, ""
    n_errors = sum(found.values())
    return pc.if_else(errors, pa.scalar(None, column.type), column), n_errors, error_note(n_errors, list(found))


def error_note(n_errors: int, kinds: list[str]) -> str:
    """"15 spreadsheet error values (#DIV/0!, #VALUE!) read as missing", the commonest kinds first."""
    shown = ", ".join(kinds[:_SHOWN]) + (", ..." if len(kinds) > _SHOWN else "")
    return f"{n_errors:,} spreadsheet error value{'' if n_errors == 1 else 's'} ({shown}) read as missing"


def markers_as_missing(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, list[str]]:
    """Empty cells and missing-value markers ('NA', 'null', 'NaN') as missing values; a note counting the markers
    (empty cells are missing without a word), and one when 'NA' is kept as a code."""
    empty = pc.fill_null(pc.equal(column, ""), False)
    markers = cell_matches(column, lambda values: pc.or_(
        pc.fill_null(pc.is_in(values, value_set=_MARKER_SET), False),
        pc.fill_null(pc.match_substring_regex(values, pattern=NAN_PATTERN), False)))
    found = _counts(column, markers)
    notes = []
    if "NA" in found and _holds_codes(column.filter(pc.invert(pc.or_(markers, empty)))):
        n_kept = found.pop("NA")
        notes.append(f"'NA' ({n_kept:,} cell{'' if n_kept == 1 else 's'}) is kept as a value, "
                     "not read as missing: the column holds upper-case codes, and 'NA' is one (North America, "
                     "Namibia)")
        markers = pc.and_(markers, pc.invert(pc.fill_null(pc.equal(column, "NA"), False)))
    if found:
        notes.append(marker_note(found))
    missing = pc.or_(markers, empty)
    if pc.any(missing).as_py():
        column = pc.if_else(missing, pa.scalar(None, column.type), column)
    return column, notes


def marker_note(found: dict[str, int]) -> str:
    """"91 cells read as missing: 'NA' (91)", the commonest markers first."""
    shown = ", ".join(f"{marker!r} ({count:,})" for marker, count in list(found.items())[:_SHOWN])
    more = ", ..." if len(found) > _SHOWN else ""
    n_markers = sum(found.values())
    return f"{n_markers:,} cell{'' if n_markers == 1 else 's'} read as missing: {shown}{more}"


def _holds_codes(values: pa.ChunkedArray) -> bool:
    """At least two distinct upper-case codes of 2 to 5 letters ('EU', 'APAC', 'LATAM'), and nothing else (empty
    cells are no value: a column of codes with blanks is still one)."""
    distinct = pc.unique(values.drop_null()).to_pylist()
    return len(distinct) >= 2 and all(isinstance(value, str) and _CODE.match(value) for value in distinct)


def infinities_as_text_numbers(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, dict[str, int]]:
    """The column with each spelling of infinity written 'inf' or '-inf' (which a cast reads), and the spellings
    found with their counts ({} when none)."""
    spelled = pc.fill_null(pc.match_substring_regex(column, pattern=INFINITY_PATTERN), False)
    found = _counts(column, spelled)
    if not found:
        return column, {}
    negative = pc.starts_with(column, "-")
    written = pc.if_else(negative, pa.scalar("-inf", column.type), pa.scalar("inf", column.type))
    return pc.if_else(spelled, written, column), found


def infinity_note(found: dict[str, int]) -> str:
    """"12 values ('1.#INF', '∞') read as infinity", which the checks then count as unusable numbers."""
    n_values = sum(found.values())
    shown = ", ".join(repr(spelling) for spelling in list(found)[:_SHOWN]) + (", ..." if len(found) > _SHOWN else "")
    return f"{n_values:,} value{'' if n_values == 1 else 's'} ({shown}) read as infinity"


def nan_note(column: pa.ChunkedArray) -> str:
    """"5 cells read as missing: 'NaN' (5)" for the NaN the parser read in a column of numbers ("" when none)."""
    n_nan = int(pc.sum(pc.is_nan(column)).as_py() or 0)
    return marker_note({"NaN": n_nan}) if n_nan else ""


def _counts(column: pa.ChunkedArray, mask: pa.ChunkedArray) -> dict[str, int]:
    """The values where ``mask`` holds, with their counts, the commonest first."""
    if not pc.any(mask).as_py():
        return {}
    found = pc.value_counts(column.filter(mask)).to_pylist()
    ordered = sorted(found, key=lambda entry: (-entry["counts"], entry["values"]))
    return {entry["values"]: int(entry["counts"]) for entry in ordered}


def is_error_cell(text: str) -> bool:
    """``ERROR_PATTERN`` for one value (the workbook reader's cells)."""
    return _ERROR_RE.match(text) is not None


def is_missing_marker(text: str) -> bool:
    """A missing-value marker or a spelling of NaN, for one value."""
    return text in _MARKERS or _NAN_RE.match(text) is not None


_ERROR_RE = re.compile(ERROR_PATTERN)
_NAN_RE = re.compile(NAN_PATTERN)
_MARKERS = frozenset(NA_VALUES)
