"""A second, "blind" corpus of real-world nasty CSV-like files and the outcome a user would expect.

Run from the repository root: ``python tests/data/corpus/make_blind_corpus.py``. It writes the files to
``blind/`` and their expected outcomes to ``blind_expected.json`` (same format as ``expected.json``:
either ``error`` [+ ``message_has``] or rows, columns and optionally names, numeric, missing, delimiter,
encoding, has_header, preamble_lines, footer_lines). The expectations were written before the reader
was run on the files, from what a demanding user exporting from Excel, SAP, a bank, a lab instrument,
a survey tool, Google Sheets or R would want to see. Deterministic: no clocks, no unseeded randomness.

``VALUE_CHECKS`` holds a few extra checks on parsed values (a number read as 1.234 instead of 1234
still passes a dtype check); a checking script can apply them to the frame the reader returns.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BLIND = HERE / "blind"


def _ok(rows: int, columns: int, **extra: Any) -> dict[str, Any]:
    return {"rows": rows, "columns": columns, **extra}


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, **extra}


# name -> list of (description, column, kind, value): "sum" of the column, "row" (index, value),
# "not_numeric" (the column must stay text), "row_any" (index, [accepted values]).
VALUE_CHECKS: dict[str, list[tuple[str, Any, Any]]] = {
    "de_excel_cp1252_crlf.csv": [
        ("Umsatz 2023", "row", (0, 1234567.89)),
        ("Umsatz 2023", "sum", 1234567.89 + 98765.40 + 512.00 + 12000.00 - 3210.55 + 0.99 + 45000.10 + 7.00),
        ("Menge", "sum", 1200 + 350 + 12 + 2500 + 1000 + 1 + 12000 + 8),
        ("Rabatt", "row", (3, 5.75)),
        ("Letzte Bestellung", "not_numeric", None),
    ],
    "fr_excel_utf8bom_nbsp.csv": [
        ("Montant HT", "row", (0, 1234.56)),
        ("Montant HT", "row", (1, 12345678.90)),
        ("Montant HT", "row", (3, -1000.0)),
        ("Taux TVA", "row_any", (1, [5.5, 0.055])),
        ("Date", "not_numeric", None),
    ],
    "sap_report_title_totals.csv": [
        ("Betrag", "sum", 23456.78),
        ("Fälligkeit", "not_numeric", None),
    ],
    "bank_statement_dkb.csv": [
        ("Betrag (EUR)", "sum", -85.00 + 2500.00 - 1234.56 - 12.99 - 49.90 + 100.00),
        ("Buchungstag", "not_numeric", None),
    ],
    "google_sheets_export.csv": [
        ("Clicks", "sum", 1024 + 876 + 15 + 2048 + 0 + 1500),
        ("Spend", "row", (0, 1234.56)),
        ("CTR", "row_any", (0, [12.5, 0.125])),
    ],
    "accounting_negatives.csv": [
        ("Q1", "row", (1, -456789.0)),
        ("Q1", "row", (2, -12345.67)),
        ("Q2", "row", (0, 1300000.50)),
    ],
    "single_column_decimal_comma.csv": [("Messwert", "sum", 1.5 + 2.25 + 3.0 + 12.75 + 0.5)],
    "semicolon_vs_decimal_comma.csv": [("Messwert", "sum", 2.5 + 3.75 + 1.0 + 0.25)],
    "swiss_apostrophe_thousands.csv": [("Preis CHF", "row", (0, 1234.50)), ("Menge", "row", (2, 1500))],
    "de_percent_space.csv": [("Umsatzanteil", "row_any", (0, [12.5, 0.125]))],
    "utf16_excel_unicode_text.csv": [("Betrag", "row", (3, 1000000.0)), ("Betrag", "row", (0, 1234.5))],
    "de_na_tokens.csv": [("Messwert", "sum", 12.5 + 7.25 + 3.0)],
    "repeated_header_rows.csv": [("value", "sum", 10 + 20 + 30 + 40 + 50)],
    "lab_plate_reader.csv": [("OD450", "row", (0, 0.051))],
    "r_write_csv_rownames.csv": [("column_1", "row", (0, "Mazda RX4"))],
}


def _german(add: Any) -> None:
    de = (
        "Kundennr;Firma;Ort;Umsatz 2023;Menge;Rabatt;Letzte Bestellung\r\n"
        "10001;Müller GmbH;München;1.234.567,89;1.200;2,5;31.12.2023\r\n"
        "10002;Bäckerei Schäfer;Köln;98.765,40;350;0;15.03.2023\r\n"
        "10003;Größenwahn AG;Düsseldorf;512,00;12;10;01.02.2023\r\n"
        '10004;"Meier & Söhne; KG";Nürnberg;12.000,00;2.500;5,75;28.02.2023\r\n'
        "10005;Weiß OHG;Straßlach;-3.210,55;1.000;0;30.06.2023\r\n"
        "10006;Österreich Handel;Graz;0,99;1;0;07.07.2023\r\n"
        "10007;Fußpflege Zoë;Jena;45.000,10;12.000;1,25;11.11.2023\r\n"
        "10008;Ärztehaus;Essen;7,00;8;0;24.12.2023\r\n"
    )
    add("de_excel_cp1252_crlf.csv", de.encode("cp1252"),
        _ok(8, 7, delimiter=";", encoding="cp1252|latin|1252",
            names=["Kundennr", "Firma", "Ort", "Umsatz 2023", "Menge", "Rabatt", "Letzte Bestellung"],
            numeric=["Kundennr", "Umsatz 2023", "Menge", "Rabatt"]))

    na = (
        "Probe;Messwert;Einheit;Bemerkung\n"
        "A1;12,5;mg/l;ok\n"
        "A2;n.v.;mg/l;Gerät defekt\n"
        "A3;k.A.;mg/l;\n"
        "A4;#N/A;mg/l;k.A.\n"
        "A5;;mg/l;ok\n"
        "A6;7,25;mg/l;n.v.\n"
        "A7;3,0;mg/l;ok\n"
        "A8;#NV;mg/l;ok\n"
    )
    add("de_na_tokens.csv", na.encode("utf-8"),
        _ok(8, 4, delimiter=";", numeric=["Messwert"], missing={"Messwert": 5, "Bemerkung": 3, "Probe": 0}))

    pct = "Filiale;Umsatzanteil;Wachstum\nNord;12,5 %;+3,2 %\nSüd;30 %;-1,5 %\nWest;57,5 %;0 %\nOst;0 %;12 %\n"
    add("de_percent_space.csv", pct.encode("utf-8"),
        _ok(4, 3, delimiter=";", numeric=["Umsatzanteil", "Wachstum"]))

    # SAP ALV export: title block, then data, then a totals line with as many fields as a data row.
    sap_rows = [
        ("4711", "Alpha GmbH", "1800001234", "15.01.2024", "1.250,00"),
        ("4712", "Beta KG", "1800001235", "20.01.2024", "3.400,50"),
        ("4713", "Gamma AG", "1800001236", "31.01.2024", "12.000,00"),
        ("4714", "Delta & Co.", "1800001237", "05.02.2024", "-250,00"),
        ("4715", "Epsilon OHG", "1800001238", "10.02.2024", "999,99"),
        ("4716", "Zeta Bau", "1800001239", "14.02.2024", "2.055,29"),
        ("4717", "Eta Logistik", "1800001240", "29.02.2024", "1.000,00"),
        ("4718", "Theta Süd", "1800001241", "01.03.2024", "2.001,00"),
        ("4719", "Iota Nord", "1800001242", "15.03.2024", "500,00"),
        ("4720", "Kappa Öl", "1800001243", "31.03.2024", "500,00"),
    ]
    sap = ("Offene Posten Debitoren\r\n"
           "Buchungskreis: 1000    Stichtag: 31.12.2023\r\n"
           "Erstellt von: MUELLER am 02.01.2024 08:15:22\r\n"
           "\r\n"
           "Debitor;Name;Belegnr;Fälligkeit;Betrag;Währung\r\n"
           + "".join(";".join(row) + ";EUR\r\n" for row in sap_rows)
           + "Summe;;;;23.456,78;EUR\r\n")
    add("sap_report_title_totals.csv", sap.encode("cp1252"),
        _ok(10, 6, delimiter=";", preamble_lines=4, footer_lines=1,
            names=["Debitor", "Name", "Belegnr", "Fälligkeit", "Betrag", "Währung"],
            numeric=["Debitor", "Betrag"]))

    # SAP "unconverted" list output saved as .csv: pipes framing every line, dashed rules.
    rule = "-" * 44 + "\n"
    lst = ("31.12.2023          Dynamische Listausgabe         1\n" + rule
           + "|Material  |Werk|Lagerort|     Menge|BME|\n" + rule
           + "|100-100   |1000|0001    |     1.250|ST |\n"
           + "|100-200   |1000|0002    |        75|ST |\n"
           + "|200-300   |2000|0001    |        12|KG |\n"
           + "|200-310   |2000|0003    |    12.000|KG |\n"
           + "|300-001   |1000|0001    |         0|ST |\n"
           + "|300-002   |3000|0005    |       330|L  |\n" + rule)
    add("sap_list_pipes.csv", lst.encode("cp1252"),
        _ok(6, 5, delimiter="|", names=["Material", "Werk", "Lagerort", "Menge", "BME"], numeric=["Werk", "Menge"]))

    bank_rows = [
        ("31.01.2024", "31.01.2024", "Lastschrift", "Stadtwerke München", "Abschlag Strom 01/2024", "-85,00"),
        ("30.01.2024", "30.01.2024", "Gutschrift", "ACME GmbH", "Gehalt Januar 2024", "2.500,00"),
        ("29.01.2024", "29.01.2024", "Dauerauftrag", "Vermieter Schulz", "Miete Februar; Whg. 3", "-1.234,56"),
        ("15.01.2024", "16.01.2024", "Kartenzahlung", "AMAZON EU S.A R.L.", "Bestellung 302-123", "-12,99"),
        ("10.01.2024", "10.01.2024", "Lastschrift", "Fitnessstudio \"Fit\"", "Beitrag", "-49,90"),
        ("02.01.2024", "02.01.2024", "Überweisung", "Oma Hildegard", "Frohes neues Jahr!", "100,00"),
    ]
    header = ["Buchungstag", "Wertstellung", "Buchungstext", "Auftraggeber / Begünstigter", "Verwendungszweck",
              "Betrag (EUR)"]

    def q(fields: list[str]) -> str:
        return ";".join('"' + f.replace('"', '""') + '"' for f in fields) + ";\n"

    bank = ('"Kontonummer:";"DE12120300001234567890 / Girokonto";\n'
            "\n"
            '"Von:";"01.01.2024";\n'
            '"Bis:";"31.01.2024";\n'
            '"Kontostand vom 31.01.2024:";"2.345,67 EUR";\n'
            "\n" + q(header) + "".join(q(list(r)) for r in bank_rows))
    # Every line ends with ';' (DKB does this): like the main corpus's trailing_delimiter.csv, the empty
    # unnamed extra column is dropped.
    add("bank_statement_dkb.csv", bank.encode("cp1252"),
        _ok(6, 6, delimiter=";", encoding="cp1252|latin|1252", preamble_lines=6,
            names=header, numeric=["Betrag (EUR)"]))

    sc = ("Nr;Messwert;Bemerkung\n1;2,5;gut, stabil\n2;3,75;Drift, gering\n3;1,0;ok, ok\n4;0,25;Probe, leer\n")
    add("semicolon_vs_decimal_comma.csv", sc.encode(), _ok(4, 3, delimiter=";", numeric=["Nr", "Messwert"]))

    single = "Messwert\n1,5\n2,25\n3,0\n12,75\n0,5\n"
    add("single_column_decimal_comma.csv", single.encode(), _ok(5, 1, names=["Messwert"], numeric=["Messwert"]))

    sep = ("\ufeffsep=;\r\n"
           '"Artikel";"Preis";"Bestand";"Kategorie"\r\n'
           '"Schraube M4";"0,12";"1.500";"Kleinteile"\r\n'
           '"Mutter M4";"0,05";"3.200";"Kleinteile"\r\n'
           '"Bohrmaschine";"89,90";"12";"Werkzeug"\r\n'
           '"Säge; klein";"14,50";"7";"Werkzeug"\r\n')
    add("sep_hint_bom_crlf_quoted.csv", sep.encode("utf-8"),
        _ok(4, 4, delimiter=";", encoding="utf-8", preamble_lines=1,
            names=["Artikel", "Preis", "Bestand", "Kategorie"], numeric=["Preis", "Bestand"]))

    # (First written as the error HEADER_ONLY; issue 33 changed the behaviour: a header with no rows is read as a
    # table of no rows, shown with its columns, and refused for training.)
    add("header_only_bom.csv", "\ufeffKundennr;Name;Betrag\r\n".encode(),
        _ok(0, 3, names=["Kundennr", "Name", "Betrag"]))

    utf16 = ("ID\tName\tBetrag\tKommentar\r\n"
             '1\tMüller\t1.234,50\t"mehrzeilig\nKommentar"\r\n'
             "2\tŁukasz\t-12,00\tok\r\n"
             '3\t東京\t0,5\t"sagt ""hallo"""\r\n'
             "4\tZoë\t1.000.000,00\t\r\n")
    add("utf16_excel_unicode_text.csv", utf16.encode("utf-16"),
        _ok(4, 4, delimiter="\t", encoding="utf-16", names=["ID", "Name", "Betrag", "Kommentar"],
            numeric=["ID", "Betrag"], missing={"Kommentar": 1}))

    swiss = "Artikel;Preis CHF;Menge\nUhr;1'234.50;2\nKäse;12.90;100\nSchokolade;3.20;1'500\nMesser;89.00;12\n"
    add("swiss_apostrophe_thousands.csv", swiss.encode(), _ok(4, 3, delimiter=";", numeric=["Preis CHF", "Menge"]))

    mac = "Produkt;Preis;Lieferant\rCafé;3,50;Müller\rCrème;2,10;Gärtner\rPâté;7,80;Señor López\r"
    add("excel_mac_macroman_cr.csv", mac.encode("mac_roman"),
        _ok(3, 3, delimiter=";", encoding="mac", names=["Produkt", "Preis", "Lieferant"], numeric=["Preis"],
            known_gap="Mac Roman is read as Latin-1"))


