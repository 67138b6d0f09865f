"""What training leaves out or changes is counted and told: target rows without a usable value, fewer folds, and
feature values the model cannot use as given (``kuai.engine.data.target_rows``, ``engine.prepare``'s notes, the
check)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, TaskType, build_task_spec, prepare, profile_dataset
from kuai.engine.data.checks import run_checks
from kuai.engine.data.column_types import profile_column
from kuai.engine.data.fixes import apply_row_fixes
from kuai.engine.data.target_rows import target_rows

N_ROWS = 300


def test_regression_targets_that_are_not_finite_float32_numbers_are_left_out_with_reasons() -> None:
    values = pd.Series(["1.5", "", None, "inf", "-Infinity", "1e308", "abc", " 2 "], name="price")
    kept = target_rows(values, TaskType.REGRESSION)
    assert kept.usable.tolist() == [True, False, False, False, False, False, False, True]
    assert (kept.n_missing, kept.n_infinite, kept.n_beyond_float32, kept.n_not_number) == (2, 2, 1, 1)
    assert kept.note("price") == (
        "'price': 6 of 8 rows have no usable target and were left out of training: 2 empty, 1 not a number, "
        "2 infinite, 1 beyond float32's range, ±3.4e38 (e.g. 'inf', '-Infinity', '1e308'); the model learns from "
        "the other 2.")


def test_a_class_label_is_kept_whatever_it_says_but_a_blank_one_is_no_label() -> None:
    kept = target_rows(pd.Series(["yes", "inf", "  ", None, "no"]), TaskType.BINARY)
    assert kept.usable.tolist() == [True, True, False, False, True] and kept.n_missing == 2 and not kept.examples
    assert target_rows(pd.Series([1.0, np.nan, np.inf]), None).usable.tolist() == [True, False, True]


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    """The blind tester's data: 6 empty and 6 infinite targets; a feature with infinities and numbers beyond
    float32; a date column."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=N_ROWS)
    price = (10 * x + rng.normal(size=N_ROWS)).round(3).astype(object)
    price[:6], price[6:12] = None, "inf"
    v = x.round(3).astype(object)
    v[20:30], v[30:32] = "inf", "1e308"
    return pd.DataFrame({"x": x.round(3), "v": v, "price": price})


def test_the_check_and_its_fix_count_every_target_training_leaves_out(prices: pd.DataFrame, reliability) -> None:
    columns = tuple(profile_column(prices[name]) for name in prices.columns)
    [missing] = [r for r in run_checks(prices, columns, target="price") if r.code == "MISSING_TARGET"]
    assert missing.message == "12 rows have no usable value in 'price': 6 empty, 6 infinite (e.g. 'inf')."
    assert missing.fix is not None
    fixed, [note] = apply_row_fixes(prices, [missing.fix], target="price")
    assert len(fixed) == N_ROWS - 12 and note == "Removed 12 rows without a usable value in 'price'."
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_training_says_which_rows_and_values_it_could_not_use(prices: pd.DataFrame, reliability) -> None:
    profile = profile_dataset(prices, target="price", with_checks=False)
    spec = build_task_spec(prices, profile.columns, target="price", type_overrides={"v": profile.column("x").type})
    prepared = prepare(prices, spec)
    assert len(prepared.index) == N_ROWS - 12 and np.isfinite(prepared.X.to_numpy(dtype=float)[:, 1][:5]).all()
    rows_note, *value_notes = prepared.notes
    assert rows_note.startswith("'price': 12 of 300 rows have no usable target and were left out of training: "
                                "6 empty, 6 infinite")
    assert value_notes == ["'v': 10 values are infinite (e.g. 'inf'); treated as missing",
                           "'v': 2 values are beyond ±3.4e38, the range of the model's float32 inputs (e.g. '1e308'); "
                           "treated as missing"]
    assert np.isnan(prepared.X.iloc[8:20, 1]).all()  # rows 20-31 of the file, after the 12 left out
    for _ in range(3):  # targets left out, infinities, beyond float32
        reliability.bad_input("read")
        reliability.guess(told=True)


