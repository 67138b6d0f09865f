"""What the user tells the reader instead of letting it guess: the header rows, the lines above the header, the
delimiter and the encoding (``kuai profile/train --header-rows/--skip-rows/--delimiter/--encoding``, and the Data
page's "Adjust how the file is read")."""

from __future__ import annotations

import codecs
from dataclasses import asdict, dataclass
from typing import Any

from kuai.engine.errors import ReadError

MAX_HEADER_ROWS = 20
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|", "space": " ",
                   "colon": ":", "caret": "^", "tilde": "~"}


@dataclass(frozen=True)
class ReadingOptions:
    """None: the reader guesses (and says what it found)."""

    header_rows: int | None = None  # rows the column names take; 0: the first row is data
    skip_rows: int | None = None  # lines above the header (titles, notes), skipped
    delimiter: str | None = None  # one character
    encoding: str | None = None  # a Python codec name: 'cp932', 'gb18030', 'latin-1', ...

    def is_default(self) -> bool:
        return self == ReadingOptions()

    def to_dict(self) -> dict[str, Any]:
        """The options set, as JSON (what a training saves, to read the file again the same way)."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReadingOptions:
        data = data or {}
        return reading_options(header_rows=data.get("header_rows"), skip_rows=data.get("skip_rows"),
                               delimiter=data.get("delimiter"), encoding=data.get("encoding"))

    def said(self) -> str:
        """'header rows 2, delimiter ';'': the options set, for the reading notes."""
        shown = {"header_rows": "header rows", "skip_rows": "lines skipped above the header",
                 "delimiter": "delimiter", "encoding": "encoding"}
        return ", ".join(f"{shown[key]} {value!r}" if isinstance(value, str) else f"{shown[key]} {value}"
                         for key, value in self.to_dict().items())


def reading_options(*, header_rows: int | str | None = None, skip_rows: int | str | None = None,
                    delimiter: str | None = None, encoding: str | None = None) -> ReadingOptions:
    """The options, checked; a value that cannot work is a ``ReadError`` (BAD_READING_OPTION) that says why."""
    return ReadingOptions(header_rows=_count(header_rows, "header rows", MAX_HEADER_ROWS),
                          skip_rows=_count(skip_rows, "lines to skip", None),
                          delimiter=_delimiter(delimiter), encoding=_encoding(encoding))


def _count(value: int | str | None, what: str, most: int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ReadError(f"The number of {what} must be a whole number, not {value!r}.",
                        code="BAD_READING_OPTION") from None
    if number < 0 or (most is not None and number > most):
        limit = f"0 to {most}" if most is not None else "0 or more"
        raise ReadError(f"The number of {what} must be {limit}, not {number}.", code="BAD_READING_OPTION")
    return number


def _delimiter(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    named = DELIMITER_NAMES.get(value.strip().lower(), value)
    if len(named) != 1 and len(named.strip()) == 1:
        named = named.strip()  # ', ' or ' | ': the delimiter with the spaces around it
    if len(named) != 1 or named in "\r\n\"'":
        raise ReadError(f"The delimiter must be one character (or one of {', '.join(DELIMITER_NAMES)}), not "
                        f"{value!r}.", code="BAD_READING_OPTION")
    return named


def _encoding(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        codec = codecs.lookup(value.strip())
    except LookupError:
        codec = None
    if codec is not None and getattr(codec, "_is_text_encoding", True):  # not 'base64' or 'rot13'
        return codec.name
    raise ReadError(f"Kuai does not know the encoding {value!r}. Use a name such as utf-8, cp1252, latin-1, "
                    "cp932 (Shift-JIS), gb18030, big5, cp949 (Korean) or cp1251.", code="BAD_READING_OPTION")
