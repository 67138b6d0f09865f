"""Bank and card statements: US, UK, DE, FR, ES, IT, JP, BR."""
import datetime as dt
from .common import reg, R, eu, us, sp, fnum, dates, join, lines, q, qsemi
from .p1_banks_ce import SKIP, FOOT


def chase():
    rng = R(201)
    n = 84
    ds = sorted(dates(rng, dt.date(2024, 1, 2), n, 1), reverse=True)
    merch = [("AMAZON MKTPLACE PMTS, AMZN.COM/BILL WA", "Shopping"), ("WHOLEFDS MKT #10234", "Groceries"),
             ("STARBUCKS STORE 08123", "Food & Drink"), ("SHELL OIL 57444021500", "Gas"),
             ("NETFLIX.COM", "Entertainment"), ("UBER   *TRIP", "Travel"), ("TRADER JOE'S #552", "Groceries"),
             ("SQ *BLUE BOTTLE COFFEE, OAKLAND CA", "Food & Drink"), ("CVS/PHARMACY #04512", "Health & Wellness"),
             ("DELTA AIR LINES, ATLANTA", "Travel")]
    rows = []
    for d in ds:
        if rng.random() < 0.06:
            rows.append([d.strftime("%m/%d/%Y"), d.strftime("%m/%d/%Y"), "Payment Thank You-Mobile", "", "Payment",
                         f"{rng.choice([500, 1200, 845.33]):.2f}", ""])
            continue
        m, c = rng.choice(merch)
        amt = -round(rng.uniform(3, 480), 2)
        typ = "Sale"
        if rng.random() < 0.04:
            amt, typ = -amt, "Return"
        post = d + dt.timedelta(days=rng.randint(0, 2))
        rows.append([d.strftime("%m/%d/%Y"), post.strftime("%m/%d/%Y"), m, c, typ, f"{amt:.2f}", ""])
    hdr = ["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount", "Memo"]
    text = join([hdr] + rows, eol="\n")
    reg("us_chase_card_activity.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 7, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Amount": "numeric", "Transaction Date": "datetime", "Category": "categorical"},
        "missing": {"Memo": 1.0},
    })


def bofa():
    rng = R(202)
    n = 64
    ds = dates(rng, dt.date(2024, 1, 2), n, 1)
    bal = 3412.87
    beg = bal
    rows = [["01/01/2024", "Beginning balance as of 01/01/2024", "", us(bal)]]
    for d in ds:
        k = rng.choices(["pos", "ach", "dep", "chk", "zelle"], [8, 3, 1, 1, 2])[0]
        if k == "pos":
            amt = -round(rng.uniform(5, 300), 2)
            desc = rng.choice(["SAFEWAY #1234 SAN JOSE CA", "TARGET T-0321 SUNNYVALE CA", "CHEVRON 0094821 CUPERTINO CA",
                               "COSTCO WHSE #0423 MOUNTAIN VIEW CA"])
            desc = f"CHECKCARD {d.strftime('%m%d')} " + desc + f" 2446929{rng.randint(10**14, 10**15)}"
        elif k == "ach":
            amt = -round(rng.choice([1850.0, 142.37, 89.99, 2250.0]), 2)
            desc = rng.choice(["PG&E DES:WEB ONLINE ID:1234567890 INDN:JOHN DOE CO ID:XXXXX22222 WEB",
                               "CITI CARD ONLINE DES:PAYMENT ID:123456789012345 INDN:JOHN DOE CO ID:CITICTP WEB",
                               "AVALON APTS DES:RENT ID:000123 INDN:JOHN DOE CO ID:1111111111 PPD"])
        elif k == "dep":
            amt = 4312.55
            desc = "ACME CORP DES:PAYROLL ID:XXXXX4421 INDN:DOE,JOHN CO ID:XXXXX00001 PPD"
        elif k == "chk":
            amt = -rng.choice([120.0, 75.0])
            desc = f"Check {rng.randint(1001, 1099)}"
        else:
            amt = -rng.choice([40.0, 25.0, 120.0])
            desc = "Zelle Transfer Conf# " + "".join(rng.choice("abcdefghjk0123456789") for _ in range(9)) + "; Smith, Jane"
        bal = round(bal + amt, 2)
        rows.append([d.strftime("%m/%d/%Y"), desc, us(amt), us(bal)])
    credits = sum(float(r[2].replace(",", "")) for r in rows[1:] if r[2] and not r[2].startswith("-"))
    debits = sum(float(r[2].replace(",", "")) for r in rows[1:] if r[2].startswith("-"))
    top = [["Description", "", "Summary Amt."],
           ["Beginning balance as of 01/01/2024", "", us(beg)],
           ["Total credits", "", us(credits)],
           ["Total debits", "", us(debits)],
           [f"Ending balance as of {ds[-1].strftime('%m/%d/%Y')}", "", us(bal)]]
    text = join(top, eol="\n") + "\n" + join([["Date", "Description", "Amount", "Running Bal."]] + rows, eol="\n")
    reg("us_bofa_checking_stmt.csv", text.encode("utf-8"), {
        "n_rows": [n, n + 1], "n_columns": 4, "delimiter": ",", "decimal": ".",
        "names": ["Date", "Description", "Amount", "Running Bal."],
        "types": {"Amount": "numeric", "Running Bal.": "numeric", "Date": "datetime"},
        "not_in_data": ["Total credits", "Summary Amt."],
        "notes_mention": [SKIP],
    })


