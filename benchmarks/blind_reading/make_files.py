"""Write the test files into files/ and the expectations into expected.json.

Each part module registers (file name, bytes, expectation); the expectation is written from the
file's real-world meaning (what a careful human would read), never from any tool's output."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parts.common import FILES  # noqa: E402
from parts import p1_banks_ce, p2_banks_west, p3_lab, p4_gov, p5_erp, p6_people, p7_intl, p8_hostile  # noqa: E402,F401

KNOWN = {"exit", "code", "n_rows", "n_columns", "names", "name_contains", "types", "delimiter", "decimal",
         "encoding_family", "no_mojibake", "not_in_data", "notes_mention", "header_rows", "missing"}
TYPES = {"numeric", "categorical", "boolean", "datetime", "text", "id", "constant"}


def check(name, exp):
    assert set(exp) <= KNOWN, (name, set(exp) - KNOWN)
    names = exp.get("names")
    for k, v in exp.get("types", {}).items():
        for t in (v if isinstance(v, list) else [v]):
            assert t in TYPES, (name, k, t)
        if isinstance(names, list) and (not k.isdigit() or k in names):
            assert k in names, (name, k)
    for k in exp.get("missing", {}):
        if isinstance(names, list):
            assert k in names, (name, k)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "files")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    expected = {}
    for name, data, exp in FILES:
        check(name, exp)
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
        expected[name] = exp
    with open(os.path.join(here, "expected.json"), "w", encoding="utf-8") as fh:
        json.dump(expected, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"wrote {len(FILES)} files to {out} and expected.json")


if __name__ == "__main__":
    main()
