"""Columns that relabel each other (``RELABELLED_COLUMN``) and a leak's name that says it is recorded later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.data.profile import profile_dataset


def _census(n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    education = rng.choice(["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"], n)
    years = {"Bachelors": 13, "HS-grad": 9, "Masters": 14, "Doctorate": 16, "Some-college": 10}
    frame = pd.DataFrame({"education": education, "education-num": [years[e] for e in education],
                          "sex": rng.choice(["M", "F"], n), "age": rng.integers(18, 80, n),
                          "hours": rng.integers(10, 60, n), "region": rng.choice(list("NSEW"), n)})
    frame["is_male"] = (frame["sex"] == "M").astype(int)
    frame["region_copy"] = frame["region"]  # an exact copy: DUPLICATE_COLUMN's, not this check's
    frame["income"] = np.where(frame["education-num"] + rng.normal(0, 3, n) > 12, ">50K", "<=50K")
    return frame


def _checks(frame: pd.DataFrame, target: str = "income") -> dict[tuple[str, str | None], str]:
    return {(w.code, w.column): w.message for w in profile_dataset(frame, target=target).warnings}


def test_relabelled_pairs_are_named_with_a_fix_and_copies_and_unrelated_columns_are_not() -> None:
    frame = _census()
    found = _checks(frame)
    assert "5 values" in found[("RELABELLED_COLUMN", "education-num")]
    assert "'education-num' relabels 'education'" in found[("RELABELLED_COLUMN", "education-num")]
    assert ("RELABELLED_COLUMN", "is_male") in found
    assert ("DUPLICATE_COLUMN", "region_copy") in found and ("RELABELLED_COLUMN", "region_copy") not in found
    assert not any(code == "RELABELLED_COLUMN" and column in ("age", "hours", "region", "sex")
                   for code, column in found)
    fix = next(w.fix for w in profile_dataset(frame, target="income").warnings if w.column == "education-num")
    assert fix is not None and fix.columns == ("education-num",)


def test_one_differing_row_is_no_relabelling() -> None:
    frame = _census()
    frame.loc[7, "education-num"] = 99 if frame.loc[7, "education"] != "Doctorate" else 1
    frame.loc[8, "is_male"] = 1 - frame.loc[8, "is_male"]
    found = _checks(frame)
    assert ("RELABELLED_COLUMN", "education-num") not in found and ("RELABELLED_COLUMN", "is_male") not in found


def test_a_leak_named_as_a_later_record_says_so() -> None:
    frame = _census()
    frame["final_status"] = np.where(frame["income"] == ">50K", "approved", "rejected")
    frame["lookup"] = np.where(frame["income"] == ">50K", "a", "b")
    found = _checks(frame)
    assert "recorded at or after the outcome" in found[("TARGET_LEAKAGE", "final_status")]
    assert "recorded at or after" not in found[("TARGET_LEAKAGE", "lookup")]
