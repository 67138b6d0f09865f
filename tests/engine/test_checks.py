"""Pre-flight checks fire (and stay quiet) on small seeded frames; their fixes apply."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, TargetError, build_task_spec, profile_dataset, to_jsonable
from kuai.engine.data.checks import NEAR_CONSTANT_SHARE, run_checks
from kuai.engine.data.column_types import profile_column
from kuai.engine.data.fixes import OTHER_CLASS, apply_row_fixes, fix_plan
from kuai.engine.data.leakage import find_leaks
from kuai.engine.data.resources import estimate_resources, resource_checks
from kuai.engine.types import CheckFix, CheckResult, FixAction, ResourceEstimate, Severity, TaskType

N = 400


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture()
def clean(rng: np.random.Generator) -> pd.DataFrame:
    """Nothing to report: numbers, a category, a noisy binary outcome."""
    x = rng.normal(size=N)
    return pd.DataFrame({"x": x.round(3), "z": rng.normal(size=N).round(3), "group": rng.choice(list("abc"), N),
                         "outcome": np.where(x + rng.normal(size=N) > 0, "yes", "no")})


def checks(frame: pd.DataFrame, target: str | None = "outcome", **options: object) -> tuple[CheckResult, ...]:
    columns = tuple(profile_column(frame[name]) for name in frame.columns)
    return run_checks(frame, columns, target=target, **options)  # type: ignore[arg-type]


def found(results: tuple[CheckResult, ...], code: str) -> list[CheckResult]:
    return [r for r in results if r.code == code]


def test_clean_data_has_no_findings(clean: pd.DataFrame) -> None:
    assert checks(clean) == ()


def test_identifier_columns(clean: pd.DataFrame, rng: np.random.Generator) -> None:
    frame = clean.assign(row_id=[f"R{i:05d}" for i in range(N)], patient_nbr=rng.permutation(10**6)[:N],
                         admission_type_id=rng.choice([1, 2, 3, 5], N))
    results = checks(frame)
    assert found(results, "ID_COLUMN")[0].column == "row_id" and found(results, "ID_COLUMN")[0].fix is None
    [id_like] = found(results, "ID_LIKE")  # a code with four values is not an identifier
    assert id_like.column == "patient_nbr"
    assert id_like.fix == CheckFix(FixAction.EXCLUDE_COLUMN, "Exclude 'patient_nbr'", columns=("patient_nbr",))


def test_constant_and_near_constant_columns(clean: pd.DataFrame) -> None:
    near = ["Pave"] * (N - 2) + ["Grvl"] * 2
    some = ["Pave"] * (N - 40) + ["Grvl"] * 40
    results = checks(clean.assign(country="PT", street=near, street_2=some))
    assert [r.column for r in found(results, "CONSTANT_COLUMN")] == ["country"]
    [flag] = found(results, "NEAR_CONSTANT")
    assert flag.column == "street" and "99.5%" in flag.message and flag.fix is not None
    assert flag.severity is Severity.INFO and flag.fix.action is FixAction.EXCLUDE_COLUMN



def test_a_near_constant_column_with_as_many_distinct_values_as_it_can_hold_is_still_found(
        clean: pd.DataFrame) -> None:
    """Counting a column's values is skipped only when it has more distinct values than the rows outside its most
    common value could hold: the column at that bound (every other row a different number) is still counted."""
    others = N - int(np.ceil(NEAR_CONSTANT_SHARE * N))  # the most rows that may differ
    edge = pd.Series([0.0] * (N - others) + [1.0 + i for i in range(others)])  # 1 + others distinct values
    one_more = pd.Series([0.0] * (N - others - 1) + [1.0 + i for i in range(others + 1)])  # below the share
    results = checks(clean.assign(dose=edge, dose_2=one_more))
    assert [r.column for r in found(results, "NEAR_CONSTANT")] == ["dose"]


def test_high_cardinality_and_mostly_missing(clean: pd.DataFrame, rng: np.random.Generator) -> None:
    many = [f"city {i}" for i in rng.integers(0, 150, N)]
    sparse = pd.Series(rng.normal(size=N)).mask(np.arange(N) % 5 < 3)  # 60 % missing
    patchy = pd.Series(rng.normal(size=N)).mask(np.arange(N) % 10 < 3)  # 30 % missing
    results = checks(clean.assign(city=many, lab_value=sparse, other_lab=patchy))
    assert [r.column for r in found(results, "HIGH_CARDINALITY")] == ["city"]
    [missing] = found(results, "MOSTLY_MISSING")
    assert missing.column == "lab_value" and "60%" in missing.message
    assert missing.fix is not None and missing.fix.columns == ("lab_value",)


def test_duplicate_rows_and_columns(clean: pd.DataFrame) -> None:
    frame = pd.concat([clean, clean.head(7)], ignore_index=True).assign(x_copy=lambda f: f["x"])
    results = checks(frame)
    [rows] = found(results, "DUPLICATE_ROWS")
    assert "7 rows" in rows.message and rows.fix is not None
    assert rows.fix.action is FixAction.DROP_DUPLICATE_ROWS
    [copy] = found(results, "DUPLICATE_COLUMN")
    assert copy.column == "x_copy" and copy.columns == ("x_copy", "x") and copy.fix is not None
    assert copy.fix.columns == ("x_copy",)


def test_missing_target_values(clean: pd.DataFrame) -> None:
    frame = clean.assign(outcome=clean["outcome"].mask(np.arange(N) < 12))
    [missing] = found(checks(frame), "MISSING_TARGET")
    assert "12 rows" in missing.message and missing.fix is not None
    assert missing.fix.action is FixAction.DROP_MISSING_TARGET_ROWS


def test_too_few_rows_for_the_folds(clean: pd.DataFrame) -> None:
    [few] = found(checks(clean.head(8)), "TOO_FEW_ROWS")
    assert few.severity is Severity.ERROR and few.fix == CheckFix(FixAction.SET_FOLDS, "Use 4 folds", amount=4)
    assert not found(checks(clean.head(10)), "TOO_FEW_ROWS")


def test_single_class_and_too_many_classes_suggest_another_target(clean: pd.DataFrame) -> None:
    [single] = found(checks(clean.assign(outcome="yes"), alternatives=("group",)), "SINGLE_CLASS_TARGET")
    assert single.severity is Severity.ERROR
    assert single.fix == CheckFix(FixAction.CHANGE_TARGET, "Predict 'group' instead", columns=("group",))
    labels = [f"label {i % 150}" for i in range(N)]
    [many] = found(checks(clean.assign(outcome=labels)), "TOO_MANY_CLASSES")
    assert many.fix is not None and many.fix.action is FixAction.CHANGE_TARGET and many.fix.columns == ()


def test_an_identifier_is_not_an_outcome(clean: pd.DataFrame) -> None:
    frame = clean.assign(ticket=[f"T-{i}" for i in range(N)])
    [flag] = found(checks(frame, target="ticket", alternatives=("outcome",)), "TARGET_NOT_AN_OUTCOME")
    assert flag.fix is not None and flag.fix.columns == ("outcome",)


def test_rare_classes_get_a_fix_that_fits(clean: pd.DataFrame) -> None:
    labels = ["a"] * 200 + ["b"] * 190 + ["c"] * 3 + ["d"] * 4 + ["e"] * 3
    [text] = found(checks(clean.assign(outcome=labels)), "RARE_CLASS")
    assert "'c' (3 rows)" in text.message and text.fix is not None
    assert text.fix.action is FixAction.MERGE_RARE_CLASSES and set(text.fix.values) == {"c", "d", "e"}
    [few] = found(checks(clean.assign(outcome=["a"] * 200 + ["b"] * 198 + ["c"] * 2)), "RARE_CLASS")
    assert few.fix is not None and few.fix.action is FixAction.DROP_RARE_CLASS_ROWS and few.fix.values == ("c",)
    quality = [5] * 200 + [6] * 150 + [7] * 47 + [3] * 1 + [8] * 2
    [numbers] = found(checks(clean.assign(outcome=quality)), "RARE_CLASS")
    assert numbers.severity is Severity.ERROR  # a class of one row: training would stop
    assert numbers.fix is not None and "nearest" in numbers.fix.label
    [binary] = found(checks(clean.assign(outcome=["no"] * (N - 3) + ["yes"] * 3)), "RARE_CLASS")
    assert binary.fix == CheckFix(FixAction.SET_FOLDS, "Use 3 folds", amount=3)
    assert not found(checks(clean), "RARE_CLASS")


def test_leakage_flags_a_copy_of_the_target_and_not_a_signal(clean: pd.DataFrame, rng: np.random.Generator) -> None:
    frame = clean.assign(outcome_code=(clean["outcome"] == "yes") * 7 + 3 + rng.normal(0, 0.01, N))
    [leak] = found(checks(frame), "TARGET_LEAKAGE")
    assert leak.column == "outcome_code" and "balanced accuracy" in leak.message
    assert leak.fix == CheckFix(FixAction.EXCLUDE_COLUMN, "Exclude 'outcome_code'", columns=("outcome_code",))
    assert not found(checks(clean), "TARGET_LEAKAGE")  # 'x' predicts it, but far from perfectly


def test_leakage_on_a_numeric_target(rng: np.random.Generator) -> None:
    x = rng.normal(size=N)
    price = np.exp(x + rng.normal(0, 0.5, N))
    frame = pd.DataFrame({"x": x, "price_in_cents": price * 100, "noise": rng.normal(size=N), "price": price})
    columns = tuple(profile_column(frame[name]) for name in frame.columns)
    leaks = find_leaks(frame, "price", columns, task=TaskType.REGRESSION)
    assert [leak.column for leak in leaks] == ["price_in_cents"]


def test_leakage_through_a_label_column(rng: np.random.Generator) -> None:
    status = rng.choice(["Canceled", "Check-Out", "No-Show"], N, p=[.35, .6, .05])
    frame = pd.DataFrame({"lead_time": rng.integers(0, 300, N), "reservation_status": status,
                          "is_canceled": (status != "Check-Out").astype(int)})
    [leak] = found(checks(frame, target="is_canceled"), "TARGET_LEAKAGE")
    assert leak.column == "reservation_status"


def test_a_column_filled_in_for_one_outcome_alone_is_a_one_sided_leak(rng: np.random.Generator) -> None:
    """A recovered amount exists only after a default (a blind test's loan book): it picks out most defaults with no
    mistake and says nothing of the rest, so its balanced accuracy (0.9) stays below the threshold."""
    n = 4_000
    default = rng.random(n) < 0.12
    recovered = np.where(default & (rng.random(n) < 0.8), rng.uniform(50, 6000, n).round(2), 0.0)
    reminder = np.where(default & (rng.random(n) < 0.3), 1, 0)  # a true signal for 30 % of them: not a leak
    frame = pd.DataFrame({"income": rng.normal(50, 10, n), "recovery_amount": recovered, "reminder_sent": reminder,
                          "is_default": default.astype(int)})
    [leak] = found(checks(frame, target="is_default"), "TARGET_LEAKAGE")
    assert leak.column == "recovery_amount"
    picked = re.search(r"picks out (\d+)% of the rows where 'is_default' is '1'", leak.message)
    assert picked is not None and 65 <= int(picked.group(1)) <= 85  # 80 % of them have an amount
    assert leak.fix == CheckFix(FixAction.EXCLUDE_COLUMN, "Exclude 'recovery_amount'", columns=("recovery_amount",))
    recovers = (np.arange(n) % 2 == 1) & (rng.random(n) < 0.7)
    even = pd.DataFrame({"recovery_amount": np.where(recovers, rng.uniform(50, 6000, n), 0.0),
                         "is_default": (np.arange(n) % 2 == 1).astype(float)})  # half of them, read as floats
    [leak] = found(checks(even, target="is_default"), "TARGET_LEAKAGE")
    assert "where 'is_default' is '1'" in leak.message  # the label users see, not '1.0'


def test_a_feature_that_separates_a_class_by_its_values_is_not_a_one_sided_leak(rng: np.random.Generator) -> None:
    """A petal's length tells setosa apart, and its values spread the other species over many bins."""
    n = 5_000
    species = rng.choice(["setosa", "versicolor", "virginica"], n, p=[0.3, 0.35, 0.35])
    centre = pd.Series(species).map({"setosa": 1.5, "versicolor": 4.3, "virginica": 5.6}).to_numpy()
    frame = pd.DataFrame({"petal_length": centre + rng.normal(0, 0.5, n), "species": species})
    assert not found(checks(frame, target="species"), "TARGET_LEAKAGE")


def test_resource_estimate_and_its_checks(clean: pd.DataFrame) -> None:
    columns = tuple(profile_column(clean[name]) for name in clean.columns)
    small = estimate_resources(clean, columns, target="outcome", n_folds=5, n_classes=2)
    assert small.peak_memory_mb < 100 and small.seconds_per_model < 5 and small.time_budget_s == 60
    assert small.available_memory_mb > 0 and small.n_cpus >= 1 and "at the peak" in small.reason
    assert resource_checks(small, N) == []
    big = pd.concat([clean] * 50, ignore_index=True)
    assert estimate_resources(big, columns, target="outcome", n_folds=5).peak_memory_mb > small.peak_memory_mb
    tight = ResourceEstimate(peak_memory_mb=9_000, available_memory_mb=10_000, seconds_per_model=200,
                             time_budget_s=60, n_cpus=2, heaviest_family="random forest", reason="")
    memory, slow = resource_checks(tight, 1_000_000)
    assert memory.code == "MEMORY" and memory.severity is Severity.WARNING
    assert slow.code == "SLOW_TRAINING" and "about 3 min" in slow.message
    for result in (memory, slow):
        assert result.fix is not None and result.fix.action is FixAction.SAMPLE_ROWS
        assert result.fix.amount is not None and result.fix.amount < 1_000_000


def test_the_time_estimate_of_a_large_table_is_for_the_sample_the_search_trains_its_models_on(
        rng: np.random.Generator) -> None:
    """A search short of time trains its models on samples of a large table's rows (``kuai.engine.search.fidelity``):
    the estimate says so, and does not warn that no model would finish (it did, and proposed dropping rows, on
    100,000 rows at 60 s, where the search then ran six trials)."""
    n = 400_000
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(40)}).assign(y=rng.choice(["a", "b"], n))
    columns = tuple(profile_column(frame[name].head(5_000)) for name in frame.columns)
    estimate = estimate_resources(frame, columns, target="y", n_folds=2, n_classes=2)
    whole = 0.05 + 1.5e-8 * (n / 2) * 40 * 500  # one fit on a fold's every row (the module's rate)
    assert "each on a sample of 10,000 rows" in estimate.reason
    assert estimate.seconds_per_model < 2 * whole / 10  # two folds on samples, not on 200,000 rows each
    assert not [r for r in resource_checks(estimate, n) if r.code == "SLOW_TRAINING"]
    small = estimate_resources(frame.head(20_000), columns, target="y", n_folds=5, n_classes=2)
    assert "sample" not in small.reason  # too small to cut: every row
    nearly = ResourceEstimate(peak_memory_mb=10, available_memory_mb=10_000, seconds_per_model=40,
                              time_budget_s=60, n_cpus=2, heaviest_family="random forest", reason="")
    assert "only about 1 model would finish." in resource_checks(nearly, 1_000_000)[0].message


