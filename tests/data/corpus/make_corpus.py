"""Write the nasty-file corpus and its expected outcomes (``expected.json``).

Run from the repository root: ``python tests/data/corpus/make_corpus.py``. The files
are committed; this script documents how each was made and rebuilds them exactly.
Each entry gives either the error code the reader must raise, or what it must find:
delimiter, encoding family, header, title lines, rows, columns, and optionally the
column names, the columns that must come out as numbers, and missing-value counts.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FILES = HERE / "files"

PATIENTS = [
    ("P-001", "José", 54, 71.5, "2021-03-04", "yes"),
    ("P-002", "Zoë", 61, 88.25, "2021-03-09", "no"),
    ("P-003", "Björn", 47, 64.0, "2021-04-12", "no"),
    ("P-004", "Anaïs", 72, 59.75, "2021-05-01", "yes"),
    ("P-005", "Łukasz", 38, 92.5, "2021-05-17", "no"),
    ("P-006", "Renée", 66, 70.0, "2021-06-02", "yes"),
]
HEADER = ["patient_id", "name", "age", "weight_kg", "visit", "readmitted"]


def _rows(decimal: str = ".") -> list[list[str]]:
    return [[pid, name, str(age), f"{weight}".replace(".", decimal), day, flag]
            for pid, name, age, weight, day, flag in PATIENTS]


def _text(delimiter: str = ",", decimal: str = ".", newline: str = "\n") -> str:
    lines = [delimiter.join(HEADER)] + [delimiter.join(row) for row in _rows(decimal)]
    return newline.join(lines) + newline


def _ok(rows: int = 6, columns: int = 6, **extra: Any) -> dict[str, Any]:
    return {"rows": rows, "columns": columns, **extra}


def _error(code: str) -> dict[str, Any]:
    return {"error": code}


def _encodings(add: Any) -> None:
    add("utf8.csv", _text().encode("utf-8"), _ok(encoding="utf-8", delimiter=",", names=HEADER, numeric=["age"]))
    add("utf8_bom.csv", _text().encode("utf-8-sig"), _ok(encoding="utf-8", names=HEADER))
    add("utf16_le_bom_tab.txt.csv", _text("\t").encode("utf-16"), _ok(encoding="utf-16", delimiter="\t", names=HEADER))
    add("utf16_be_bom.csv", b"\xfe\xff" + _text().encode("utf-16-be"), _ok(encoding="utf-16", names=HEADER))
    add("utf16_le_no_bom.csv", _text().encode("utf-16-le"), _ok(encoding="utf-16", names=HEADER))
    add("latin1.csv", _text(";", ",").replace("Łukasz", "Lukas").encode("latin-1"),
        _ok(encoding="latin|cp1252", delimiter=";", names=HEADER, numeric=["weight_kg"]))
    cp1252 = "city;price;note\nZürich;12,50 €;“fresh”\nKöln;8,00 €;Crème brûlée\nNîmes;9,90 €;café–bar\n"
    add("cp1252_quotes.csv", cp1252.encode("cp1252"), _ok(3, 3, encoding="cp1252", delimiter=";"))
    sjis = "名前,年齢,都市\n田中,34,東京\n佐藤,45,大阪\n鈴木,29,京都\n高橋,51,札幌\n"
    add("shift_jis.csv", sjis.encode("shift_jis"), _ok(4, 3, encoding="shift_jis|cp932", names=["名前", "年齢", "都市"],
                                                     numeric=["年齢"]))
    cyr = "имя;город;сумма\nИван;Москва;1200\nОльга;Казань;800\nПётр;Самара;950\n"
    add("cp1251.csv", cyr.encode("cp1251"), _ok(3, 3, encoding="1251", delimiter=";", numeric=["сумма"]))
    bad = _text().encode("utf-8") + b"P-007,Bad\xffByte,40,70.0,2021-07-01,no\n"
    add("invalid_utf8_byte.csv", bad, _ok(7, 6, encoding="utf-8"))


def _dialects(add: Any) -> None:
    add("semicolon_decimal_comma.csv", _text(";", ",").encode(), _ok(delimiter=";", numeric=["weight_kg"]))
    add("tab.tsv", _text("\t").encode(), _ok(delimiter="\t"))
    add("pipe.csv", _text("|").encode(), _ok(delimiter="|"))
    add("caret.csv", _text("^").encode(), _ok(delimiter="^"))
    add("crlf.csv", _text(newline="\r\n").encode(), _ok(names=HEADER))
    add("cr_only_mac.csv", _text(newline="\r").encode(), _ok(names=HEADER))
    us = 'item,amount,units\nwidget,"1,234.50",3\ngadget,"12,000.00",5\nbolt,"950.25",7\nnut,"2,500.75",1\n'
    add("thousands_us.csv", us.encode(), _ok(4, 3, numeric=["amount"]))
    eu = "item;amount;units\nwidget;1.234,50;3\ngadget;12.000,00;5\nbolt;950,25;7\nnut;2.500,75;1\n"
    add("thousands_eu.csv", eu.encode(), _ok(4, 3, delimiter=";", numeric=["amount"]))
    fr = "article;montant\nvis;1 234,5\nécrou;12 000,25\nclou;950,75\n"
    add("thousands_space_fr.csv", fr.encode(), _ok(3, 2, delimiter=";", numeric=["montant"]))
    nl = 'id,note,score\n1,"line one\nline two",3\n2,"a ""quoted"" word",4\n3,"semi; colon, comma",5\n'
    add("quoted_newlines_and_quotes.csv", nl.encode(), _ok(3, 3, numeric=["score"]))
    single = "id,name,city\n1,'Smith, John',Oslo\n2,'Doe, Jane',Bergen\n3,'Roe, Rick',Tromsø\n4,'Poe, Edgar',Bodø\n"
    add("single_quote_char.csv", single.encode(), _ok(4, 3))
    add("excel_sep_hint.csv", ("sep=;\n" + _text(";")).encode(), _ok(delimiter=";", names=HEADER))
    padded = "a , b , c\n 1 ,  Oslo , 2.5\n 2 , Bergen ,  3.5 \n 3 , Tromsø , 4.5\n"
    add("whitespace_padded.csv", padded.encode(), _ok(3, 3, names=["a", "b", "c"], numeric=["a", "c"]))


def _shapes(add: Any) -> None:
    add("title_rows.csv", ("Patient export\nGenerated 2024-05-01 by LabSys\n\n" + _text()).encode(),
        _ok(names=HEADER, preamble_lines=3))
    add("title_row_semicolon.csv", ("Report: monthly visits;;\n" + _text(";")).encode(),
        _ok(delimiter=";", names=HEADER, preamble_lines=1))
    add("footer_total.csv", (_text() + "Total rows: 6\n").encode(), _ok(names=HEADER, footer_lines=1))
    add("footer_two_lines.csv", (_text(";") + "\n(c) 2024 Hospital\nConfidential\n").encode(),
        _ok(delimiter=";", footer_lines=2))
    add("title_and_footer.csv", ("Sales by store\n" + _text() + "End of report\n").encode(),
        _ok(names=HEADER, preamble_lines=1, footer_lines=1))
    numbers = "\n".join(f"{i},{i * 1.5:.1f},{i % 3}" for i in range(1, 21)) + "\n"
    add("headerless_numeric.csv", numbers.encode(), _ok(20, 3, has_header=False))
    mixed = "".join(f"{i},{'abc'[i % 3]},{i * 2.25}\n" for i in range(1, 16))
    add("headerless_mixed.csv", mixed.encode(), _ok(15, 3, has_header=False))
    add("blank_lines.csv", _text().replace("\nP-003", "\n\n\nP-003").encode(), _ok(names=HEADER))
    add("trailing_delimiter.csv", b"a,b,\n1,2,\n3,4,\n", _ok(2, 2, names=["a", "b"]))
    add("duplicate_headers.csv", b"x,x,y\n1,2,3\n4,5,6\n", _ok(2, 3, names=["x", "x.1", "y"]))
    add("empty_header.csv", b"a,,c\n1,2,3\n4,5,6\n", _ok(2, 3, names=["a", "column_2", "c"]))
    add("one_column.csv", "value\n" + "".join(f"{i}\n" for i in range(30)), _ok(30, 1, numeric=["value"]))
    emoji = "😀 mood,température °C,\"a,b\",名前\nhappy,21.5,1,x\nsad,19.0,2,y\n"
    add("unicode_names.csv", emoji.encode(), _ok(2, 4, names=["😀 mood", "température °C", "a,b", "名前"]))
    wide = ",".join(f"f{i}" for i in range(2000)) + "\n" + "\n".join(
        ",".join(str((r * 7 + i) % 10) for i in range(2000)) for r in range(5)) + "\n"
    add("wide_2000_columns.csv", wide.encode(), _ok(5, 2000))
    long_text = "id,text\n1," + '"' + ("lorem ipsum " * 40000) + '"' + "\n2,short\n"
    add("long_field_480k.csv", long_text.encode(), _ok(2, 2))
    na = "a,b,c\n1,NA,x\n2,N/A,y\n3,,z\n4,null,-\n5,?,#N/A\n6,7,w\n"
    add("na_tokens.csv", na.encode(), _ok(6, 3, numeric=["b"], missing={"b": 5, "c": 2}))
    none_word = "kind,x\nNone,1\nwear,2\nNone,3\n"
    add("none_is_a_category.csv", none_word.encode(), _ok(3, 2, missing={"kind": 0}))
    mixed_types = "id,value\n1,10\n2,ten\n3,10.5\n4,\n5,1e3\n"
    add("mixed_types_column.csv", mixed_types.encode(), _ok(5, 2))


def _kinds(add: Any) -> None:
    add("gzip_named.csv.gz", gzip.compress(_text().encode(), mtime=0), _ok(names=HEADER))
    add("gzip_renamed.csv", gzip.compress(_text(";").encode(), mtime=0), _ok(delimiter=";"))
    add("parquet_renamed.csv", _parquet(), _ok(names=HEADER))
    add("empty.csv", b"", _error("EMPTY_FILE"))
    add("whitespace_only.csv", b"  \n\n \t\n", _error("EMPTY_FILE"))
    add("header_only.csv", b"a,b,c\n", _ok(0, 3, names=["a", "b", "c"]))  # shown, refused for training
    ragged = _text().replace("P-003,Björn", "P-003,Björn,extra")
    add("ragged_row.csv", ragged.encode(), _error("RAGGED_ROWS") | {"message_has": "Line 4"})
    add("unclosed_quote.csv", b'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n10,11,12\n',
        _error("UNCLOSED_QUOTE") | {"message_has": "line 3"})
    add("png_renamed.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, _error("BINARY_FILE"))
    add("pdf_renamed.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", _error("BINARY_FILE"))
    add("zip_renamed.csv", _zip({"data.csv": _text()}), _error("ARCHIVE_FILE"))
    add("xlsx_renamed.csv", _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
        _error("EXCEL_NOT_SUPPORTED|BAD_EXCEL"))
    add("nul_bytes.csv", b"a,b\n1,\x002\n3,4\n", _error("NUL_BYTES"))
    add("gzip_damaged.csv.gz", gzip.compress(_text().encode(), mtime=0)[:40], _error("BAD_GZIP"))
    add("random_bytes.csv", random.Random(7).randbytes(4096), _error("BINARY_FILE"))


def _parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: [str(row[i]) for row in PATIENTS] for i, name in enumerate(HEADER)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    return buffer.getvalue()


def main() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    expected: dict[str, dict[str, Any]] = {}

    def add(name: str, content: bytes | str, outcome: dict[str, Any]) -> None:
        data = content.encode() if isinstance(content, str) else content
        (FILES / name).write_bytes(data)
        expected[name] = outcome

    for group in (_encodings, _dialects, _shapes, _kinds):
        group(add)
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(expected)} files to {FILES}")


if __name__ == "__main__":
    main()
