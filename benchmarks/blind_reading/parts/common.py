"""Shared helpers: a registry of (file name, bytes, expectation) and number formatting
in the styles real exports use."""
import random
import datetime as dt

FILES = []  # list of (name, bytes, expect)


def reg(name, data, expect):
    assert isinstance(data, bytes), name
    assert not any(n == name for n, _, _ in FILES), name
    FILES.append((name, data, expect))


def R(seed):
    return random.Random(seed)


def group3(intpart, sep):
    s = str(intpart)
    out = []
    while len(s) > 3:
        out.insert(0, s[-3:])
        s = s[:-3]
    out.insert(0, s)
    return sep.join(out)


def fnum(x, dec=".", thou="", nd=2, plus=False):
    """Format x with decimal mark dec and thousands separator thou."""
    neg = x < 0
    x = abs(x)
    s = f"{x:.{nd}f}"
    if nd:
        ip, fp = s.split(".")
    else:
        ip, fp = s, ""
    ip = group3(int(ip), thou) if thou else ip
    r = ip + (dec + fp if nd else "")
    if neg:
        return "-" + r
    return ("+" + r) if plus else r


def eu(x, nd=2, plus=False):      # 1.234,56
    return fnum(x, ",", ".", nd, plus)


def us(x, nd=2, plus=False):      # 1,234.56
    return fnum(x, ".", ",", nd, plus)


def sp(x, nd=2, thou=" "):        # 1 234,56
    return fnum(x, ",", thou, nd)


def dates(rng, start, n, max_step=3):
    d = start
    out = []
    for _ in range(n):
        out.append(d)
        d = d + dt.timedelta(days=rng.randint(0, max_step))
    return out


def q(s, always=False):
    """CSV-quote s when needed (or always)."""
    s = str(s)
    if always or any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def qsemi(s, always=False):
    s = str(s)
    if always or any(c in s for c in ';"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def join(rows, sep=",", eol="\r\n", quote=None, final_eol=True):
    quote = quote or (q if sep == "," else (qsemi if sep == ";" else (lambda s, always=False: str(s))))
    text = eol.join(sep.join(quote(c) for c in r) for r in rows)
    return text + (eol if final_eol else "")


def lines(ls, eol="\r\n", final_eol=True):
    return eol.join(ls) + (eol if final_eol else "")
