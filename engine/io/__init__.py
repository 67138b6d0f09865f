"""Robust reading of tabular files: kind, encoding, dialect, title lines, footer, size caps.

``read_table(path)`` is the one reader the app, the CLI and ``kuai predict`` use; ``read_table(path, scoring=True)``
reads a file to score, where every row of the table is kept (one prediction per input row).
Bad input raises :class:`~engine.errors.ReadError` with a stable code and a message
that says what was found and what to do.
"""

from engine.io._describe import describe_reading
from engine.io._encoding import detect_encoding
from engine.io._layout import detect_dialect
from engine.io._markers import NA_VALUES, SPREADSHEET_ERRORS
from engine.io._reader import Dialect, read_table, read_table_for_scoring, read_table_with_dialect

__all__ = ["NA_VALUES", "SPREADSHEET_ERRORS", "Dialect", "describe_reading", "detect_dialect", "detect_encoding",
           "read_table", "read_table_for_scoring", "read_table_with_dialect"]
