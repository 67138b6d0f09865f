"""Bank statements: Poland (mBank, PKO BP), Turkey, Czechia, Hungary."""
import datetime as dt
from .common import reg, R, eu, sp, fnum, dates, join, lines, qsemi

ANY_RENAME = ["renam", "blank", "empty", "unnamed", "no name", "missing name", "without a name", "duplicate"]
SKIP = ["skip", "title", "above", "ignored", "metadata", "preamble"]
FOOT = ["footer", "below", "summary", "total", "ignored", "saldo", "skip", "trailing"]


def mbank():
    rng = R(101)
    cats = ["Żywność i chemia domowa"] * 5 + ["Jedzenie poza domem", "Paliwo", "Wpływy - inne",
            "Opłaty i odsetki", "Zdrowie i uroda", "Przelew własny", "Multimedia, książki i prasa"]
    shops = ["BIEDRONKA 3412 WARSZAWA", "LIDL ŚWIĘTOKRZYSKA", "ŻABKA Z4521 K.1", "ORLEN STACJA NR 512",
             "ROSSMANN 221 WARSZAWA", "EMPIK SALON 0412", "MCDONALDS 27 ŁÓDŹ", "CARREFOUR EXPRESS GDAŃSK"]
    n = 52
    ds = sorted(dates(rng, dt.date(2024, 3, 1), n, 1), reverse=True)
    rows = []
    total = 0
    for d in ds:
        c = rng.choice(cats)
        if c == "Wpływy - inne":
            amt = rng.choice([4850.0, 1200.0, 350.0])
            opis = "PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY  WYNAGRODZENIE ZA MARZEC"
        elif c == "Przelew własny":
            amt = -rng.choice([500.0, 1000.0])
            opis = "PRZELEW WŁASNY  NA CELE OSZCZĘDNOŚCIOWE"
        elif c == "Opłaty i odsetki":
            amt = -rng.choice([7.0, 12.5])
            opis = "OPŁATA ZA KARTĘ"
        else:
            amt = -round(rng.uniform(3, 420), 2)
            opis = "ZAKUP PRZY UŻYCIU KARTY  " + rng.choice(shops)
        total += amt
        rows.append([d.isoformat(), opis, "eKonto 1111 ... 5678", c, sp(amt) + " PLN"])
    head = [
        "mBank S.A. Bankowość Detaliczna;", "Skrytka Pocztowa 2108;", "90-959 Łódź 2;", "www.mBank.pl;",
        "mLinia: 801 300 800;", "Z tel. kom. lub z zagranicy: +48 (42) 6 300 800;", ";", "#Klient;",
        "JAN KOWALSKI;", ";", "Lista operacji;", ";", "#Za okres:;", "01.03.2024;31.03.2024;", ";",
        "#zgodnie z wybranymi filtrami wyszukiwania;", "#dla rachunków:;",
        "eKonto - 11114020040000310212345678;", ";",
        "#Lista nie jest dokumentem w rozumieniu art. 7 Ustawy Prawo Bankowe (Dz. U. Nr 140 z 1997 roku, poz. 939 z późniejszymi zmianami).;",
        ";", "#Waluta;#Wpływy;#Wydatki;", "PLN;8 450,00;-6 123,45;", ";",
        "#Data operacji;#Opis operacji;#Rachunek;#Kategoria;#Kwota;"]
    body = [";".join(qsemi(c, always=(i in (1, 2, 3, 4))) for i, c in enumerate(r)) + ";" for r in rows]
    foot = [";", ";;;#Saldo końcowe;" + sp(2326.55) + " PLN;"]
    data = lines(head + body + foot).encode("cp1250")
    reg("pl_mbank_lista_operacji.csv", data, {
        "n_rows": n, "n_columns": 5, "delimiter": ";", "decimal": ",", "encoding_family": "cp1250",
        "name_contains": {"0": "Data operacji", "1": "Opis operacji", "3": "Kategoria", "4": "Kwota"},
        "types": {"4": "numeric", "0": "datetime"},
        "no_mojibake": ["Żywność i chemia domowa"],
        "not_in_data": ["Saldo końcowe", "mBank S.A.", "#Waluta"],
        "notes_mention": [SKIP],
    })