def _french_and_english(add: Any) -> None:
    nb, nnb = "\u00a0", "\u202f"
    fr = ("Référence;Libellé;Montant HT;Taux TVA;Date\r\n"
          f"FR-001;Café crème;1{nb}234,56;20,0{nb}%;31/12/2023\r\n"
          f"FR-002;Thé vert;12{nnb}345{nnb}678,90;5,5{nb}%;01/01/2024\r\n"
          f"FR-003;Pain au chocolat;0,95;5,5{nb}%;15/02/2024\r\n"
          f"FR-004;«{nb}Spécial{nb}» été;-1{nb}000,00;10{nb}%;29/02/2024\r\n"
          f"FR-005;Œuf;3,20;0{nb}%;01/03/2024\r\n")
    add("fr_excel_utf8bom_nbsp.csv", fr.encode("utf-8-sig"),
        _ok(5, 5, delimiter=";", encoding="utf-8",
            names=["Référence", "Libellé", "Montant HT", "Taux TVA", "Date"], numeric=["Montant HT", "Taux TVA"]))

    gs = ("Date,Campaign,Spend,CTR,Clicks,Converted,Notes\r\n"
          '3/14/2024,Spring Sale,"$1,234.56",12.50%,"1,024",TRUE,\r\n'
          '3/15/2024,"Brand, Generic",$987.00,8.25%,876,FALSE,"He said ""wow"""\r\n'
          "3/16/2024,Retargeting,$15.00,0.50%,15,FALSE,\r\n"
          '3/17/2024,Spring Sale,"$2,000.00",15.00%,"2,048",TRUE,"multi\r\nline note"\r\n'
          "3/18/2024,Paused,$0.00,0.00%,0,FALSE,paused\r\n"
          '3/19/2024,Summer,"$1,100.10",9.75%,"1,500",TRUE,')
    add("google_sheets_export.csv", gs.encode(),
        _ok(6, 7, delimiter=",", names=["Date", "Campaign", "Spend", "CTR", "Clicks", "Converted", "Notes"],
            numeric=["Spend", "CTR", "Clicks"], missing={"Notes": 3}))

    acc = ('Account,Description,Q1,Q2,Change\n'
           '4000,Revenue,"1,234,567.00","1,300,000.50",5.3%\n'
           '5000,COGS,"(456,789.00)","(500,000.00)",(9.5%)\n'
           '6000,Opex,"(12,345.67)","(11,000.00)",10.9%\n'
           '7000,Other income,"1,000.00","2,500.00",150.0%\n'
           '9999,Net,"766,432.33","791,500.50",3.3%\n')
    add("accounting_negatives.csv", acc.encode(), _ok(5, 5, numeric=["Account", "Q1", "Q2"]))

    rn = ('"","mpg","cyl","disp","hp","am"\n'
          '"Mazda RX4",21,6,160,110,"manual"\n'
          '"Mazda RX4 Wag",21,6,160,110,"manual"\n'
          '"Datsun 710",22.8,4,108,93,NA\n'
          '"Hornet 4 Drive",21.4,6,258,NA,"auto"\n'
          '"Valiant",NA,6,225,105,"auto"\n'
          '"Duster 360",14.3,8,360,245,"auto"\n')
    add("r_write_csv_rownames.csv", rn.encode(),
        _ok(6, 6, names=["column_1", "mpg", "cyl", "disp", "hp", "am"], numeric=["mpg", "cyl", "hp"],
            missing={"mpg": 1, "hp": 1, "am": 1, "column_1": 0}))

    hd = ('"Name ","  Age","City  ","Score "\r\n"Anna ",34,"Oslo ",3.5\r\n"Ben",41,"Bergen",4.0\r\n'
          '"Cem  ",29," Tromsø",2.5\r\n')
    add("quoted_header_trailing_spaces.csv", hd.encode(),
        _ok(3, 4, names=["Name", "Age", "City", "Score"], numeric=["Age", "Score"]))

    err = ("region,revenue,cost,margin\nNorth,1000,800,0.2\nSouth,0,0,#DIV/0!\nEast,500,,#DIV/0!\n"
           "West,#REF!,300,#VALUE!\nCentral,750,600,0.2\n")
    add("excel_error_values.csv", err.encode(),
        _ok(5, 4, numeric=["revenue", "cost", "margin"], missing={"revenue": 1, "cost": 1, "margin": 3}))

    survey = [
        "StartDate,EndDate,ResponseId,Q1,Q2,Q3_TEXT",
        'Start Date,End Date,Response ID,How satisfied are you? (1-5),Would you recommend us?,"Any comments?\n'
        'Please be specific."',
        ",".join('"{""ImportId"":""' + k + '""}"' for k in
                 ("startDate", "endDate", "_recordId", "QID1", "QID2", "QID3_TEXT")),
        '2024-03-01 10:00:00,2024-03-01 10:05:00,R_1abc,5,Yes,"Great service 😀"',
        '2024-03-01 11:00:00,2024-03-01 11:02:00,R_2def,3,No,"Too slow, ""meh"""',
        "2024-03-02 09:00:00,2024-03-02 09:10:00,R_3ghi,4,Yes,",
        '2024-03-02 12:00:00,2024-03-02 12:01:00,R_4jkl,1,No,"Line one\nLine two"',
        "2024-03-03 08:30:00,2024-03-03 08:33:00,R_5mno,,Yes,",
        "2024-03-03 18:00:00,2024-03-03 18:20:00,R_6pqr,5,Yes,Perfect",
    ]
    # Qualtrics: rows 2 and 3 are header metadata, not responses; a user wants 6 responses and Q1 numeric.
    add("qualtrics_three_header_rows.csv", ("\ufeff" + "\r\n".join(survey) + "\r\n").encode(),
        _ok(6, 6, names=["StartDate", "EndDate", "ResponseId", "Q1", "Q2", "Q3_TEXT"], numeric=["Q1"],
            missing={"Q1": 1}))

    lab = ("Software Version\t3.08.01\n"
           "Experiment File Path:\tC:\\Users\\lab\\Desktop\\ELISA_2024-03-12.xpt\n"
           "Protocol File Path:\t\n"
           "Plate Number\tPlate 1\n"
           "Date\t12/03/2024\n"
           "Time\t10:15:32\n"
           "Reader Type:\tSynergy H1\n"
           "Reader Serial Number:\t1234567\n"
           "\n"
           "Results\n"
           "Well\tSample\tOD450\tOD570\tConc (ng/mL)\n")
    rng = random.Random(11)
    wells = [f"{r}{c}" for r in "AB" for c in range(1, 7)]
    for i, well in enumerate(wells):
        od = 0.051 if i == 0 else round(0.05 + rng.random() * 2, 3)
        lab += f"{well}\t{'STD' if i < 6 else 'SPL'}{i % 6 + 1}\t{od}\t{round(0.04 + rng.random() / 50, 3)}\t" \
               f"{round(od * 120, 1)}\n"
    add("lab_plate_reader.csv", lab.encode(),
        _ok(12, 5, delimiter="\t", preamble_lines=10, names=["Well", "Sample", "OD450", "OD570", "Conc (ng/mL)"],
            numeric=["OD450", "OD570", "Conc (ng/mL)"]))

    tab = ("name\taddress\tage\nSmith, John\t12 Main St, Springfield\t42\nDoe, Jane\t3 Elm Rd, Shelbyville\t37\n"
           "Roe, Rick\t9 Oak Ave, Capital City\t55\n")
    add("tab_values_with_commas.csv", tab.encode(), _ok(3, 3, delimiter="\t", numeric=["age"]))


