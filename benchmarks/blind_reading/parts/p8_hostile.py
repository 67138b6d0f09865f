"""Hostile-but-plausible shapes, plus an INSEE table with '(p)' markers and a DWD padded file."""
import datetime as dt
from .common import reg, R, eu, us, sp, fnum, join, lines, q
from .p1_banks_ce import SKIP, FOOT, ANY_RENAME

COUNTRIES = ["DE", "FR", "NL", "AT", "BE", "IT", "ES", "PL", "SE", "DK"]


def blank_first_line():
    rng = R(801)
    n = 30
    rows = []
    for i in range(n):
        d = dt.date(2024, 1, 3) + dt.timedelta(days=rng.randint(0, 60))
        rows.append([f"SO-{24000 + i}", rng.choice(["Brightline GmbH", "Nordwind AB", "Casa Verde S.L.", "Polar Foods Sp. z o.o."]),
                     rng.choice(COUNTRIES), f"{rng.uniform(80, 12000):.2f}", d.isoformat()])
    hdr = ["order_id", "customer", "country", "amount_eur", "order_date"]
    text = "\r\n" + join([hdr] + rows)
    reg("hostile_blank_first_line.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 5, "delimiter": ",", "names": hdr,
        "types": {"amount_eur": "numeric", "order_date": "datetime", "country": "categorical"},
    })


def trailing_delims():
    rng = R(802)
    n = 48
    hdr = ["Pick List No", "Location", "Item No", "Description", "Qty to Pick", "Unit"]
    rows = []
    for i in range(n):
        rows.append([f"PL{240305}{i // 8:02d}", f"{rng.choice('ABCDE')}{rng.randint(1, 40):02d}-{rng.randint(1, 5)}",
                     f"{rng.randint(10000, 99999)}", rng.choice(["Pallet wrap 500mm", "Carton 40x30x20", "Label printer ribbon",
                                                               "Safety gloves size 9", "Box cutter"]),
                     str(rng.randint(1, 60)), rng.choice(["PCS", "BOX", "ROLL"])])
    text = "".join(";".join(r) + ";\r\n" for r in [hdr] + rows)
    reg("hostile_trailing_delimiter_every_row.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ";", "names": hdr,
        "types": {"Qty to Pick": "numeric", "Unit": "categorical"},
    })


def extra_field():
    rng = R(803)
    n = 36
    hdr = ["id", "name", "street", "city", "zip", "phone"]
    streets = ["12 Main St", "450 Oak Ave", "77 Elm Road", "9 Harbor Way", "1200 Pine Blvd", "31 Cedar Lane"]
    cities = [("Springfield", "62704"), ("Madison", "53703"), ("Columbus", "43215"), ("Salem", "97301"), ("Dover", "19901")]
    rows = []
    for i in range(n):
        c, z = rng.choice(cities)
        rows.append([str(i + 1), f"{rng.choice(['Jane', 'Omar', 'Lena', 'Tyrone', 'Mei', 'Carlos'])} {rng.choice(['Doe', 'Haddad', 'Berg', 'Jackson', 'Chen', 'Ruiz'])}",
                     rng.choice(streets), c, z, f"555-{rng.randint(100, 999):03d}{rng.randint(0, 9)}"])
    lines_ = [",".join(hdr)] + [",".join(r) for r in rows]
    lines_[17] = lines_[17].replace(rows[16][2], rows[16][2] + ", Apt 4B")
    text = "\n".join(lines_) + "\n"
    reg("hostile_one_row_extra_field.csv", text.encode("utf-8"), {
        "n_rows": [n, n - 1], "n_columns": 6, "delimiter": ",", "names": hdr,
        "types": {"zip": ["categorical", "id", "numeric"]},
        "notes_mention": [["row", "line", "field", "mended", "malformed", "extra", "column"]],
    })


def no_trailing_newline():
    rng = R(804)
    n = 25
    hdr = ["ticket_id", "opened", "priority", "category", "resolution_hours", "csat"]
    rows = []
    for i in range(n):
        o = dt.datetime(2024, 2, 1, 8) + dt.timedelta(minutes=rng.randint(0, 40000))
        rows.append([f"INC{1004500 + i}", o.strftime("%Y-%m-%d %H:%M"), rng.choice(["P1", "P2", "P3", "P4"]),
                     rng.choice(["Network", "Email", "Hardware", "Access request"]), f"{rng.uniform(0.2, 96):.1f}", str(rng.randint(1, 5))])
    rows[-1][5] = "5"
    text = join([hdr] + rows, final_eol=False)
    reg("hostile_no_newline_at_end.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",", "names": hdr,
        "types": {"resolution_hours": "numeric", "opened": "datetime", "priority": "categorical"},
    })


