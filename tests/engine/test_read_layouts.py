"""Layouts of real exports, each read by a rule and said in the reading notes: header rows, totals and notes under
the table, padded delimiters, backslash escapes, short rows, East Asian code pages, a written index, a header with
no rows; and the user's reading options over Kuai's guesses."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ReadError, ReadingOptions, build_task_spec, profile_dataset, reading_options
from kuai.engine.read import read_table_with_dialect


def _read(tmp_path: Path, content: str | bytes, **options: object) -> tuple[pd.DataFrame, tuple[str, ...]]:
    path = tmp_path / "t.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    frame, dialect = read_table_with_dialect(path, options=ReadingOptions(**options) if options else None)
    assert dialect is not None
    return frame, dialect.notes


def _said(notes: tuple[str, ...], words: str) -> bool:
    return any(words in note for note in notes)


# --- header rows ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("groups", [",Sensor A,,Sensor B,", "time,Sensor A,Sensor A,Sensor B,Sensor B"])
def test_a_group_row_above_the_names_is_joined_into_them(tmp_path: Path, groups: str, reliability) -> None:
    rng = np.random.default_rng(1)
    rows = "".join(f"{t}," + ",".join(f"{v:.3f}" for v in rng.normal(size=4)) + "\n" for t in range(30))
    frame, notes = _read(tmp_path, f"{groups}\ntime,X,Y,X,Y\n{rows}")
    assert list(frame.columns) == ["time", "Sensor A X", "Sensor A Y", "Sensor B X", "Sensor B Y"]
    assert len(frame) == 30 and frame["Sensor B Y"].dtype == float
    told = _said(notes, "the column names take 2 rows (lines 1-2)")
    assert told
    reliability.guess(told=told)


def test_a_government_table_with_merged_header_cells_title_totals_and_source(tmp_path: Path) -> None:
    regions = ["Nord", "Süd", "Ost", "West", "Mitte", "Küste"]
    body = "".join(f"{name},{1000 + 7 * i},{1100 + 5 * i},{400 + i},{420 + 2 * i}\n" for i, name in enumerate(regions))
    text = ("Tabelle 4: Bevölkerung und Haushalte,,,,\n,,,,\nRegion,Bevölkerung,,Haushalte,\n"
            ",2010,2020,2010,2020\n" + body + "Insgesamt,6105,6675,2415,2550\n,,,,\nQuelle: Statistisches Amt,,,,\n")
    frame, notes = _read(tmp_path, text)
    assert list(frame.columns) == ["Region", "Bevölkerung 2010", "Bevölkerung 2020", "Haushalte 2010",
                                   "Haushalte 2020"]
    assert list(frame["Region"]) == regions  # neither the total nor the source is a row
    assert frame["Bevölkerung 2010"].sum() == 6105
    assert _said(notes, "skipped 2 line(s) above the header") and _said(notes, "ignored")


def test_description_rows_under_a_complete_header_are_not_rows(tmp_path: Path) -> None:
    rows = "".join(f"R_{i},{1 + i % 5},{'Yes' if i % 2 else 'No'}\n" for i in range(20))
    text = 'ResponseId,Q1,Q2\nResponse ID,How satisfied are you? (1-5),Would you recommend us?\n' \
           '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n' + rows
    frame, notes = _read(tmp_path, text)
    assert list(frame.columns) == ["ResponseId", "Q1", "Q2"] and len(frame) == 20
    assert frame["Q1"].dtype.kind in "iu"
    assert _said(notes, "the 2 row(s) under it (lines 2-3) describe them")


def test_a_first_row_of_values_that_recur_below_is_data_not_a_header_row(tmp_path: Path) -> None:
    """'<LOD' under 'conc' recurs further down: a value, not a column's description."""
    text = "sample,conc,od\nS1,<LOD,<LOD\n" + "".join(f"S{i},{i * 0.5},{i * 0.1:.1f}\n" for i in range(2, 9)) \
        + "S9,<LOD,0.9\n"
    frame, _ = _read(tmp_path, text)
    assert len(frame) == 9 and frame["sample"].iloc[0] == "S1"