def test_the_time_estimate_counts_the_folds_a_long_budget_trains_on(clean: pd.DataFrame) -> None:
    short = profile_dataset(clean, target="outcome", time_budget_s=60).resources
    long = profile_dataset(clean, target="outcome", time_budget_s=300).resources
    assert short is not None and long is not None
    assert "on 5 folds" in short.reason and "on 8 folds" in long.reason  # as build_task_spec folds the rows
    assert long.seconds_per_model > short.seconds_per_model


def test_profile_reports_resources_and_every_fix_has_a_label(mixed_frame: pd.DataFrame) -> None:
    frame = pd.concat([mixed_frame, mixed_frame.head(5)], ignore_index=True).assign(constant="x")
    profile = profile_dataset(frame, target="outcome", time_budget_s=30)
    assert profile.resources is not None and profile.resources.time_budget_s == 30
    assert {w.code for w in profile.warnings} >= {"DUPLICATE_ROWS", "CONSTANT_COLUMN", "ID_COLUMN"}
    for warning in profile.warnings:
        assert warning.code and warning.message and warning.action
        assert warning.fix is None or warning.fix.label


# --- applying fixes ------------------------------------------------------------------------------------------------

def test_row_fixes_apply_in_order_without_touching_the_input(clean: pd.DataFrame) -> None:
    frame = pd.concat([clean, clean.head(5)], ignore_index=True)
    frame.loc[[0, 1], "outcome"] = None
    before = frame.copy()
    fixes = [CheckFix(FixAction.DROP_DUPLICATE_ROWS, "Remove"), CheckFix(FixAction.DROP_MISSING_TARGET_ROWS, "Remove"),
             CheckFix(FixAction.EXCLUDE_COLUMN, "Exclude 'x'", columns=("x",))]
    fixed, notes = apply_row_fixes(frame, fixes, target="outcome")
    pd.testing.assert_frame_equal(frame, before)
    assert len(fixed) == N + 5 - 2 - 3  # rows 0 and 1 lost their target, so their repeats are no longer repeats
    assert fixed["outcome"].notna().all() and not fixed.duplicated().any()
    assert notes == ("Removed 2 rows without a value in 'outcome'.", "Removed 3 repeated rows.")
    assert list(fixed.columns) == list(frame.columns)  # excluding columns is the task spec's job


