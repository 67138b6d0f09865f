"""The engine's error base: every user-facing error carries a stable code."""

from __future__ import annotations

import re


class EngineError(Exception):
    """Base of all engine errors. ``code`` is stable; the message says what to do."""

    code: str = "ENGINE_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.args[0]}"


class ReadError(EngineError, ValueError):
    """The data file cannot be read as a table."""

    code = "READ_ERROR"


class TargetError(EngineError, ValueError):
    """The chosen target cannot be learned."""

    code = "TARGET_ERROR"


class SchemaError(EngineError, ValueError):
    """Data to score does not match the model's input schema."""

    code = "SCHEMA_ERROR"


class OptionError(EngineError, ValueError):
    """An option the user gave cannot be used: a number out of range, a column that is not in the data, choices that
    contradict each other (``kuai.engine.data.option_checks``)."""

    code = "BAD_OPTION"


class BudgetError(EngineError, ValueError):
    """The time budget is too small to produce any model."""

    code = "BUDGET_TOO_SMALL"


class CancelledError(EngineError):
    """The job was cancelled by the user."""

    code = "CANCELLED"


class RowCountError(EngineError):
    """Scoring gave more or fewer output rows than the input has: never written, whatever the cause."""

    code = "ROW_COUNT_MISMATCH"


def check_row_count(n_input: int, n_output: int, what: str) -> None:
    """One output row per input row, in order (docs/product.md): a count that differs is a coded error here, never
    a table of predictions that would silently belong to other rows. ``what``: the step, in words ('the reader')."""
    if n_input != n_output:
        raise RowCountError(f"{what} gave {n_output:,} row{'' if n_output == 1 else 's'} for {n_input:,} input "
                            f"row{'' if n_input == 1 else 's'}, so the predictions would not line up with the input; "
                            "nothing was written. This is a fault in Kuai: please report it with the file.")


def is_disk_full(exc: BaseException | None) -> bool:
    """The error, or one it was raised from or while handling, says the disk is full (OS or SQLite), or a file reached
    the size this process may write (``ulimit -f``, EFBIG): either way nothing more can be written."""
    import errno

    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        text = str(exc).lower()
        if "database or disk is full" in text or "no space left on device" in text or "file too large" in text:
            return True
        if "disk i/o error" in text and _file_size_limited():  # SQLite's word for a write refused with EFBIG
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _file_size_limited() -> bool:
    """Whether this process may write files only up to a size (``ulimit -f``, RLIMIT_FSIZE): SQLite reports a write
    refused by it (EFBIG) as a 'disk I/O error', without the OS error."""
    try:
        import resource

        return resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY
    except (ImportError, OSError, ValueError):
        return False


_SQL_PARTS = re.compile(r"\s*\[(?:SQL|parameters|generated in [^\]]*)\b.*?(?=\n\[|\n\(Background|\Z)|"
                        r"\s*\(Background on this error at:[^)]*\)", re.DOTALL)


def shown_text(exc: BaseException) -> str:
    """An unexpected error as one line for the user: its type and message, without the SQL statements and
    parameters SQLAlchemy appends ('[SQL: ...]', '[parameters: ...]', its 'Background' link), which say nothing to a
    user and may carry their data; the whole error stays in the log."""
    message = " ".join(_SQL_PARTS.sub("", str(exc)).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


DISK_FULL_MESSAGE = ("The disk is full, or a file reached the size this process may write (ulimit -f): the command "
                     "stopped. A training keeps every trial it finished; free some space (or raise the limit), then "
                     "run the command again (a training: kuai train --resume DIR, or Resume on the Runs page).")


def full_disk_path(exc: BaseException | None) -> str | None:
    """The file that could not be written, when the error says which."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.filename:
            return str(exc.filename)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None
