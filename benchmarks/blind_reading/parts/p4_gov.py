"""Government statistics: Eurostat TSV, ONS, Destatis GENESIS, Statistics Canada, e-Stat Japan, US Census ACS."""
import datetime as dt
from .common import reg, R, eu, us, fnum, join, lines, q
from .p1_banks_ce import SKIP, FOOT, ANY_RENAME
from .p3_lab import MULTI

EU_GEOS = ["AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EA20", "EE", "EL", "ES", "EU27_2020", "FI", "FR", "HR", "HU",
           "IE", "IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "TR"]


def eurostat():
    rng = R(401)
    years = list(range(2014, 2024))
    rows = []
    for g in EU_GEOS:
        base = rng.uniform(3, 22)
        r = [f"A,PC_ACT,T,Y15-74,{g}"]
        for y in years:
            u = rng.random()
            base = max(2.0, base * rng.uniform(0.88, 1.05))
            if g in ("TR", "IS") and y < 2016:
                r.append(": ")
            elif u < 0.06:
                r.append(f"{base:.1f} b")
            elif y == 2023 and u < 0.3:
                r.append(f"{base:.1f} p")
            elif u < 0.09:
                r.append(": c")
            elif u < 0.12:
                r.append(f"{base:.1f} e")
            else:
                r.append(f"{base:.1f} ")
        rows.append(r)
    hdr = ["freq,unit,sex,age,geo\\TIME_PERIOD"] + [f"{y} " for y in years]
    text = lines(("\t".join(r) for r in [hdr] + rows), eol="\n")
    reg("eurostat_une_rt_a.tsv", text.encode("utf-8"), {
        "n_rows": [len(EU_GEOS), len(EU_GEOS) - 1, len(EU_GEOS) - 2], "n_columns": [11, 15], "delimiter": "\t",
        "types": {"2014": "numeric", "2019": "numeric", "2023": "numeric"},
    })


LAS = [("E06000001", "Hartlepool", 92338), ("E06000002", "Middlesbrough", 143924), ("E06000003", "Redcar and Cleveland", 136531),
       ("E06000004", "Stockton-on-Tees", 197348), ("E06000005", "Darlington", 107800), ("E06000006", "Halton", 128478),
       ("E06000007", "Warrington", 210014), ("E06000008", "Blackburn with Darwen", 154748), ("E06000009", "Blackpool", 141100),
       ("E06000010", "Kingston upon Hull, City of", 267014), ("E06000011", "East Riding of Yorkshire", 342215),
       ("E06000012", "North East Lincolnshire", 156966), ("E06000013", "North Lincolnshire", 169666),
       ("E06000014", "York", 202821), ("E06000015", "Derby", 261364), ("E06000016", "Leicester", 368571),
       ("E06000017", "Rutland", 41049), ("E06000018", "Nottingham", 323632), ("E06000019", "Herefordshire, County of", 187034),
       ("E06000020", "Telford and Wrekin", 185563), ("E06000021", "Stoke-on-Trent", 258366), ("E06000022", "Bath and North East Somerset", 193400),
       ("E06000023", "Bristol, City of", 472465), ("E06000024", "North Somerset", 216728), ("E06000025", "South Gloucestershire", 290423),
       ("E06000026", "Plymouth", 266862), ("E06000027", "Torbay", 139485), ("E06000030", "Swindon", 233410),
       ("E06000031", "Peterborough", 216375), ("E06000032", "Luton", 225262), ("E06000033", "Southend-on-Sea", 180915),
       ("W06000001", "Isle of Anglesey", 68900), ("W06000002", "Gwynedd", 117400), ("W06000011", "Swansea", 238500),
       ("W06000015", "Cardiff", 372089)]


def ons():
    rng = R(402)
    rows = [["K04000001", "ENGLAND AND WALES", "59,641,829", "29,292,123", "30,349,706", "60,238,718", "29,591,000", "30,647,718"],
            ["E92000001", "ENGLAND", "56,536,419", "27,769,001", "28,767,418", "57,112,542", "28,047,213", "29,065,329"]]
    for code, name, pop in LAS:
        p21 = pop - rng.randint(-1500, 2500)
        m21 = int(p21 * rng.uniform(0.485, 0.5))
        m22 = int(pop * rng.uniform(0.485, 0.5))
        rows.append([code, name, us(p21, 0), us(m21, 0), us(p21 - m21, 0), us(pop, 0), us(m22, 0), us(pop - m22, 0)])
    head = [["Table 1: Population estimates for local authorities in England and Wales, mid-2021 and mid-2022 [note 1]"],
            ["Source: Office for National Statistics"],
            ["This worksheet contains one table. Some cells refer to notes which can be found in the notes worksheet."], []]
    h1 = ["", "", "Mid-2021", "Mid-2021", "Mid-2021", "Mid-2022", "Mid-2022", "Mid-2022"]
    h2 = ["Code", "Name", "All persons", "Males", "Females", "All persons", "Males", "Females"]
    foot = [[], ["Notes"], ["[note 1] Figures may not sum due to rounding."],
            ["[note 2] Local authority boundaries as at April 2023."]]
    text = join(head + [h1, h2] + rows + foot)
    n = len(LAS)
    reg("ons_mid_year_population_2row_header.csv", text.encode("utf-8"), {
        "n_rows": [n, n + 1, n + 2], "n_columns": 8, "delimiter": ",", "decimal": ".", "header_rows": 2,
        "name_contains": {"0": "Code", "1": "Name", "2": [["2021"], ["All persons"]], "3": [["2021"], ["Males"]],
                          "6": [["2022"], ["Males"]], "7": [["2022"], ["Females"]]},
        "types": {"2": "numeric", "6": "numeric", "0": ["id", "categorical"]},
        "not_in_data": ["[note 1]", "Source: Office", "Mid-2021", "All persons"],
        "notes_mention": [MULTI, SKIP, FOOT],
    })


LAENDER = ["Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg", "Hessen", "Mecklenburg-Vorpommern",
           "Niedersachsen", "Nordrhein-Westfalen", "Rheinland-Pfalz", "Saarland", "Sachsen", "Sachsen-Anhalt",
           "Schleswig-Holstein", "Thüringen"]


def destatis():
    rng = R(403)
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]
    season = [0.55, 0.6, 0.75, 0.9, 1.05, 1.15, 1.35, 1.4, 1.1, 0.95, 0.7, 0.6]
    rows = []
    tot = [0] * 12
    for land in LAENDER:
        base = rng.randint(400, 9000) * 1000
        r = [land]
        for i, s in enumerate(season):
            v = int(base * s * rng.uniform(0.95, 1.05))
            if land == "Bremen" and i in (1, 2):
                r.append(".")
            elif land == "Saarland" and i == 11:
                r.append("-")
            else:
                r.append(str(v))
                tot[i] += v
        rows.append(r)
    rows.append(["Insgesamt"] + [str(t) for t in tot])
    head = ["GENESIS-Tabelle: 45412-0025", "Übernachtungen in Beherbergungsbetrieben:", "Deutschland, Bundesländer, Monate",
            "Monatserhebung im Tourismus", "Deutschland", "Übernachtungen (Anzahl)", "2023"]
    hdr = [""] + months
    foot = ["__________", "Beherbergungsbetriebe mit 10 und mehr Schlafgelegenheiten.", "  .  = Zahlenwert unbekannt oder geheimzuhalten",
            "  -  = nichts vorhanden", "(C)opyright Statistisches Bundesamt (Destatis), 2024 | Stand: 05.03.2024 / 14:21:33"]
    text = lines(head) + join([hdr] + rows, sep=";") + lines(foot)
    reg("de_destatis_genesis_45412.csv", text.encode("cp1252"), {
        "n_rows": 16, "n_columns": 13, "delimiter": ";", "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": {"1": "Januar", "3": "März", "12": "Dezember"},
        "types": {"Januar": "numeric", "Februar": "numeric", "März": "numeric", "Dezember": "numeric"},
        "no_mojibake": ["März", "Baden-Württemberg"],
        "not_in_data": ["Insgesamt", "Statistisches Bundesamt", "__________", "GENESIS-Tabelle", "Zahlenwert"],
        "notes_mention": [SKIP, FOOT, ANY_RENAME],
    })


