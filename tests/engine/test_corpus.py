"""The nasty-file corpus: every file read as expected, and how pandas' defaults fare on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import ReadError
from engine.io import read_table_with_dialect

CORPUS = Path(__file__).parents[1] / "data" / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def kuai_outcome(name: str) -> list[str]:
    """What differs between Kuai's reading of the file and the expected outcome (empty: a pass)."""
    expected = EXPECTED[name]
    try:
        frame, dialect = read_table_with_dialect(CORPUS / "files" / name)
    except ReadError as error:
        if expected.get("error") != error.code:
            return [f"raised {error.code}: {error}"]
        wanted = expected.get("message_has")
        return [f"message lacks '{wanted}': {error}"] if wanted and wanted not in str(error) else []
    if "error" in expected:
        return [f"expected {expected['error']}, read {frame.shape}"]
    problems = _shape_problems(frame, expected)
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


def pandas_default_passes(name: str) -> bool:
    """``pd.read_csv(path)`` with no options: right shape, names and numbers; an exception for bad files."""
    expected = EXPECTED[name]
    try:
        frame = pd.read_csv(CORPUS / "files" / name)
    except Exception:  # any exception: pandas refused the file
        return "error" in expected
    return "error" not in expected and not _shape_problems(frame, expected)


def test_corpus_has_at_least_forty_files() -> None:
    assert len(EXPECTED) >= 40
    assert sorted(p.name for p in (CORPUS / "files").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    assert kuai_outcome(name) == []


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the pass counts; Kuai must read every file right and beat pandas' defaults."""
    kuai = sum(not kuai_outcome(name) for name in EXPECTED)
    pandas = sum(pandas_default_passes(name) for name in EXPECTED)
    with capsys.disabled():
        print(f"\ncorpus: {len(EXPECTED)} files; Kuai reads {kuai} as expected; pandas defaults {pandas}")
    assert kuai == len(EXPECTED)
    assert pandas < kuai