def test_fewer_folds_for_a_rare_class_are_told(reliability) -> None:
    rng = np.random.default_rng(1)
    outcome = np.array(["a"] * 150 + ["b"] * 148 + ["c"] * 2, dtype=object)
    frame = pd.DataFrame({"x": rng.normal(size=N_ROWS).round(3), "outcome": rng.permutation(outcome)})
    profile = profile_dataset(frame, target="outcome", with_checks=False)
    spec = build_task_spec(frame, profile.columns, target="outcome")
    prepared = prepare(frame, spec)
    assert spec.n_folds == prepared.spec.n_folds == 2
    # said once: where the spec lowers Kuai's default (the training prints the spec's notes), not again by prepare
    assert spec.notes == ("Kuai's 5 cross-validation folds were lowered to 2: the rarest class of 'outcome' ('c') has "
                          "2 rows, and each fold needs one of them.",)
    assert prepared.notes == ()
    reliability.guess(told=True)


def test_the_profile_warns_of_numbers_a_model_cannot_use(prices: pd.DataFrame, reliability) -> None:
    """inf and 1e308 in a numeric feature, text in a column set numeric: the profile counts them as training will
    and says they count as missing, before any training; ordinary numbers, however large within float32, do not."""
    frame = prices.assign(big=np.linspace(-3e38, 3e38, N_ROWS), region=["west", "east", None] * (N_ROWS // 3))
    profile = profile_dataset(frame, target="price", type_overrides={"v": ColumnType.NUMERIC,
                                                                     "region": ColumnType.NUMERIC})
    found = {r.column: r for r in profile.warnings if r.code == "UNUSABLE_NUMBERS"}
    assert set(found) == {"v", "region"}
    assert found["v"].message == (
        "'v': 10 values are infinite (e.g. 'inf'); treated as missing. 'v': 2 values are beyond ±3.4e38, the range "
        "of the model's float32 inputs (e.g. '1e308'); treated as missing.")
    assert found["region"].message == ("'region': all 200 values are not numbers (e.g. 'west', 'east'); treated as "
                                       "missing.")
    assert found["v"].action.startswith("Training and prediction do the same")
    for _ in range(3):  # infinities, beyond float32, text forced numeric
        reliability.bad_input("read")
        reliability.guess(told=True)


def test_a_format_set_on_dates_the_reader_already_read_does_not_claim_to_have_read_them(reliability) -> None:
    """``--date-format signup=%d/%m/%Y`` on a CSV of ISO dates: the reader read them as dates first, so the note says
    so (and ``prepare`` counts the values read as ISO 8601) instead of 'dates read with the format you set'."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"signup": pd.date_range("2020-01-01", periods=60, freq="7D"),
                          "text_signup": pd.date_range("2020-01-01", periods=60, freq="7D").strftime("%d/%m/%Y"),
                          "x": rng.normal(size=60), "y": rng.normal(size=60)})
    profile = profile_dataset(frame, target="y", with_checks=False)
    spec = build_task_spec(frame, profile.columns, target="y",
                           date_formats={"signup": "%d/%m/%Y", "text_signup": "%d/%m/%Y"})
    assert "'text_signup': dates read with the format you set (DD/MM/YYYY)" in spec.notes
    [stored] = [note for note in spec.notes if note.startswith("'signup'")]
    assert "the dates of this file were read as dates when it was read" in stored
    notes = prepare(frame, spec).notes
    assert any(note.startswith("'signup': all 60 values do not fit the column's date format (DD/MM/YYYY)") and
               note.endswith("read as ISO 8601 dates (YYYY-MM-DD)") for note in notes), notes
    assert not any(note.startswith("'text_signup'") for note in notes)
    reliability.guess(told=True)
