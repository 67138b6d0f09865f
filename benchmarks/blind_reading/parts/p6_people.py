"""Survey tools, HR/CRM exports, IoT logs, e-commerce orders."""
import datetime as dt
import json
import math
from .common import reg, R, eu, us, fnum, join, lines, q
from .p1_banks_ce import SKIP, FOOT, ANY_RENAME
from .p3_lab import MULTI

FIRST = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Zoë", "Søren", "Aisha", "Hiroshi",
         "Priya", "Chloé", "Jürgen", "Ana", "Wei", "Fatima", "Oliver", "Isabella", "Mohammed", "Grace", "Daniel", "Léa"]
LAST = ["Smith", "Johnson", "Brown", "Garcia", "Müller", "Nguyen", "Kowalski", "O'Brien", "Rossi", "Tanaka", "Dubois",
        "Patel", "Kim", "Silva", "Andersson", "Novák", "Schmidt", "Lopez", "Wilson", "Martin"]


def qualtrics():
    rng = R(601)
    n = 88
    codes = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
             "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude",
             "LocationLongitude", "DistributionChannel", "UserLanguage", "Q1", "Q2_1", "Q2_2", "Q2_3", "Q3", "Q4", "Q4_7_TEXT"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished",
             "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
             "External Data Reference", "Location Latitude", "Location Longitude", "Distribution Channel", "User Language",
             "How likely are you to recommend our product to a friend or colleague?",
             "How satisfied are you with the following? - Price", "How satisfied are you with the following? - Quality",
             "How satisfied are you with the following? - Customer support",
             "What, if anything, should we improve?", "How did you hear about us? - Selected Choice",
             "How did you hear about us? - Other - Text"]
    imports = ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"endDate","timeZone":"America/Denver"}',
               '{"ImportId":"status"}', '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}',
               '{"ImportId":"finished"}', '{"ImportId":"recordedDate","timeZone":"America/Denver"}', '{"ImportId":"_recordId"}',
               '{"ImportId":"recipientLastName"}', '{"ImportId":"recipientFirstName"}', '{"ImportId":"recipientEmail"}',
               '{"ImportId":"externalDataReference"}', '{"ImportId":"locationLatitude"}', '{"ImportId":"locationLongitude"}',
               '{"ImportId":"distributionChannel"}', '{"ImportId":"userLanguage"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_1"}',
               '{"ImportId":"QID2_2"}', '{"ImportId":"QID2_3"}', '{"ImportId":"QID3_TEXT"}', '{"ImportId":"QID4"}',
               '{"ImportId":"QID4_7_TEXT"}']
    sat = ["Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied", "Somewhat satisfied",
           "Extremely satisfied"]
    improve = ["", "", "Faster shipping, please.", "The app crashes when I upload photos, and support took 3 days to answer.",
               "Nothing — keep it up!", "Price is a bit high for what you get", "More colours", "Better docs\nand a dark mode"]
    rows = []
    for i in range(n):
        s = dt.datetime(2024, 2, 1, 8) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20))
        fin = rng.random() > 0.12
        prog = 100 if fin else rng.choice([12, 35, 58, 80])
        dur = rng.randint(45, 900)
        e = s + dt.timedelta(seconds=dur)
        src = rng.choice(["Search engine", "Friend or colleague", "Social media", "Podcast", "Other"])
        rows.append([s.strftime("%Y-%m-%d %H:%M:%S"), e.strftime("%Y-%m-%d %H:%M:%S"), "IP Address",
                     f"{rng.randint(23, 212)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", str(prog), str(dur),
                     "True" if fin else "False", e.strftime("%Y-%m-%d %H:%M:%S"), "R_" + "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(15)),
                     "", "", "", "", f"{rng.uniform(25, 48):.4f}", f"{rng.uniform(-122, -71):.4f}", "anonymous", "EN",
                     str(rng.randint(0, 10)), rng.choice(sat), rng.choice(sat), rng.choice(sat) if fin else "",
                     rng.choice(improve) if fin else "", src if prog > 50 else "", "Newsletter" if src == "Other" else ""])
    text = join([codes, texts, imports] + rows)
    reg("qualtrics_nps_survey_3header.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 24, "delimiter": ",", "header_rows": [1, 2, 3],
        "name_contains": {"0": "StartDate", "4": "Progress", "17": [["Q1", "recommend"]], "18": [["Q2_1", "Price"]],
                          "20": [["Q2_3", "Customer support"]]},
        "types": {"4": "numeric", "5": "numeric", "17": ["numeric", "categorical"], "6": ["boolean", "categorical"]},
        "not_in_data": ["ImportId", "How satisfied are you", "Response ID"],
        "notes_mention": [MULTI],
    })