def _shapes(add: Any) -> None:
    mixed = "id,name,score\r\n1,Anna,3.5\n2,Ben,4.0\r\n3,Cem,2.5\r4,Dora,5.0\n5,Eve,1.5\r\n6,Finn,4.5"
    add("mixed_line_endings.csv", mixed.encode(), _ok(6, 3, names=["id", "name", "score"], numeric=["score"]))

    used = ("id,name,score,,,,,,\n1,Anna,3.5,,,,,,\n2,Ben,4.0,,,,,,\n,,,,,,,,\n3,Cem,2.5,,,,,,\n,,,,,,,,\n,,,,,,,,\n")
    # Excel's "used range" leftovers: six unnamed all-empty columns and all-empty rows are not data.
    add("excel_used_range_empty_cols.csv", used.encode(),
        _ok(3, 3, names=["id", "name", "score"], numeric=["id", "score"]))

    extra = "id,city,temp\n1,Oslo,3.5\n2,Bergen,4.0,\n3,Tromsø,-1.5\n4,Bodø,0.5\n"
    add("extra_trailing_delim_one_row.csv", extra.encode(), _ok(4, 3, names=["id", "city", "temp"], numeric=["temp"]))

    short = "id,a,b,c\n1,x,1.5,2\n2,y,2.5\n3,z\n4,w,4.5,5\n"
    add("short_rows_missing_trailing.csv", short.encode(),
        _ok(4, 4, numeric=["b", "c"], missing={"b": 1, "c": 2, "a": 0}))

    rep = "id,value\n1,10\n2,20\nid,value\n3,30\n4,40\nid,value\n5,50\n"
    add("repeated_header_rows.csv", rep.encode(), _ok(5, 2, names=["id", "value"], numeric=["id", "value"]))

    last = 'id,text\r\n1,"a"\r\n2,"b, c"\r\n3,"end"'
    add("last_line_no_newline_quoted.csv", last.encode(), _ok(3, 2, names=["id", "text"]))

    rng = random.Random(5)
    huge = ",".join(f"{rng.random():.6f}" for _ in range(180_000))
    # One 1.6 MB line: no row structure at all; the user wants a clear error, not a 1 x 180,000 table.
    # (First guess was HEADER_ONLY; after the run, TOO_MANY_COLUMNS is the better code, but its count
    # must be the file's, not that of a sample.)
    add("one_huge_line.csv", huge.encode(), _error("TOO_MANY_COLUMNS", message_has="20,000"))


