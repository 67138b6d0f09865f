"""The nasty-file corpora: every file read as expected, and how pandas' defaults fare on them.

``files/`` was written with the reader; ``blind/`` was written by a tester who had not seen
the reader's code (expectations fixed before the first run). Entries marked ``known_gap``
are real failures we have not fixed; they are expected to fail, strictly, so a fix shows up.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kuai.engine import ReadError
from kuai.engine.read import read_table_with_dialect

CORPUS = Path(__file__).parents[1] / "data" / "corpus"


def _load(folder: str, manifest: str) -> dict[Path, dict[str, Any]]:
    entries = json.loads((CORPUS / manifest).read_text(encoding="utf-8"))
    return {CORPUS / folder / name: outcome for name, outcome in entries.items()}


EXPECTED = _load("files", "expected.json") | _load("blind", "blind_expected.json")


def kuai_outcome(path: Path) -> list[str]:
    """What differs between Kuai's reading of the file and the expected outcome (empty: a pass)."""
    expected = EXPECTED[path]
    try:
        frame, dialect = read_table_with_dialect(path)
    except ReadError as error:
        if error.code not in expected.get("error", "").split("|"):
            return [f"raised {error.code}: {error}"]
        wanted = expected.get("message_has")
        return [f"message lacks '{wanted}': {error}"] if wanted and wanted not in str(error) else []
    if "error" in expected:
        return [f"expected {expected['error']}, read {frame.shape}"]
    problems = _shape_problems(frame, expected) + _value_problems(frame, expected.get("values", []))
    for key in ("delimiter", "has_header", "preamble_lines", "footer_lines"):
        if key in expected and (dialect is None or getattr(dialect, key) != expected[key]):
            problems.append(f"{key}: {getattr(dialect, key, None)!r} != {expected[key]!r}")
    if "encoding" in expected and dialect is not None:
        found = dialect.encoding.replace("_", "").replace("-", "")
        if not any(option.replace("-", "") in found for option in expected["encoding"].split("|")):
            problems.append(f"encoding {dialect.encoding} is not {expected['encoding']}")
    return problems


def _shape_problems(frame: pd.DataFrame, expected: dict[str, Any]) -> list[str]:
    problems = []
    if frame.shape != (expected["rows"], expected["columns"]):
        problems.append(f"shape {frame.shape} != {(expected['rows'], expected['columns'])}")
    if "names" in expected and list(map(str, frame.columns)) != expected["names"]:
        problems.append(f"names {list(frame.columns)[:8]}")
    for column in expected.get("numeric", []):
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            problems.append(f"'{column}' is not numeric")
    for column, count in expected.get("missing", {}).items():
        if column in frame.columns and int(frame[column].isna().sum()) != count:
            problems.append(f"'{column}' has {int(frame[column].isna().sum())} missing, not {count}")
    return problems


def _value_problems(frame: pd.DataFrame, checks: list[list[Any]]) -> list[str]:
    """Checks on parsed values: a column's sum, one row's value (or one of several), a column left as text."""
    problems = []
    for column, kind, argument in checks:
        if column not in frame.columns:
            problems.append(f"no column '{column}'")
        elif kind == "not_numeric" and pd.api.types.is_numeric_dtype(frame[column]):
            problems.append(f"'{column}' should stay text")
        elif kind == "sum":
            total = float(pd.to_numeric(frame[column], errors="coerce").sum())
            if not math.isclose(total, argument, rel_tol=1e-9, abs_tol=1e-6):
                problems.append(f"sum of '{column}' is {total}, not {argument}")
        elif kind in ("row", "row_any"):
            index, wanted = argument
            accepted = wanted if kind == "row_any" else [wanted]
            value = frame[column].iloc[index]
            if not any(_same(value, w) for w in accepted):
                problems.append(f"'{column}'[{index}] is {value!r}, not {wanted!r}")
    return problems


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, (int, float)) and isinstance(value, (int, float)):
        return math.isclose(value, wanted, rel_tol=1e-9)
    return bool(value == wanted)