def surveymonkey():
    rng = R(602)
    n = 64
    row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name", "Last Name",
            "Custom Data 1", "Which of these tools does your team use every week?", "", "", "", "",
            "Overall, how satisfied are you with our onboarding?", "How many people are on your team?", "Any other comments?"]
    row2 = ["", "", "", "", "", "", "", "", "", "Slack", "Microsoft Teams", "Zoom", "Google Meet", "Other (please specify)",
            "Response", "Response", "Open-Ended Response"]
    rows = []
    for i in range(n):
        s = dt.datetime(2024, 1, 15, 9) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 14))
        e = s + dt.timedelta(seconds=rng.randint(60, 600))
        tools = ["Slack" if rng.random() < 0.6 else "", "Microsoft Teams" if rng.random() < 0.5 else "",
                 "Zoom" if rng.random() < 0.55 else "", "Google Meet" if rng.random() < 0.3 else "",
                 rng.choice(["", "", "", "", "Mattermost", "Discord", "Webex"])]
        rows.append([str(114000000000 + rng.randint(0, 999999999)), "431234567", s.strftime("%m/%d/%Y %I:%M:%S %p"),
                     e.strftime("%m/%d/%Y %I:%M:%S %p"), f"{rng.randint(23, 212)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                     "", "", "", ""] + tools +
                    [rng.choice(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]),
                     rng.choice(["1-5", "6-10", "11-25", "26-50", "More than 50"]),
                     rng.choice(["", "", "", "Great onboarding, thanks!", "The SSO setup was confusing, took us two days.", "n/a"])])
    text = join([row1, row2] + rows)
    reg("surveymonkey_expanded_2header.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 17, "delimiter": ",", "header_rows": 2,
        "name_contains": {"0": "Respondent ID", "9": "Slack", "10": "Microsoft Teams", "11": "Zoom", "13": "Other",
                          "14": "satisfied", "15": "How many people"},
        "types": {"0": ["id"], "14": "categorical"},
        "not_in_data": ["Open-Ended Response"],
        "notes_mention": [MULTI],
    })


def hr():
    rng = R(603)
    n = 120
    depts = {"Engineering": ["Software Engineer II", "Senior Software Engineer", "Staff Engineer", "QA Analyst"],
             "Sales": ["Account Executive", "Sales Development Rep", "Regional Sales Manager"],
             "Finance": ["Staff Accountant", "FP&A Analyst", "Controller"],
             "People": ["HR Generalist", "Recruiter"], "Operations": ["Operations Coordinator", "Facilities Manager"]}
    locs = [("Boston, MA", ["02134", "02115", "02116"]), ("Hoboken, NJ", ["07030"]), ("Portland, ME", ["04101"]),
            ("Austin, TX", ["78701", "78704"]), ("Denver, CO", ["80202"]), ("Burlington, VT", ["05401"])]
    rows = []
    for i in range(n):
        dep = rng.choice(list(depts))
        loc, zips = rng.choice(locs)
        hire = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 4300))
        term = rng.random() < 0.14
        sal = round(rng.uniform(48, 210), 1) * 1000
        rows.append([f"E{10023 + i * 7:06d}", rng.choice(FIRST), rng.choice(LAST), dep, rng.choice(depts[dep]),
                     hire.strftime("%m/%d/%Y"), "$" + us(sal), rng.choice(["1.0", "1.0", "1.0", "0.8", "0.5"]),
                     rng.choice(["Sarah Connor", "Miles Dyson", "Kyle Reese", "Ellen Ripley"]), loc, rng.choice(zips),
                     "Yes" if term else "No", (hire + dt.timedelta(days=rng.randint(200, 2000))).strftime("%m/%d/%Y") if term else ""])
    hdr = ["Employee ID", "First Name", "Last Name", "Department", "Job Title", "Hire Date", "Annual Salary", "FTE",
           "Manager", "Work Location", "Work ZIP", "Terminated", "Termination Date"]
    text = join([hdr] + rows)
    reg("hr_workday_employee_roster.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 13, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Annual Salary": "numeric", "Work ZIP": ["categorical", "id"], "Terminated": ["boolean"],
                  "Hire Date": "datetime", "Employee ID": "id", "Department": "categorical", "FTE": ["numeric", "categorical"]},
    })


