"""ERP / accounting / spreadsheet reports: SAP ALV list, QuickBooks, Excel subtotals, DATEV, paged inventory."""
import datetime as dt
from .common import reg, R, eu, us, fnum, join, lines, q, qsemi
from .p1_banks_ce import SKIP, FOOT

PARTS = ["Casing", "Hex bolt M8x40 DIN 933", "Washer A8,4 zinc", "Bearing 6204-2RS", "Shaft 20x300 C45",
         "Gasket set pump P-12", "Motor 0,75kW 4-pole", "Cable gland M20", "Coupling flexible 24mm", "Seal ring 35x52x7",
         "Pump housing GG25", "Impeller D=160", "Terminal box cover", "V-belt SPZ 1000", "Pressure gauge 0-10 bar"]


def sap_alv():
    rng = R(501)
    n = 64
    widths = [20, 4, 4, 35, 15, 3, 20, 4]
    hdr = ["Material", "Plnt", "SLoc", "Material Description", "Unrestricted", "BUn", "Value Unrestricted", "Crcy"]
    right = {4, 6}

    def fmt(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            out.append(c.rjust(w) if i in right else c.ljust(w))
        return "|" + "|".join(out) + "|"
    rule = "-" * len(fmt(hdr))
    sep = "|" + "-" * (len(rule) - 2) + "|"
    rows = []
    total = 0.0
    for i in range(n):
        mat = f"{rng.choice([100, 200, 300, 400])}-{rng.randint(100, 999)}"
        qty = rng.choice([rng.randint(1, 99), rng.randint(100, 25000)])
        price = rng.uniform(0.05, 180)
        val = qty * price
        total += val
        rows.append(fmt(["  " + mat, rng.choice(["1000", "1100"]), rng.choice(["0001", "0001", "0002", "0010", "0020"]),
                         rng.choice(PARTS), fnum(qty, ",", ".", 0), rng.choice(["PC", "PC", "ST", "M"]), eu(val), "EUR"]))
    out = []
    page = 1
    for start in range(0, n, 25):
        out += [f"05.03.2024{'Dynamic List Display'.center(len(rule) - 12)}{page:>2}", "", rule, fmt(hdr), sep]
        out += rows[start:start + 25]
        out += [rule, ""]
        page += 1
    out.insert(len(out) - 2, fmt(["*", "", "", "", "", "", eu(total), "EUR"]))
    text = lines(out)
    reg("sap_alv_mb52_unconverted.txt", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 8, "delimiter": "|", "decimal": ",",
        "names": hdr,
        "types": {"Unrestricted": "numeric", "Value Unrestricted": "numeric", "SLoc": ["categorical", "id"]},
        "not_in_data": ["Dynamic List Display", "Plnt", "-----", "Material Description"],
    })


def quickbooks():
    rng = R(502)
    groups = [("Checking", "bank"), ("Accounts Receivable (A/R)", "ar"), ("Landscaping Services", "inc"),
              ("Job Materials", "exp"), ("Fuel", "exp"), ("Equipment Rental", "exp")]
    names = ["Amy's Bird Sanctuary", "Bill's Windsurf Shop", "Cool Cars", "Diego Rodriguez", "Dukes Basketball Camp",
             "Freeman Sporting Goods", "Geeta Kalapatapu", "Jeff's Jalopies", "Kookies by Kathy", "Mark Cho",
             "Home Depot", "Chevron", "Tania's Nursery", "Hicks Hardware", "Sunbelt Rentals"]
    out = [["Acme Landscaping LLC"], ["Transaction Detail by Account"], ["January - March, 2024"], [],
           ["", "Date", "Transaction Type", "Num", "Name", "Memo/Description", "Split", "Amount", "Balance"]]
    T = 0
    grand = 0.0
    for g, kind in groups:
        out.append([g])
        bal = 0.0
        k = rng.randint(6, 14)
        d = dt.date(2024, 1, 2)
        for _ in range(k):
            d += dt.timedelta(days=rng.randint(1, 8))
            if kind in ("exp",):
                typ, amt = rng.choice(["Expense", "Bill", "Check"]), round(rng.uniform(20, 900), 2)
                split, memo = "Checking", rng.choice(["Mulch and edging", "Diesel for mower", "Skid steer 1 day", "Sod, 40 pallets", ""])
            elif kind == "inc":
                typ, amt = "Invoice", round(rng.uniform(150, 2400), 2)
                split, memo = "Accounts Receivable (A/R)", rng.choice(["Weekly maintenance", "Spring cleanup", "Tree trimming", "Sprinkler repair"])
            elif kind == "ar":
                typ = rng.choice(["Invoice", "Payment"])
                amt = round(rng.uniform(150, 2400), 2) * (1 if typ == "Invoice" else -1)
                split, memo = ("Landscaping Services" if typ == "Invoice" else "Undeposited Funds"), ""
            else:
                typ = rng.choice(["Deposit", "Expense", "Check", "Bill Payment (Check)"])
                amt = round(rng.uniform(50, 3000), 2) * (1 if typ == "Deposit" else -1)
                split, memo = rng.choice(["Fuel", "Job Materials", "-Split-", "Accounts Payable (A/P)"]), ""
            bal = round(bal + amt, 2)
            num = str(rng.randint(1001, 1200)) if typ in ("Check", "Invoice", "Bill Payment (Check)") else ""
            out.append(["", d.strftime("%m/%d/%Y"), typ, num, rng.choice(names), memo, split, f"{amt:.2f}", f"{bal:.2f}"])
            T += 1
        out.append([f"Total for {g}", "", "", "", "", "", "", us(bal), ""])
        grand += bal
    out.append(["TOTAL", "", "", "", "", "", "", us(grand), ""])
    out += [[], [], ["Accrual Basis Monday, April 1, 2024 10:15 AM GMT-04:00"]]
    out = [r + [""] * (9 - len(r)) for r in out]
    text = join(out)
    G = len(groups)
    reg("quickbooks_transaction_detail_by_account.csv", text.encode("utf-8"), {
        "n_rows": [T, T + G], "n_columns": [8, 9], "delimiter": ",", "decimal": ".",
        "types": {"Amount": "numeric", "Balance": "numeric", "Date": "datetime", "Transaction Type": "categorical"},
        "not_in_data": ["Total for", "Accrual Basis", "TOTAL", "Transaction Detail by Account", "Acme Landscaping"],
        "notes_mention": [SKIP, FOOT],
    })


