"""Robust reading of tabular files: kind, encoding, dialect, title lines, footer, size caps.

``read_table(path)`` is the one reader the app, the CLI and ``kuai predict`` use.
Bad input raises :class:`~engine.errors.ReadError` with a stable code and a message
that says what was found and what to do.
"""

from engine.io._columns import NA_VALUES
from engine.io._encoding import detect_encoding
from engine.io._layout import detect_dialect
from engine.io._reader import Dialect, read_table, read_table_with_dialect

__all__ = ["NA_VALUES", "Dialect", "detect_dialect", "detect_encoding", "read_table", "read_table_with_dialect"]