PROV = [("Canada", 21012.4), ("Newfoundland and Labrador 10", 261.3), ("Prince Edward Island 11", 93.1),
        ("Nova Scotia 12", 527.9), ("New Brunswick 13", 413.0), ("Quebec 24", 4735.2), ("Ontario 35", 8238.6),
        ("Manitoba 46", 725.8), ("Saskatchewan 47", 618.4), ("Alberta 48", 2640.7), ("British Columbia 59", 2938.4)]


def statcan():
    rng = R(404)
    months = ["October 2023", "November 2023", "December 2023", "January 2024", "February 2024"]
    rows = []
    for p, v in PROV:
        r = [p]
        for m in months:
            x = v * rng.uniform(0.995, 1.006)
            s = us(x, 1)
            if p.startswith("Prince") and rng.random() < 0.4:
                s += "E"
            r.append(s)
        rows.append(r)
    rows[2][3] = ".."
    head = [["Labour force characteristics by province, monthly, seasonally adjusted (x 1,000) 1 2 3"], ["Frequency: Monthly"],
            ["Table: 14-10-0287-01 (formerly CANSIM 282-0087)"], ["Release date: 2024-03-08"],
            ["Geography: Canada, Province or territory"], [""],
            ["Labour force characteristics", "Employment 20"], ["Data type", "Seasonally adjusted"],
            ["Statistics", "Estimate"], ["Sex", "Both sexes"], ["Age group", "15 years and over"]]
    hdr = ["Geography"] + months
    unit = ["", "Persons in thousands"]
    foot = [[""], ["Symbol legend:"], ["..", "not available for a specific reference period"], ["E", "use with caution"],
            ["F", "too unreliable to be published"], [""], ["Footnotes:"],
            ["1", "Estimates in this table are based on 2021 Census population counts."],
            ["2", "Labour Force Survey (LFS) estimates are based on a sample and are subject to sampling variability."],
            ["3", "Seasonally adjusted estimates are revised each January."], [""],
            ["How to cite: Statistics Canada. Table 14-10-0287-01  Labour force characteristics by province, monthly, seasonally adjusted"],
            ["https://doi.org/10.25318/1410028701-eng"]]
    allr = head + [hdr, unit] + rows + foot
    text = "\ufeff" + "".join(",".join(q(c, True) for c in r) + "\n" for r in allr)
    reg("statcan_14100287_as_displayed.csv", text.encode("utf-8"), {
        "n_rows": [10, 11], "n_columns": 6, "delimiter": ",", "decimal": ".", "encoding_family": ["utf-8", "utf-8-sig"],
        "name_contains": {"0": "Geography", "1": "October 2023", "5": "February 2024"},
        "types": {"1": "numeric", "2": "numeric", "5": "numeric"},
        "not_in_data": ["Symbol legend", "use with caution", "How to cite", "Footnotes", "Persons in thousands",
                        "doi.org", "Both sexes"],
        "notes_mention": [SKIP, FOOT],
    })