def pandas_default_passes(path: Path) -> bool:
    """``pd.read_csv(path)`` with no options: right shape, names, numbers and values; an exception for bad
    files. The one-line file of 180,000 values is not given to pandas: measured once, pandas takes about
    two minutes and returns a 0 x 180,000 frame, a miss."""
    expected = EXPECTED[path]
    if path.stat().st_size > 1024**2 and path.read_bytes().count(b"\n") < 2:
        return False  # measured once: pandas parses it for ~120 s into a 0 x 180,000 frame
    try:
        frame = pd.read_csv(path)
    except Exception:  # any exception: pandas refused the file
        return "error" in expected
    if "error" in expected:
        return False
    return not _shape_problems(frame, expected) and not _value_problems(frame, expected.get("values", []))


def test_corpus_is_large_and_complete() -> None:
    assert len(EXPECTED) >= 40
    on_disk = sorted(p for folder in ("files", "blind") for p in (CORPUS / folder).iterdir())
    assert on_disk == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file(path: Path, reliability: Any) -> None:
    try:
        problems = kuai_outcome(path)
    except Exception:
        reliability.bad_input("crash")
        raise
    raised = any(p.startswith("raised") for p in problems)  # a coded error, if not the expected one
    reliability.bad_input("coded" if raised or ("error" in EXPECTED[path] and not problems) else "read")
    if "known_gap" in EXPECTED[path]:
        assert problems, f"fixed: remove known_gap from {path.name}"
        pytest.xfail(EXPECTED[path]["known_gap"])
    assert problems == []


def _sniffer_delimiter(path: Path) -> str | None:
    """The standard library's csv.Sniffer on the decoded first 64 KiB, as many tools use it."""
    import csv

    from kuai.engine.read import detect_encoding

    raw = path.read_bytes()[:65536]
    try:
        return csv.Sniffer().sniff(raw.decode(detect_encoding(raw), errors="replace")).delimiter
    except (csv.Error, ReadError):
        return None


def _clevercsv_delimiter(path: Path) -> str | None:
    """clevercsv alone on the same sample, without Kuai's title-line and header handling."""
    import clevercsv

    from kuai.engine.read import detect_encoding

    raw = path.read_bytes()[:65536]
    try:
        found = clevercsv.Detector().detect(raw.decode(detect_encoding(raw), errors="replace")[:20000])
    except (ReadError, ValueError):
        return None
    return found.delimiter if found is not None else None


def test_delimiter_detection_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Kuai's delimiter against the bare csv.Sniffer and bare clevercsv on the files that state one."""
    stated = {path: outcome["delimiter"] for path, outcome in EXPECTED.items() if "delimiter" in outcome}
    kuai = sum(not any(p.startswith("delimiter") for p in kuai_outcome(path)) for path in stated)
    sniffer = sum(_sniffer_delimiter(path) == wanted for path, wanted in stated.items())
    clever = sum(_clevercsv_delimiter(path) == wanted for path, wanted in stated.items())
    with capsys.disabled():
        print(f"\ndelimiter on {len(stated)} files: Kuai {kuai}, clevercsv alone {clever}, csv.Sniffer {sniffer}")
    assert kuai == len(stated)


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the pass counts; every file not marked as a known gap must read right, and beat pandas."""
    passes = {path: not kuai_outcome(path) for path in EXPECTED}
    pandas = {path: pandas_default_passes(path) for path in EXPECTED}
    gaps = [path for path in EXPECTED if "known_gap" in EXPECTED[path]]
    with capsys.disabled():
        print(f"\ncorpus: {len(EXPECTED)} files; Kuai reads {sum(passes.values())} as expected "
              f"({len(gaps)} known gaps); pandas.read_csv defaults {sum(pandas.values())}")
        for part in ("files", "blind"):  # the part written with the reader, and the part written without it
            in_part = [path for path in EXPECTED if path.parent.name == part]
            print(f"  {part}/: {len(in_part)} files; Kuai {sum(passes[p] for p in in_part)}, "
                  f"pandas.read_csv defaults {sum(pandas[p] for p in in_part)}")
    assert all(passes[path] for path in EXPECTED if path not in gaps)
    assert sum(pandas.values()) < sum(passes.values())
