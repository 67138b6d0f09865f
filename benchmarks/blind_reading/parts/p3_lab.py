"""Lab instrument exports: plate reader, qPCR, HPLC, flow cytometry, water lab, ICP-MS."""
import math
import datetime as dt
from .common import reg, R, eu, sp, fnum, join, lines, q
from .p1_banks_ce import SKIP, FOOT

MULTI = ["header", "rows", "joined", "two", "2", "multi"]


def gen5_kinetic():
    rng = R(301)
    wells = [f"{r}{c}" for r in "ABCDEFGH" for c in range(1, 13)]
    n = 33
    meta = ["Software Version\t3.11.19", "Experiment File Path:\tC:\\Users\\lab\\Documents\\Gen5\\Experiments\\growth_curve_0305.xpt",
            "Protocol File Path:\t", "Plate Number\tPlate 1", "Date\t3/5/2024", "Time\t10:42:17 AM", "Reader Type:\tSynergy H1",
            "Reader Serial Number:\t21031511", "Reading Type\tReader", "", "Procedure Details", "",
            "Plate Type\t96 WELL PLATE (Use plate lid)", "Set Temperature\tSetpoint 37°C",
            "Start Kinetic\tRuntime 8:00:00 (HH:MM:SS), Interval 0:15:00, 33 Reads", "    Read\tAbsorbance Endpoint",
            "\tFull Plate", "\tWavelengths:  600", "\tRead Speed: Normal,  Delay: 100 msec,  Measurements/Data Point: 8",
            "End Kinetic", "", "OD:600", ""]
    rates = {w: rng.uniform(0.25, 0.7) for w in wells}
    rows = []
    for i in range(n):
        t = i * 15
        row = [f"{t // 60}:{t % 60:02d}:00", f"{37.0 + rng.uniform(-0.2, 0.1):.1f}"]
        for w in wells:
            if w.endswith("12"):
                v = 0.085 + rng.uniform(-0.003, 0.003)  # blanks
            else:
                v = 0.09 + 1.6 / (1 + math.exp(-rates[w] * (t / 60 - 4))) + rng.uniform(-0.01, 0.01)
            row.append("OVRFLW" if v > 1.66 and rng.random() < 0.3 else f"{v:.3f}")
        rows.append(row)
    hdr = ["Time", "T° OD:600"] + wells
    text = lines(meta) + lines("\t".join(r) for r in [hdr] + rows)
    reg("platereader_gen5_kinetic.txt", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 98, "delimiter": "\t", "decimal": ".",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": {"0": "Time", "1": "T° OD:600", "2": "A1", "97": "H12"},
        "types": {"A1": "numeric", "H11": "numeric", "T° OD:600": "numeric"},
        "no_mojibake": ["T° OD:600"],
        "not_in_data": ["Synergy H1", "Procedure Details"],
        "notes_mention": [SKIP],
    })