def nationwide():
    rng = R(203)
    n = 57
    ds = dates(rng, dt.date(2024, 1, 2), n, 1)
    bal = 1850.42
    rows = []
    for d in ds:
        k = rng.choices(["cl", "dd", "in", "tr", "atm"], [8, 2, 1, 1, 1])[0]
        out = inn = ""
        if k == "cl":
            a = round(rng.uniform(1.5, 95), 2)
            typ, desc = "Contactless payment", rng.choice(["TESCO STORES 3217", "PRET A MANGER", "SAINSBURYS S/MKT", "TFL TRAVEL CH",
                                                          "COSTA COFFEE 43011", "BOOTS 1182 LEEDS"])
            out = "£" + us(a); bal -= a
        elif k == "dd":
            a = rng.choice([64.99, 132.00, 1245.00, 18.50])
            typ, desc = "Direct debit", rng.choice(["BRITISH GAS", "THAMES WATER", "COUNCIL TAX LBH", "VIRGIN MEDIA"])
            out = "£" + us(a); bal -= a
        elif k == "in":
            a = 2450.00
            typ, desc = "Bank credit ACME UK LTD", "SALARY JAN"
            inn = "£" + us(a); bal += a
        elif k == "tr":
            a = rng.choice([50.0, 200.0])
            typ, desc = "Transfer to", "SAVINGS 07-02-11 12345678"
            out = "£" + us(a); bal -= a
        else:
            a = rng.choice([20.0, 40.0])
            typ, desc = "Cash withdrawal", "LLOYDS BANK HIGH ST"
            out = "£" + us(a); bal -= a
        rows.append([d.strftime("%d %b %Y"), typ, desc, out, inn, "£" + us(bal)])
    head = [["Account Name:", "FlexDirect ****12345"], ["Account Balance:", "£" + us(bal)],
            ["Available Balance: ", "£" + us(bal + 250)], []]
    text = join(head, quote=lambda s, always=False: q(s, True)) + join(
        [["Date", "Transaction type", "Description", "Paid out", "Paid in", "Balance"]] + rows,
        quote=lambda s, always=False: q(s, True))
    reg("uk_nationwide_statement.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 6, "delimiter": ",", "decimal": ".",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": ["Date", "Transaction type", "Description", "Paid out", "Paid in", "Balance"],
        "types": {"Paid out": "numeric", "Paid in": "numeric", "Balance": "numeric", "Date": "datetime"},
        "no_mojibake": ["£"],
        "not_in_data": ["FlexDirect", "Account Name:"],
        "notes_mention": [SKIP],
    })