@pytest.mark.parametrize(("header_rows", "names"), [
    (1, ["Region", "Population", "column_3", "Households", "column_5"]),
    (0, ["column_1", "column_2", "column_3", "column_4", "column_5"]),
])
def test_the_header_rows_can_be_set(tmp_path: Path, header_rows: int, names: list[str]) -> None:
    text = "Region,Population,,Households,\n,2010,2020,2010,2020\nNorth,1,2,3,4\nSouth,5,6,7,8\nEast,9,10,11,12\n"
    frame, notes = _read(tmp_path, text, header_rows=header_rows)
    assert list(frame.columns) == names
    assert _said(notes, f"read with your settings: header rows {header_rows}")


def test_lines_to_skip_and_a_delimiter_can_be_set(tmp_path: Path) -> None:
    text = "Export 2024-05-01\nby: admin\nid a b\n1 x 2\n2 y 3\n3 z 4\n"
    frame, notes = _read(tmp_path, text, skip_rows=2, delimiter=" ")
    assert list(frame.columns) == ["id", "a", "b"] and list(frame["b"]) == [2, 3, 4]
    assert _said(notes, "skipped 2 line(s) above the header")


@pytest.mark.parametrize(("given", "code"), [
    ({"header_rows": -1}, "BAD_READING_OPTION"), ({"header_rows": "two"}, "BAD_READING_OPTION"),
    ({"delimiter": ";;"}, "BAD_READING_OPTION"), ({"encoding": "klingon"}, "BAD_READING_OPTION"),
    ({"encoding": "base64"}, "BAD_READING_OPTION"),
])
def test_reading_options_that_cannot_work_are_refused(given: dict[str, object], code: str, reliability) -> None:
    with pytest.raises(ReadError) as caught:
        reading_options(**given)  # type: ignore[arg-type]
    assert caught.value.code == code
    reliability.bad_input("coded")


def test_reading_options_take_names_and_padded_delimiters() -> None:
    assert reading_options(delimiter="tab").delimiter == "\t"
    assert reading_options(delimiter=", ").delimiter == ","
    assert reading_options(encoding="Shift_JIS").encoding == "shift_jis"
    assert ReadingOptions.from_dict(reading_options(header_rows="2", delimiter=";").to_dict()) == ReadingOptions(
        header_rows=2, delimiter=";")


# --- totals and notes under the table -------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["Total", "TOTAL:", "Grand total", "Summe", "Gesamt", "合計", "合计", "Итого",
                                  "합계"])
def test_a_totals_row_with_sums_is_not_a_row(tmp_path: Path, word: str) -> None:
    rng = random.Random(len(word))
    units = [rng.randint(1, 99) for _ in range(12)]
    body = "".join(f"item {i};{u};{u * 2.5:.2f}\n" for i, u in enumerate(units))
    frame, notes = _read(tmp_path, f"item;units;amount\n{body}{word};{sum(units)};{sum(units) * 2.5:.2f}\n")
    assert len(frame) == 12 and frame["units"].sum() == sum(units)
    assert _said(notes, f"such as '{word}")


def test_lines_after_a_blank_line_that_do_not_fit_are_not_rows(tmp_path: Path) -> None:
    body = "".join(f"{2000 + i},{i * 1.5},{i % 3}\n" for i in range(15))
    text = f"year,value,flag\n{body}\nSource: National Office, table 12-3\n(c) 2024, all rights reserved\n"
    frame, notes = _read(tmp_path, text)
    assert len(frame) == 15 and frame["value"].dtype == float
    assert _said(notes, "ignored 2 line(s) after the table")


def test_rows_after_a_blank_line_that_fit_the_table_stay_rows(tmp_path: Path) -> None:
    text = "year,value\n2001,1.5\n2002,2.5\n\n2003,3.5\n2004,4.5\n"
    frame, _ = _read(tmp_path, text)
    assert list(frame["year"]) == [2001, 2002, 2003, 2004]