def quantstudio():
    rng = R(302)
    meta = ["* Block Type = 96-Well Block (0.2mL)", "* Calibration Background is expired  = No",
            "* Calibration Background performed on = 2023-11-14 10:21:33 AM CET", "* Chemistry = TAQMAN",
            "* Experiment Barcode = ", "* Experiment Comment = ", "* Experiment File Name = D:\\qPCR\\2024-03-05_GAPDH_IL6.eds",
            "* Experiment Name = 2024-03-05_GAPDH_IL6", "* Experiment Run End Time = 2024-03-05 16:41:12 PM CET",
            "* Experiment Type = Comparative Cт (ΔΔCт)", "* Instrument Name = 278880123", "* Instrument Serial Number = 278880123",
            "* Instrument Type = QuantStudio™ 3 System", "* Passive Reference = ROX", "* Quantification Cycle Method = Ct",
            "* Signal Smoothing On = true", "* Stage/ Cycle where Analysis is performed = Stage 2, Step 2", "", "[Results]"]
    hdr = ["Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter", "Quencher", "CT", "Ct Mean",
           "Ct SD", "Quantity", "Quantity Mean", "Quantity SD", "Automatic Ct Threshold", "Ct Threshold",
           "Automatic Baseline", "Baseline Start", "Baseline End", "Comments"]
    samples = ["Ctrl_1", "Ctrl_2", "Ctrl_3", "LPS_1h_1", "LPS_1h_2", "LPS_1h_3", "LPS_4h_1", "LPS_4h_2", "LPS_4h_3",
               "Dex_1", "Dex_2", "Dex_3", "LPS+Dex_1", "LPS+Dex_2", "LPS+Dex_3", "NTC"]
    rows = []
    well = 0
    for target, base in (("GAPDH", 18.2), ("IL6", 29.5)):
        for s in samples:
            cts = []
            for rep in range(3):
                pos = f"{'ABCDEFGH'[well // 12]}{well % 12 + 1}"
                well += 1
                if s == "NTC" or (target == "IL6" and s.startswith("Ctrl") and rng.random() < 0.3):
                    ct = None
                else:
                    shift = -6.5 if (target == "IL6" and "LPS" in s and "Dex" not in s) else (-2.0 if "LPS+Dex" in s and target == "IL6" else 0)
                    ct = base + shift + rng.gauss(0, 0.15)
                cts.append((well, pos, ct))
            vals = [c for _, _, c in cts if c is not None]
            mean = sum(vals) / len(vals) if vals else None
            sd = (sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) ** 0.5 if len(vals) > 1 else None
            for w, pos, ct in cts:
                rows.append([str(w), pos, "false", s, target, "NTC" if s == "NTC" else "UNKNOWN", "FAM", "NFQ-MGB",
                             "Undetermined" if ct is None else f"{ct:.3f}", "" if mean is None else f"{mean:.3f}",
                             "" if sd is None else f"{sd:.3f}", "", "", "", "true", "0.124" if target == "GAPDH" else "0.087",
                             "true", "3", str(rng.randint(12, 24)) if ct else "39", ""])
    text = lines(meta) + join([hdr] + rows)
    reg("qpcr_quantstudio_results.csv", text.encode("utf-8"), {
        "n_rows": 96, "n_columns": 20, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"CT": "numeric", "Ct Mean": "numeric", "Target Name": "categorical", "Sample Name": ["categorical", "id", "text"]},
        "not_in_data": ["[Results]", "Block Type"],
        "notes_mention": [SKIP],
    })


def chromeleon():
    rng = R(303)
    n = 30
    rows = []
    t0 = dt.datetime(2024, 3, 4, 9, 12)
    seq = ["Blank"] + [f"Std {c} µg/mL" for c in (5, 10, 25, 50, 100)] + ["Blank"]
    seq += [f"Probe {i:03d} Energy Drink" for i in range(1, 21)] + ["Std 25 µg/mL", "Blank", "Kontrolle QC-25"]
    amounts = []
    for i, name in enumerate(seq[:n], 1):
        t = t0 + dt.timedelta(minutes=12 * i)
        if name.startswith("Blank"):
            r = [str(i), name, "n.a.", "n.a.", "n.a.", "n.a.", t.strftime("%d.%m.%Y %H:%M")]
        else:
            amt = float(name.split()[1]) if name.startswith("Std") else (25.0 if "QC" in name else rng.uniform(60, 160) if rng.random() > 0.1 else 0)
            if amt == 0:
                r = [str(i), name, "n.a.", "n.a.", "n.a.", "n.d.", t.strftime("%d.%m.%Y %H:%M")]
            else:
                area = amt * 0.2047 + rng.gauss(0, 0.01)
                r = [str(i), name, f"{3.412 + rng.gauss(0, 0.004):.3f}", f"{area:.4f}", f"{area * 31.2:.3f}",
                     f"{amt * (1 + rng.gauss(0, 0.006)):.2f}", t.strftime("%d.%m.%Y %H:%M")]
                amounts.append(amt)
        rows.append(r)
    meta = ["Summary\t\t\t\t\t\t", "Sequence:\tCAFFEINE_QC_2024-03\t\t\t\t\t", "Report Date:\t05.03.2024 14:12\t\t\t\t\t",
            "Component:\tCaffeine\t\t\t\t\t", "\t\t\t\t\t\t"]
    hdr1 = ["No.", "Injection Name", "Ret.Time", "Area", "Height", "Amount", "Inj. Date/Time"]
    hdr2 = ["", "", "min", "mAU*min", "mAU", "µg/mL", ""]
    foot = ["\t\t\t\t\t\t", "Average:\t\t3.412\t14.8812\t464.293\t72.71\t", "Rel.Std.Dev:\t\t0.12 %\t48.21 %\t48.21 %\t48.19 %\t"]
    text = lines(meta) + lines("\t".join(r) for r in [hdr1, hdr2] + rows) + lines(foot)
    reg("hplc_chromeleon_summary.txt", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 7, "delimiter": "\t", "decimal": ".", "header_rows": 2,
        "name_contains": {"1": "Injection Name", "2": "Ret.Time", "3": "Area", "5": "Amount"},
        "types": {"3": "numeric", "5": "numeric", "2": "numeric"},
        "not_in_data": ["Average:", "Rel.Std.Dev", "Summary", "mAU*min"],
        "notes_mention": [MULTI, SKIP, FOOT],
    })


