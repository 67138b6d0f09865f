"""Rewrite a small file into a clean table: rows that stop early padded, empty cells past the last column dropped,
values after a padded delimiter (``a, "b, c"``) unquoted as the csv module reads them, a value that held the delimiter
joined back."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pyarrow as pa

from kuai.engine.read._header import value_shape
from kuai.engine.read._layout import Layout
from kuai.engine.read._lines import is_blank, is_separator

REPAIR_MAX_BYTES = 64 * 1024**2


def repair_short_rows(stream: io.TextIOWrapper, layout: Layout,
                      footer: list[str]) -> tuple[pa.Buffer, int, list[tuple[str, str]]] | None:
    """The rows under the header as plain CSV (UTF-8, doubled quotes), the number of rows mended, and the column and
    value of each value joined back: rows that stop early are padded; empty cells past the last column, blank, footer
    and separator lines are dropped (a row of empty cells stays a row); a row with more values, where one value held
    the delimiter and one position to join them back fits the columns best, is joined there.

    None when a row has more values than the header and no position is clearly right (reported to the user).
    """
    footer_rows = {tuple(next(layout.csv_reader([line]), [])) for line in footer}
    for _ in range(layout.preamble_lines):
        stream.readline()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, quotechar='"', lineterminator="\n")
    mended, header_left, rows_seen = 0, layout.header_rows, 0
    shapes: list[Counter[str]] = [Counter() for _ in range(layout.n_fields)]
    names: list[tuple[str, str]] = []  # the column and the value joined back, one per row
    try:
        for fields in layout.csv_reader(stream):
            if is_blank(fields, layout.n_fields) or tuple(fields) in footer_rows \
                    or is_separator(fields, layout.delimiter):
                continue  # the reading notes name these lines
            if header_left:
                header_left -= 1
                continue
            if len(fields) > layout.n_fields:
                if any(value.strip() for value in fields[layout.n_fields:]):
                    joined = _joined(fields, layout, shapes)
                    if joined is None:
                        return None
                    fields, position = joined
                    names.append((_name(layout, position), fields[position]))
                else:
                    fields = fields[:layout.n_fields]
                mended += 1
            elif len(fields) < layout.n_fields:
                fields, mended = fields + [""] * (layout.n_fields - len(fields)), mended + 1
            elif rows_seen < _SHAPE_ROWS:
                for counter, value in zip(shapes, fields, strict=True):
                    counter[value_shape(value)] += 1
                rows_seen += 1
            writer.writerow(fields)
    except csv.Error:
        return None
    return pa.py_buffer(out.getvalue().encode("utf-8")), mended, names


_SHAPE_ROWS = 500  # rows whose values' shapes say what each column looks like


def _joined(fields: list[str], layout: Layout, shapes: list[Counter[str]]) -> tuple[list[str], int] | None:
    """A row with more values than columns, where one value held the delimiter followed by a space, as prose writes
    it ('12 Main St, Apt 4B'): the row with the values at one position joined back, the position where every value
    then has its column's usual shape (and the joined one begins like its column's values), and that position; None
    when no position is clearly best."""
    extra = len(fields) - layout.n_fields
    common = [counter.most_common(1)[0][0] if counter else None for counter in shapes]
    scores = []
    for position in range(layout.n_fields):
        if not all(piece[:1].isspace() for piece in fields[position + 1:position + extra + 1]):
            continue  # prose puts a space after a comma ('St, Apt 4B'); a delimiter of this file has none
        candidate = [*fields[:position], layout.delimiter.join(fields[position:position + extra + 1]),
                     *fields[position + extra + 1:]]
        fit = sum(value_shape(value) == shape for value, shape in zip(candidate, common, strict=True))
        joined = candidate[position]  # begins as its column's values do (not with the space after a comma in prose)
        begins = common[position] is not None and joined[:1] == joined.strip()[:1] and \
            value_shape(joined).startswith(str(common[position]))
        scores.append((fit + 0.5 * begins, position, candidate))
    scores.sort(key=lambda item: -item[0])
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]) or scores[0][0] < layout.n_fields - 1:
        return None
    return scores[0][2], scores[0][1]


def _name(layout: Layout, position: int) -> str:
    return layout.header_fields[position].strip() if position < len(layout.header_fields) else f"column {position + 1}"


def repair_note(n_mended: int, joined: list[tuple[str, str]]) -> str:
    """What the repair did: rows padded, and values joined back (their column, one example)."""
    padded = n_mended - len(joined)
    notes = [f"{padded:,} row(s) did not have one value per column; missing values were left empty"] if padded else []
    if joined:
        columns = ", ".join(f"'{name}'" for name in dict.fromkeys(name for name, _ in joined))
        notes.append(f"{len(joined):,} row(s) had one more value than the columns: a value held the delimiter without "
                     f"quotes (such as '{joined[0][1][:40]}'), joined back in {columns}, where the row then fits its "
                     "columns best")
    return "; ".join(notes)