def sparkasse():
    rng = R(204)
    n = 66
    ds = sorted(dates(rng, dt.date(2024, 1, 2), n, 1), reverse=True)
    rows = []
    for d in ds:
        k = rng.choices(["ls", "ue", "gut", "karte", "entgelt"], [4, 2, 1, 5, 1])[0]
        if k == "ls":
            amt = -rng.choice([54.90, 89.00, 12.99, 245.30])
            bt, zw = "FOLGELASTSCHRIFT", rng.choice(["Stromabschlag Januar Vertrag 4711", "Beitrag KFZ-Versicherung", "Mitgliedsbeitrag Fitnessstudio"])
            wer = rng.choice(["Stadtwerke München GmbH", "HUK-COBURG", "FitX Deutschland GmbH"])
            iban, bic = "DE02700202700010108669", "HYVEDEMMXXX"
        elif k == "ue":
            amt = -rng.choice([950.0, 120.0, 37.5])
            bt, zw = "ONLINE-UEBERWEISUNG", rng.choice(["Miete Februar", "Überweisung Geschenk Oma", "Rechnung Nr. 2024-0117"])
            wer, iban, bic = rng.choice(["Hausverwaltung Müller & Söhne", "Jörg Weißmann"]), "DE89370400440532013000", "COBADEFFXXX"
        elif k == "gut":
            amt = 3250.18
            bt, zw, wer = "GUTSCHR. UEBERWEISUNG", "Lohn/Gehalt 01/2024", "Muster Maschinenbau GmbH"
            iban, bic = "DE12500105170648489890", "INGDDEFFXXX"
        elif k == "karte":
            amt = -round(rng.uniform(4, 180), 2)
            bt = "KARTENZAHLUNG"
            wer = rng.choice(["REWE Markt GmbH", "EDEKA Südbayern", "dm-drogerie markt", "Aral Station 2841", "Bäckerei Höflinger"])
            zw = f"{d.strftime('%Y-%m-%d')}T{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d} Debitk.1 2027-12"
            iban, bic = "DE75512108001245126199", "SOGEDEFFXXX"
        else:
            amt = -4.95
            bt, zw, wer, iban, bic = "ENTGELTABSCHLUSS", "Entgeltabrechnung siehe Anlage", "", "0000000000", "70050000"
        rows.append(["DE44700500000012345678", d.strftime("%d.%m.%y"), d.strftime("%d.%m.%y"), bt, zw, "", "", "", "", "", "",
                     wer, iban, bic, eu(amt), "EUR", "Umsatz gebucht"])
    hdr = ["Auftragskonto", "Buchungstag", "Valutadatum", "Buchungstext", "Verwendungszweck", "Glaeubiger ID",
           "Mandatsreferenz", "Kundenreferenz (End-to-End)", "Sammlerreferenz", "Lastschrift Ursprungsbetrag",
           "Auslagenersatz Ruecklastschrift", "Beguenstigter/Zahlungspflichtiger", "Kontonummer/IBAN",
           "BIC (SWIFT-Code)", "Betrag", "Waehrung", "Info"]
    text = join([hdr] + rows, sep=";", quote=lambda s, always=False: qsemi(s, True))
    reg("de_sparkasse_camt_umsaetze.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 17, "delimiter": ";", "decimal": ",",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": hdr,
        "types": {"Betrag": "numeric", "Buchungstag": "datetime"},
        "no_mojibake": ["Bäckerei Höflinger", "EDEKA Südbayern"],
    })


def credit_agricole():
    rng = R(205)
    n = 48
    ds = sorted(dates(rng, dt.date(2024, 2, 1), n, 1), reverse=True)
    rows = []
    for d in ds:
        k = rng.choices(["cb", "prlv", "vir", "retrait"], [6, 2, 1, 1])[0]
        deb = cred = ""
        if k == "cb":
            a = round(rng.uniform(2, 260), 2)
            lib = f"PAIEMENT PAR CARTE     \nX1234 {rng.choice(['CARREFOUR CITY', 'BOULANGERIE DU MARCHÉ', 'SNCF INTERNET', 'PHARMACIE DES ÉCOLES', 'LECLERC DRIVE'])} {d.strftime('%d/%m')}"
            deb = sp(a, thou="\u00a0")
        elif k == "prlv":
            a = rng.choice([29.99, 61.20, 1210.00, 8.90])
            lib = f"PRELEVEMENT            \n{rng.choice(['EDF clients particuliers', 'FREE MOBILE', 'ASSURANCE HABITATION PACIFICA', 'Crédit Immobilier échéance'])}\nRéf. {rng.randint(10**8, 10**9)}"
            deb = sp(a, thou="\u00a0")
        elif k == "vir":
            a = rng.choice([2314.56, 150.00])
            lib = "VIREMENT EN VOTRE FAVEUR\nSARL DUPONT ET FILS\nSALAIRE FEVRIER"
            cred = sp(a, thou="\u00a0")
        else:
            a = rng.choice([40.0, 60.0, 100.0])
            lib = f"RETRAIT AU DISTRIBUTEUR \nX1234 LYON PART DIEU {d.strftime('%d/%m')}"
            deb = sp(a, thou="\u00a0")
        rows.append([d.strftime("%d/%m/%Y"), lib, deb, cred])
    head = ["Téléchargement du 05/03/2024;;;", ";;;", "M. DUPONT JEAN;;;", "Compte de Dépôt carte n° 12345678901;;;",
            "Solde au 05/03/2024 1\u00a0234,56 €;;;", ";;;", "Liste des opérations du compte entre le 01/02/2024 et le 05/03/2024;;;", ";;;"]
    body = "".join(";".join(qsemi(c) for c in r) + ";\r\n" for r in rows)
    text = lines(head) + "Date;Libellé;Débit euros;Crédit euros;\r\n" + body
    reg("fr_credit_agricole_operations.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 4, "delimiter": ";", "decimal": ",",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": ["Date", "Libellé", "Débit euros", "Crédit euros"],
        "types": {"Débit euros": "numeric", "Crédit euros": "numeric", "Date": "datetime", "Libellé": ["text", "categorical"]},
        "no_mojibake": ["Libellé", "Débit euros"],
        "not_in_data": ["Téléchargement du", "Solde au"],
        "notes_mention": [SKIP],
    })


