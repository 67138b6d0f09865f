"""What the reader says about the layout it found: each guess, so that the user can see it and change it (the header
rows, the lines skipped above them, the delimiter, the encoding: ``ReadingOptions``)."""

from __future__ import annotations

from kuai.engine.read._layout import Layout
from kuai.engine.read._lines import SkippedLines, line_list
from kuai.engine.read._options import ReadingOptions

NO_ROWS_NOTE = "the file has a header but no rows: its columns are shown, but there is nothing to train on"
_CHANGE = "(set the header rows to read it otherwise)"


def layout_notes(layout: Layout, footer: list[str], encoding: str, skipped: SkippedLines,
                 options: ReadingOptions) -> tuple[str, ...]:
    notes = []
    if not options.is_default():
        notes.append(f"read with your settings: {options.said()}")
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"read as {encoding} text")
    if layout.preamble_lines:
        lines = "line 1" if layout.preamble_lines == 1 else f"lines 1-{layout.preamble_lines}"
        notes.append(f"skipped {layout.preamble_lines} line(s) above the header ({lines})")
    if not layout.has_header:
        notes.append("the first row holds data, not names: columns are named column_1, column_2, ...")
    notes += _header_notes(layout)
    quoting = layout.quoting.note(layout.delimiter)
    if quoting:
        notes.append(quoting)
    if footer:
        where = f"{line_list(skipped.footer)}, " if skipped.footer else ""
        notes.append(f"ignored {len(footer)} line(s) after the table ({where}after its last row), such as "
                     f"'{footer[0][:40]}'")
    if layout.decimal == ",":
        notes.append("numbers use a decimal comma")
    if layout.thousands:
        notes.append(f"numbers use '{layout.thousands}' between thousands")
    return tuple(notes)


def _header_notes(layout: Layout) -> list[str]:
    """The header rows beyond the first: joined into the names, or read as descriptions of the columns."""
    header = layout.header
    first, last = layout.preamble_lines + 1, layout.preamble_lines + max(layout.header_lines, header.rows)
    notes = []
    if header.joined:
        lines = f"lines {first}-{last}"
        example = next((name for name in header.names if " " in name), header.names[0] if header.names else "")
        notes.append(f"the column names take {header.rows} rows ({lines}), joined into one name per column, a blank "
                     f"cell taking the name to its left (such as '{example[:60]}') {_CHANGE}")
    elif header.described:
        lines = f"line {last}" if last == first + 1 else f"lines {first + 1}-{last}"
        notes.append(f"the header's first row names the columns; the {header.described} row(s) under it "
                     f"({lines}) describe them rather than hold data, and are not read as rows {_CHANGE}")
    if layout.row_names:
        notes.append("the header names one column fewer than each row holds: the first column (row names, as R "
                     "writes them) has no name")
    return notes