def excel_subtotals():
    rng = R(503)
    regions = {"North": ["Anna Kowalski", "Ben Okafor", "Chloé Martin", "Dmitri Volkov", "Erin O'Neill"],
               "South": ["Fatima Zahra", "George Lin", "Hannah Schmidt", "Ivan Petrov", "Julia Rossi", "Kenji Sato"],
               "East": ["Liam Murphy", "Maya Cohen", "Noah Williams", "Olivia Brown"],
               "West": ["Priya Raman", "Quentin Dubois", "Rosa García", "Sam Taylor", "Tomás Silva", "Uma Patel", "Victor Hugo"]}
    hdr = ["Region", "Sales Rep", "Units", "Revenue", "Target", "Attainment %", "Margin %", "YoY Growth"]
    out = [hdr]
    n = 0
    gu = grev = gt = 0
    for reg_, reps in regions.items():
        su = srev = st = 0
        for r in reps:
            units = rng.randint(200, 2400)
            rev = units * rng.uniform(90, 130)
            tgt = 0 if rng.random() < 0.1 else round(rev * rng.uniform(0.8, 1.25), -3)
            att = "#DIV/0!" if tgt == 0 else f"{rev / tgt * 100:.1f}%"
            yoy = "#N/A" if rng.random() < 0.15 else f"{rng.uniform(-12, 25):.1f}%"
            out.append([reg_, r, str(units), "$" + us(rev), "$" + us(tgt), att, f"{rng.uniform(18, 42):.1f}%", yoy])
            su += units; srev += rev; st += tgt; n += 1
        out.append([f"{reg_} Total", "", str(su), "$" + us(srev), "$" + us(st), f"{srev / st * 100:.1f}%", "", ""])
        gu += su; grev += srev; gt += st
    out.append(["Grand Total", "", str(gu), "$" + us(grev), "$" + us(gt), f"{grev / gt * 100:.1f}%", "", ""])
    out += [[""] * 8, ["Printed by: jsmith on 03/04/2024 14:22"] + [""] * 7]
    text = join(out)
    reg("excel_sales_by_rep_subtotals.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 8, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Units": "numeric", "Revenue": "numeric", "Target": "numeric", "Attainment %": "numeric",
                  "Margin %": "numeric", "YoY Growth": "numeric", "Region": "categorical"},
        "not_in_data": ["North Total", "Grand Total", "Printed by", "#DIV/0!", "#N/A"],
        "notes_mention": [FOOT],
    })