def one_column():
    rng = R(805)
    n = 50
    text = "weight_kg\n" + "".join(f"{rng.gauss(78, 12):.1f}\n" for _ in range(n))
    reg("hostile_single_column.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 1, "names": ["weight_kg"], "types": {"weight_kg": "numeric"},
    })


def header_only():
    text = "customer_id,signup_date,plan,monthly_fee,churned\r\n"
    reg("hostile_header_only.csv", text.encode("utf-8"), {
        "exit": [0, 2], "n_rows": 0, "n_columns": 5,
    })


def three_rows():
    text = ("sample_id,collected,site,nitrate_mg_l\n"
            "W-001,2024-03-01,Upstream,4.2\n"
            "W-002,2024-03-01,Outfall,11.8\n"
            "W-003,2024-03-02,Downstream,7.5\n")
    reg("hostile_three_data_rows.csv", text.encode("utf-8"), {
        "exit": 0, "n_rows": 3, "n_columns": 4, "delimiter": ",",
        "names": ["sample_id", "collected", "site", "nitrate_mg_l"], "types": {"nitrate_mg_l": "numeric"},
    })


def long_text():
    rng = R(806)
    n = 40
    sents = ["I have been using this app for about two years, and until the last update it was great.",
             "Since version 5.2 the sync between my phone and tablet randomly fails, and I lose notes.",
             "Support told me to reinstall, which I did, twice; it didn't help.",
             "The new dark mode is lovely, though, and the widgets are \"finally\" usable.",
             "Pricing went up by 40% with no new features, which feels unfair to long-time subscribers.",
             "On the plus side, search is much faster now, even with thousands of entries.",
             "Please bring back the old export option — CSV, PDF, anything!",
             "Edit: after the 5.3 hotfix the sync works again.\nRaising my rating from 1 to 4 stars."]
    rows = []
    for i in range(n):
        k = rng.choice([3, 8, 20, 60])
        txt = " ".join(rng.choice(sents) for _ in range(k))
        rows.append([f"gp:AOqpTOF{rng.randint(10**9, 10**10)}", rng.choice(["5.1.0", "5.2.1", "5.3.0"]), str(rng.randint(1, 5)),
                     (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 60))).isoformat(), txt,
                     str(rng.randint(0, 250))])
    hdr = ["review_id", "app_version", "rating", "review_date", "review_text", "thumbs_up"]
    text = join([hdr] + rows, eol="\n")
    reg("hostile_very_long_text_cells.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",", "names": hdr,
        "types": {"review_text": "text", "rating": ["numeric", "categorical"], "review_id": "id", "thumbs_up": "numeric"},
    })


def all_missing():
    rng = R(807)
    n = 60
    hdr = ["patient_id", "visit_date", "weight_kg", "height_cm", "bp_systolic", "bp_diastolic", "referral_code", "clinic"]
    rows = []
    for i in range(n):
        rows.append([f"P{rng.randint(100000, 999999)}", (dt.date(2023, 10, 1) + dt.timedelta(days=rng.randint(0, 150))).isoformat(),
                     f"{rng.gauss(76, 14):.1f}", str(rng.randint(150, 198)), str(rng.randint(100, 165)), str(rng.randint(60, 100)),
                     "", rng.choice(["North", "Central", "Riverside"])])
    text = join([hdr] + rows)
    reg("hostile_all_missing_column.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 8, "delimiter": ",", "names": hdr,
        "types": {"weight_kg": "numeric", "bp_systolic": "numeric"},
        "missing": {"referral_code": 1.0, "weight_kg": 0.0},
    })


def sep_line():
    rng = R(808)
    n = 35
    hdr = ["Kostenstelle", "Monat", "Plan", "Ist", "Abweichung", "Abweichung %"]
    rows = []
    for i in range(n):
        plan = rng.uniform(5000, 90000)
        ist = plan * rng.uniform(0.8, 1.2)
        rows.append([rng.choice(["4100 Vertrieb", "4200 Marketing", "4300 Verwaltung", "4400 IT", "4500 Produktion"]),
                     f"2023-{i % 12 + 1:02d}", eu(plan), eu(ist), eu(ist - plan), eu((ist / plan - 1) * 100, 1)])
    text = "sep=;\r\n" + join([hdr] + rows, sep=";")
    reg("hostile_excel_sep_hint_line.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ";", "decimal": ",", "names": hdr,
        "types": {"Plan": "numeric", "Ist": "numeric", "Abweichung %": "numeric", "Kostenstelle": "categorical"},
        "not_in_data": ["sep="],
        "notes_mention": [["sep", "hint", "skip", "first line", "excel"]],
    })