def salesforce():
    rng = R(604)
    n = 75
    accts = ["Acme Corporation", "Globex, Inc.", "Initech", "Umbrella Corp.", "Stark Industries", "Wayne Enterprises",
             "Wonka Industries", "Soylent Green Co", "Tyrell Corporation", "Cyberdyne Systems", "Hooli", "Pied Piper"]
    stages = [("Prospecting", 10), ("Qualification", 20), ("Needs Analysis", 40), ("Proposal/Price Quote", 60),
              ("Negotiation/Review", 80), ("Closed Won", 100), ("Closed Lost", 0)]
    rows = []
    for i in range(n):
        a = rng.choice(accts)
        st, p = rng.choice(stages)
        amt = rng.choice([12500, 48000, 7500, 150000, 22000, 95000, 310000]) * rng.choice([1, 1, 1.5, 2])
        cd = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 270))
        rows.append([f"{a} - {rng.choice(['Renewal', 'Upsell', 'New Business', 'Expansion FY25'])}", a, f"{amt:.2f}",
                     cd.strftime("%-m/%-d/%Y"), st, str(p), rng.choice(["Jane Doe", "John Roe", "Ana Lima", "Raj Gupta"]),
                     rng.choice(["Web", "Partner Referral", "Trade Show", "Cold Call", ""]), f"006{rng.randint(10**11, 10**12 - 1)}AAA"])
    hdr = ["Opportunity Name", "Account Name", "Amount", "Close Date", "Stage", "Probability (%)", "Opportunity Owner",
           "Lead Source", "Opportunity ID"]
    foot = [[""], ['"Confidential Information - Do Not Distribute"'], ['"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."'],
            [""], ['"Generated By:  Jane Doe  3/5/2024 10:21 AM"'], ['"Acme Inc."']]
    body = "".join(",".join(q(c, True) for c in r) + "\n" for r in [hdr] + rows)
    text = body + "".join((r[0] if r[0] else '""') + "\n" for r in foot)
    reg("salesforce_opportunities_report.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 9, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Amount": "numeric", "Probability (%)": ["numeric", "categorical"], "Stage": "categorical",
                  "Close Date": "datetime", "Opportunity ID": "id"},
        "not_in_data": ["Confidential Information", "Generated By", "salesforce.com", "Acme Inc."],
        "notes_mention": [FOOT],
    })


def hubspot_bom():
    rng = R(605)
    n = 90
    cities = [("Dresden", "01067", "DE"), ("Leipzig", "04109", "DE"), ("Boston", "02108", "US"), ("Newark", "07102", "US"),
              ("Torino", "10121", "IT"), ("Paris", "75002", "FR"), ("Lyon", "69001", "FR"), ("Helsinki", "00100", "FI"),
              ("Madrid", "28013", "ES"), ("Kraków", "31-042", "PL")]
    rows = []
    for i in range(n):
        f, l = rng.choice(FIRST), rng.choice(LAST)
        c, z, cc = rng.choice(cities)
        rows.append([str(51 + i * 3 + rng.randint(0, 2)), f, l,
                     f"{f.lower().replace('ë', 'e').replace('ø', 'o').replace('é', 'e').replace('ü', 'u')}.{l.lower().replace('ü', 'u').replace(chr(39), '')}@example.com",
                     rng.choice(["+49 351 4123456", "+1 617 555 0134", "+33 1 42 68 53 00", "", "+48 12 345 67 89"]),
                     c, z, cc, rng.choice(["lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]),
                     (dt.datetime(2023, 6, 1) + dt.timedelta(hours=rng.randint(0, 6000))).strftime("%Y-%m-%d %H:%M"),
                     rng.choice(["Jürgen Weiß", "Zoë Dubois", "Unassigned"])])
    hdr = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "City", "Postal Code", "Country/Region",
           "Lifecycle Stage", "Create Date", "Contact owner"]
    text = "\ufeff" + join([hdr] + rows)
    reg("hubspot_contacts_utf8_bom.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 11, "delimiter": ",", "encoding_family": ["utf-8", "utf-8-sig"],
        "names": hdr,
        "types": {"Postal Code": ["categorical", "id"], "Record ID": ["id"], "Create Date": "datetime",
                  "Lifecycle Stage": "categorical"},
        "no_mojibake": ["Record ID"],
    })