# --- dialects -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [", ", "; ", " | ", ",  "])
def test_a_padded_delimiter_before_quoted_values(tmp_path: Path, delimiter: str) -> None:
    names = [("Smith, John", "Oslo"), ("Doe; Jane", "Bergen"), ("Roe | Rick", "Bodø"), ('Poe "E."', "Tromsø")]
    quoted = [(f'"{n.replace(chr(34), chr(34) * 2)}"', f'"{c}"') for n, c in names]
    lines = [delimiter.join(["name", "city", "score"])]
    lines += [delimiter.join([n, c, str(i * 1.5)]) for i, (n, c) in enumerate(quoted)]
    frame, notes = _read(tmp_path, "\n".join(lines) + "\n")
    assert list(frame["name"]) == [n for n, _ in names] and list(frame["city"]) == [c for _, c in names]
    assert frame["score"].dtype == float
    assert _said(notes, "each delimiter is followed by a space")


def test_quotes_escaped_with_a_backslash(tmp_path: Path) -> None:
    text = 'id,comment,stars\n1,"He said \\"great\\", twice",5\n2,"plain",3\n3,"a \\"b\\" c",4\n'
    frame, notes = _read(tmp_path, text)
    assert list(frame["comment"]) == ['He said "great", twice', "plain", 'a "b" c']
    assert _said(notes, "escaped with a backslash")


def test_a_backslash_ending_a_value_is_not_taken_for_an_escape(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, 'id,path\n1,"C:\\data\\"\n2,"D:\\x\\"\n3,"E:\\"\n')
    assert list(frame["path"]) == ["C:\\data\\", "D:\\x\\", "E:\\"]
    assert not _said(notes, "backslash")


# --- ragged rows ----------------------------------------------------------------------------------------------------

def test_rows_that_leave_trailing_values_off_are_padded(tmp_path: Path) -> None:
    text = "name,age,city,comment\nAnn,30,Oslo\nBob,25,Bergen\nCy,41,Bodø\nDee,35,Tromsø,late\n"
    frame, notes = _read(tmp_path, text)
    assert list(frame.columns) == ["name", "age", "city", "comment"]
    assert frame["comment"].isna().sum() == 3 and frame["comment"].iloc[3] == "late"
    assert _said(notes, "3 row(s) did not have one value per column")


def test_rows_with_one_extra_empty_value_are_trimmed(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, "a,b,c\n1,2,3,\n4,5,6\n7,8,9,\n")
    assert list(frame.columns) == ["a", "b", "c"] and len(frame) == 3
    assert _said(notes, "2 row(s) did not have one value per column")


def test_a_row_with_an_extra_value_is_still_refused(tmp_path: Path, reliability) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6,surprise\n7,8,9\n")
    with pytest.raises(ReadError) as caught:
        read_table_with_dialect(path)
    assert caught.value.code == "RAGGED_ROWS" and "Line 3" in str(caught.value)
    reliability.bad_input("coded")


def test_row_names_without_a_header_cell(tmp_path: Path) -> None:
    """R's write.table: the header names the columns after the row names."""
    text = '"mpg","cyl"\n"Mazda RX4",21,6\n"Datsun 710",22.8,4\n"Valiant",18.1,6\n'
    frame, notes = _read(tmp_path, text)
    assert list(frame.columns) == ["column_1", "mpg", "cyl"] and frame["column_1"].iloc[1] == "Datsun 710"
    assert _said(notes, "the first column (row names, as R writes them) has no name")


# --- a written index, blank and repeated names ----------------------------------------------------------------------

@pytest.mark.parametrize("start", [0, 1])
def test_a_running_index_written_by_pandas_is_dropped(tmp_path: Path, start: int) -> None:
    original = pd.DataFrame({"city": ["Oslo", "Bergen", "Bodø", "Tromsø"] * 5, "score": np.arange(20) * 0.5})
    path = tmp_path / "t.csv"
    original.set_axis(range(start, start + 20)).to_csv(path)
    frame, dialect = read_table_with_dialect(path)
    pd.testing.assert_frame_equal(frame, original, check_dtype=False)
    assert dialect is not None and _said(dialect.notes, f"counts the rows ({start}, {start + 1}, {start + 2}, …)")