def _not_csv(add: Any) -> None:
    html = ("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Export</title></head>\n<body>\n"
            "<table>\n<tr><th>id</th><th>name</th></tr>\n<tr><td>1</td><td>Anna</td></tr>\n"
            "<tr><td>2</td><td>Ben</td></tr>\n</table>\n</body>\n</html>\n")
    add("html_saved_as.csv", html.encode(), _error("HTML_FILE"))

    js = json.dumps([{"id": 1, "name": "Anna", "score": 3.5}, {"id": 2, "name": "Ben", "score": 4.0},
                     {"id": 3, "name": "Cem", "score": 2.5}], indent=2) + "\n"
    add("json_saved_as.csv", js.encode(), _error("JSON_FILE"))

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(24) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + bytes(range(256)) * 8
    # First guess was EXCEL_NOT_SUPPORTED; an OLE2 file may as well be a .doc, and the reader's BINARY_FILE
    # message names .xls and says to save as CSV: corrected after the run.
    add("xls_biff_renamed.csv", ole, _error("BINARY_FILE", message_has=".xls"))

    xml = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"\n'
           ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
           ' <Worksheet ss:Name="Sheet1">\n  <Table>\n'
           '   <Row><Cell><Data ss:Type="String">id</Data></Cell><Cell><Data ss:Type="String">x</Data></Cell></Row>\n'
           '   <Row><Cell><Data ss:Type="Number">1</Data></Cell><Cell><Data ss:Type="Number">2</Data></Cell></Row>\n'
           '  </Table>\n </Worksheet>\n</Workbook>\n')
    add("excel_xml_2003_renamed.csv", xml.encode(), _error("EXCEL_NOT_SUPPORTED"))


def main() -> None:
    BLIND.mkdir(parents=True, exist_ok=True)
    expected: dict[str, dict[str, Any]] = {}

    def add(name: str, content: bytes, outcome: dict[str, Any]) -> None:
        (BLIND / name).write_bytes(content)
        expected[name] = outcome

    for group in (_german, _french_and_english, _shapes, _not_csv):
        group(add)
    for name, checks in VALUE_CHECKS.items():
        expected[name]["values"] = [list(check) for check in checks]
    (HERE / "blind_expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    print(f"wrote {len(expected)} files to {BLIND}")


if __name__ == "__main__":
    main()