def iot():
    rng = R(606)
    rows = []
    t = dt.datetime(2024, 3, 4, 0, 0, tzinfo=dt.timezone.utc)
    temp = {"env-sensor-07": 21.0, "env-sensor-12": 18.5}
    for i in range(144):
        for dev in ("env-sensor-07", "env-sensor-12"):
            ts = t + dt.timedelta(minutes=10 * i, seconds=rng.randint(0, 3))
            temp[dev] += rng.gauss(0, 0.08) + 0.03 * math.sin(i / 144 * 2 * math.pi)
            bat = 3.6 - i * 0.0009 - (0.4 if dev.endswith("12") else 0)
            st = "LOW_BAT" if bat < 3.1 else "OK"
            tv = f"{temp[dev]:.2f}" if rng.random() > 0.02 else "NaN"
            hv = f"{rng.uniform(35, 60):.1f}" if rng.random() > 0.02 else "null"
            rows.append([ts.strftime("%Y-%m-%dT%H:%M:%SZ"), dev, tv, hv, f"{1013 + rng.gauss(0, 2):.1f}",
                         str(int(420 + 300 * max(0, math.sin((i - 50) / 30)) + rng.randint(-15, 15))), f"{bat:.3f}", st])
    hdr = ["timestamp", "device_id", "temp [°C]", "rel. humidity [%]", "pressure [hPa]", "CO2 [ppm]", "battery [V]", "status"]
    text = join([hdr] + rows, eol="\n")
    reg("iot_env_sensors_iso_units.csv", text.encode("utf-8"), {
        "n_rows": 288, "n_columns": 8, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"timestamp": "datetime", "temp [°C]": "numeric", "rel. humidity [%]": "numeric", "CO2 [ppm]": "numeric",
                  "battery [V]": "numeric", "device_id": ["categorical"], "status": ["categorical", "boolean"]},
        "no_mojibake": ["temp [°C]"],
    })


def hobo():
    rng = R(607)
    n = 200
    sn = "LGR S/N: 20512345"
    hdr = ["#", "Date Time, GMT+01:00", f"Temp, °C ({sn}, SEN S/N: 20512345)", f"RH, % ({sn}, SEN S/N: 20512345)",
           f"Dew Pt, °C ({sn})", f"Coupler Detached ({sn})", f"Coupler Attached ({sn})", f"Stopped ({sn})", f"End Of File ({sn})"]
    rows = []
    t = dt.datetime(2024, 3, 5, 14, 0)
    for i in range(n):
        ts = t + dt.timedelta(minutes=15 * i)
        tc = 18 + 7 * math.sin((ts.hour + ts.minute / 60 - 9) / 24 * 2 * math.pi) + rng.gauss(0, 0.3)
        rh = 70 - 1.5 * (tc - 18) + rng.gauss(0, 2)
        dp = tc - (100 - rh) / 5
        rows.append([str(i + 1), ts.strftime("%m/%d/%y %I:%M:%S %p"), f"{tc:.3f}", f"{rh:.3f}", f"{dp:.3f}",
                     "Logged" if i == 0 else "", "", "", ""])
    rows.append([str(n + 1), (t + dt.timedelta(minutes=15 * n - 7)).strftime("%m/%d/%y %I:%M:%S %p"), "", "", "", "", "Logged", "", ""])
    rows.append([str(n + 2), (t + dt.timedelta(minutes=15 * n - 6)).strftime("%m/%d/%y %I:%M:%S %p"), "", "", "", "", "", "Logged", "Logged"])
    text = '"Plot Title: Greenhouse 3 - bench B"\r\n' + join([hdr] + rows, quote=lambda s, always=False: q(s, not s.isdigit() and s != ""))
    reg("hobo_logger_export.csv", text.encode("utf-8"), {
        "n_rows": n + 2, "n_columns": 9, "delimiter": ",", "decimal": ".",
        "names": {"0": "#", "1": "Date Time, GMT+01:00"},
        "name_contains": {"2": "Temp, °C", "3": "RH, %"},
        "types": {"1": "datetime", "2": "numeric", "3": "numeric", "0": ["id", "numeric"]},
        "not_in_data": ["Plot Title"],
        "no_mojibake": ["°C"],
        "notes_mention": [SKIP],
    })


