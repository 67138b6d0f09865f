"""What kind of file this is: size caps, magic numbers, gzip, Parquet and Excel."""

from __future__ import annotations

import gzip
import io
import json
import lzma
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kuai.engine.errors import ReadError

MAX_FILE_BYTES = 2 * 1024**3  # 2 GiB on disk
MAX_DECOMPRESSED_BYTES = 1024**3  # zip-bomb guard for gzip'd CSV

_MAGIC = {
    b"\x89PNG": ("BINARY_FILE", "a PNG image"),
    b"%PDF": ("BINARY_FILE", "a PDF document"),
    b"\x7fELF": ("BINARY_FILE", "an executable"),
    b"GIF8": ("BINARY_FILE", "a GIF image"),
    b"\xff\xd8\xff": ("BINARY_FILE", "a JPEG image"),
    b"\xd0\xcf\x11\xe0": ("BINARY_FILE", "an old-style Office document (.xls or .doc)"),
    b"SQLite format 3": ("BINARY_FILE", "an SQLite database"),
    b"PK\x03\x04": ("ARCHIVE_FILE", "a ZIP archive"),
    b"7z\xbc\xaf": ("ARCHIVE_FILE", "a 7-Zip archive"),
    b"Rar!": ("ARCHIVE_FILE", "a RAR archive"),
    b"\xfd7zXZ": ("ARCHIVE_FILE", "an xz archive"),
    b"BZh": ("ARCHIVE_FILE", "a bzip2-compressed file"),
    b"\x28\xb5\x2f\xfd": ("ARCHIVE_FILE", "a zstd-compressed file"),
}
# A compression by its magic number, else by the file's extension: what a decompression error names.
_COMPRESSION_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"\x28\xb5\x2f\xfd": "zstd",
                      b"PK\x03\x04": "zip"}
_COMPRESSION_SUFFIX = {".gz": "gzip", ".gzip": "gzip", ".tgz": "gzip", ".bz2": "bzip2", ".xz": "xz",
                       ".lzma": "xz", ".zst": "zstd", ".zstd": "zstd", ".zip": "zip", ".lz4": "lz4", ".br": "brotli",
                       ".snappy": "snappy"}
# What the decompressors raise (pyarrow's: an OSError naming its codec), never a user's bad table.
DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)
_CODEC_WORDS = re.compile(r"zlib|inflate|gzip|bz2|bzip2|lzma|\bxz\b|zstd|lz4|brotli|snappy|decompress|compressed",
                          re.IGNORECASE)


def check_size(path: Path) -> int:
    if path.is_dir():
        raise ReadError(f"'{path}' is a folder, not a file. Give the path of the table's file inside it.",
                        code="NOT_A_FILE")
    if not path.is_file():
        raise ReadError(f"No file at '{path}'. Check the path.", code="FILE_NOT_FOUND")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("The file is empty. Export the table again with a header row.", code="EMPTY_FILE")
    if size > MAX_FILE_BYTES:
        raise ReadError(
            f"The file is {size / 1024**3:.1f} GiB; the limit is {MAX_FILE_BYTES / 1024**3:.0f} GiB. "
            "Sample the rows or split the file.",
            code="FILE_TOO_LARGE",
        )
    return size


def is_parquet(head: bytes) -> bool:
    return head.startswith(b"PAR1")


def is_gzip(head: bytes) -> bool:
    return head.startswith(b"\x1f\x8b")