def tabs_in_quotes():
    rng = R(809)
    n = 30
    hdr = ["asset_tag", "hostname", "location", "config_snippet", "owner"]
    rows = []
    for i in range(n):
        snip = "interface Gi0/1\n\tdescription uplink\n\tswitchport mode trunk" if rng.random() < 0.3 else \
            f"vlan {rng.randint(10, 400)}\tname\tUSERS\tstate\tactive"
        rows.append([f"AT-{5000 + i}", f"sw-{rng.choice(['fra', 'ams', 'waw'])}-{i:02d}",
                     f"Rack {rng.randint(1, 12)}\tU{rng.randint(1, 42)}\tRoom B", snip, rng.choice(["netops", "it-support"])])
    text = join([hdr] + rows, quote=lambda s, always=False: q(s, "\t" in s or "," in s or "\n" in s))
    reg("hostile_tabs_inside_quoted_fields.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 5, "delimiter": ",", "names": hdr,
        "types": {"owner": "categorical"},
    })


def pandas_index():
    rng = R(810)
    n = 150
    hdr = ["price", "sqft", "bedrooms", "bathrooms", "zipcode", "year_built"]
    zips = ["02139", "02140", "02141", "02458", "01890", "02021"]
    rows = []
    for i in range(n):
        sq = rng.randint(650, 4200)
        rows.append([str(i), f"{sq * rng.uniform(380, 720):.1f}", str(sq), str(rng.randint(1, 5)), str(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0])),
                     rng.choice(zips), str(rng.randint(1890, 2022))])
    text = join([[""] + hdr] + rows, eol="\n")
    reg("pandas_to_csv_with_index.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",", "names": hdr,
        "types": {"price": "numeric", "sqft": "numeric", "zipcode": ["categorical", "id"]},
        "notes_mention": [["index"]],
    })


def dup_blank_names():
    rng = R(811)
    n = 24
    hdr = ["Date", "Amount", "Amount", "", "Note", "Note"]
    rows = []
    for i in range(n):
        b = rng.uniform(200, 5000)
        rows.append([(dt.date(2024, 1, 1) + dt.timedelta(days=7 * i)).isoformat(), f"{b:.2f}", f"{b * rng.uniform(0.7, 1.3):.2f}",
                     rng.choice(["Q1", "Q1", "Q2"]), rng.choice(["budget", "budget", "forecast"]), rng.choice(["", "", "check w/ finance", "approved"])])
    text = join([hdr] + rows)
    reg("hostile_duplicate_and_blank_names.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",",
        "names": {"0": "Date"},
        "name_contains": {"1": "Amount", "2": "Amount", "4": "Note", "5": "Note"},
        "types": {"1": "numeric", "2": "numeric"},
        "notes_mention": [ANY_RENAME],
    })


def pipe_claims():
    rng = R(812)
    n = 110
    hdr = ["CLAIM_ID", "MEMBER_ID", "MEMBER_ZIP", "DOS", "CPT", "ICD10_PRIMARY", "BILLED_AMT", "ALLOWED_AMT", "PAID_AMT",
           "PROVIDER_NPI", "POS"]
    zips = ["02139", "06510", "07030", "08540", "01852", "10001", "19104", "03101"]
    icd = ["E11.9", "I10", "Z00.00", "J06.9", "M54.5", "F41.1", "E78.5", "K21.9", "R05.9", "Z23"]
    rows = []
    for i in range(n):
        b = rng.choice([95, 145, 210, 320, 1250]) * rng.uniform(0.9, 1.1)
        al = b * rng.uniform(0.4, 0.8)
        rows.append([f"C24{rng.randint(10**8, 10**9 - 1)}", f"M{rng.randint(10**7, 10**8 - 1)}", rng.choice(zips),
                     (dt.date(2024, 1, 2) + dt.timedelta(days=rng.randint(0, 60))).strftime("%Y%m%d"),
                     rng.choice(["99213", "99214", "99203", "36415", "80053", "90686"]), rng.choice(icd), f"{b:.2f}", f"{al:.2f}",
                     f"{al * rng.choice([0.8, 1.0, 0.0]):.2f}", str(rng.choice([1234567893, 1987654321, 1457389201])),
                     rng.choice(["11", "22", "02", "81"])])
    text = lines(("|".join(r) for r in [hdr] + rows), eol="\n")
    reg("claims_extract_pipe_delimited.txt", text.encode("ascii"), {
        "n_rows": n, "n_columns": 11, "delimiter": "|", "decimal": ".", "names": hdr,
        "types": {"MEMBER_ZIP": ["categorical", "id"], "ICD10_PRIMARY": "categorical", "BILLED_AMT": "numeric",
                  "PAID_AMT": "numeric", "CLAIM_ID": "id", "POS": ["categorical"]},
    })


