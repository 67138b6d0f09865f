#!/usr/bin/env python3
"""Run `kuai profile FILE --json` on every file in files/ and compare with expected.json.

stdlib only.  KUAI env var overrides the tool path (default /work/main/.venv/bin/kuai);
KUAI_HOME=/tmp/blind35-home; 120 s timeout per file.  `--only NAME` (repeatable; exact name
or substring) restricts the run.  Prints one PASS/FAIL line per file, then `files passed: X/Y`
and per check kind how many checks passed."""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
KUAI = os.environ.get("KUAI", str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kuai"))
ERR_RE = re.compile(r"^kuai: error \[([A-Z0-9_]+)\] \S.*$")
MOJIBAKE = ["\ufffd", "Ã", "Â", "â€", "Ð"]
# a lead byte of UTF-8 (as cp1252/latin-1 shows it) followed by a continuation byte
MOJI_RE = re.compile("[ÃÂÅÄÆÐÑ×Ø][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")

ENC_ALIASES = {
    "utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "utf8-sig": "utf-8", "ascii": "utf-8", "us-ascii": "utf-8",
    "utf-16": "utf-16", "utf-16-le": "utf-16", "utf-16le": "utf-16", "utf16": "utf-16", "utf-16-be": "utf-16", "utf-16be": "utf-16",
    "cp1250": "cp1250", "windows-1250": "cp1250",
    "cp1251": "cp1251", "windows-1251": "cp1251",
    "cp1252": "cp1252", "windows-1252": "cp1252",
    "cp1254": "cp1254", "windows-1254": "cp1254",
    "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1", "l1": "latin-1",
    "iso-8859-2": "iso-8859-2", "latin2": "iso-8859-2", "latin-2": "iso-8859-2", "iso8859-2": "iso-8859-2",
    "iso-8859-9": "iso-8859-9", "latin5": "iso-8859-9", "latin-5": "iso-8859-9", "iso8859-9": "iso-8859-9",
    "iso-8859-15": "iso-8859-15", "latin-9": "iso-8859-15", "latin9": "iso-8859-15", "iso8859-15": "iso-8859-15",
    "shift-jis": "cp932", "shift_jis": "cp932", "sjis": "cp932", "cp932": "cp932", "ms932": "cp932", "windows-31j": "cp932",
    "shift-jisx0213": "cp932", "shift-jis-2004": "cp932",
    "gbk": "gb", "gb2312": "gb", "gb18030": "gb", "cp936": "gb", "gb-2312": "gb", "euc-cn": "gb",
    "big5": "big5", "cp950": "big5", "big5hkscs": "big5", "big5-hkscs": "big5",
    "euc-kr": "cp949", "cp949": "cp949", "uhc": "cp949", "ks-c-5601-1987": "cp949", "euckr": "cp949",
    "koi8-r": "koi8-r", "koi8r": "koi8-r",
    "mac-roman": "mac-roman", "macroman": "mac-roman", "macintosh": "mac-roman",
}


def enc_family(name):
    n = str(name or "").strip().lower().replace("_", "-")
    return ENC_ALIASES.get(n, n)


def norm_delim(d):
    if d is None:
        return None
    s = str(d)
    return {"tab": "\t", "\\t": "\t", "TAB": "\t", "<tab>": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(s.lower() if len(s) > 1 else s, s)


def as_list(v):
    return v if isinstance(v, list) else [v]


def run_one(path):
    env = dict(os.environ)
    env["KUAI_HOME"] = "/tmp/blind35-home"
    try:
        p = subprocess.run([KUAI, "profile", path, "--json"], capture_output=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_file(name, exp, rc, out, err):
    """Return list of (kind, ok, detail)."""
    res = []

    def add(kind, ok, detail=""):
        res.append((kind, bool(ok), detail))

    if rc is None:
        add("contract", False, "timeout after 120 s")
        return res
    # --- exit/stderr contract ---
    tb = "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out
    want_exit = as_list(exp.get("exit", 0))
    add("exit", rc in want_exit, f"exit {rc}, expected {want_exit}" + (f"; stderr: {err.strip()[:300]}" if rc != 0 else ""))
    data = None
    if rc == 2:
        lines = [l for l in err.splitlines() if l.strip()]
        m = ERR_RE.match(lines[0]) if len(lines) == 1 else None
        add("contract", (not tb) and m is not None and err.strip("\n").count("\n") == 0,
            f"stderr must be exactly one 'kuai: error [CODE] message' line, got {err.strip()[:300]!r}")
        if "code" in exp:
            add("code", m is not None and m.group(1) in as_list(exp["code"]), f"code {m.group(1) if m else None}, expected {exp['code']}")
        return res
    if rc != 0:
        add("contract", False, f"exit code {rc} is neither 0 nor 2; stderr: {err.strip()[:300]!r}")
        return res
    try:
        data = json.loads(out)
        okj = isinstance(data, dict) and all(k in data for k in ("n_rows", "n_columns", "columns", "reading"))
    except Exception as e:  # noqa: BLE001
        okj = False
    if not okj:
        add("contract", False, f"stdout is not the documented JSON object: {out[:200]!r}")
        return res
    cols = data.get("columns") or []
    names = [c.get("name") for c in cols]
    reading = data.get("reading") or {}
    notes = [str(n) for n in (reading.get("notes") or [])]
    cstr = []
    if tb:
        cstr.append("traceback printed")
    if data.get("n_columns") != len(cols):
        cstr.append(f"n_columns {data.get('n_columns')} != len(columns) {len(cols)}")
    if any((not isinstance(n, str)) or not n.strip() for n in names):
        cstr.append(f"blank/non-string column name in {names}")
    if len(set(names)) != len(names):
        cstr.append("duplicate column names")
    add("contract", not cstr, "; ".join(cstr))

    def col(key, by_name=False):
        """Index keys are digit strings.  For `types`/`missing` a key is first looked up as a
        column name (year columns like "2014" are names), then as an index."""
        if by_name:
            for c in cols:
                if c.get("name") == key:
                    return c
        if isinstance(key, str) and key.isdigit():
            i = int(key)
            return cols[i] if i < len(cols) else None
        for c in cols:
            if c.get("name") == key:
                return c
        return None

    def examples_of(c):
        return [str(x) for x in (c.get("examples") or [])]

    if "n_rows" in exp:
        add("n_rows", data.get("n_rows") in as_list(exp["n_rows"]), f"n_rows {data.get('n_rows')}, expected {exp['n_rows']}")
    if "n_columns" in exp:
        add("n_columns", data.get("n_columns") in as_list(exp["n_columns"]), f"n_columns {data.get('n_columns')}, expected {exp['n_columns']}")
    if "names" in exp:
        want = exp["names"]
        if isinstance(want, list):
            add("names", names == want, f"names {names}, expected {want}")
        else:
            bad = []
            for k, v in want.items():
                c = col(k)
                got = c.get("name") if c else None
                if got not in as_list(v):
                    bad.append(f"[{k}] {got!r} != {v!r}")
            add("names", not bad, "; ".join(bad))
    if "name_contains" in exp:
        bad = []
        for k, spec in exp["name_contains"].items():
            c = col(k)
            got = (c.get("name") if c else None) or ""
            reqs = spec if isinstance(spec, list) else [spec]
            for r in reqs:
                alts = as_list(r)
                if not any(a.lower() in got.lower() for a in alts):
                    bad.append(f"[{k}] {got!r} lacks {alts}")
        add("name_contains", not bad, "; ".join(bad))
    if "header_rows" in exp:
        add("header_rows", reading.get("header_rows") in as_list(exp["header_rows"]),
            f"header_rows {reading.get('header_rows')}, expected {exp['header_rows']}")
    if "types" in exp:
        bad = []
        for k, v in exp["types"].items():
            c = col(k, by_name=True)
            if c is None:
                bad.append(f"{k!r}: no such column")
            elif c.get("type") not in as_list(v):
                bad.append(f"{k!r}: {c.get('type')} (expected {v}; examples {examples_of(c)[:3]})")
        add("types", not bad, "; ".join(bad))
    if "missing" in exp:
        bad = []
        for k, v in exp["missing"].items():
            c = col(k, by_name=True)
            got = c.get("missing_fraction") if c else None
            if got is None or abs(float(got) - v) > 1e-3:
                bad.append(f"{k!r}: missing_fraction {got}, expected {v}")
        add("missing", not bad, "; ".join(bad))
    if "delimiter" in exp:
        got = norm_delim(reading.get("delimiter"))
        add("delimiter", got in [norm_delim(d) for d in as_list(exp["delimiter"])], f"delimiter {got!r}, expected {exp['delimiter']!r}")
    if "decimal" in exp:
        add("decimal", reading.get("decimal") in as_list(exp["decimal"]), f"decimal {reading.get('decimal')!r}, expected {exp['decimal']!r}")
    if "encoding_family" in exp:
        got = enc_family(reading.get("encoding"))
        add("encoding_family", got in [enc_family(e) for e in as_list(exp["encoding_family"])],
            f"encoding {reading.get('encoding')!r}, expected {exp['encoding_family']}")
    if "no_mojibake" in exp:
        texts = list(names)
        for c in cols:
            texts += examples_of(c)
        blob = "\n".join(t for t in texts if isinstance(t, str))
        bad = [m for m in MOJIBAKE if m in blob]
        if re.search("[\x80-\x9f]", blob):
            bad.append("C1 control characters")
        m2 = MOJI_RE.search(blob)
        if m2:
            bad.append(f"UTF-8 read as a Windows code page: {m2.group(0)!r}")
        want = exp["no_mojibake"]
        if isinstance(want, list):
            for s in want:
                if s not in blob:
                    bad.append(f"{s!r} not found in names/examples")
        add("no_mojibake", not bad, "; ".join(bad) + (f" (names: {names[:8]})" if bad else ""))
    if "not_in_data" in exp:
        bad = []
        for c in cols:
            for x in examples_of(c):
                for s in exp["not_in_data"]:
                    if s in x:
                        bad.append(f"{s!r} in examples of {c.get('name')!r}: {x[:60]!r}")
        add("not_in_data", not bad, "; ".join(bad[:5]))
    if "notes_mention" in exp:
        bad = []
        low = [n.lower() for n in notes]
        for item in exp["notes_mention"]:
            alts = as_list(item)
            if not any(a.lower() in n for n in low for a in alts):
                bad.append(f"no note mentions any of {alts}")
        add("notes_mention", not bad, "; ".join(bad) + (f" (notes: {notes})" if bad else ""))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append", default=[], help="file name (or substring); repeatable")
    a = ap.parse_args()
    with open(os.path.join(HERE, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    names = sorted(expected)
    if a.only:
        names = [n for n in names if any(o == n or o in n for o in a.only)]
    kinds = defaultdict(lambda: [0, 0])
    passed = 0
    for name in names:
        path = os.path.join(HERE, "files", name)
        rc, out, err = run_one(path)
        res = check_file(name, expected[name], rc, out, err)
        fails = [(k, d) for k, ok, d in res if not ok]
        for k, ok, _ in res:
            kinds[k][1] += 1
            kinds[k][0] += ok
        if not fails:
            passed += 1
            print(f"PASS {name}")
        else:
            print(f"FAIL {name}: " + " | ".join(f"{k}: {d}" for k, d in fails))
        sys.stdout.flush()
    print(f"files passed: {passed}/{len(names)}")
    for k in sorted(kinds):
        print(f"  {k}: {kinds[k][0]}/{kinds[k][1]} passed")


if __name__ == "__main__":
    main()
