"""Robust reading of tabular files: kind, encoding, dialect, size caps.

``read_table(path)`` is the one reader the app, the CLI and ``kuai predict``
use. Bad input raises :class:`ReadError` with a stable code and a message that
says what was found and what to do.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.errors import ReadError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024**3  # 2 GiB on disk
MAX_DECOMPRESSED_BYTES = 1024**3  # zip-bomb guard for gzip'd CSV
SAMPLE_BYTES = 64 * 1024
NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?", "#N/A"]

_MAGIC = {
    b"\x89PNG": ("BINARY_FILE", "a PNG image"),
    b"%PDF": ("BINARY_FILE", "a PDF document"),
    b"\x7fELF": ("BINARY_FILE", "an executable"),
    b"GIF8": ("BINARY_FILE", "a GIF image"),
    b"\xff\xd8\xff": ("BINARY_FILE", "a JPEG image"),
    b"PK\x03\x04": ("ARCHIVE_FILE", "a ZIP archive (or an Excel .xlsx workbook)"),
    b"7z\xbc\xaf": ("ARCHIVE_FILE", "a 7-Zip archive"),
}


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str
    quotechar: str
    decimal: str


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV/TSV (plain or gzip'd) or Parquet file into a DataFrame."""
    frame, _ = read_table_with_dialect(path)
    return frame


def read_table_with_dialect(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, Dialect | None]:
    file_path = Path(path)
    if not file_path.is_file():
        raise ReadError(f"No file at '{file_path}'. Check the path.", code="FILE_NOT_FOUND")
    size = file_path.stat().st_size
    if size == 0:
        raise ReadError("The file is empty. Export the table again with a header row.", code="EMPTY_FILE")
    if size > MAX_FILE_BYTES:
        raise ReadError(
            f"The file is {size / 1024**3:.1f} GiB; the limit is {MAX_FILE_BYTES / 1024**3:.0f} GiB. "
            "Sample the rows or split the file.",
            code="FILE_TOO_LARGE",
        )
    with file_path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(b"PAR1"):
        return _read_parquet(file_path), None
    if head.startswith(b"\x1f\x8b"):
        raw = _gunzip(file_path)
    else:
        _refuse_binary(head)
        raw = file_path.read_bytes()
    return _read_delimited(raw)


def _refuse_binary(head: bytes) -> None:
    for magic, (code, what) in _MAGIC.items():
        if head.startswith(magic):
            raise ReadError(
                f"This file is {what}, not a CSV. Save the table as CSV (comma or semicolon separated).",
                code=code,
            )


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise ReadError(f"The Parquet file could not be read ({type(exc).__name__}); it may be damaged. "
                        "Export it again, or save the table as CSV.", code="BAD_PARQUET") from exc


def _gunzip(path: Path) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                out.write(chunk)
                if out.tell() > MAX_DECOMPRESSED_BYTES:
                    raise ReadError(
                        "The gzip file expands beyond 1 GiB; it may be a decompression bomb. "
                        "Send the uncompressed CSV or a sample of it.",
                        code="DECOMPRESSED_TOO_LARGE",
                    )
    except (OSError, EOFError) as exc:
        raise ReadError(f"The gzip file is damaged: {exc}.", code="BAD_GZIP") from exc
    raw = out.getvalue()
    _refuse_binary(raw[:16])
    return raw