def test_merging_rare_classes(clean: pd.DataFrame) -> None:
    labels = clean.assign(outcome=["a"] * 200 + ["b"] * 190 + ["c"] * 5 + ["d"] * 5)
    fix = CheckFix(FixAction.MERGE_RARE_CLASSES, "Merge", values=("c", "d"))
    fixed, [note] = apply_row_fixes(labels, [fix], target="outcome")
    assert fixed["outcome"].value_counts().to_dict() == {"a": 200, "b": 190, OTHER_CLASS: 10}
    assert "'c' → 'other'" in note
    quality = clean.assign(outcome=[5] * 200 + [6] * 150 + [7] * 47 + [3] * 1 + [8] * 2)
    fix = CheckFix(FixAction.MERGE_RARE_CLASSES, "Merge", values=("3", "8"))
    fixed, _ = apply_row_fixes(quality, [fix], target="outcome")
    assert fixed["outcome"].value_counts().to_dict() == {5: 201, 6: 150, 7: 49}
    assert pd.api.types.is_numeric_dtype(fixed["outcome"])


def test_dropping_rare_class_rows_and_sampling(clean: pd.DataFrame) -> None:
    frame = clean.assign(outcome=["a"] * 200 + ["b"] * 198 + ["c"] * 2)
    fixed, _ = apply_row_fixes(frame, [CheckFix(FixAction.DROP_RARE_CLASS_ROWS, "Remove", values=("c",))],
                               target="outcome")
    assert set(fixed["outcome"]) == {"a", "b"} and len(fixed) == 398
    sampled, [note] = apply_row_fixes(frame, [CheckFix(FixAction.SAMPLE_ROWS, "Sample", amount=100)], target=None)
    again, _ = apply_row_fixes(frame, [CheckFix(FixAction.SAMPLE_ROWS, "Sample", amount=100)], target=None)
    assert len(sampled) == 100 and sampled.index.is_monotonic_increasing and sampled.equals(again)
    assert note == "Kept a random sample of 100 of 400 rows."
    with pytest.raises(TargetError):
        apply_row_fixes(frame, [CheckFix(FixAction.DROP_MISSING_TARGET_ROWS, "Remove")], target="missing")


