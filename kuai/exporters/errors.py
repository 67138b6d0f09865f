"""The exporters' error types: every error carries a stable ``code`` and a readable message."""

from __future__ import annotations


class ExporterError(Exception):
    """Base of all exporter errors. ``code`` is stable; the message says what went wrong."""

    code: str = "EXPORTER_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ExportError(ExporterError, RuntimeError):
    """A fitted model cannot be converted, saved or scored in an exported format."""

    code = "EXPORT_ERROR"
