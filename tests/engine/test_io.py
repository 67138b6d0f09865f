"""The reader: encodings, dialects, file kinds and coded errors."""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kuai.engine import ReadError, read_table, read_table_with_dialect

TABLE = "name;amount;city\nJosé;1,5;Zürich\nAnna;2,25;Köln\nLi;3,0;Oslo\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_reads_common_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(TABLE.encode(encoding))
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns) == ["name", "amount", "city"]
    assert frame["name"].tolist()[0] == "José"
    assert frame["city"].tolist()[1] == "Köln"
    assert dialect is not None and dialect.delimiter == ";"


def test_decimal_comma_becomes_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(TABLE, encoding="utf-8")
    frame = read_table(path)
    assert frame["amount"].tolist() == [1.5, 2.25, 3.0]


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_detects_delimiters(tmp_path: Path, delimiter: str) -> None:
    rows = [["a", "b", "c"], ["1", "x y", "3.5"], ["2", "z", "4.5"], ["3", "w", "5.5"]]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    frame = read_table(path)
    assert frame.shape == (3, 3)
    assert frame["b"].tolist() == ["x y", "z", "w"]


def test_quoted_newlines_and_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('id,note\n1,"line one\nline two"\n2,"a, b"\n')
    frame = read_table(path)
    assert frame["note"].tolist() == ["line one\nline two", "a, b"]


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    assert read_table(path).shape == (2, 2)


def test_duplicate_and_empty_headers_are_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,a,,b\n1,2,3,4\n")
    assert list(read_table(path).columns) == ["a", "a.1", "column_3", "b"]


@pytest.mark.parametrize(("text", "columns", "n_rows"), [
    # columns a program named 0, 1, 2, … (pandas writes unnamed columns so), and a label: a header
    ("0,1,2,target\n0.5,1.25,3.0,class_1\n0.1,0.0,2.5,class_0\n", ["0", "1", "2", "target"], 2),
    ("1,2,3,4\n0.5,1.25,3.0,7.5\n0.1,0.0,2.5,1.5\n", ["1", "2", "3", "4"], 2),
    # numbers that are not such a sequence stay data
    ("3,1,2,4\n0.5,1.25,3.0,7.5\n0.1,0.0,2.5,1.5\n", ["column_1", "column_2", "column_3", "column_4"], 3),
])
def test_numbered_column_names_are_a_header(tmp_path: Path, text: str, columns: list[str], n_rows: int) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    frame = read_table(path)
    assert list(frame.columns) == columns and len(frame) == n_rows


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "EMPTY_FILE"),
        (b"   \n\n", "EMPTY_FILE"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "BINARY_FILE"),
        (b"PK\x03\x04" + b"\x00" * 50, "ARCHIVE_FILE"),
        (b"a,b\n1,2\n3,4,5,6\n", "RAGGED_ROWS"),
        (b"a,b\n1,\x002\n", "NUL_BYTES"),
    ],
)
def test_bad_files_get_coded_errors(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert caught.value.code == code
    assert str(caught.value).startswith(f"[{code}]")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as caught:
        read_table(tmp_path / "nope.csv")
    assert caught.value.code == "FILE_NOT_FOUND"


def test_a_folder_given_as_the_file_is_named_a_folder(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    with pytest.raises(ReadError) as caught:
        read_table(tmp_path / "exports")
    assert caught.value.code == "NOT_A_FILE" and "is a folder, not a file" in str(caught.value)


def test_none_is_a_category_not_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("kind,x\nnone,1\nwear,2\nNA,3\n")
    frame = read_table(path)
    assert frame["kind"].tolist()[:2] == ["none", "wear"]
    assert frame["kind"].isna().tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("名前,金額,都市\n田中,100,東京\n佐藤,200,大阪\n鈴木,300,京都\n", "shift_jis"),
        ("имя,город,сумма\nИван,Москва,1\nОльга,Казань,2\nПётр,Самара,3\n", "cp1251"),
    ],
)
def test_reads_non_western_legacy_encodings(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    frame = read_table(path)
    assert frame.iloc[0, 0] == text.splitlines()[1].split(",")[0]


def test_excel_workbook_first_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["patient", "age", "readmitted"], ["A", 54, "yes"], ["B", 61, "no"], ["C", 47, "no"]):
        sheet.append(row)
    path = tmp_path / "ward.xlsx"
    workbook.save(path)
    frame = read_table(path)
    assert list(frame.columns) == ["patient", "age", "readmitted"]
    assert frame["age"].tolist() == [54, 61, 47]


