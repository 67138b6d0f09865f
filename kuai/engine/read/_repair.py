"""Rewrite a small file into a clean table: rows that stop early padded, empty cells past the last column dropped,
values after a padded delimiter (``a, "b, c"``) unquoted as the csv module reads them."""

from __future__ import annotations

import csv
import io

import pyarrow as pa

from kuai.engine.read._layout import Layout
from kuai.engine.read._lines import is_blank, is_separator

REPAIR_MAX_BYTES = 64 * 1024**2


def repair_short_rows(stream: io.TextIOWrapper, layout: Layout, footer: list[str]) -> tuple[pa.Buffer, int] | None:
    """The rows under the header as plain CSV (UTF-8, doubled quotes), and the number of rows mended: rows that stop
    early are padded; empty cells past the last column, blank, footer and separator lines are dropped (a row of
    empty cells stays a row).

    None when a row has more values than the header (that is a real fault, reported to the user).
    """
    footer_rows = {tuple(next(layout.csv_reader([line]), [])) for line in footer}
    for _ in range(layout.preamble_lines):
        stream.readline()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, quotechar='"', lineterminator="\n")
    mended, header_left = 0, layout.header_rows
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
                    return None
                fields, mended = fields[:layout.n_fields], mended + 1
            elif len(fields) < layout.n_fields:
                fields, mended = fields + [""] * (layout.n_fields - len(fields)), mended + 1
            writer.writerow(fields)
    except csv.Error:
        return None
    return pa.py_buffer(out.getvalue().encode("utf-8")), mended