def is_excel(path: Path, head: bytes) -> bool:
    """An .xlsx workbook is a ZIP holding ``xl/workbook.xml``."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def nul_padding(path: Path, head: bytes, tail: bytes, size: int) -> int:
    """The NUL bytes that end a text file whose content holds none: space a program reserved and never wrote (a
    crash while saving, a preallocated file). 0 when the file does not end so, or holds NULs elsewhere (UTF-16
    text, a binary file: the usual checks judge it)."""
    if not tail.endswith(b"\x00"):
        return 0
    end = size
    with path.open("rb") as handle:
        while end > 0:
            start = max(0, end - _PADDING_BLOCK)
            handle.seek(start)
            kept = handle.read(end - start).rstrip(b"\x00")
            if kept:
                end = start + len(kept)
                break
            end = start
    if end == 0 or b"\x00" in head[:end]:
        return 0
    return size - end


_PADDING_BLOCK = 1024**2


def padding_note(padding: int) -> str:
    return (f"ignored {padding:,} NUL byte(s) at the end of the file: space a program reserved and never wrote "
            "(the file may have been cut short while it was saved; check its last rows)")


def refuse_binary(head: bytes) -> None:
    for magic, (code, what) in _MAGIC.items():
        if head.startswith(magic):
            raise ReadError(
                f"This file is {what}, not a CSV. Save the table as CSV (comma or semicolon separated).",
                code=code,
            )


_MARKUP = (
    ("<!doctype html", "HTML_FILE", "a web page (HTML)"),
    ("<html", "HTML_FILE", "a web page (HTML)"),
    ("<?mso-application progid=\"excel.sheet\"", "EXCEL_NOT_SUPPORTED", "an Excel 2003 XML workbook"),
    ("<?xml", "XML_FILE", "an XML document"),
)


def refuse_markup(text: str) -> None:
    """HTML, XML and JSON saved under a .csv name are not tables the CSV reader can take."""
    start = text.lstrip("\ufeff \t\r\n")[:400].lower()
    for prefix, code, what in _MARKUP:
        if start.startswith(prefix) or (code != "XML_FILE" and prefix in start):
            raise ReadError(f"This file is {what}, not a CSV. Export or save the table as CSV.", code=code)
    if start[:1] in "[{" and _is_json(text):
        raise ReadError("This file is JSON, not a CSV. Export the table as CSV, or convert it "
                        "(e.g. pandas.read_json(...).to_csv(...)).", code="JSON_FILE")


def _is_json(text: str) -> bool:
    import json

    stripped = text.strip().lstrip("\ufeff")
    try:
        json.loads(stripped)
        return True
    except ValueError:
        # a sample cut mid-document: JSON-shaped if the first lines carry keys in quotes
        return bool(re.match(r'^[\[{]\s*("[^"]*"\s*:|\{|\[)', stripped))


def read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise ReadError(f"The Parquet file could not be read ({type(exc).__name__}); it may be damaged. "
                        "Export it again, or save the table as CSV.", code="BAD_PARQUET") from exc


_NESTED = (dict, list, tuple, set, frozenset, np.ndarray, bytes, bytearray)


def flatten_nested(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Values a table cell cannot hold as one number or label (records, lists, arrays, raw bytes: Parquet's struct,
    list and binary columns) become their JSON text, with a note per column; names become text."""
    notes: list[str] = []
    frame = frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype != object:
            continue
        nested = column.map(lambda value: isinstance(value, _NESTED))
        if not nested.any():
            continue
        frame = frame.copy() if not notes else frame
        frame.isetitem(position, column.where(~nested, column[nested].map(_as_json)).to_numpy(dtype=object))
        notes.append(f"'{frame.columns[position]}': {int(nested.sum()):,} value(s) are records, lists or bytes; "
                     "read as their text")
    return frame, tuple(notes)


def _as_json(value: object) -> str:
    def plain(item: object) -> object:
        if isinstance(item, np.ndarray):
            return item.tolist()
        if isinstance(item, bytes | bytearray):
            return item.decode("utf-8", errors="replace")
        if isinstance(item, set | frozenset):
            return sorted(item, key=str)
        return str(item)

    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, default=plain, ensure_ascii=False)


def decompression_error(path: Path, head: bytes, exc: BaseException) -> ReadError | None:
    """A coded error naming the file and its compression, if ``exc`` is a decompression or archive error (a damaged
    or mislabelled compressed file: gzip, bzip2, xz, zip, zstd...); ``None`` for any other error."""
    is_codec = isinstance(exc, zlib.error | lzma.LZMAError | zipfile.BadZipFile | gzip.BadGzipFile | EOFError) or (
        isinstance(exc, OSError) and exc.errno is None and bool(_CODEC_WORDS.search(str(exc))))
    if not is_codec:
        return None
    by_magic = [name for magic, name in _COMPRESSION_MAGIC.items() if head.startswith(magic)]
    compression = by_magic[0] if by_magic else _COMPRESSION_SUFFIX.get(path.suffix.lower(), "compressed")
    named = "its name says" if not by_magic and path.suffix.lower() in _COMPRESSION_SUFFIX else "it seems"
    return ReadError(f"'{path.name}' could not be read as {compression} data ({named} {compression}; "
                     f"{type(exc).__name__}: {exc}). The file is damaged or not what its name says: decompress it "
                     "yourself, or save the table as a plain CSV.", code="BAD_GZIP" if compression == "gzip"
                     else "BAD_COMPRESSED")


def gunzip(path: Path) -> bytes:
    """The decompressed bytes, refusing anything that expands beyond the cap."""
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
    except DECOMPRESSION_ERRORS as exc:
        raise (decompression_error(path, b"\x1f\x8b", exc)
               or ReadError(f"'{path.name}' could not be read: {exc}.", code="BAD_GZIP")) from exc
    raw = out.getvalue()
    if not raw:
        raise ReadError("The gzip file holds an empty file.", code="EMPTY_FILE")
    refuse_binary(raw[:16])
    return raw