def pko():
    rng = R(102)
    n = 70
    ds = sorted(dates(rng, dt.date(2024, 2, 1), n, 1), reverse=True)
    bal = 4321.09
    rows = []
    for d in ds:
        kind = rng.choices(["card", "out", "in", "atm", "blik", "standing"], [10, 3, 2, 1, 3, 1])[0]
        t = f"{d.isoformat()} {rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        if kind == "card":
            amt = -round(rng.uniform(4, 300), 2)
            shop = rng.choice(["Biedronka 1234", "Lidl Sp. z o.o.", "Żabka Polska", "Orlen S.A.", "Pepco 0815",
                               "Apteka Gemini", "Kaufland Polska"])
            city = rng.choice(["Warszawa", "Kraków", "Poznań", "Wrocław", "Gdańsk", "Łódź"])
            r = [d, d, "Płatność kartą", amt, f"Tytuł:  000498849 7423078408810321{rng.randint(1000000, 9999999)}",
                 f"Lokalizacja: Adres: {shop} Miasto: {city} Kraj: POLSKA",
                 f"Data i czas operacji: {t}", f"Oryginalna kwota operacji: {abs(amt):.2f}"]
        elif kind == "out":
            amt = -rng.choice([150.0, 1850.0, 89.99, 230.0])
            r = [d, d, "Przelew z rachunku", amt, "Rachunek odbiorcy: 12 1020 1026 0000 0402 0312 3456",
                 rng.choice(["Nazwa odbiorcy: Spółdzielnia Mieszkaniowa Śródmieście", "Nazwa odbiorcy: Jan Nowak",
                             "Nazwa odbiorcy: PGE Obrót S.A."]),
                 rng.choice(["Tytuł: czynsz za luty", "Tytuł: zwrot za bilety", "Tytuł: faktura 02/2024/ŁD"]), ""]
        elif kind == "in":
            amt = rng.choice([5400.0, 320.0, 1500.0])
            r = [d, d, "Przelew na konto", amt, "Rachunek nadawcy: 45 1140 2004 0000 3102 7654 3210",
                 "Nazwa nadawcy: ACME POLSKA SP. Z O.O.", "Tytuł: wynagrodzenie 02/2024", ""]
        elif kind == "atm":
            amt = -rng.choice([100.0, 200.0, 500.0])
            r = [d, d, "Wypłata z bankomatu", amt, "Tytuł:  000498849 74230784088", "Lokalizacja: Adres: Euronet 2231 Miasto: Kraków Kraj: POLSKA",
                 f"Data i czas operacji: {t}", f"Oryginalna kwota operacji: {abs(amt):.2f}"]
        elif kind == "blik":
            amt = -round(rng.uniform(10, 250), 2)
            r = [d, d, "Płatność web - kod mobilny", amt, "Numer telefonu: 48600123456",
                 "Lokalizacja: Adres: allegro.pl", f"Operacja: {rng.randint(10**11, 10**12)}", f"Numer referencyjny: {rng.randint(10**9, 10**10)}"]
        else:
            amt = -60.0
            r = [d, d, "Zlecenie stałe", amt, "Rachunek odbiorcy: 88 1050 1445 1000 0022 7654 0000",
                 "Nazwa odbiorcy: Orange Polska", "Tytuł: abonament", ""]
        bal = round(bal + amt, 2)
        out = [r[0].isoformat(), r[1].isoformat(), r[2], fnum(amt, plus=True), "PLN", fnum(bal, plus=True)] + r[4:]
        rows.append(out)
    header = ["Data operacji", "Data waluty", "Typ transakcji", "Kwota", "Waluta", "Saldo po transakcji",
              "Opis transakcji", "", "", ""]
    allrows = [header] + [r + [""] * (10 - len(r)) for r in rows]
    text = "\r\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in allrows) + "\r\n"
    reg("pl_pko_historia_rachunku.csv", text.encode("cp1250"), {
        "n_rows": n, "n_columns": 10, "delimiter": ",", "decimal": ".", "encoding_family": "cp1250",
        "names": {"0": "Data operacji", "2": "Typ transakcji", "3": "Kwota", "5": "Saldo po transakcji",
                  "6": "Opis transakcji"},
        "types": {"Kwota": "numeric", "Saldo po transakcji": "numeric", "Data operacji": "datetime"},
        "no_mojibake": ["Płatność kartą"],
        "notes_mention": [ANY_RENAME],
    })