def test_an_unnamed_first_column_that_is_no_running_index_is_kept(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, ",city,score\n7,Oslo,1\n3,Bergen,2\n9,Bodø,3\n")
    assert list(frame.columns) == ["column_1", "city", "score"]
    assert _said(notes, "1 column has no name, so Kuai named it: 'column_1'")


# --- East Asian code pages ------------------------------------------------------------------------------------------

TABLES = {
    "ja": ("社員番号,氏名,部署,入社日,月給,評価\n", [("田中 太郎", "営業部", "良い"), ("佐藤 花子", "経理部", "普通"),
                                             ("鈴木 一郎", "開発部", "とても良い"), ("高橋 美咲", "人事部", "良い"),
                                             ("ｽｽﾞｷ ｹﾝ", "物流ｾﾝﾀｰ", "普通")]),
    "zh": ("客户编号,姓名,城市,入会日期,消费金额,会员等级\n", [("王伟", "北京", "金卡"), ("李娜", "上海", "银卡"),
                                                ("张强", "广州", "普通"), ("刘洋", "深圳", "金卡"),
                                                ("陈静", "杭州", "银卡")]),
    "tw": ("客戶編號,姓名,城市,入會日期,消費金額,會員等級\n", [("王偉", "台北", "金卡"), ("李娜", "台中", "銀卡"),
                                                ("張強", "高雄", "普通"), ("劉洋", "台南", "金卡"),
                                                ("陳靜", "新竹", "銀卡")]),
    "ko": ("고객번호,이름,도시,가입일,구매금액,등급\n", [("김민수", "서울", "골드"), ("이지은", "부산", "실버"),
                                             ("박서준", "대구", "일반"), ("최유진", "인천", "골드"),
                                             ("정우성", "광주", "실버")]),
}
ENCODINGS = [("ja", "shift_jis", "cp932"), ("ja", "cp932", "cp932"), ("zh", "gbk", "gb18030"),
             ("zh", "gb18030", "gb18030"), ("zh", "gb2312", "gb18030"), ("tw", "big5", "big5"),
             ("tw", "cp950", "big5"), ("ko", "euc_kr", "cp949"), ("ko", "cp949", "cp949")]


@pytest.mark.parametrize(("language", "encoding", "read_as"), ENCODINGS)
@pytest.mark.parametrize("n_rows", [3, 40])
def test_east_asian_code_pages_round_trip(tmp_path: Path, language: str, encoding: str, read_as: str,
                                          n_rows: int) -> None:
    header, people = TABLES[language]
    rng = random.Random(n_rows)
    rows = [(1000 + i, *people[rng.randrange(len(people))], f"2023-0{1 + i % 9}-1{i % 10}", rng.randint(1, 9) * 1000)
            for i in range(n_rows)]
    text = header + "".join(f"{n},{name},{place},{day},{amount},{grade}\n"
                            for n, (name, place, grade), day, amount in
                            [(r[0], r[1:4], r[4], r[5]) for r in rows])
    if language == "ja" and encoding == "shift_jis":
        text = text.replace("ｽｽﾞｷ ｹﾝ", "山本 健").replace("物流ｾﾝﾀｰ", "物流部")  # Shift-JIS proper: no half-width kana
    frame, notes = _read(tmp_path, text.encode(encoding))
    assert _said(notes, f"read as {read_as} text")
    assert list(frame.columns) == header.strip().split(",")
    expected = pd.read_csv(io.StringIO(text))
    assert frame.iloc[:, 1].tolist() == expected.iloc[:, 1].tolist()
    assert frame.iloc[:, 5].tolist() == expected.iloc[:, 5].tolist()


def test_a_large_shift_jis_sample_is_not_read_as_korean(tmp_path: Path) -> None:
    """charset-normalizer takes 256 KiB of a Japanese export of short values for cp949."""
    line = "1001,田中 太郎,営業部\n"
    frame, notes = _read(tmp_path, ("社員番号,氏名,部署\n" + line * 20000).encode("cp932"))
    assert list(frame.columns) == ["社員番号", "氏名", "部署"] and frame["部署"].iloc[-1] == "営業部"


# --- a header with no rows ------------------------------------------------------------------------------------------