def spain():
    rng = R(206)
    n = 55
    ds = sorted(dates(rng, dt.date(2024, 1, 2), n, 1), reverse=True)
    bal = 6543.21
    rows = []
    for d in ds:
        k = rng.choices(["tarjeta", "recibo", "nomina", "bizum", "transf"], [6, 2, 1, 2, 1])[0]
        if k == "tarjeta":
            amt = -round(rng.uniform(3, 250), 2)
            c = "Pago con tarjeta " + rng.choice(["MERCADONA PEÑALVER", "EL CORTE INGLÉS", "REPSOL ALCOBENDAS", "CAFETERÍA LA ESQUINA", "FARMACIA GÓMEZ"])
        elif k == "recibo":
            amt = -rng.choice([45.60, 79.90, 612.00])
            c = "Recibo " + rng.choice(["IBERDROLA CLIENTES S.A.U.", "MOVISTAR", "COMUNIDAD DE PROPIETARIOS"])
        elif k == "nomina":
            amt = 2187.44
            c = "Nómina ACME IBÉRICA S.L."
        elif k == "bizum":
            amt = rng.choice([-15.0, 20.0, -7.5, 30.0])
            c = "Bizum " + rng.choice(["de María José Núñez", "a Íñigo Martínez", "de Begoña Ruiz"])
        else:
            amt = -rng.choice([300.0, 850.0])
            c = "Transferencia a ahorro"
        bal = round(bal + amt, 2)
        rows.append([d.strftime("%d/%m/%Y"), d.strftime("%d/%m/%Y"), c, eu(amt) + " €", eu(bal) + " €"])
    hdr = ["Fecha operación", "Fecha valor", "Concepto", "Importe", "Saldo"]
    text = "\ufeff" + join([hdr] + rows, sep=";")
    reg("es_santander_movimientos_bom.csv", text.encode("utf-8"), {
        "n_rows": n, "n_columns": 5, "delimiter": ";", "decimal": ",", "encoding_family": ["utf-8", "utf-8-sig"],
        "names": hdr,
        "types": {"Importe": "numeric", "Saldo": "numeric", "Fecha operación": "datetime"},
        "no_mojibake": ["Fecha operación"],
    })


def italy():
    rng = R(207)
    n = 42
    ds = dates(rng, dt.date(2024, 3, 1), n, 1)
    rows = []
    for d in ds:
        k = rng.choices(["pos", "bon", "sdd", "stip"], [6, 2, 2, 1])[0]
        if k == "pos":
            amt = -round(rng.uniform(2, 190), 2)
            desc = "Pagamento POS " + rng.choice(["ESSELUNGA MILANO", "CONAD CITTÀ", "BAR DELLA STAZIONE", "FARMACIA S. MARIA", "Q8 ROMA NORD"])
        elif k == "bon":
            amt = -rng.choice([650.0, 120.0, 1500.0])
            desc = "Bonifico a Vostro favore disposto da" if amt > 0 else "Bonifico disposto a " + rng.choice(["Rossi Giuseppe - affitto", "Condominio Via Verdi 12", "Università degli Studi"])
        elif k == "sdd":
            amt = -rng.choice([38.50, 72.10, 19.99])
            desc = "Addebito SDD " + rng.choice(["ENEL ENERGIA S.P.A.", "TIM S.p.A.", "A2A Energia - è tutto incluso"])
        else:
            amt = 2480.00
            desc = "Accredito stipendio ACME ITALIA S.R.L."
        rows.append([d.strftime("%d/%m/%Y"), d.strftime("%d/%m/%Y"), desc, eu(amt)])
    hdr = ["Data contabile", "Data valuta", "Descrizione", "Importo (EUR)"]
    foot = ["", "Saldo contabile al 31/03/2024;;;" + eu(12345.67), "Saldo disponibile al 31/03/2024;;;" + eu(12045.67)]
    text = join([hdr] + rows, sep=";") + lines(foot)
    reg("it_intesa_movimenti.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 4, "delimiter": ";", "decimal": ",",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": hdr,
        "types": {"Importo (EUR)": "numeric", "Data contabile": "datetime"},
        "not_in_data": ["Saldo contabile", "Saldo disponibile"],
        "notes_mention": [FOOT],
    })