def dwd_padded():
    rng = R(813)
    n = 120
    hdr = ["STATIONS_ID", "MESS_DATUM", "QN_3", "  FX", "  FM", "QN_4", " RSK", "RSKF", " SDK", "SHK_TAG", "  NM", " VPM", "  PM",
           " TMK", " UPM", " TXK", " TNK", " TGK", "eor"]
    rows = []
    for i in range(n):
        d = dt.date(2023, 11, 1) + dt.timedelta(days=i)
        tmk = 4 + 5 * rng.uniform(-1, 1)
        fx = "-999" if rng.random() < 0.05 else f"{rng.uniform(5, 28):.1f}"
        vals = [str(1048).rjust(11), d.strftime("%Y%m%d"), "   10", fx.rjust(6), f"{rng.uniform(1, 9):.1f}".rjust(6), "    3",
                f"{max(0, rng.gauss(1, 3)):.1f}".rjust(6), "   6", f"{rng.uniform(0, 7):.3f}".rjust(8), "   0",
                f"{rng.uniform(2, 8):.1f}".rjust(6), f"{rng.uniform(5, 11):.1f}".rjust(6), f"{rng.uniform(985, 1030):.2f}".rjust(8),
                f"{tmk:.1f}".rjust(6), f"{rng.uniform(70, 98):.2f}".rjust(7), f"{tmk + rng.uniform(1, 5):.1f}".rjust(6),
                f"{tmk - rng.uniform(1, 5):.1f}".rjust(6), f"{tmk - rng.uniform(2, 7):.1f}".rjust(6), "eor"]
        rows.append(vals)
    text = lines((";".join(r) for r in [hdr] + rows), eol="\r\n")
    reg("dwd_produkt_klima_tag_padded.txt", text.encode("ascii"), {
        "n_rows": n, "n_columns": 19, "delimiter": ";", "decimal": ".",
        "names": {"0": "STATIONS_ID", "3": "FX", "6": "RSK", "13": "TMK", "15": "TXK", "18": "eor"},
        "types": {"13": "numeric", "12": "numeric", "15": "numeric"},
    })


def insee_provisional():
    rng = R(814)
    regions = ["Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse", "Grand Est",
               "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire",
               "Provence-Alpes-Côte d'Azur", "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
    years = ["2019", "2020", "2021", "2022", "2023"]
    rows = []
    tot = [0] * 5
    for r in regions:
        base = rng.randint(2800, 165000)
        row = [r]
        for j, y in enumerate(years):
            v = int(base * (1 - 0.02 * j) * rng.uniform(0.98, 1.02))
            if r == "Mayotte" and j < 2:
                row.append("nd")
                continue
            tot[j] += v
            s = sp(v, nd=0, thou="\u00a0")
            row.append(s + " (p)" if y == "2023" else s)
        rows.append(row)
    rows.append(["France"] + [sp(t, nd=0, thou="\u00a0") + (" (p)" if j == 4 else "") for j, t in enumerate(tot)])
    head = ["Nombre de naissances vivantes par région de résidence de la mère;;;;;", ";;;;;"]
    foot = [";;;;;", "(p) : données provisoires ; nd : non disponible.;;;;;", "Champ : France, y compris Mayotte à partir de 2021.;;;;;",
            "Source : Insee, statistiques de l'état civil.;;;;;"]
    text = lines(head) + join([["Région"] + years] + rows, sep=";") + lines(foot)
    reg("fr_insee_naissances_provisoire.csv", text.encode("utf-8"), {
        "n_rows": [18, 19], "n_columns": 6, "delimiter": ";", "decimal": [",", "."],
        "names": ["Région"] + years,
        "types": {"2019": "numeric", "2022": "numeric", "2023": "numeric", "Région": ["categorical", "id", "text"]},
        "no_mojibake": ["Région", "Auvergne-Rhône-Alpes"],
        "not_in_data": ["Source : Insee", "données provisoires", "Champ :"],
        "notes_mention": [SKIP, FOOT],
    })


blank_first_line(); trailing_delims(); extra_field(); no_trailing_newline(); one_column(); header_only(); three_rows()
long_text(); all_missing(); sep_line(); tabs_in_quotes(); pandas_index(); dup_blank_names(); pipe_claims(); dwd_padded()
insee_provisional()
