"""KUAI_* settings: every one checked in one place; an unusable value is a coded error, never silently ignored."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from kuai.storage import SETTINGS, SettingError, check_settings, home_dir, memory_setting, seconds_setting
from kuai.storage.home import HomeError, unusable_home


@pytest.mark.parametrize(("name", "value", "says"), [
    ("KUAI_READ_TIMEOUT_S", "abc", "is not a number"),
    ("KUAI_SCORING_TIMEOUT_S", "-1", "is not above 0"),
    ("KUAI_SCORING_TIMEOUT_S", "nan", "is not a number"),
    ("KUAI_READ_TIMEOUT_S", "inf", "is not a number"),
    ("KUAI_READ_MEMORY_MB", "1", "below the 1,024 MB the reader needs to start"),
    ("KUAI_WORKER_MEMORY_MB", "60", "below the 1,024 MB a training needs to start"),
    ("KUAI_SCORING_MEMORY_MB", "-3", "is below 0"),
    ("KUAI_TRIAL_GRACE_S", "3", "below the 10 s"),
])
def test_an_unusable_setting_is_refused_naming_the_variable_value_and_range(
        name: str, value: str, says: str, reliability: Any) -> None:
    with pytest.raises(SettingError) as refused:
        check_settings({name: value})
    message = str(refused.value)
    assert refused.value.code == "BAD_SETTING" and f"{name}={value!r}" in message and says in message
    assert "must be a number of" in message  # the accepted range
    reliability.bad_input("coded")


def test_usable_settings_pass_and_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    check_settings({"KUAI_READ_TIMEOUT_S": "12.5", "KUAI_READ_MEMORY_MB": "0", "KUAI_WORKER_MEMORY_MB": "2048",
                    "KUAI_HOME": "/anywhere", "KUAI_TAIL_KEY": "internal"})
    monkeypatch.setenv("KUAI_READ_TIMEOUT_S", "12.5")
    monkeypatch.setenv("KUAI_READ_MEMORY_MB", "0")
    monkeypatch.delenv("KUAI_SCORING_MEMORY_MB", raising=False)
    assert seconds_setting("KUAI_READ_TIMEOUT_S", 300.0) == 12.5
    assert memory_setting("KUAI_READ_MEMORY_MB", 2000) is None  # 0: no cap
    assert memory_setting("KUAI_SCORING_MEMORY_MB", 2000) == 2000  # unset: the default
    monkeypatch.setenv("KUAI_READ_TIMEOUT_S", "soon")
    with pytest.raises(SettingError):  # the readers check too (the app's server reads them without the CLI)
        seconds_setting("KUAI_READ_TIMEOUT_S", 300.0)


def test_every_setting_the_code_reads_is_in_the_registry() -> None:
    import re

    root = Path(__file__).resolve().parents[2] / "kuai"
    read = set()
    for folder in ("app", "engine", "storage", "exporters"):
        for path in (root / folder).rglob("*.py"):
            read |= set(re.findall(r'_setting\(\s*"(KUAI_[A-Z_]+)"', path.read_text(encoding="utf-8")))
            read |= set(re.findall(r'child_memory_mb\(\s*"(KUAI_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert read and read <= set(SETTINGS)


def test_a_misspelt_setting_is_said_with_the_closest_name(capsys: pytest.CaptureFixture[str]) -> None:
    check_settings({"KUAI_READ_TIMOUT_S": "5"})
    err = capsys.readouterr().err
    assert "[UNKNOWN_SETTING] KUAI_READ_TIMOUT_S" in err and "Did you mean KUAI_READ_TIMEOUT_S?" in err


def test_a_home_that_is_a_file_or_read_only_is_bad_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       reliability: Any) -> None:
    a_file = tmp_path / "data.csv"
    a_file.write_text("a\n1\n")
    monkeypatch.setenv("KUAI_HOME", str(a_file))
    with pytest.raises(HomeError) as refused:
        home_dir()
    assert refused.value.code == "BAD_HOME" and "it is a file" in str(refused.value)
    assert a_file.read_text() == "a\n1\n"
    denied = unusable_home(tmp_path, PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "datasets")))
    assert denied.code == "BAD_HOME" and "permission denied" in str(denied) and "KUAI_HOME" in str(denied)
    reliability.bad_input("coded")
    reliability.user_files_checked(lost=0)
