"""How a file was read, in plain words, for ``kuai profile``, the Data page and the Predict page."""

from __future__ import annotations

from kuai.engine.read._reader import Dialect

_SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes", " ": "spaces",
               "\x1f": "nothing (one column)"}
_DECIMALS = {".": "a decimal point ('1.5')", ",": "a decimal comma ('1,5')"}


def describe_reading(dialect: Dialect | None) -> tuple[str, ...]:
    """The delimiter, the encoding and the decimal separator of a delimited file (always said, even when they are
    the usual ones), then the reader's notes (what it found and did: for a workbook, the sheet read first)."""
    if dialect is None:  # a Parquet file the reader had nothing to say about
        return ()
    if not dialect.delimiter:  # a Parquet or Excel file: the sheet read is among the notes
        return dialect.notes
    separator = _SEPARATORS.get(dialect.delimiter, f"'{dialect.delimiter}'")
    encoding = "UTF-8" if dialect.encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig") else dialect.encoding
    decimal = _DECIMALS.get(dialect.decimal, f"'{dialect.decimal}' as the decimal separator")
    said = {f"read as {dialect.encoding} text", "numbers use a decimal comma"}  # in the first line already
    notes = tuple(note for note in dialect.notes if note not in said)
    return (f"values separated by {separator}, {encoding} text, numbers with {decimal}", *notes)