def flowjo():
    rng = R(304)
    cols = ["Lymphocytes | Freq. of Parent", "Lymphocytes/Single Cells | Freq. of Parent",
            "Lymphocytes/Single Cells/CD3+ | Freq. of Parent", "Lymphocytes/Single Cells/CD3+/CD4+ | Freq. of Parent",
            "Lymphocytes/Single Cells/CD3+/CD8+ | Freq. of Parent",
            "Lymphocytes/Single Cells/CD3+/CD4+ | Median (Comp-BV421-A :: CD4)", "Lymphocytes | Count"]
    rows = []
    n = 24
    for i in range(n):
        well = f"{'ABCD'[i // 6]}{i % 6 + 1}"
        name = f"Specimen_001_{well}_{well[0]}{int(well[1:]):02d}_{i + 1:03d}.fcs"
        v = [rng.uniform(45, 75), rng.uniform(90, 97), rng.uniform(55, 78), rng.uniform(50, 70), rng.uniform(20, 38),
             rng.uniform(4000, 9000), rng.randint(8000, 40000)]
        rows.append([name] + [f"{x:.1f}" if j < 5 else (f"{x:.0f}") for j, x in enumerate(v)])
    means = ["Mean"] + [f"{sum(float(r[j]) for r in rows) / n:.1f}" for j in range(1, 8)]
    sds = ["SD"] + [f"{(sum((float(r[j]) - float(means[j])) ** 2 for r in rows) / (n - 1)) ** .5:.2f}" for j in range(1, 8)]
    text = "".join(",".join(q(c) for c in r) + ",\n" for r in [[""] + cols] + rows + [means, sds])
    reg("flowjo_table_export.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 8, "delimiter": ",", "decimal": ".",
        "names": {"1": "Lymphocytes | Freq. of Parent", "7": "Lymphocytes | Count"},
        "types": {"1": "numeric", "5": "numeric", "0": ["id", "categorical", "text"]},
        "not_in_data": ["Mean", "SD"],
        "notes_mention": [FOOT],
    })


