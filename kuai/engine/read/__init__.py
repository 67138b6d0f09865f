"""Reading a table: its kind, encoding, dialect, header, footer and dates, and what could not be read.

Robust reading of tabular files: kind, encoding, dialect, title lines, footer, size caps.

``read_table(path)`` is the one reader the app, the CLI and ``kuai predict`` use; ``read_table(path, scoring=True)``
reads a file to score, where every row of the table is kept (one prediction per input row).
Bad input raises :class:`~kuai.engine.errors.ReadError` with a stable code and a message
that says what was found and what to do.
"""

import lazy_loader

# Each name is imported when first used: ``kuai train``'s parent reads ``ReadingOptions`` (the user's reading
# settings) and must not load pandas and pyarrow with it (docs/processes.md).
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "_describe": ["describe_reading"],
    "_encoding": ["detect_encoding"],
    "_layout": ["detect_dialect"],
    "_markers": ["NA_VALUES", "SPREADSHEET_ERRORS"],
    "_options": ["ReadingOptions", "reading_options"],
    "_reader": ["Dialect", "read_table", "read_table_for_scoring", "read_table_with_dialect", "require_rows"],
})