def datev():
    rng = R(504)
    n = 58
    hdr = ["Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz", "WKZ Basis-Umsatz",
           "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto",
           "Buchungstext", "Postensperre", "Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt", "Zinssperre",
           "Beleglink", "Beleginfo - Art 1", "Beleginfo - Inhalt 1"]
    kunden = ["Müller GmbH", "Bäckerei Schröder", "Weiß & Söhne KG", "Autohaus Jäger", "Praxis Dr. Özdemir", "Büro Krämer"]
    rows = []
    for i in range(n):
        d = dt.date(2024, 1, 2) + dt.timedelta(days=rng.randint(0, 29))
        k = rng.choice(["erl", "erl", "aufw", "bank"])
        if k == "erl":
            amt = round(rng.uniform(100, 9000), 2); sh = "S"; konto, gk = "1400", "8400"
            txt = f"Erlöse 19% USt {rng.choice(kunden)}"; beleg = f"RE2024-{i + 1:03d}"
        elif k == "aufw":
            amt = round(rng.uniform(20, 2500), 2); sh = "S"; konto, gk = rng.choice(["4930", "4210", "4806", "6815"]), "1600"
            txt = rng.choice(["Bürobedarf Staples", "Miete Januar Büro", "Wartung EDV", "Porto Deutsche Post"]); beleg = f"ER{rng.randint(1000, 9999)}"
        else:
            amt = round(rng.uniform(100, 9000), 2); sh = "H"; konto, gk = "1200", "1400"
            txt = f"Zahlungseingang {rng.choice(kunden)}"; beleg = f"KA{d.strftime('%m%d')}"
        rows.append([fnum(amt, ",", "", 2), sh, "EUR", "", "", "", konto, gk, "", d.strftime("%d%m"), beleg, "", "", txt,
                     "", "", "", "", "", "", "", ""])
    line1 = ('"EXTF";700;21;"Buchungsstapel";13;20240305142233123;;"RE";"";"";29098;55003;20240101;4;20240101;20240131;'
             '"Buchungen Januar";"WD";1;0;0;"EUR";;"";;;"03";;;"";""')
    q2 = lambda s, always=False: ('"' + s + '"') if s and not s.replace(",", "").isdigit() else s
    text = line1 + "\r\n" + join([hdr] + rows, sep=";", quote=q2)
    reg("datev_extf_buchungsstapel.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 22, "delimiter": ";", "decimal": ",", "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": {"0": "Umsatz (ohne Soll/Haben-Kz)", "1": "Soll/Haben-Kennzeichen", "6": "Konto", "9": "Belegdatum",
                  "13": "Buchungstext"},
        "types": {"Umsatz (ohne Soll/Haben-Kz)": "numeric", "Belegdatum": ["categorical", "id", "datetime", "text"],
                  "Soll/Haben-Kennzeichen": ["categorical", "boolean"]},
        "no_mojibake": ["Gegenkonto (ohne BU-Schlüssel)", "Geschäftspartnerbank"],
        "not_in_data": ["EXTF", "Buchungsstapel"],
        "notes_mention": [SKIP],
    })


def paged_inventory():
    rng = R(505)
    n = 70
    descs = ["Bolt, hex M8x40 zinc", "Nut M8 DIN 934", "Washer 8.4mm, A2", "Cable tie 200x4.8, black", "Hose clamp 20-32mm",
             "Fuse 10A, blade", "Relay 24V DC, 4PDT", "Terminal block 2.5mm²", "Label roll 50x25, 1000 pcs",
             "Glove nitrile L, box/100", "Tape PVC 19mm, red", "Drill bit HSS 6.0mm"]
    rows = []
    for i in range(n):
        sku = f"{rng.randint(1, 99999):06d}"
        onh = rng.randint(0, 5000)
        cost = rng.uniform(0.02, 45)
        rows.append([sku, rng.choice(descs), f"{rng.choice('ABCD')}-{rng.randint(1, 12):02d}-{rng.randint(1, 6):02d}", str(onh),
                     f"{cost:.2f}", us(onh * cost), (dt.date(2024, 2, 1) + dt.timedelta(days=rng.randint(0, 28))).isoformat()])
    hdr = ["SKU", "Description", "Bin", "On Hand", "Unit Cost", "Extended Value", "Last Count"]
    out = []
    pages = [rows[0:25], rows[25:50], rows[50:]]
    for p, chunk in enumerate(pages, 1):
        out += [["ACME Corp - Inventory Valuation Report"], ["Warehouse: WH-01 Rotterdam"], [f"Page {p} of 3"], hdr] + chunk + [[]]
    total = sum(float(r[5].replace(",", "")) for r in rows)
    out += [[f"Total items: {n}", "", "", "", "", us(total), ""], [f"Printed by: m.devries on 05-03-2024 09:14"]]
    out = [r + [""] * (7 - len(r)) for r in out]
    text = join(out)
    reg("erp_inventory_paged_report.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 7, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"SKU": ["categorical", "id"], "On Hand": "numeric", "Extended Value": "numeric", "Unit Cost": "numeric"},
        "not_in_data": ["Page 2", "ACME Corp", "Printed by", "Total items", "Warehouse:", "Extended Value"],
        "notes_mention": [SKIP, FOOT],
    })


sap_alv(); quickbooks(); excel_subtotals(); datev(); paged_inventory()