def test_a_header_with_no_rows_is_shown_and_refused_for_training_and_scoring(tmp_path: Path, reliability) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffKundennr;Name;Betrag\r\n".encode())
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns) == ["Kundennr", "Name", "Betrag"] and len(frame) == 0
    assert dialect is not None and _said(dialect.notes, "the file has a header but no rows")
    profile = profile_dataset(frame)
    assert [c.name for c in profile.columns] == ["Kundennr", "Name", "Betrag"]
    with pytest.raises(ReadError) as training:
        build_task_spec(frame, profile.columns, target="Betrag")
    with pytest.raises(ReadError) as scoring:
        read_table_with_dialect(path, scoring=True)
    assert training.value.code == scoring.value.code == "HEADER_ONLY"
    reliability.bad_input("coded")


def test_a_multi_row_header_with_no_rows_under_it(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, "a,b\nunit_a,unit_b\n", header_rows=2)
    assert len(frame) == 0 and list(frame.columns) == ["a", "b"]


# --- rows that look like header rows, and are data ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "order,amount,status\nA1,pending,open\n" + "".join(f"A{i},{i}.5,closed\n" for i in range(2, 12)),
    "id,,score\n,x,3\n2,y,4\n3,z,5\n4,w,6\n",  # a blank name over a value; a missing first value
    "name,score,grade\n,3.5,A\nBob,4.0,B\nCy,2.5,C\nDee,1.0,D\n",
])
def test_a_first_row_of_data_is_not_taken_for_a_header_row(tmp_path: Path, text: str) -> None:
    frame, notes = _read(tmp_path, text)
    assert len(frame) == text.count("\n") - 1
    assert not _said(notes, "the column names take") and not _said(notes, "describe them")


def test_years_as_column_names(tmp_path: Path) -> None:
    frame, _ = _read(tmp_path, "country,2019,2020,2021\nNorway,1.2,1.3,1.4\nSweden,2.2,2.3,2.4\nDenmark,3.2,3.3,3.4\n")
    assert list(frame.columns) == ["country", "2019", "2020", "2021"] and len(frame) == 3


def test_a_labelled_balance_under_a_bank_statement_is_not_a_row(tmp_path: Path) -> None:
    rows = "".join(f'"{d:02d}.03.2024";"KARTENZAHLUNG {d}";"-{d},50";\n' for d in range(1, 9))
    text = f'"Buchungstag";"Buchungstext";"Betrag (EUR)";\n{rows}"Kontostand am 31.03.2024:";;"1.234,56";\n'
    frame, notes = _read(tmp_path, text.encode("cp1252"))
    assert len(frame) == 8 and frame["Betrag (EUR)"].sum() == pytest.approx(-sum(d + 0.5 for d in range(1, 9)))
    assert _said(notes, "ignored 1 line(s) after the table")


def test_a_cyrillic_report_in_cp1251(tmp_path: Path) -> None:
    """charset-normalizer takes it for mac_greek; chardet's cp1251, which it also found plausible, is taken."""
    body = "".join(f"Товар {i};{i + 1};{(i + 1) * 100},50\n" for i in range(8))
    text = f"Отчёт о продажах;;\n\nТовар;Кол-во;Сумма\n{body}Итого;44;4404,00\n\nИсточник: 1С:Предприятие;;\n"
    frame, notes = _read(tmp_path, text.encode("cp1251"))
    assert list(frame.columns) == ["Товар", "Кол-во", "Сумма"] and len(frame) == 8
    assert _said(notes, "read as cp1251 text")


def test_a_header_of_digits_other_than_decimal_ones_is_read(tmp_path: Path) -> None:
    """'¹' or '²' is a digit to str.isdigit but no number to int(): the header rules take only decimal digits for
    numbered or year names (found by the property test of CSV-like tables, a crash before)."""
    path = tmp_path / "sup.csv"
    path.write_text("¹,²,³\n0,1,2\n1,2,3\n", encoding="utf-8")
    frame, _ = read_table_with_dialect(path)
    assert list(frame.columns) == ["¹", "²", "³"] and len(frame) == 2