def test_fix_plan_feeds_the_task_spec(mixed_frame: pd.DataFrame) -> None:
    frame = mixed_frame.assign(outcome_code=(mixed_frame["outcome"] == "yes").astype(int) * 7 + 3)
    profile = profile_dataset(frame, target="outcome")
    fixes = [w.fix for w in profile.warnings if w.fix is not None]
    fixes.append(CheckFix(FixAction.SET_FOLDS, "Use 3 folds", amount=3))
    plan = fix_plan(fixes)
    assert plan.excluded == ("outcome_code",) and plan.n_folds == 3 and plan.target is None
    spec = build_task_spec(frame, profile.columns, target="outcome", excluded=plan.excluded, n_folds=plan.n_folds)
    assert "outcome_code" not in spec.features and spec.dropped["outcome_code"] == "excluded by you"
    assert spec.n_folds == 3
    assert fix_plan([CheckFix(FixAction.CHANGE_TARGET, "Predict 'colour'", columns=("colour",))]).target == "colour"


def test_fixes_survive_json(mixed_frame: pd.DataFrame) -> None:
    fix = CheckFix(FixAction.MERGE_RARE_CLASSES, "Merge", values=("c", "d"), amount=None)
    assert CheckFix.from_dict(to_jsonable(fix)) == fix
    assert FixAction.SAMPLE_ROWS.is_row_fix and not FixAction.EXCLUDE_COLUMN.is_row_fix
    assert ColumnType.NUMERIC.is_feature
