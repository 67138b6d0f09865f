"""East Asian and Cyrillic office exports, UTF-16 'Unicode text', Mac CR."""
import datetime as dt
from .common import reg, R, us, sp, fnum, join, lines, q, qsemi
from .p1_banks_ce import SKIP, FOOT


def cn_gb18030():
    rng = R(701)
    custs = ["上海华联超市有限公司", "北京物美商业集团", "广州天河百货", "深圳万佳连锁", "杭州联华华商", "成都红旗连锁股份有限公司"]
    goods = [("000123", "农夫山泉矿泉水", "550ml*24", "箱", 28.5), ("000456", "康师傅红烧牛肉面", "5连包", "袋", 12.8),
             ("001078", "伊利纯牛奶", "250ml*16", "箱", 52.0), ("002310", "金龙鱼调和油", "5L", "桶", 69.9),
             ("010055", "洽洽香瓜子", "308g", "袋", 9.9), ("000789", "青岛啤酒经典", "500ml*12", "箱", 48.0)]
    n = 72
    rows = []
    tq = tm = 0
    for i in range(n):
        d = dt.date(2024, 3, 1) + dt.timedelta(days=i // 4)
        code, name, spec, unit, price = rng.choice(goods)
        qty = rng.randint(5, 300)
        amt = qty * price
        tax = round(amt * 0.13, 2)
        tq += qty; tm += amt
        rows.append([d.isoformat(), f"XSCKD-{d.strftime('%Y%m%d')}-{i + 1:04d}", rng.choice(custs), code, name, spec, unit,
                     str(qty), f"{price:.2f}", us(amt), us(tax), us(amt + tax), rng.choice(["", "", "月结30天", "赠品2箱", "急单"])])
    hdr = ["日期", "单据编号", "客户名称", "商品编码", "商品名称", "规格型号", "单位", "数量", "单价", "金额", "税额", "价税合计", "备注"]
    rows.append(["合计", "", "", "", "", "", "", str(tq), "", us(tm), us(tm * 0.13), us(tm * 1.13), ""])
    text = lines(["销售出库单明细表"]) + join([hdr] + rows) + lines(["制表人：张伟    审核人：李娜    打印日期：2024-03-05"])
    reg("cn_kingdee_xiaoshou_gb18030.csv", text.encode("gb18030"), {
        "n_rows": n, "n_columns": 13, "delimiter": ",", "decimal": ".", "encoding_family": ["gb18030", "gbk", "gb2312"],
        "names": hdr,
        "types": {"商品编码": ["categorical", "id"], "金额": "numeric", "数量": "numeric", "价税合计": "numeric", "日期": "datetime"},
        "no_mojibake": ["客户名称", "价税合计"],
        "not_in_data": ["合计", "制表人", "销售出库单明细表"],
        "notes_mention": [SKIP, FOOT],
    })


def tw_big5():
    rng = R(702)
    n = 40
    bal = 152340
    rows = []
    for i in range(n):
        d = dt.date(2024, 3, 1) + dt.timedelta(days=i * 3 // 4)
        k = rng.choices(["card", "atm", "sal", "bill", "xfer"], [5, 2, 1, 2, 2])[0]
        out = inn = ""
        if k == "card":
            a = rng.randint(80, 6000); s, note = "消費扣款", rng.choice(["全家便利商店", "統一超商", "全聯福利中心", "家樂福"])
            out = us(a, 0); bal -= a
        elif k == "atm":
            a = rng.choice([1000, 2000, 3000]); s, note = "提款", "自動櫃員機"
            out = us(a, 0); bal -= a
        elif k == "sal":
            a = 58000; s, note = "薪資轉入", "宏達電子股份有限公司"
            inn = us(a, 0); bal += a
        elif k == "bill":
            a = rng.randint(300, 3000); s, note = rng.choice([("代繳電費", "台灣電力公司"), ("代繳水費", "臺北自來水事業處"), ("信用卡費", "國泰世華")])
            out = us(a, 0); bal -= a
        else:
            a = rng.randint(500, 20000); s, note = "跨行轉帳", rng.choice(["王小明", "陳美玲", "房租"])
            out = us(a, 0); bal -= a
        rows.append([f"{d.year - 1911}/{d.month:02d}/{d.day:02d}", s, out, inn, us(bal, 0), note, rng.choice(["網路銀行", "信義分行", "行動銀行"])])
    head = ["存摺交易明細查詢", "帳號：012-004-12345-6", "查詢期間：113/03/01 ~ 113/03/31", ""]
    hdr = ["交易日期", "摘要", "支出金額", "存入金額", "餘額", "備註", "交易行"]
    text = lines(head) + join([hdr] + rows)
    reg("tw_bank_cunzhe_big5.csv", text.encode("big5"), {
        "n_rows": n, "n_columns": 7, "delimiter": ",", "encoding_family": ["big5", "cp950", "big5hkscs"],
        "names": hdr,
        "types": {"支出金額": "numeric", "存入金額": "numeric", "餘額": "numeric"},
        "no_mojibake": ["交易日期", "餘額"],
        "not_in_data": ["存摺交易明細查詢", "帳號"],
        "notes_mention": [SKIP],
    })


def kr_cp949():
    rng = R(703)
    n = 50
    bal = 2345670
    rows = []
    for i in range(n):
        t = dt.datetime(2024, 3, 1, 8) + dt.timedelta(hours=i * 14, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        k = rng.choices(["card", "xfer", "sal", "auto"], [6, 2, 1, 2])[0]
        out = inn = 0
        if k == "card":
            a = rng.randint(12, 900) * 100; j, who = "체크카드", rng.choice(["이마트24", "스타벅스코리아", "쿠팡", "GS25 역삼점", "배달의민족"])
            out = a
        elif k == "xfer":
            a = rng.randint(1, 50) * 10000; j, who = "인터넷이체", rng.choice(["김민준", "이서연", "박지훈"])
            out = a
        elif k == "sal":
            a = 3850000; j, who = "급여", "(주)한빛소프트"
            inn = a
        else:
            a = rng.choice([55000, 89000, 120000]); j, who = "자동이체", rng.choice(["SKT통신요금", "한국전력공사", "국민건강보험"])
            out = a
        bal += inn - out
        rows.append([t.strftime("%Y.%m.%d %H:%M:%S"), j, who, us(out, 0), us(inn, 0), us(bal, 0),
                     rng.choice(["", "", "3월 회비", "점심값"]), rng.choice(["인터넷", "모바일", "강남역지점"])])
    head = ["거래내역조회", "계좌번호 : 123456-01-234567", "조회기간 : 2024.03.01 ~ 2024.03.31", ""]
    hdr = ["거래일시", "적요", "보낸분/받는분", "출금액(원)", "입금액(원)", "잔액(원)", "송금메모", "거래점"]
    text = lines(head) + join([hdr] + rows)
    reg("kr_kbstar_geoRae_cp949.csv", text.encode("cp949"), {
        "n_rows": n, "n_columns": 8, "delimiter": ",", "encoding_family": ["cp949", "euc-kr", "uhc"],
        "names": hdr,
        "types": {"출금액(원)": "numeric", "입금액(원)": "numeric", "잔액(원)": "numeric", "거래일시": "datetime"},
        "no_mojibake": ["거래일시", "보낸분/받는분"],
        "not_in_data": ["거래내역조회", "계좌번호"],
        "notes_mention": [SKIP],
    })


def ru_1c():
    rng = R(704)
    n = 56
    kontr = ['ООО "Вектор"', 'АО "Северсталь-Инвест"', "ИП Смирнов А.В.", 'ООО "ТехноСнаб"', 'ПАО "Ростелеком"',
             'ЗАО "Уральские Узоры"', "ИП Кузнецова Е.Ю."]
    rows = []
    ts = tn = 0.0
    for i in range(n):
        t = dt.datetime(2024, 3, 1, 9) + dt.timedelta(hours=rng.randint(0, 24 * 30), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        s = round(rng.uniform(1500, 850000), 2)
        nds = round(s / 6, 2)
        ts += s; tn += nds
        rows.append([t.strftime("%d.%m.%Y %H:%M:%S"), f"РТ00-{i + 101:06d}", rng.choice(kontr), sp(s, thou="\u00a0"),
                     sp(nds, thou="\u00a0"), rng.choice(["", "", f"Оплата по счёту № {rng.randint(10, 999)}", "Отгрузка со склада №2", "Предоплата 50%"])])
    head = ['Реестр документов "Реализация товаров и услуг";;;;;', 'Организация: ООО "Ромашка";;;;;',
            "Период: 01.03.2024 - 31.03.2024;;;;;", ";;;;;"]
    hdr = ["Дата", "Номер", "Контрагент", "Сумма", "НДС", "Комментарий"]
    rows.sort()
    rows.append(["Итого", "", "", sp(ts, thou="\u00a0"), sp(tn, thou="\u00a0"), ""])
    text = lines(head) + join([hdr] + rows, sep=";")
    reg("ru_1c_reestr_realizacii_cp1251.csv", text.encode("cp1251"), {
        "n_rows": n, "n_columns": 6, "delimiter": ";", "decimal": ",", "encoding_family": "cp1251",
        "names": hdr,
        "types": {"Сумма": "numeric", "НДС": "numeric", "Номер": ["id", "categorical"]},
        "no_mojibake": ["Контрагент", "Сумма", "Комментарий"],
        "not_in_data": ["Итого", "Организация", "Реестр документов"],
        "notes_mention": [SKIP, FOOT],
    })


def ru_koi8():
    rng = R(705)
    n = 45
    fam = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Соколов", "Лебедев", "Козлов"]
    imena = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Михаил", "Евгений", "Юрий"]
    otch = ["Александрович", "Сергеевич", "Дмитриевич", "Иванович", "Петрович", "Юрьевич"]
    otdely = ["Бухгалтерия", "Отдел кадров", "Производственный цех N1", "Склад", "Отдел сбыта", "Служба безопасности"]
    dolzh = ["Инженер", "Бухгалтер", "Кладовщик", "Менеджер по продажам", "Слесарь-ремонтник", "Начальник отдела"]
    rows = []
    for i in range(n):
        b = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randint(0, 14000))
        rows.append([f"{rng.randint(1, 2999):06d}", rng.choice(fam), rng.choice(imena), rng.choice(otch), b.strftime("%d.%m.%Y"),
                     rng.choice(otdely), rng.choice(dolzh), f"{rng.randint(35, 180) * 1000:.2f}"])
    hdr = ["Табельный номер", "Фамилия", "Имя", "Отчество", "Дата рождения", "Отдел", "Должность", "Оклад"]
    text = join([hdr] + rows, eol="\n")
    reg("ru_kadry_spisok_koi8r.csv", text.encode("koi8_r"), {
        "n_rows": n, "n_columns": 8, "delimiter": ",", "decimal": ".", "encoding_family": ["koi8-r", "koi8_r"],
        "names": hdr,
        "types": {"Табельный номер": ["categorical", "id"], "Оклад": "numeric", "Отдел": "categorical"},
        "no_mojibake": ["Табельный номер", "Фамилия", "Должность"],
    })


def utf16_excel():
    rng = R(706)
    items = [("Kaffeemühle, manuell", "コーヒーミル", "Küche"), ("Teekanne 1,2 l", "ティーポット", "Küche"),
             ("Schneidebrett Eiche", "まな板（オーク）", "Küche"), ("Wolldecke \"Nordic\"", "ウールブランケット", "Wohnen"),
             ("Duftkerze Zeder", "アロマキャンドル", "Wohnen"), ("Bürolampe LED", "デスクライト", "Büro"),
             ("Notizbuch A5\tliniert", "ノート A5", "Büro"), ("Füllfederhalter", "万年筆", "Büro")]
    n = 64
    rows = []
    for i in range(n):
        de, ja, cat = rng.choice(items)
        rows.append([f"ART-{10000 + i * 13}", de, ja, f"{rng.uniform(4, 160):.2f}", str(rng.randint(0, 400)), cat,
                     rng.choice(["DE", "JP", "PT", "PL"])])
    hdr = ["Artikelnummer", "Bezeichnung", "Produktname (日本語)", "Preis EUR", "Lagerbestand", "Kategorie", "Herkunftsland"]

    def xq(s, always=False):
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in '\t"') else s
    text = "\ufeff" + join([hdr] + rows, sep="\t", quote=xq)
    reg("excel_unicode_text_utf16le.txt", text.encode("utf-16-le"), {
        "n_rows": n, "n_columns": 7, "delimiter": "\t", "decimal": ".", "encoding_family": ["utf-16", "utf-16-le"],
        "names": hdr,
        "types": {"Preis EUR": "numeric", "Lagerbestand": "numeric", "Kategorie": "categorical"},
        "no_mojibake": ["Produktname (日本語)", "Kategorie"],
    })


def mac_cr():
    rng = R(707)
    n = 40
    rows = []
    for i in range(n):
        d = dt.date(2024, 2, 1) + dt.timedelta(days=i // 2)
        u = rng.randint(3, 80)
        rows.append([d.strftime("%m/%d/%y"), rng.choice(["Downtown", "Harbor Mall", "Airport"]),
                     rng.choice(["Espresso Beans 1lb", "Cold Brew 12oz", "Pastry Box", "Ceramic Mug"]), str(u), f"{u * rng.uniform(3, 18):.2f}"])
    hdr = ["Date", "Store", "Item", "Units Sold", "Net Sales"]
    text = join([hdr] + rows, eol="\r")
    reg("mac_excel_cr_line_endings.csv", text.encode("mac_roman"), {
        "n_rows": n, "n_columns": 5, "delimiter": ",", "decimal": ".",
        "names": hdr,
        "types": {"Units Sold": "numeric", "Net Sales": "numeric", "Date": "datetime", "Store": "categorical"},
    })


cn_gb18030(); tw_big5(); kr_cp949(); ru_1c(); ru_koi8(); utf16_excel(); mac_cr()
