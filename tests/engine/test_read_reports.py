"""Reports and statistical tables as offices export them, each read by a rule and said in the reading notes: numbers
with footnote flags or words for 'no value', a row of sums first or last, a header row that names the first
columns, page titles and repeated headers inside a list, padding after the last line, full-width numbers, a
semicolon file's decimal comma, codes with leading zeros under a multi-row header, and the European code pages."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuai.engine.read import read_table_with_dialect


def _read(tmp_path: Path, content: str | bytes) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    path = tmp_path / "t.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None
    return frame, dialect.notes, dialect.encoding


def _said(notes: tuple[str, ...], words: str) -> bool:
    return any(words in note for note in notes)


def test_numbers_with_footnote_flags_are_numbers_and_the_flags_are_said(tmp_path: Path) -> None:
    """Eurostat: '6.4 p' (provisional), '7.2 e' (estimated), ':' (not available); ONS: '[c]' suppressed."""
    flags = ["", " p", " e", "", " b", ""]
    rows = "".join(f"G{i:02d}\t{i + 0.5}{flags[i % 6]}\t{':' if i == 3 else f'{i * 2}.1{flags[(i + 1) % 6]}'}\n"
                   for i in range(24))
    frame, notes, _ = _read(tmp_path, f"geo\\TIME\t2019\t2020\n{rows}")
    assert frame["2019"].dtype == float and frame["2019"].iloc[1] == 1.5
    assert frame["2020"].isna().sum() == 1 and frame["2020"].iloc[4] == 8.1
    assert _said(notes, "carry a footnote flag ('b', 'e', 'p')") and _said(notes, "(':') read as missing")


def test_a_unit_after_every_number_is_not_a_flag(tmp_path: Path) -> None:
    rows = "".join(f"r{i},{i + 1} m\n" for i in range(20))
    frame, notes, _ = _read(tmp_path, f"id,length\n{rows}")
    assert not _said(notes, "footnote flag")


def test_a_few_words_for_no_value_in_a_column_of_numbers_are_missing(tmp_path: Path) -> None:
    """A qPCR export: 'Undetermined' where no cycle crossed the threshold, decimal commas."""
    rows = "".join(f"A{i};{'Undetermined' if i % 9 == 4 else f'{20 + i},{i:03d}'}\n" for i in range(27))
    frame, notes, _ = _read(tmp_path, f"Well;Cq\n{rows}")
    assert frame["Cq"].dtype == float and frame["Cq"].isna().sum() == 3 and frame["Cq"].iloc[1] == 21.001
    assert _said(notes, "3 values that are not a number ('Undetermined') read as missing")


def test_a_column_of_many_words_stays_text(tmp_path: Path) -> None:
    sizes = ["S", "M", "L", "XL", "1", "2"]
    rows = "".join(f"{i},{sizes[i % 6]}\n" for i in range(30))
    frame, _, _ = _read(tmp_path, f"id,size\n{rows}")
    assert frame["size"].dtype != float


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_row_of_sums_first_or_last_is_dropped_and_said(tmp_path: Path, where: str) -> None:
    """ONS puts 'All ages' first or last; its percentages are rounded (they add to 99.8 or 100.1)."""
    counts = [1200, 3400, 2210, 980, 4410, 1820]
    shares = [9.6, 27.2, 17.7, 7.8, 35.3, 14.6]  # rounded, add to 112.2 of 112.3 (over 0.5 % off is refused)
    rows = [f"{10 * i}-{10 * i + 9},{c},{s}" for i, (c, s) in enumerate(zip(counts, shares, strict=True))]
    total = f"All ages,{sum(counts)},{round(sum(shares) + 0.1, 1)}"
    body = "\n".join([total, *rows] if where == "first" else [*rows, total])
    frame, notes, _ = _read(tmp_path, f"Age group,Number,%\n{body}\n")
    assert len(frame) == 6 and "All ages" not in set(frame["Age group"])
    assert _said(notes, f"dropped the {where} row: its numbers are the sums of the other rows")


def test_a_row_that_is_not_the_sum_stays(tmp_path: Path) -> None:
    rows = "".join(f"x{i},{i + 1},{(i + 1) * 2}\n" for i in range(6))
    frame, notes, _ = _read(tmp_path, f"k,a,b\n{rows}big,22,40\n")  # 21 and 42 would be the sums
    assert len(frame) == 7 and not _said(notes, "sums")


def test_a_header_row_that_names_the_first_columns_belongs_to_the_header(tmp_path: Path) -> None:
    """Destatis GENESIS: the measure's names over the numbers, then a row naming the row labels' columns."""
    rows = "".join(f"Land {i};31.12.2021;{i}.208,0;{i}.523,9\n" for i in range(1, 17))
    text = f"GENESIS-Tabelle: 12411-0010\n;;Insgesamt;männlich\nBundesländer;Stichtag;;\n{rows}__________\n"
    frame, notes, _ = _read(tmp_path, text.encode("cp1252"))
    assert list(frame.columns) == ["Bundesländer", "Stichtag", "Insgesamt", "männlich"] and len(frame) == 16
    assert frame["Insgesamt"].iloc[0] == 1208.0 and _said(notes, "the column names take 2 rows")


def test_a_first_row_of_data_with_an_empty_column_is_not_a_header(tmp_path: Path) -> None:
    """Wells Fargo: no header, a column that is empty on every row."""
    rows = "".join(f'"01/{d:02d}/2024","{d * 10.5:.2f}","*","","PURCHASE {d}"\n' for d in range(1, 21))
    frame, notes, _ = _read(tmp_path, rows)
    assert len(frame) == 20 and frame.shape[1] == 5 and _said(notes, "the first row holds data, not names")


def test_a_list_with_page_titles_repeated_headers_rules_and_a_total(tmp_path: Path) -> None:
    """An SAP list saved as text: framed rows, each page with its title, rule lines and header, a '*' total."""
    rule, header = "-" * 40, "|Material  |Plnt|   Quantity|       Amount|"
    pages, total_q, total_a = [], 0, 0.0
    for page in range(2):
        rows = []
        for i in range(10):
            q, a = 10 + 7 * i + page, 1000.25 * (i + 1) + page
            total_q, total_a = total_q + q, total_a + a
            rows.append(f"|M-{page}{i:02d}     |1000|{q:>11}|{a:>13,.2f}|".replace(",", "_").replace(".", ",")
                        .replace("_", "."))
        pages.append("\n".join([f"15.03.2024        Dynamic List Display        {page + 1}", "", rule, header, rule,
                                *rows, rule, ""]))
    total = f"|*         |    |{total_q:>11}|{total_a:>13,.2f}|".replace(",", "_").replace(".", ",").replace("_", ".")
    frame, notes, _ = _read(tmp_path, "\n".join(pages) + f"\n{total}\n{rule}\n")
    assert list(frame.columns) == ["Material", "Plnt", "Quantity", "Amount"] and len(frame) == 20
    assert frame["Quantity"].sum() == total_q and frame["Amount"].sum() == pytest.approx(total_a)
    assert _said(notes, "line(s) of text inside the table, such as '15.03.2024 Dynamic List Display")
    assert _said(notes, "copies of the header row") and _said(notes, "dropped the last row: its numbers are the sums")


def test_nul_bytes_after_the_last_line_are_cut_off_and_said(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i * 1.5},red\n" for i in range(25))
    frame, notes, _ = _read(tmp_path, f"id,weight,colour\n{rows}".encode() + b"\x00" * 8192)
    assert len(frame) == 25 and _said(notes, "ignored 8,192 NUL byte(s) at the end of the file")


def test_full_width_currency_and_digits_are_numbers(tmp_path: Path) -> None:
    items = ["コピー用紙Ａ４", "ファイル（青）", "ボールペン黒", "ホッチキス針", "付箋紙７５ｍｍ", "電卓"]
    rows = "".join(f'{items[i % 6]},"￥{(i + 1) * 1000:,}",{chr(0xFF10 + i % 10)}\n' for i in range(20))
    frame, _, _ = _read(tmp_path, f"商品名,金額,数量\n{rows}".encode("cp932"))
    assert frame["金額"].dtype == float and frame["金額"].iloc[2] == 3000.0
    assert frame["数量"].dtype == float and frame["数量"].iloc[3] == 3.0


def test_a_semicolon_file_reads_an_ambiguous_comma_as_the_decimal_mark(tmp_path: Path) -> None:
    rows = "".join(f"N{i};{i * 37 % 900 + 100},{i * 71 % 900 + 100};0{i % 9 + 1}.03.2024\n" for i in range(25))
    frame, _, _ = _read(tmp_path, f"sep=;\nName;Wert;Datum\n{rows}")
    assert frame["Wert"].max() < 1000 and frame["Wert"].iloc[1] == pytest.approx(137.171)


def test_codes_with_leading_zeros_under_a_two_row_header_keep_them(tmp_path: Path) -> None:
    rows = "".join(f'"{i:02d}","県{i}","{i * 100.5}","{i * 50.1}"\n' for i in range(1, 48))
    text = f'"都道府県コード","都道府県名","人口",""\n"","","総数","男"\n{rows}\n"注：統計局より作成"\n'
    frame, _, _ = _read(tmp_path, text.encode("cp932"))
    assert list(frame["都道府県コード"][:2]) == ["01", "02"] and len(frame) == 47


_WORDS = {
    "cp1250": ["Przelew z rachunku", "Płatność kartą ŻABKA", "Wypłata z bankomatu Łódź", "Opłata za prowadzenie",
               "Zakup w sklepie Świętokrzyska", "Platba kartou Žabka", "Výběr z bankomatu Brno", "Příchozí úhrada"],
    "hu": ["Vásárlás kártyával Győr", "Átutalás bejövő – fizetés", "Készpénzfelvétel ATM Pécs", "Számlavezetési díj",
           "Közüzemi számla ELMŰ", "Kölcsön törlesztőrészlet", "Bérjóváírás Szőlő utca"],
    "western": ["Prélèvement échéance prêt", "Überweisung Gehalt März", "Kartenzahlung Bäckerei Müller",
                "Transferencia nómina", "Pago con tarjeta Año Nuevo", "Pagamento cartão São Paulo",
                "Compra Pão de Açúcar", "Hævning i automat Ærø", "Køb i Netto Nørrebro", "Cotisation carte œuvre"],
    "cp1254": ["Kredi kartı ödemesi", "Şube para çekme", "Gelen havale maaş", "Fatura ödemesi İSKİ",
               "Market alışverişi Ağaçlı", "Döviz alış işlemi"],
}


@pytest.mark.parametrize(("words", "encoding", "header"), [
    ("cp1250", "cp1250", "Data operacji;Opis operacji;Kwota"), ("hu", "cp1250", "Dátum;Közlemény;Összeg"),
    ("cp1254", "cp1254", "İşlem Tarihi;Açıklama;Tutar"), ("western", "cp1252", "Datum;Text;Betrag")])
def test_central_european_and_turkish_code_pages_are_told_from_the_western_one(tmp_path: Path, words: str,
                                                                              encoding: str, header: str) -> None:
    rng = random.Random(0)
    rows = "".join(f"0{d % 9 + 1}.03.2024;{rng.choice(_WORDS[words])};{rng.randint(-500, 500)},{d:02d}\n"
                   for d in range(28))
    frame, _, found = _read(tmp_path, f"{header}\n{rows}".encode(encoding))
    assert found == encoding and list(frame.columns) == header.split(";")
    assert set(frame.iloc[:, 1]) <= set(_WORDS[words])


def test_a_western_file_with_a_few_accented_names_stays_western(tmp_path: Path) -> None:
    frame, _, found = _read(tmp_path, "id;name\n1;José\n2;Zoë\n3;Björn\n4;Anaïs\n".encode("latin-1"))
    assert found in ("cp1252", "latin-1") and list(frame["name"]) == ["José", "Zoë", "Björn", "Anaïs"]


def test_subtotal_rows_inside_the_table_are_dropped_and_said(tmp_path: Path) -> None:
    """An Excel report: each region's rows, then 'North Total', and a 'Grand Total' at the end."""
    lines, grand = ["Region,Rep,Sales,Units"], [0.0, 0]
    for region in ("North", "South", "West"):
        sales = [1200.5 + 100 * i + len(region) for i in range(4)]
        units = [10 + i for i in range(4)]
        lines += [f"{region},Rep {region[0]}{i},{s},{u}" for i, (s, u) in enumerate(zip(sales, units, strict=True))]
        lines.append(f"{region} Total,,{sum(sales):.2f},{sum(units)}")
        grand = [grand[0] + sum(sales), grand[1] + sum(units)]
    lines.append(f"Grand Total,,{grand[0]:.2f},{grand[1]}")
    frame, notes, _ = _read(tmp_path, "\n".join(lines) + "\n")
    assert len(frame) == 12 and not frame["Region"].str.contains("Total").any()
    assert _said(notes, "dropped 3 subtotal row(s) ('North Total', 'South Total', 'West Total')")
    assert _said(notes, "ignored 1 line(s) after the table") and _said(notes, "Grand Total")