def detect_encoding(raw: bytes) -> str:
    """BOMs first, then strict UTF-8, then charset-normalizer on a sample."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = raw[:SAMPLE_BYTES]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a multi-byte char cut by the sample edge
            return "utf-8"
    return _guess_legacy_encoding(sample)


_CJK = ("cp932", "shift_jis", "euc_jp", "gb18030", "gb2312", "gbk", "big5", "cp949", "euc_kr", "cp950")


def _guess_legacy_encoding(sample: bytes) -> str:
    """A non-UTF-8 sample: multi-byte East Asian encodings first, then Western cp1252 when
    its accented letters sit among plain ones (as in 'José'), else charset-normalizer's guess."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is not None and best.encoding in _CJK and best.chaos < 0.1:
        return str(best.encoding)
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    letters = [ch for ch in text if ch.isalpha()]
    accented = sum(1 for ch in letters if ord(ch) > 127)
    if text and letters and accented / len(letters) < 0.3:
        return "cp1252"
    if best is None:
        raise ReadError(
            "The file's text encoding could not be recognised; it may not be a text file. "
            "Save it as UTF-8 CSV.",
            code="UNKNOWN_ENCODING",
        )
    return str(best.encoding)


def detect_dialect(text_sample: str) -> tuple[str, str]:
    """Delimiter and quote character of a text sample (clevercsv, then the stdlib sniffer)."""
    lines = text_sample.splitlines()
    if len(lines) > 1:  # drop a possibly cut last line
        text_sample = "\n".join(lines[:-1])
    text_sample = text_sample[:20000]
    try:
        import clevercsv

        found = clevercsv.Detector().detect(text_sample, delimiters=[",", ";", "\t", "|", ":"])
        if found is not None and found.delimiter:
            return found.delimiter, found.quotechar or '"'
    except Exception:  # clevercsv may fail on odd samples; fall back below
        logger.debug("clevercsv could not detect the dialect", exc_info=True)
    try:
        sniffed = csv.Sniffer().sniff(text_sample, delimiters=",;\t|")
        return sniffed.delimiter, sniffed.quotechar or '"'
    except csv.Error:
        return ",", '"'


def _detect_decimal(text_sample: str, delimiter: str) -> str:
    if delimiter == ",":
        return "."
    import re

    commas = len(re.findall(r"(?<![\w.])-?\d+,\d+(?![\w.])", text_sample))
    points = len(re.findall(r"(?<![\w,])-?\d+\.\d+(?![\w,])", text_sample))
    return "," if commas > points else "."


def _read_delimited(raw: bytes) -> tuple[pd.DataFrame, Dialect]:
    encoding = detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode(encoding, errors="replace")
        logger.warning("undecodable bytes replaced while reading as %s", encoding)
    if "\x00" in text:
        raise ReadError(
            "The file contains NUL bytes, which a CSV cannot hold. Export it again as a text CSV.",
            code="NUL_BYTES",
        )
    if not text.strip():
        raise ReadError("The file holds only blank space.", code="EMPTY_FILE")
    delimiter, quotechar = detect_dialect(text[:SAMPLE_BYTES])
    decimal = _detect_decimal(text[:SAMPLE_BYTES], delimiter)
    dialect = Dialect(encoding=encoding, delimiter=delimiter, quotechar=quotechar, decimal=decimal)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            quotechar=quotechar,
            decimal=decimal,
            na_values=NA_VALUES,
            keep_default_na=False,
            skipinitialspace=True,
            low_memory=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise ReadError("The file has no columns.", code="EMPTY_FILE") from exc
    except pd.errors.ParserError as exc:
        raise ReadError(
            f"The rows do not line up with the header ({_short(exc)}). "
            "Check for a stray delimiter or an unclosed quote on that line.",
            code="RAGGED_ROWS",
        ) from exc
    if frame.empty:
        raise ReadError(
            "The file has a header but no data rows. Add rows and upload again.", code="HEADER_ONLY"
        )
    frame.columns = _clean_names([str(c) for c in frame.columns])
    return frame, dialect


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:200]


def _clean_names(names: list[str]) -> list[str]:
    """Strip blanks, name empty headers, and make duplicates unique (a, a.1)."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(names):
        name = name.strip()
        if not name or name.startswith("Unnamed: "):
            name = f"column_{position + 1}"
        base, suffix = name, 1
        while name in seen:
            name = f"{base}.{suffix}"
            suffix += 1
        seen.add(name)
        cleaned.append(name)
    return cleaned
