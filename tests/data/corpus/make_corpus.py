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


def _exports(add: Any) -> None:
    """Exports as real tools write them (issue 33): header rows, totals and notes, padded delimiters, backslash
    escapes, short rows, East Asian code pages, a written index, a header with no rows."""
    rng = random.Random(33)
    readings = "".join(f"2024-05-01 10:{m:02d},{rng.uniform(11, 13):.3f},{rng.uniform(0.1, 0.9):.3f},"
                       f"{rng.uniform(11, 13):.3f},{rng.uniform(0.1, 0.9):.3f},{'OK' if m % 7 else 'WARN'}\n"
                       for m in range(24))
    add("header_group_row.csv", (",Channel 1,,Channel 2,,\nTimestamp,Voltage,Current,Voltage,Current,Status\n"
                                 + readings).encode(),
        _ok(24, 6, names=["Timestamp", "Channel 1 Voltage", "Channel 1 Current", "Channel 2 Voltage",
                          "Channel 2 Current", "Status"], numeric=["Channel 2 Current"]))
    districts = ["Aldbury", "Brent Knoll", "Cheddar", "Dulverton", "Exford", "Frome", "Glastonbury"]
    rows = [(d, rng.randint(900, 5000), rng.randint(900, 5000)) for d in districts]
    body = "".join(f"{d},{m + f},{m},{round(100 * m / (m + f), 1)},{f},{round(100 * f / (m + f), 1)}\n"
                   for d, m, f in rows)
    total_m, total_f = sum(r[1] for r in rows), sum(r[2] for r in rows)
    gov = ("Table 7. Residents by district and sex, census 2021,,,,,\n,,,,,\n"
           "District,All residents,Male,,Female,\n,,Number,%,Number,%\n" + body
           + f"All districts,{total_m + total_f},{total_m},,{total_f},\n,,,,,\n"
           "Source: Office for Local Statistics,,,,,\nCrown copyright 2022,,,,,\n")
    add("header_government_merged.csv", gov.encode("cp1252"),
        _ok(7, 6, preamble_lines=2, footer_lines=3,
            names=["District", "All residents", "Male Number", "Male %", "Female Number", "Female %"],
            values=[["All residents", "sum", total_m + total_f]]))
    survey = ("Respondent ID,Start Date,Q1. How old are you?,Q2. Which products do you use?,,\n"
              ",,Response,Product A,Product B,Product C\n"
              + "".join(f"{11400 + i},2024-02-{1 + i % 28:02d},{18 + i * 3 % 50},{'Product A' if i % 2 else ''},"
                        f"{'Product B' if i % 3 else ''},{'Product C' if i % 5 == 0 else ''}\n" for i in range(15)))
    add("header_survey_two_rows.csv", survey.encode(),
        _ok(15, 6, names=["Respondent ID", "Start Date", "Q1. How old are you? Response",
                          "Q2. Which products do you use? Product A", "Q2. Which products do you use? Product B",
                          "Q2. Which products do you use? Product C"]))
    units = [rng.randint(1, 40) for _ in range(9)]
    revenue = [round(u * rng.uniform(9, 30), 2) for u in units]
    erp = ("Umsatz nach Region\r\nErstellt: 31.03.2024 23:59 von BATCHUSER\r\n\r\nRegion;Artikel;Menge;Umsatz\r\n"
           + "".join(f"{['Nord', 'Süd', 'West'][i % 3]};A-{100 + i};{u};{f'{r:.2f}'.replace('.', ',')}\r\n"
                     for i, (u, r) in enumerate(zip(units, revenue, strict=True)))
           + f"Gesamt;;{sum(units)};{f'{sum(revenue):.2f}'.replace('.', ',')}\r\n")
    add("report_title_generated_total.csv", erp.encode("cp1252"),
        _ok(9, 4, delimiter=";", preamble_lines=3, footer_lines=1, numeric=["Menge", "Umsatz"],
            values=[["Menge", "sum", sum(units)]]))
    sales = [rng.randint(100, 900) for _ in range(6)]
    totals = ("store,sales,returns\n" + "".join(f"S{i},{v},{v // 20}\n" for i, v in enumerate(sales))
              + f"Total,{sum(sales)},{sum(v // 20 for v in sales)}\n\nSource: POS export, all stores\n"
              "Figures are provisional.\n")
    add("totals_row_then_notes.csv", totals.encode(), _ok(6, 3, footer_lines=3, values=[["sales", "sum", sum(sales)]]))
    people = [("Müller, Anna", "Hauptstr. 1, Köln", "anna@example.org"), ("O'Neil, Sean", "12 High St, Cork", ""),
              ("Smith, J. \"Jack\"", "4 Elm Rd, Leeds", "jack@example.com"), ("Ng, Li", "8 Bay Rd, Perth", "")]
    contacts = "name, address, email, age\n" + "".join(
        f'"{n.replace(chr(34), chr(34) * 2)}", "{a}", {e}, {30 + i}\n' for i, (n, a, e) in enumerate(people))
    add("comma_space_quoted.csv", contacts.encode(),
        _ok(4, 4, delimiter=",", names=["name", "address", "email", "age"], numeric=["age"],
            values=[["name", "row", [2, 'Smith, J. "Jack"']], ["address", "row", [0, "Hauptstr. 1, Köln"]]]))
    semi = 'Artikel; Beschreibung; Preis\n"A-1"; "Schraube; verzinkt"; 0,25\n"A-2"; "Mutter"; 0,10\n' \
           '"A-3"; "Dübel; 8 mm"; 0,05\n'
    add("semicolon_space_quoted.csv", semi.encode(), _ok(3, 3, delimiter=";", numeric=["Preis"],
                                                         values=[["Beschreibung", "row", [0, "Schraube; verzinkt"]]]))
    pipe = 'id | name | note | score\n1 | "Ann" | "a | b" | 2.5\n2 | "Bo" | "" | 3.0\n3 | "Cy" | "x" | 1.5\n'
    add("pipe_padded_quoted.csv", pipe.encode(), _ok(3, 4, delimiter="|", names=["id", "name", "note", "score"],
                                                    numeric=["score"], values=[["note", "row", [0, "a | b"]]]))
    reviews = ('review_id,product,text,stars\n101,"Kettle","Says \\"boils fast\\" - true",5\n'
               '102,"Toaster","\\"Meh\\", uneven",2\n103,"Mixer","fine",4\n104,"Grill","Great, \\"crispy\\"",5\n')
    add("backslash_escaped_quotes.csv", reviews.encode(),
        _ok(4, 4, numeric=["stars"], values=[["text", "row", [1, '"Meh", uneven']]]))
    short = "id,name,score,comment\n1,Ann,3.5\n2,Bo,4.0\n3,Cy,2.5\n4,Di,5.0,retake,\n"
    add("short_rows_one_extra_field.csv", short.encode(),
        _ok(4, 4, names=["id", "name", "score", "comment"], numeric=["score"], missing={"comment": 3}))
    jp = ("商品コード,商品名,分類,単価（円）,在庫数,備考\r\n" + "".join(
        f"{4900 + i},{n},{c},{p},{q},{b}\r\n" for i, (n, c, p, q, b) in enumerate([
            ("ボールペン 黒", "文房具", 120, 350, "定番"), ("ノート A5 方眼", "文房具", 210, 80, ""),
            ("緑茶 500ml", "飲料", 150, 1200, "季節限定"), ("乾電池 単三 4本", "電池", 398, 64, "在庫僅少"),
            ("ハサミ", "文房具", 450, 35, ""), ("コーヒー 無糖", "飲料", 130, 900, "")])))
    add("shift_jis_excel_export.csv", jp.encode("cp932"),
        _ok(6, 6, encoding="cp932|shift_jis", numeric=["単価（円）"], values=[["商品名", "row", [2, "緑茶 500ml"]]]))
    zh = ("订单号,客户,省份,金额,状态\n" + "".join(
        f"DD{2024000 + i},{c},{p},{a},{s}\n" for i, (c, p, a, s) in enumerate([
            ("华强电子", "广东", 1280.5, "已发货"), ("东方贸易", "上海", 560, "待付款"),
            ("北方机械", "辽宁", 9800, "已完成"),
            ("西部物流", "四川", 320.75, "已取消"), ("南海水产", "海南", 4410, "已发货")])))
    add("gbk_erp_export.csv", zh.encode("gbk"), _ok(5, 5, encoding="gb18030|gbk|gb2312", numeric=["金额"],
                                                  values=[["状态", "row", [1, "待付款"]]]))
    tw = ("員工編號,姓名,部門,月薪,到職日\n" + "".join(
        f"E{300 + i},{n},{d},{s},2020-0{1 + i}-15\n" for i, (n, d, s) in enumerate([
            ("陳志明", "業務部", 52000), ("林美玲", "會計部", 48000), ("黃建國", "資訊部", 61000),
            ("張淑芬", "人資部", 45000)])))
    add("big5_hr_export.csv", tw.encode("big5"), _ok(4, 5, encoding="big5|cp950", numeric=["月薪"],
                                                    values=[["部門", "row", [2, "資訊部"]]]))
    ko = ("주문번호,고객명,지역,금액,배송상태\n" + "".join(
        f"K{7000 + i},{c},{r},{a},{s}\n" for i, (c, r, a, s) in enumerate([
            ("김철수", "서울특별시", 35000, "배송완료"), ("이영희", "부산광역시", 12000, "배송중"),
            ("박민준", "대전광역시", 87000, "주문접수"), ("최지우", "제주특별자치도", 5400, "배송완료")])))
    add("euc_kr_shop_export.csv", ko.encode("euc_kr"), _ok(4, 5, encoding="cp949|euc_kr", numeric=["금액"],
                                                          values=[["지역", "row", [3, "제주특별자치도"]]]))
    indexed = ",sepal_length,species\n" + "".join(f"{i},{4.5 + i * 0.1:.1f},{'ab'[i % 2]}\n" for i in range(12))
    add("pandas_index_column.csv", indexed.encode(), _ok(12, 2, names=["sepal_length", "species"]))
    add("blank_and_duplicate_names.csv", b"id,,value,value, \n1,a,2,3,x\n2,b,4,5,y\n3,c,6,7,z\n",
        _ok(3, 5, names=["id", "column_2", "value", "value.1", "column_5"]))
    add("header_only_semicolons.csv", b"Datum;Konto;Betrag;Waehrung\r\n", _ok(0, 4, delimiter=";"))
    rownames = '"speed" "dist"\n"1" 4 2\n"2" 4 10\n"3" 7 4\n"4" 7 22\n'.replace(" ", "\t")
    add("r_write_table_row_names.tsv", rownames.encode(), _ok(4, 2, names=["speed", "dist"], numeric=["dist"]))


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

    for group in (_encodings, _dialects, _shapes, _kinds, _exports):
        group(add)
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(expected)} files to {FILES}")


if __name__ == "__main__":
    main()