@pytest.mark.parametrize("content", [b"\x80\r\x01", b"\xf9,a\nb,c\n", b"a\x80,b\n1,2\n"])
def test_invalid_bytes_give_a_table_or_a_coded_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    try:
        frame = read_table(path)
    except ReadError as error:
        assert error.code in {"BINARY_FILE", "BAD_ENCODING", "HEADER_ONLY", "UNKNOWN_ENCODING", "EMPTY_FILE"}
    else:
        assert len(frame) >= 1


CSV_TEXT = "a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(50))


def test_a_plain_csv_named_gz_is_read_by_its_content(tmp_path: Path) -> None:
    """The name's extension never makes Kuai decompress: pyarrow would take '.gz' for gzip and fail (zlib)."""
    for name in ("plain.csv.gz", "plain.csv.bz2", "plain.csv.zst", "plain.csv.xz"):
        (tmp_path / name).write_text(CSV_TEXT)
        assert read_table(tmp_path / name).shape == (50, 2)


@pytest.mark.parametrize(("name", "content", "code", "compression"), [
    ("garbage.csv.gz", b"\x1f\x8b\x08\x00" + b"not deflate data " * 40, "BAD_GZIP", "gzip"),
    ("cut.csv.gz", gzip.compress(CSV_TEXT.encode() * 20)[:60], "BAD_GZIP", "gzip"),
    ("data.csv.bz2", bz2.compress(CSV_TEXT.encode()), "ARCHIVE_FILE", "bzip2"),
    ("data.csv", lzma.compress(CSV_TEXT.encode()), "ARCHIVE_FILE", "xz"),
    ("data.csv.zst", b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4, "ARCHIVE_FILE", "zstd"),
    ("zipped_gz.csv.gz", b"\x1f\x8b" + zipfile.ZipFile.__name__.encode() * 30, "BAD_GZIP", "gzip"),
])
def test_a_damaged_or_unsupported_compression_is_a_coded_read_error(
        tmp_path: Path, name: str, content: bytes, code: str, compression: str, reliability: Any) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ReadError) as refused:
        read_table(tmp_path / name)
    assert refused.value.code == code and compression in str(refused.value)
    if code == "BAD_GZIP":
        assert name in str(refused.value)
    reliability.bad_input("coded")


@pytest.mark.parametrize(("error", "compression"), [
    (OSError("zlib inflate failed: incorrect header check"), "gzip"),  # pyarrow's, by the name
    (OSError("bz2 decompression failed: Invalid data stream"), "bzip2"),
    (lzma.LZMAError("Input format not supported by decoder"), "xz"),
    (zipfile.BadZipFile("File is not a zip file"), "zip"),
    (OSError("ZSTD decompress failed: Unknown frame descriptor"), "zstd"),
])
def test_any_decompression_error_names_the_file_and_its_compression(error: BaseException, compression: str) -> None:
    """The rule behind B93, for the codecs a reader may meet: whatever raised it, the error is coded."""
    from kuai.engine.read._kinds import decompression_error

    suffix = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zip": ".zip", "zstd": ".zst"}[compression]
    coded = decompression_error(Path(f"/data/table.csv{suffix}"), b"a,b\n", error)
    assert coded is not None and coded.code in ("BAD_GZIP", "BAD_COMPRESSED")
    assert f"table.csv{suffix}" in str(coded) and compression in str(coded)
    assert decompression_error(Path("/data/t.csv"), b"a,b\n", FileNotFoundError(2, "No such file")) is None