def test_a_product_named_total_is_a_row(tmp_path: Path) -> None:
    rows = [f"Item {i},{i + 1},{(i + 1) * 3}" for i in range(8)]  # 'Total Gym 1400': 4 units, not 10
    lines = ["product,units,price", *rows[:4], "Total Gym 1400,4,999", *rows[4:]]
    frame, notes, _ = _read(tmp_path, "\n".join(lines) + "\n")
    assert len(frame) == 9 and not _said(notes, "subtotal")


def test_a_category_named_total_on_many_rows_is_data(tmp_path: Path) -> None:
    """Plans 'Total' and 'Total Care' on a fifth of the rows, small counts beside them: a row's count equal to the
    one or two rows above it by chance is no subtotal, as most rows of the label hold no sum (a blind test)."""
    rng = np.random.default_rng(0)
    plans = rng.choice(["Basic", "Plus", "Premium", "Total", "Total Care"], size=3_000, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    rows = [f"{plan},C{i:05d},{rng.uniform(10, 200):.2f},{rng.integers(1, 10)}" for i, plan in enumerate(plans)]
    frame, notes, _ = _read(tmp_path, "\n".join(["plan,customer,amount,qty", *rows]) + "\n")
    assert len(frame) == 3_000 and not _said(notes, "subtotal")


def test_rows_of_statistics_under_a_batch_are_dropped_and_said(tmp_path: Path) -> None:
    """FlowJo and Chromeleon append 'Mean' and 'SD' rows under the samples."""
    import statistics

    a = [12.5 + 1.7 * i + (i % 3) * 0.9 for i in range(12)]
    b = [340.0 - 7.3 * i + (i % 4) * 2.1 for i in range(12)]
    rows = "".join(f"S{i:02d}.fcs,{x:.3f},{y:.3f}\n" for i, (x, y) in enumerate(zip(a, b, strict=True)))
    tail = (f"Mean,{statistics.mean(a):.3f},{statistics.mean(b):.3f}\n"
            f"SD,{statistics.stdev(a):.3f},{statistics.stdev(b):.3f}\n")
    frame, notes, _ = _read(tmp_path, f",CD4 Mean,CD8 Mean\n{rows}{tail}")
    assert len(frame) == 12 and _said(notes, "dropped the last 2 row(s), summary rows under the table")


def test_values_below_a_limit_of_detection_are_missing_and_said(tmp_path: Path) -> None:
    rows = "".join(f"P{i};{'<0,5' if i % 5 == 0 else f'{i},{i % 10}'}\n" for i in range(1, 26))
    frame, notes, _ = _read(tmp_path, f"Probe;Blei [µg/l]\n{rows}")
    assert frame["Blei [µg/l]"].dtype == float and frame["Blei [µg/l]"].isna().sum() == 5
    assert _said(notes, "beyond a limit of detection ('<0,5')")


def test_thousands_grouped_by_a_no_break_space_are_numbers(tmp_path: Path) -> None:
    rows = "".join(f"Dép {i},{i * 1000 + 22:,}\n".replace(",", "\u00a0").replace("\u00a0", ",", 1)
                   for i in range(1, 26))
    frame, _, _ = _read(tmp_path, f"Département,Naissances\n{rows}")
    assert frame["Naissances"].dtype == float and frame["Naissances"].iloc[1] == 2022.0


@pytest.mark.parametrize(("written", "value"), [("R$ -130,71", -130.71), ("42.500,00 TL", 42500.0),
                                                ("-45,99 PLN", -45.99), ("1 250,00 Kč", 1250.0)])
def test_currencies_written_with_letters_are_numbers(tmp_path: Path, written: str, value: float) -> None:
    rows = "".join(f"0{d % 9 + 1}.03.2024;{written}\n" for d in range(20))
    frame, _, _ = _read(tmp_path, f"Data;Valor\n{rows}")
    assert frame["Valor"].dtype == float and frame["Valor"].iloc[0] == pytest.approx(value)


def test_two_units_in_one_column_stay_text(tmp_path: Path) -> None:
    rows = "".join(f"r{i},{i + 1} {'m' if i % 2 else 'km'}\n" for i in range(20))
    frame, _, _ = _read(tmp_path, f"id,distance\n{rows}")
    assert frame["distance"].dtype != float


def test_page_lines_in_a_column_of_codes_and_a_quoted_footer_are_not_rows(tmp_path: Path) -> None:
    """An ERP report repeats its title and 'Page 2 of 3' above each page's header; a CRM report ends with quoted
    notes ('"Confidential Information"')."""
    header = '"SKU","Description","On Hand","Unit Cost"'
    pages = []
    for page in range(3):
        rows = [f'"{page * 100 + i:06d}","Part {i}","{10 + i}","{2.5 * i:.2f}"' for i in range(12)]
        pages += [f'"Page {page + 1} of 3"', header, *rows] if page else [header, *rows]
    footer = ['""', '"Confidential Information - Do Not Distribute"', '""', '"Generated By: Jane Doe 3/5/2024"']
    frame, notes, _ = _read(tmp_path, "\n".join(pages + footer) + "\n")
    assert len(frame) == 36 and frame["SKU"].iloc[0] == "000000"
    assert _said(notes, "line(s) of text inside the table, such as 'Page 2 of 3'")
    assert _said(notes, "ignored") and _said(notes, "Confidential")


def test_an_address_with_an_unquoted_comma_is_joined_back_where_it_fits(tmp_path: Path) -> None:
    rows = [f"{i},Name {chr(65 + i % 26)}ez,{100 + i} Oak Ave,Madison,{53700 + i},555-{1000 + i}" for i in range(20)]
    rows[12] = "12,Mei Ruiz,12 Main St, Apt 4B,Columbus,43215,555-2903"
    frame, notes, _ = _read(tmp_path, "id,name,street,city,zip,phone\n" + "\n".join(rows) + "\n")
    assert len(frame) == 20 and frame["street"].iloc[12] == "12 Main St, Apt 4B"
    assert frame["city"].iloc[12] == "Columbus"
    assert _said(notes, "a value held the delimiter without quotes (such as '12 Main St, Apt 4B'), joined back in "
                        "'street'")


def test_reading_to_score_keeps_words_among_numbers_for_the_model_to_judge(tmp_path: Path) -> None:
    """A category '=cmd()' among categories '1', '2' stays what it is when a file is scored: the model's input
    schema decides; reading to train reads the few words as missing, and says so."""
    rows = "".join(f"r{i},{['=cmd()', 'never seen'][i % 2] if i % 10 == 0 else i % 5 + 1}\n" for i in range(40))
    path = tmp_path / "t.csv"
    path.write_text(f"id,bedrooms\n{rows}")
    scored, _ = read_table_with_dialect(path, scoring=True)
    assert "=cmd()" in set(scored["bedrooms"]) and len(scored) == 40
    trained, dialect = read_table_with_dialect(path)
    assert trained["bedrooms"].dtype == float and dialect is not None
    assert _said(dialect.notes, "read as missing in a column of numbers")


def test_a_note_shows_a_long_value_by_its_ends(tmp_path: Path) -> None:
    """The note on trimmed spaces quotes the values it changed: a long text by its two ends, never whole."""
    data = tmp_path / "notes.csv"
    data.write_text("id,note\n1,short\n2," + "word " * 4_000 + "\n3,  padded\n", encoding="utf-8")
    _, dialect = read_table_with_dialect(data)
    assert dialect is not None
    note = next(n for n in dialect.notes if "spaces and tabs around" in n)
    assert len(note) < 300 and "word word" in note and "'  padded'" in note


def test_a_data_rows_one_number_equal_to_the_mean_by_chance_is_kept(tmp_path: Path) -> None:
    """One numeric column whose last value is the mean of the others: a data row (an ID, a text, a label), kept;
    the same row labelled 'Mean' with nothing else is a statistic."""
    months = [28, 38, 15, 22, 41, 36]
    rows = "".join(f"C-{i:04d},contract text {i},{m},MSA\n" for i, m in enumerate(months))
    last = sum(months) / len(months)  # 30
    frame, notes, _ = _read(tmp_path, f"id,text,months,kind\n{rows}C-0099,another text,{last:g},NDA\n")
    assert len(frame) == 7 and not any("summary rows" in note for note in notes)
    frame, notes, _ = _read(tmp_path, f"id,text,months,kind\n{rows}Mean,,{last:g},\n")
    assert len(frame) == 6 and any("summary rows" in note for note in notes)