def japan_card():
    rng = R(208)
    n = 46
    ds = dates(rng, dt.date(2024, 2, 1), n, 1)
    shops = ["セブン－イレブン", "ローソン", "ファミリーマート", "ＡＭＡＺＯＮ．ＣＯ．ＪＰ", "楽天市場", "ＪＲ東日本　モバイルＳｕｉｃａ",
             "ユニクロ　新宿店", "スターバックス　コーヒー", "東京電力エナジーパートナー", "ＮＴＴドコモ　ご利用料金"]
    rows = []
    for d in ds:
        s = rng.choice(shops)
        a = rng.choice([rng.randint(1, 30) * 10 + rng.randint(0, 9), rng.randint(10, 150) * 100, rng.randint(1000, 15000)])
        rows.append([d.strftime("%Y/%m/%d"), s, "本人", "1回払い", str(a), "0", str(a), str(a), "0", "*"])
    hdr = ["利用日", "利用店名・商品名", "利用者", "支払方法", "利用金額", "支払手数料", "支払総額", "3月支払金額", "4月繰越残高", "新規サイン"]
    text = join([hdr] + rows)
    reg("jp_rakuten_card_meisai_cp932.csv", text.encode("cp932"), {
        "n_rows": n, "n_columns": 10, "delimiter": ",", "encoding_family": ["cp932", "shift_jis"],
        "names": hdr,
        "types": {"利用金額": "numeric", "支払総額": "numeric", "利用日": "datetime"},
        "no_mojibake": ["利用店名・商品名", "本人"],
    })


def brazil():
    rng = R(209)
    n = 50
    ds = dates(rng, dt.date(2024, 3, 1), n, 1)
    bal = 5210.40
    rows = []
    for d in ds:
        k = rng.choices(["pix_out", "pix_in", "deb", "boleto", "ted"], [4, 2, 4, 2, 1])[0]
        if k == "pix_out":
            amt = -round(rng.uniform(10, 800), 2); lanc = "PIX TRANSF " + rng.choice(["JOÃO SILVA", "MARIA CONCEIÇÃO", "PADARIA PÃO DOURADO"])
        elif k == "pix_in":
            amt = round(rng.uniform(50, 1500), 2); lanc = "PIX RECEBIDO " + rng.choice(["ANTÔNIO ARAÚJO", "LOJA MAGAZINE"])
        elif k == "deb":
            amt = -round(rng.uniform(5, 400), 2); lanc = "COMPRA CARTÃO " + rng.choice(["SUPERMERCADO SÃO JORGE", "POSTO IPIRANGA", "FARMÁCIA DROGASIL", "IFOOD *PEDIDO"])
        elif k == "boleto":
            amt = -rng.choice([1890.00, 245.90, 129.99]); lanc = "PAGTO BOLETO " + rng.choice(["CONDOMÍNIO ED. AÇUCENA", "ENEL DISTRIBUIÇÃO SP", "VIVO FIXO"])
        else:
            amt = 7350.00; lanc = "TED SALÁRIO ACME BRASIL LTDA"
        bal = round(bal + amt, 2)
        rows.append([d.strftime("%d/%m/%Y"), lanc, rng.choice(["0341", "0001", "0237", "0104", "3022"]),
                     "R$ " + eu(amt), "R$ " + eu(bal) if rng.random() < 0.3 else ""])
    hdr = ["Data", "Lançamento", "Ag./Origem", "Valor (R$)", "Saldos (R$)"]
    text = join([hdr] + rows, sep=";")
    reg("br_itau_extrato.csv", text.encode("cp1252"), {
        "n_rows": n, "n_columns": 5, "delimiter": ";", "decimal": ",",
        "encoding_family": ["cp1252", "latin-1", "iso-8859-15"],
        "names": hdr,
        "types": {"Valor (R$)": "numeric", "Saldos (R$)": "numeric", "Ag./Origem": ["categorical", "id"], "Data": "datetime"},
        "no_mojibake": ["Lançamento"],
    })


chase(); bofa(); nationwide(); sparkasse(); credit_agricole(); spain(); italy(); japan_card(); brazil()
