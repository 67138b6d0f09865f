"""Uploads are parsed in a child process: a hang, a crash or a memory blow-up there is a coded error, and the
parent (the app's server) carries on."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kuai import engine
from kuai.app.services.isolated import read_untrusted
from kuai.engine import ReadError
from tests.conftest import SAMPLES


def test_a_file_reads_the_same_in_the_child(tmp_path: Path) -> None:
    frame, dialect = read_untrusted(SAMPLES / "customer_churn.csv")
    expected, expected_dialect = engine.read_table_with_dialect(SAMPLES / "customer_churn.csv")
    pd.testing.assert_frame_equal(frame, expected)
    assert dialect == expected_dialect


def test_mixed_values_and_dates_come_back_as_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("id,when,value,note\n1,2024-01-05,3.5,a\n2,2024-02-07,x,\n3,,7,c\n")
    frame, _ = read_untrusted(path)
    pd.testing.assert_frame_equal(frame, engine.read_table(path))


def test_the_child_limit_follows_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.app.services.isolated import BASE_MEMORY_MB, memory_for

    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * (2**20 // 4 * 100))  # 100 MB
    assert memory_for(path) == BASE_MEMORY_MB + 600
    monkeypatch.setenv("KUAI_READ_MEMORY_MB", "0")
    assert memory_for(path) is None


def test_a_bad_file_keeps_its_code(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ReadError) as caught:
        read_untrusted(path)
    assert caught.value.code == "EMPTY_FILE"


@pytest.mark.parametrize(("reader", "code"), [
    ("tests.services.faulty_readers:hangs", "READ_TIMEOUT"),
    ("tests.services.faulty_readers:crashes", "READER_CRASHED"),
    ("tests.services.faulty_readers:eats_memory", "TOO_BIG_FOR_MEMORY"),
    ("tests.services.faulty_readers:raises", "UNREADABLE_FILE"),
])
def test_a_parser_that_fails_badly_costs_only_the_child(reader: Any, code: str, tmp_path: Path,
                                                        reliability: Any) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    started = time.monotonic()
    with pytest.raises(ReadError) as caught:
        read_untrusted(path, reader=reader, timeout_s=8, memory_mb=3000)
    reliability.bad_input("coded" if caught.value.code == code else "crash")
    assert caught.value.code == code, caught.value
    assert time.monotonic() - started < 30
    assert os.getpid() and read_untrusted(path)[0].shape == (1, 2)  # this process reads on, unharmed


def test_a_read_limit_the_user_sets_applies_to_the_cli_reading_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    reliability: Any) -> None:
    """KUAI_READ_TIMEOUT_S=0.001 was accepted, then `kuai profile` read the file in its own process for 14 s."""
    import kuai.app.services.isolated as isolated

    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    children: list[str] = []
    monkeypatch.setattr(isolated, "read_untrusted", lambda p, reader: children.append(reader) or (pd.DataFrame(), None))
    monkeypatch.delenv("KUAI_READ_TIMEOUT_S", raising=False)
    monkeypatch.delenv("KUAI_READ_MEMORY_MB", raising=False)
    assert len(isolated.read_table_within_limits(path)[0]) == 2 and children == []  # no limit set: in this process
    for name, value in (("KUAI_READ_MEMORY_MB", "2048"), ("KUAI_READ_TIMEOUT_S", "60")):
        monkeypatch.setenv(name, value)
        isolated.read_table_within_limits(path, scoring=name == "KUAI_READ_TIMEOUT_S")
    assert children == [isolated.DEFAULT_READER, isolated.SCORING_READER]
    monkeypatch.undo()
    monkeypatch.setenv("KUAI_READ_TIMEOUT_S", "0.001")
    with pytest.raises(ReadError) as caught:
        isolated.read_table_within_limits(path)  # the child's interpreter alone takes longer
    reliability.bad_input("coded" if caught.value.code == "READ_TIMEOUT" else "crash")
    assert caught.value.code == "READ_TIMEOUT" and "0.001 s" in str(caught.value)