def water_lab():
    rng = R(305)
    n = 40
    places = ["Hochbehälter Nord", "Wasserwerk Süd, Ablauf", "Übergabeschacht Ost", "Schule am Lindenplatz, Küche",
              "Rathaus EG, Teeküche", "Brunnen III (Rohwasser)", "Kita Sonnenschein", "Feuerwache 2"]
    rows = []
    for i in range(n):
        d = dt.date(2024, 3, 4) + dt.timedelta(days=i // 8)
        pb = rng.random()
        rows.append([f"2024-0312-{i + 1:03d}", rng.choice(places), d.strftime("%d.%m.%Y"),
                     eu(rng.uniform(7.0, 8.1)), str(rng.randint(380, 690)), eu(rng.uniform(2, 38), 1),
                     "<0,5" if pb < 0.5 else ("n.b." if pb < 0.55 else eu(rng.uniform(0.5, 6), 1)),
                     "n.n." if rng.random() < 0.7 else ("<0,05" if rng.random() < 0.5 else eu(rng.uniform(0.05, 0.4), 2)),
                     "0" if rng.random() < 0.85 else str(rng.randint(1, 12))])
    hdr = ["Probe-Nr.", "Entnahmestelle", "Entnahmedatum", "pH-Wert", "Leitfähigkeit [µS/cm]", "Nitrat [mg/l]",
           "Blei [µg/l]", "Cadmium [µg/l]", "Coliforme Bakterien [KBE/100 ml]"]
    head = ["Prüfbericht Nr. 2024-0312;;;;;;;;", "Auftraggeber: Stadtwerke Musterstadt GmbH;;;;;;;;",
            "Probenahme gemäß DIN ISO 5667-5;;;;;;;;", ";;;;;;;;"]
    foot = [";;;;;;;;", "n.n. = nicht nachweisbar, n.b. = nicht bestimmt, < = kleiner Bestimmungsgrenze;;;;;;;;",
            "Dr. rer. nat. A. Schäfer, Laborleitung;;;;;;;;"]
    text = lines(head) + join([hdr] + rows, sep=";") + lines(foot)
    reg("de_trinkwasser_pruefbericht.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 9, "delimiter": ";", "decimal": ",",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": hdr,
        "types": {"pH-Wert": "numeric", "Nitrat [mg/l]": "numeric", "Blei [µg/l]": "numeric", "Cadmium [µg/l]": "numeric",
                  "Leitfähigkeit [µS/cm]": "numeric", "Probe-Nr.": ["id", "categorical"]},
        "no_mojibake": ["Leitfähigkeit [µS/cm]", "Blei [µg/l]"],
        "not_in_data": ["nicht nachweisbar", "Laborleitung", "Prüfbericht"],
        "notes_mention": [SKIP, FOOT],
    })


def icpms():
    rng = R(306)
    elems = [("7  Li  [ No Gas ] ", "Li"), ("59  Co  [ He ] ", "Co"), ("75  As  [ He ] ", "As"), ("111  Cd  [ He ] ", "Cd"),
             ("208  Pb  [ He ] ", "Pb")]
    h1 = ["Sample", "", "", ""] + sum([[e, ""] for e, _ in elems], [])
    h2 = ["Data File", "Acq. Date-Time", "Type", "Sample Name"] + ["Conc. [ ppb ]", "Conc. RSD"] * len(elems)
    rows = []
    n = 36
    t = dt.datetime(2024, 3, 5, 8, 30)
    names = ["Cal Blk", "Cal 1 ppb", "Cal 10 ppb", "Cal 50 ppb", "Cal 100 ppb"] + [f"Soil_{i:02d} 1:10" for i in range(1, 28)] + ["QC 10 ppb", "Rinse", "QC 50 ppb", "Blank"]
    for i in range(n):
        t += dt.timedelta(minutes=4, seconds=rng.randint(0, 40))
        nm = names[i]
        typ = "CalBlk" if nm == "Cal Blk" else ("CalStd" if nm.startswith("Cal") else ("QC" if nm.startswith("QC") else "Sample"))
        r = [f"{i + 1:03d}SMPL.d", t.strftime("%m/%d/%Y %I:%M:%S %p"), typ, nm]
        for _, el in elems:
            u = rng.random()
            if nm in ("Cal Blk", "Rinse", "Blank"):
                r += ["<LOD" if u < 0.6 else "n.d.", ""]
            elif u < 0.12:
                r += ["<LOD", ""]
            elif u < 0.16:
                r += ["n.d.", ""]
            else:
                r += [f"{rng.uniform(0.05, 90):.3f}", f"{rng.uniform(0.3, 6):.1f}"]
        rows.append(r)
    text = join([h1, h2] + rows)
    reg("icpms_masshunter_batch.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 14, "delimiter": ",", "decimal": ".", "header_rows": 2,
        "name_contains": {"3": "Sample Name", "4": [["Li"], ["Conc"]], "6": [["Co"], ["Conc"]], "12": [["Pb"], ["Conc"]],
                          "13": "RSD"},
        "types": {"4": "numeric", "12": "numeric", "13": "numeric", "2": "categorical"},
        "not_in_data": ["Conc. [ ppb ]", "Data File"],
        "notes_mention": [MULTI],
    })


gen5_kinetic(); quantstudio(); chromeleon(); flowjo(); water_lab(); icpms()
