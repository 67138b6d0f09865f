"""Rewrite a small file whose rows are short (trailing fields left off) into a clean table."""

from __future__ import annotations

import csv
import io

import pyarrow as pa

from kuai.engine.read._layout import Layout
from kuai.engine.read._lines import is_blank, is_separator

REPAIR_MAX_BYTES = 64 * 1024**2


def repair_short_rows(stream: io.TextIOWrapper, layout: Layout, footer: set[str]) -> tuple[pa.Buffer, int] | None:
    """Pad rows that stop early; drop empty cells past the last column, blank, footer and separator lines (a row
    of empty cells stays a row).

    Returns the rewritten UTF-8 text and the number of rows mended, or None when a row
    has more values than the header (that is a real fault, reported to the user).
    """
    for _ in range(layout.preamble_lines):
        stream.readline()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, quotechar='"', lineterminator="\n")
    mended = 0
    try:
        for fields in csv.reader(stream, delimiter=layout.delimiter, quotechar=layout.quotechar):
            if is_blank(fields, layout.n_fields) or layout.delimiter.join(fields).strip() in footer \
                    or is_separator(fields, layout.delimiter):
                continue  # the reading notes name these lines
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