def turkey():
    rng = R(103)
    n = 60
    ds = dates(rng, dt.date(2024, 2, 1), n, 1)
    bal = 18450.75
    rows = []
    for i, d in enumerate(ds):
        k = rng.choices(["market", "fatura", "eft", "maas", "kira", "atm"], [8, 3, 2, 1, 1, 2])[0]
        if k == "market":
            amt = -round(rng.uniform(35, 1800), 2)
            desc, tag = rng.choice(["Şişli Migros Ödeme", "BİM Mağazaları Ödeme", "A101 Kadıköy", "ŞOK Marketler Üsküdar",
                                    "CarrefourSA Ataşehir"]), "Market"
        elif k == "fatura":
            amt = -round(rng.uniform(150, 900), 2)
            desc, tag = rng.choice(["Türk Telekom Fatura", "İGDAŞ Doğalgaz Faturası", "İSKİ Su Faturası",
                                    "Enerjisa Elektrik Fatura"]), "Fatura"
        elif k == "eft":
            amt = -rng.choice([750.0, 2500.0, 1200.0])
            desc, tag = rng.choice(["Çağrı Işık'a EFT", "Gönderilen FAST - Ayşegül Öztürk", "İş Bankası'na Havale"]), "Transfer"
        elif k == "maas":
            amt = 42500.0
            desc, tag = "Maaş Ödemesi - Şubat", "Gelir"
        elif k == "kira":
            amt = -15000.0
            desc, tag = "Kira ödemesi - Ağustos Apt. D:4", "Konut"
        else:
            amt = -rng.choice([500.0, 1000.0, 2000.0])
            desc, tag = "ATM Para Çekme - Beşiktaş Şb.", "Nakit"
        bal = round(bal + amt, 2)
        rows.append([d.strftime("%d.%m.%Y"), desc, tag, eu(amt) + " TL", eu(bal) + " TL", f"{rng.randint(1, 999999):07d}"])
    head = ["Hesap Hareketleri", "Müşteri Adı Soyadı:;AYŞE YILMAZ", "IBAN:;TR33 0006 1005 1978 6457 8413 26",
            "Tarih Aralığı:;01.02.2024 - 31.03.2024", ""]
    text = lines(head) + join([["Tarih", "Açıklama", "Etiket", "Tutar", "Bakiye", "Dekont No"]] + rows, sep=";")
    reg("tr_garanti_hesap_hareketleri.csv", text.encode("cp1254"), {
        "n_rows": n, "n_columns": 6, "delimiter": ";", "decimal": ",", "encoding_family": ["cp1254", "iso-8859-9"],
        "names": ["Tarih", "Açıklama", "Etiket", "Tutar", "Bakiye", "Dekont No"],
        "types": {"Tutar": "numeric", "Bakiye": "numeric", "Dekont No": ["categorical", "id", "text"],
                  "Tarih": "datetime"},
        "no_mojibake": ["Açıklama"],
        "not_in_data": ["AYŞE YILMAZ", "Hesap Hareketleri"],
        "notes_mention": [SKIP],
    })