PREFS = ["北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県",
         "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
         "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
         "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"]


def estat():
    rng = R(405)
    rows = []
    tot = [0, 0, 0]
    body = []
    for i, p in enumerate(PREFS, 1):
        t = rng.randint(540, 14000)
        m = int(t * rng.uniform(0.47, 0.5))
        jp = int(t * rng.uniform(0.96, 0.995))
        rate = rng.uniform(-1.6, 0.2)
        body.append([f"{i:02d}000", p, us(t, 0), us(m, 0), us(t - m, 0), us(jp, 0), f"{rate:.2f}" if p != "沖縄県" else "-"])
        tot = [tot[0] + t, tot[1] + m, tot[2] + jp]
    rows = [["00000", "全国", us(tot[0], 0), us(tot[1], 0), us(tot[0] - tot[1], 0), us(tot[2], 0), "-0.48"]] + body
    head = [["表番号", "第1表"], ["統計名:", "人口推計"], ["表題:", "都道府県，男女別人口－総人口，日本人人口（2023年10月1日現在）"],
            ["単位:", "千人"], []]
    hdr = ["都道府県コード", "都道府県", "総人口（男女計）", "総人口（男）", "総人口（女）", "日本人人口（男女計）", "人口増減率（％）"]
    text = join(head, quote=lambda s, always=False: q(s, True)) + join([hdr] + rows, quote=lambda s, always=False: q(s, True))
    reg("jp_estat_jinko_suikei_cp932.csv", text.encode("cp932"), {
        "n_rows": [47, 48], "n_columns": 7, "delimiter": ",", "decimal": ".", "encoding_family": ["cp932", "shift_jis"],
        "names": hdr,
        "types": {"都道府県コード": ["categorical", "id"], "総人口（男女計）": "numeric", "人口増減率（％）": "numeric"},
        "no_mojibake": ["都道府県コード", "総人口（男女計）"],
        "not_in_data": ["第1表", "千人", "人口推計"],
        "notes_mention": [SKIP],
    })