def shopify():
    rng = R(608)
    products = [("Organic Cotton Tee - Black / M", 28.00, "TEE-BLK-M"), ("Organic Cotton Tee - White / L", 28.00, "TEE-WHT-L"),
                ("Merino Beanie - Charcoal", 35.00, "BEA-CHR"), ('Canvas Tote 15" - Natural', 22.50, "TOT-NAT"),
                ("Gift Card $50", 50.00, ""), ("Rain Jacket, Unisex - Olive / S", 129.00, "RJ-OLV-S")]
    people = [("Emma Johnson", "emma.j@example.com", "12 Beacon St", "Boston", "'02108", "MA", "US"),
              ("Lucas Silva", "lucas.silva@example.com", "455 Market St, Apt 3", "San Francisco", "'94105", "CA", "US"),
              ("Sofia Rossi", "sofia.r@example.com", "88 Grove St", "Jersey City", "'07302", "NJ", "US"),
              ("Noah Kim", "noahkim@example.com", "1 Main St", "Portland", "'04101", "ME", "US"),
              ("Chloé Martin", "chloe.m@example.fr", "5 Rue de Rivoli", "Paris", "75001", "", "FR"),
              ("Aisha Patel", "aisha.p@example.co.uk", "221B Baker Street", "London", "NW1 6XE", "", "GB")]
    notes = ["", "", "", "Please leave at the back door, next to the blue bin.", "Gift — please don't include the receipt!",
             "Call before delivery:\n+1 617 555 0134", 'Wrap it "nicely", it\'s for my mom']
    hdr = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing", "Currency",
           "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method", "Created at",
           "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Billing Name", "Billing Street",
           "Billing City", "Billing Zip", "Billing Province", "Billing Country", "Notes", "Payment Method", "Id", "Tags"]
    rows = []
    for k in range(60):
        num = 1001 + k
        nm, em, street, city, z, prov, ctry = rng.choice(people)
        items = [rng.choice(products) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        qtys = [rng.choice([1, 1, 2]) for _ in items]
        sub = sum(p[1] * qq for p, qq in zip(items, qtys))
        disc = round(sub * 0.1, 2) if rng.random() < 0.2 else 0.0
        ship = 0.0 if sub > 75 else 6.95
        tax = round((sub - disc) * 0.0625, 2)
        tot = round(sub - disc + ship + tax, 2)
        created = dt.datetime(2024, 2, 1, 9) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 28))
        fs = rng.choice(["paid", "paid", "paid", "refunded", "pending"])
        for j, (p, qq) in enumerate(zip(items, qtys)):
            if j == 0:
                rows.append([f"#{num}", em, fs, created.strftime("%Y-%m-%d %H:%M:%S -0500") if fs != "pending" else "",
                             rng.choice(["fulfilled", "unfulfilled"]), "", rng.choice(["yes", "no"]), "USD",
                             f"{sub:.2f}", f"{ship:.2f}", f"{tax:.2f}", f"{tot:.2f}", "WELCOME10" if disc else "",
                             f"{disc:.2f}", "Standard Shipping" if ship else "Free Shipping",
                             created.strftime("%Y-%m-%d %H:%M:%S -0500"), str(qq), p[0], f"{p[1]:.2f}", p[2], nm, street,
                             city, z, prov, ctry, rng.choice(notes), rng.choice(["Shopify Payments", "PayPal Express Checkout"]),
                             str(5612345678900 + k * 137), rng.choice(["", "vip", "wholesale, repeat"])])
            else:
                rows.append([f"#{num}", em, "", "", "", "", "", "", "", "", "", "", "", "", "",
                             created.strftime("%Y-%m-%d %H:%M:%S -0500"), str(qq), p[0], f"{p[1]:.2f}", p[2]] + [""] * 10)
    text = join([hdr] + rows, eol="\n")
    reg("shopify_orders_export.csv", text.encode("utf-8"), {
        "n_rows": len(rows), "n_columns": 30, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Total": "numeric", "Subtotal": "numeric", "Lineitem price": "numeric",
                  "Billing Zip": ["categorical", "id", "text"], "Notes": ["text", "categorical"], "Created at": "datetime"},
    })


qualtrics(); surveymonkey(); hr(); salesforce(); hubspot_bom(); iot(); hobo(); shopify()