def czech():
    rng = R(104)
    n = 45
    ds = dates(rng, dt.date(2024, 3, 1), n, 1)
    bal = 45320.10
    rows = []
    for d in ds:
        k = rng.choices(["karta", "prevod", "prijem", "inkaso", "vyber"], [8, 3, 1, 2, 1])[0]
        ks = vs = ss = proti = ""
        if k == "karta":
            amt = -round(rng.uniform(29, 2400), 2)
            op, name = "Platba kartou", rng.choice(["ALBERT 0123 PRAHA", "BILLA ŽIŽKOV", "LIDL ČESKÁ REPUBLIKA", "ROHLIK.CZ",
                                                     "Kavárna Slavia", "DROGERIE DM BRNO", "BENZINA PLUS ŠTĚRBOHOLY"])
        elif k == "prevod":
            amt = -rng.choice([12500.0, 1890.0, 650.0, 3400.0])
            op, name = "Odchozí úhrada", rng.choice(["Převod – nájemné", "Společenství vlastníků Šafaříkova", "Pražská energetika a.s."])
            ks = rng.choice(["0308", "0558", "1178"])
            vs = f"{rng.randint(1, 99999999):010d}"
            proti = rng.choice(["2501234567/2010", "19-2000145399/0800", "107-4321000217/0100"])
        elif k == "prijem":
            amt = 52300.0
            op, name = "Příchozí úhrada", "ACME Software s.r.o. – mzda"
            ks, vs, proti = "0138", "0000202403", "123456789/0300"
        elif k == "inkaso":
            amt = -round(rng.uniform(300, 1500), 2)
            op, name = "Inkaso", rng.choice(["T-Mobile Czech Republic a.s.", "Vodafone Czech Republic", "Pojišťovna Kooperativa"])
            ks = "0008"
            vs = f"{rng.randint(1, 9999999):010d}"
            proti = "2700/2010"
        else:
            amt = -rng.choice([1000.0, 2000.0, 5000.0])
            op, name = "Výběr z bankomatu", "ATM ČSOB Václavské nám."
        bal = round(bal + amt, 2)
        rows.append([d.strftime("%d.%m.%Y"), sp(amt), "CZK", sp(bal), ks, vs, ss, op, name, proti,
                     rng.choice(["", "", "Poštovné a služby", "Zpráva pro příjemce: děkuji"])])
    head = ["číslo účtu:;123456789/0300", "období:;01.03.2024 - 31.03.2024", f"počet položek:;{n}", ""]
    hdr = ["datum zaúčtování", "částka", "měna", "zůstatek", "konstantní symbol", "variabilní symbol",
           "specifický symbol", "označení operace", "název protiúčtu", "protiúčet", "poznámka"]
    text = lines(head) + join([hdr] + rows, sep=";")
    reg("cz_csob_pohyby_na_uctu.csv", text.encode("cp1250"), {
        "n_rows": n, "n_columns": 11, "delimiter": ";", "decimal": ",", "encoding_family": "cp1250",
        "names": hdr,
        "types": {"částka": "numeric", "zůstatek": "numeric",
                  "konstantní symbol": ["categorical", "id"], "variabilní symbol": ["categorical", "id", "text"]},
        "no_mojibake": ["datum zaúčtování", "částka", "označení operace"],
        "not_in_data": ["číslo účtu:", "období:"],
        "notes_mention": [SKIP],
    })


def hungary():
    rng = R(105)
    n = 38
    ds = dates(rng, dt.date(2024, 3, 1), n, 1)
    bal = 1234567
    rows = []
    for d in ds:
        k = rng.choices(["kartya", "atut", "jovairas"], [6, 2, 1])[0]
        if k == "kartya":
            amt = -rng.randint(8, 400) * 50
            typ, partner, szla, kozl = "Kártyás vásárlás", rng.choice(["SPAR 1234 BUDAPEST", "TESCO GLOBAL ZRT.", "MOL TÖLTŐÁLLOMÁS",
                                                                          "LIDL ÁRUHÁZ GYŐR", "PENNY MARKET ÚJPEST"]), "", ""
        elif k == "atut":
            amt = -rng.choice([185000, 12500, 24990])
            typ, partner = "Átutalás (bankon kívüli)", rng.choice(["Főváros Vízművek Zrt.", "MVM Next Energiakereskedelmi Zrt.", "Kovács Ödön"])
            szla, kozl = "11600006-00000000-12345678", rng.choice(["albérlet március", "számla 2024/0312", "közös költség"])
        else:
            amt = 685000
            typ, partner, szla, kozl = "Jóváírás", "ACME Hungary Kft.", "10918001-00000012-34560001", "munkabér 2024.02."
        bal += amt
        rows.append([d.strftime("%Y.%m.%d."), d.strftime("%Y.%m.%d."), typ, fnum(amt, ",", " ", 0), "HUF", partner, szla, kozl,
                     fnum(bal, ",", " ", 0)])
    hdr = ["Könyvelés dátuma", "Értéknap", "Típus", "Összeg", "Pénznem", "Partner neve", "Partner számlaszáma",
           "Közlemény", "Egyenleg"]
    text = join([hdr] + rows, sep=";")
    reg("hu_otp_szamlatortenet.csv", text.encode("cp1250"), {
        "n_rows": n, "n_columns": 9, "delimiter": ";", "encoding_family": ["cp1250", "iso-8859-2"],
        "names": hdr,
        "types": {"Összeg": "numeric", "Egyenleg": "numeric"},
        "no_mojibake": ["Könyvelés dátuma", "Összeg", "Közlemény"],
    })


mbank(); pko(); turkey(); czech(); hungary()
