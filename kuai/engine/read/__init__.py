"""Reading a table: its kind, encoding, dialect, header, footer and dates, and what could not be read.

Robust reading of tabular files: kind, encoding, dialect, title lines, footer, size caps.

``read_table(path)`` is the one reader the app, the CLI and ``kuai predict`` use; ``read_table(path, scoring=True)``
reads a file to score, where every row of the table is kept (one prediction per input row).
Bad input raises :class:`~kuai.engine.errors.ReadError` with a stable code and a message
that says what was found and what to do.
"""

from kuai.engine.read._describe import describe_reading
from kuai.engine.read._encoding import detect_encoding
from kuai.engine.read._layout import detect_dialect
from kuai.engine.read._markers import NA_VALUES, SPREADSHEET_ERRORS
from kuai.engine.read._options import ReadingOptions, reading_options
from kuai.engine.read._reader import Dialect, read_table, read_table_for_scoring, read_table_with_dialect, require_rows

__all__ = ["NA_VALUES", "SPREADSHEET_ERRORS", "Dialect", "ReadingOptions", "describe_reading", "detect_dialect",
           "detect_encoding", "read_table", "read_table_for_scoring", "read_table_with_dialect", "reading_options",
           "require_rows"]
