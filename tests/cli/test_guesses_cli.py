"""The CLI says what it guessed and refuses a target it cannot tell apart (no training: each fails or profiles fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_cli import kuai


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def day_first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    n = 200
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    path = tmp_path_factory.mktemp("data") / "visits.csv"
    pd.DataFrame({"visit": stamps.strftime("%d/%m/%Y"), "amount": rng.normal(size=n).round(3),
                  "answer": rng.choice(["yes", "Yes", "no"], n)}).to_csv(path, index=False)
    return path


def _one_coded_line(result: Any, code: str) -> bool:
    return (result.returncode == 2 and f"[{code}]" in result.stderr and "Traceback" not in result.stderr
            and len(result.stderr.strip().splitlines()) == 1)


def test_profile_of_a_target_that_is_not_a_column_exits_2(day_first: Path, home: Path, reliability: Any) -> None:
    result = kuai("profile", str(day_first), "--target", "Answer", home=home)
    reliability.bad_input("coded" if _one_coded_line(result, "UNKNOWN_TARGET") else "crash")
    assert _one_coded_line(result, "UNKNOWN_TARGET") and "Did you mean 'answer'?" in result.stderr


def test_a_name_two_columns_share_is_refused_as_a_target(home: Path, tmp_path: Path, reliability: Any) -> None:
    data = tmp_path / "dup.csv"
    data.write_text("y,x,y\n" + "".join(f"{i % 2},{i},{'ab'[i % 3 == 0]}\n" for i in range(40)))
    profile = kuai("profile", str(data), "--json", home=home)
    notes = json.loads(profile.stdout)["reading"]["notes"]
    assert any("two columns were named 'y': the second is read as 'y.1'" in note for note in notes)
    reliability.guess(told=any("'y.1'" in note for note in notes))
    for command in (["profile", str(data), "--target", "y"],
                    ["train", str(data), "--target", "y", "--time-budget", "5", "--out", str(tmp_path / "o")]):
        result = kuai(*command, home=home)
        reliability.bad_input("coded" if _one_coded_line(result, "AMBIGUOUS_TARGET") else "crash")
        assert _one_coded_line(result, "AMBIGUOUS_TARGET") and "'y.1' for the second" in result.stderr


def test_profile_says_how_dates_and_labels_are_read_and_takes_the_users_choice(day_first: Path, home: Path,
                                                                               reliability: Any) -> None:
    found = json.loads(kuai("profile", str(day_first), "--json", home=home).stdout)
    visit = next(c for c in found["columns"] if c["name"] == "visit")
    assert visit["date_format"] == "%d/%m/%Y" and "read day-first (DD/MM/YYYY)" in visit["reason"]
    assert found["task"] == "binary" and any(w["code"] == "LABEL_VARIANTS" for w in found["warnings"])
    reliability.guess(told="day-first" in visit["reason"])
    chosen = json.loads(kuai("profile", str(day_first), "--json", "--date-format", "visit=%m/%d/%Y",
                             "--keep-label-variants", home=home).stdout)
    assert next(c for c in chosen["columns"] if c["name"] == "visit")["date_format"] == "%m/%d/%Y"
    assert chosen["task"] == "multiclass"
    bad = kuai("profile", str(day_first), "--date-format", "visit", home=home)
    assert _one_coded_line(bad, "USAGE")


@pytest.mark.slow
def test_train_says_what_it_could_not_use_and_a_number_beyond_float32_no_longer_fails_it(
        home: Path, tmp_path: Path, reliability: Any) -> None:
    """The blind tester's data: infinities and 1e308 in a feature (every model used to fail on 1e308), 6 empty and
    6 infinite targets (left out, never said): the training ends well, and says each, in its progress and its card."""
    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=n)
    v = x.round(3).astype(object)
    v[:10], v[10:20], v[20:22] = "inf", "-Infinity", "1e308"
    price = (10 * x + rng.normal(size=n)).round(3).astype(object)
    price[30:36], price[36:42] = None, "inf"
    data = tmp_path / "prices.csv"
    pd.DataFrame({"x": x.round(3), "v": v, "price": price}).to_csv(data, index=False)
    out = tmp_path / "out"
    result = kuai("train", str(data), "--target", "price", "--type", "v=numeric", "--time-budget", "10", "--out",
                  str(out), home=home, timeout=180)
    reliability.bad_input("read" if result.returncode == 0 else "crash")
    assert result.returncode == 0, result.stderr[-2000:]
    told = ["'price': 12 of 200 rows have no usable target and were left out of training: 6 empty, 6 infinite",
            "'v': 20 values are infinite (e.g. 'inf', '-inf'); treated as missing",  # as the reader read them
            "'v': 2 values are beyond ±3.4e38, the range of the model's float32 inputs (e.g. '1e+308'); treated as "
            "missing"]
    card_notes = json.loads((out / "model_card.json").read_text())["notes"]
    for words in told:
        assert words in result.stdout and any(words in note for note in card_notes), words
        reliability.guess(told=True)
