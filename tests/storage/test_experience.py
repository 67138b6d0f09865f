"""The home folder's record of earlier trainings: appended whole, read leniently, kept short."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuai.storage import experience
from kuai.storage.experience import EXPERIENCE_FILE, load_experience, record_experience


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KUAI_HOME", str(tmp_path))
    return tmp_path


def test_entries_come_back_in_order_and_a_damaged_line_is_skipped(home: Path) -> None:
    record_experience({"name": "a.csv", "configs": [{"family": "linear"}]})
    with (home / EXPERIENCE_FILE).open("a") as handle:
        handle.write('{"name": "cut short by a ki\n[1, 2]\n')  # a kill mid-line, and a line that is not an entry
    record_experience({"name": "b.csv", "configs": []})
    assert [e["name"] for e in load_experience()] == ["a.csv", "b.csv"]


def test_the_file_keeps_the_newest_entries(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(experience, "KEEP", 3)
    for i in range(7):
        record_experience({"name": f"{i}.csv"})
    assert [e["name"] for e in load_experience()] == ["4.csv", "5.csv", "6.csv"]  # rewritten past 2 * KEEP
    assert not list(home.glob("*.partial"))


def test_an_unwritable_home_loses_the_record_not_the_training(home: Path) -> None:
    (home / EXPERIENCE_FILE).mkdir()  # not a file: every write fails
    record_experience({"name": "a.csv"})
    assert load_experience() == []
