"""The engine's error base: every user-facing error carries a stable code."""

from __future__ import annotations


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


class BudgetError(EngineError, ValueError):
    """The time budget is too small to produce any model."""

    code = "BUDGET_TOO_SMALL"


class CancelledError(EngineError):
    """The job was cancelled by the user."""

    code = "CANCELLED"