STATES = [("01", "Alabama", ["Autauga", "Baldwin", "Barbour", "Bibb", "Blount", "Bullock", "Butler", "Calhoun", "Chambers", "Cherokee"]),
          ("04", "Arizona", ["Apache", "Cochise", "Coconino", "Gila", "Graham", "Greenlee", "La Paz", "Maricopa", "Mohave"]),
          ("06", "California", ["Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
                                "El Dorado", "Fresno"]),
          ("08", "Colorado", ["Adams", "Alamosa", "Arapahoe", "Archuleta", "Baca", "Bent", "Boulder", "Broomfield"]),
          ("09", "Connecticut", ["Fairfield", "Hartford", "Litchfield", "Middlesex", "New Haven", "New London", "Tolland", "Windham"]),
          ("13", "Georgia", ["Appling", "Atkinson", "Bacon", "Baker", "Baldwin", "Banks", "Barrow", "Bartow"])]


def acs():
    rng = R(406)
    rows = []
    for fips, st, counties in STATES:
        for j, c in enumerate(counties):
            cf = f"{2 * j + 1:03d}"
            pop = rng.randint(1100, 900000)
            u = rng.random()
            inc = "250,000+" if u < 0.02 else ("-" if pop < 2000 else str(rng.randint(32000, 140000)))
            moe = "***" if inc in ("-", "250,000+") else str(rng.randint(800, 9000))
            rows.append([f"0500000US{fips}{cf}", f"{c} County, {st}", inc, moe, str(pop), "*****"])
    h1 = ["GEO_ID", "NAME", "B19013_001E", "B19013_001M", "B01003_001E", "B01003_001M"]
    h2 = ["Geography", "Geographic Area Name",
          "Estimate!!Median household income in the past 12 months (in 2022 inflation-adjusted dollars)",
          "Margin of Error!!Median household income in the past 12 months (in 2022 inflation-adjusted dollars)",
          "Estimate!!Total", "Margin of Error!!Total"]
    text = join([h1, h2] + rows, quote=lambda s, always=False: q(s, True))
    n = len(rows)
    reg("us_census_acs5y_county_2row.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",", "decimal": ".",
        "name_contains": {"2": [["B19013_001E", "Median household income"]], "4": [["B01003_001E", "Estimate!!Total"]]},
        "types": {"2": "numeric", "4": "numeric", "0": ["id", "categorical"]},
        "not_in_data": ["Geographic Area Name", "Estimate!!Total"],
    })


eurostat(); ons(); destatis(); statcan(); estat(); acs()
