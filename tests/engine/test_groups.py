"""Grouped validation: which columns name entities whose rows repeat, and folds that keep each entity together."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kuai.engine.data.groups import find_group, group_codes
from kuai.engine.data.profile import profile_dataset
from kuai.engine.data.task import build_task_spec
from kuai.engine.errors import OptionError
from kuai.engine.prepare import prepare
from kuai.engine.search.folds import fit_folds, folds_in_words, make_folds
from kuai.engine.types import ColumnType


def _visits(n_patients: int = 200, seed: int = 0, regression: bool = False) -> pd.DataFrame:
    """Patients with 2 to 9 visits each, an entity effect, and columns that must not be taken for entities."""
    rng = np.random.default_rng(seed)
    visits = rng.integers(2, 10, n_patients)
    patient = np.repeat(np.arange(n_patients), visits)
    n = len(patient)
    effect = rng.normal(size=n_patients)[patient]
    x = rng.normal(size=n)
    target = effect + 0.5 * x if regression else np.where(effect + 0.5 * x + rng.normal(size=n) > 0, "yes", "no")
    return pd.DataFrame({
        "visit_id": np.arange(n) + 1000,  # unique: an identifier, not a group
        "patient_id": [f"P{p:04d}" for p in patient],
        "ward": rng.choice(["A", "B", "C", "D"], n),  # few values: a category
        "customer_segment": rng.choice([f"s{i}" for i in range(15)], n),  # an entity word, but it describes rows
        "engine_size": rng.choice(np.arange(1000, 3000, 100), n),  # whole numbers that repeat: a measurement
        "x": x,
        "outcome": target,
    })


def _profile(frame: pd.DataFrame, target: str = "outcome"):
    return profile_dataset(frame, target=target, with_checks=False)


def test_a_repeated_patient_id_groups_the_rows_and_the_reason_says_so() -> None:
    frame = _visits()
    profile = _profile(frame)
    assert profile.group is not None and profile.group.column == "patient_id"
    assert profile.group.n_groups == 200
    assert "200 patients" in profile.group.reason and "new patients" in profile.group.reason
    assert "group cross-validation" in profile.validation_reason


@pytest.mark.parametrize("name", ["PatientID", "subject", "store_nbr", "Machine No", "customer"])
def test_entity_names_in_other_spellings_and_whole_number_ids_group(name: str) -> None:
    frame = _visits().rename(columns={"patient_id": name})
    frame[name] = pd.factorize(frame[name])[0] + 1  # 1, 2, 3 …: typed as numbers, named as an entity
    group = find_group(frame, _profile(frame).columns, target="outcome")
    assert group is not None and group.column == name


def test_unique_ids_categories_and_measurements_do_not_group() -> None:
    frame = _visits().drop(columns=["patient_id"])
    assert find_group(frame, _profile(frame).columns, target="outcome") is None


def test_codes_typed_as_identifiers_group_whatever_their_name() -> None:
    rng = np.random.default_rng(1)
    codes = [f"{c:08x}" for c in rng.integers(0, 2**32, 400)]
    frame = pd.DataFrame({"ref": np.repeat(codes, 2), "x": rng.normal(size=800), "y": rng.integers(0, 2, 800)})
    profile = profile_dataset(frame, target="y", with_checks=False, type_overrides={"ref": ColumnType.ID})
    assert profile.group is not None and profile.group.column == "ref"
    as_category = profile_dataset(frame, target="y", with_checks=False,
                                  type_overrides={"ref": ColumnType.CATEGORICAL})
    assert as_category.group is None  # neither named nor typed as an identifier


def test_a_value_on_most_rows_is_a_category_not_an_entity() -> None:
    frame = _visits()
    frame.loc[: len(frame) // 2, "patient_id"] = "P-unknown"
    assert find_group(frame, _profile(frame).columns, target="outcome") is None


@pytest.mark.parametrize("regression", [False, True])
def test_no_entity_is_in_two_folds_and_every_row_is_scored_once(regression: bool) -> None:
    frame = _visits(regression=regression)
    profile = _profile(frame)
    spec = build_task_spec(frame, profile.columns, target="outcome")
    assert spec.group == "patient_id" and "patient_id" not in spec.features
    assert "not a feature" in spec.dropped["patient_id"]
    prepared = prepare(frame, spec)
    folds = prepared.folds
    assert len(folds) == 5
    patients = frame["patient_id"].to_numpy()
    for train, valid in folds:
        assert not set(patients[train]) & set(patients[valid])
    assert sorted(np.concatenate([valid for _, valid in folds]).tolist()) == list(range(len(frame)))
    assert folds_in_words(prepared.spec) == "5-fold cross-validation, each 'patient_id' in one fold"


def test_rows_one_by_one_when_the_user_says_none_with_the_risk_told() -> None:
    frame = _visits()
    spec = build_task_spec(frame, _profile(frame).columns, target="outcome", group="")
    assert spec.group == "" and "patient_id" in spec.features
    assert any("may be better than on new patients" in note for note in spec.notes)
    folds = make_folds(prepare(frame, spec).y, spec)
    patients = frame["patient_id"].to_numpy()
    assert any(set(patients[train]) & set(patients[valid]) for train, valid in folds)


def test_the_users_group_column_is_checked() -> None:
    frame = _visits()
    columns = _profile(frame).columns
    assert build_task_spec(frame, columns, target="outcome", group="ward", n_folds=3).group == "ward"
    for bad in ("pateint_id", "outcome"):
        with pytest.raises(OptionError) as raised:
            build_task_spec(frame, columns, target="outcome", group=bad)
        assert raised.value.code == "BAD_GROUP"
    with pytest.raises(OptionError, match="at least 5"):
        build_task_spec(frame, columns, target="outcome", group="ward")  # 4 wards, 5 folds


def test_fewer_folds_when_a_class_lives_in_few_entities_then_rows_one_by_one() -> None:
    frame = _visits(n_patients=60)
    frame["outcome"] = "no"
    rare = frame["patient_id"].isin(["P0001", "P0002", "P0003"])
    frame.loc[rare, "outcome"] = "yes"
    spec = build_task_spec(frame, _profile(frame).columns, target="outcome", group="patient_id")
    y = (frame["outcome"] == "yes").to_numpy().astype(int)
    fitted, _, note = fit_folds(y, replace(spec, classes=("no", "yes")), groups=group_codes(frame["patient_id"]))
    assert fitted.n_folds == 3 and "3 folds instead of 5" in note
    frame.loc[frame["patient_id"] != "P0001", "outcome"] = "no"
    frame.loc[frame.index[:3], "outcome"] = "yes"  # a few rows of one patient and a few of another
    frame.loc[frame["patient_id"] == "P0001", "outcome"] = "yes"
    y = (frame["outcome"] == "yes").to_numpy().astype(int)
    only_two = frame.loc[frame["outcome"] == "yes", "patient_id"].nunique()
    assert only_two == 2
    fitted, _, note = fit_folds(y, replace(spec, classes=("no", "yes")), groups=group_codes(frame["patient_id"]))
    assert fitted.n_folds == 2 and fitted.group == "patient_id"
    frame.loc[frame["outcome"] == "yes", "patient_id"] = "P0001"
    y = (frame["outcome"] == "yes").to_numpy().astype(int)
    fitted, _, note = fit_folds(y, replace(spec, classes=("no", "yes")), groups=group_codes(frame["patient_id"]))
    assert fitted.group == "" and "folded one by one" in note and "every class" in note


def test_a_missing_entity_is_an_entity_of_its_own() -> None:
    codes = group_codes(pd.Series(["a", None, "a", None, "b"]))
    assert codes[0] == codes[2] and len({codes[1], codes[3], codes[0], codes[4]}) == 4


def _dated(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 400, n)
    x = rng.normal(size=n)
    return pd.DataFrame({"when": (pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")).strftime("%d/%m/%Y"),
                         "x": x, "y": np.where(x + days / 200 + rng.normal(size=n) > 1, "up", "down")})


def test_time_folds_learn_only_from_the_past_and_score_each_later_period_once() -> None:
    frame = _dated()
    spec = build_task_spec(frame, _profile(frame, "y").columns, target="y", time="when")
    assert spec.time == "when" and "when" in spec.features and spec.group == ""
    prepared = prepare(frame, spec)
    stamps = pd.to_datetime(frame["when"], format="%d/%m/%Y").to_numpy()
    folds = prepared.folds
    assert len(folds) == 5
    for train, valid in folds:
        assert stamps[train].max() < stamps[valid].min()  # strictly earlier: one day's rows never apart
    scored = np.concatenate([valid for _, valid in folds])
    assert len(scored) == len(set(scored.tolist())) and 0.75 * len(frame) < len(scored) < 0.9 * len(frame)
    assert folds_in_words(prepared.spec) == "5 folds forward in time by 'when'"


def test_rows_without_a_time_are_only_learned_from_and_told() -> None:
    frame = _dated()
    frame.loc[:9, "when"] = None
    spec = build_task_spec(frame, _profile(frame, "y").columns, target="y", time="when")
    prepared = prepare(frame, spec)
    assert any("10 rows have no readable time" in note for note in prepared.notes)
    for train, valid in prepared.folds:
        assert set(range(10)) <= set(train.tolist()) and not set(range(10)) & set(valid.tolist())


def test_the_time_column_is_checked() -> None:
    frame = _dated()
    columns = _profile(frame, "y").columns
    for bad, message in (("wehn", "no column"), ("y", "target")):
        with pytest.raises(OptionError, match=message) as raised:
            build_task_spec(frame, columns, target="y", time=bad)
        assert raised.value.code == "BAD_TIME"
    with pytest.raises(OptionError, match="not both"):
        build_task_spec(frame, columns, target="y", time="when", group="x")
    frame["few"] = np.arange(len(frame)) % 4
    with pytest.raises(OptionError, match="at least 10"):
        build_task_spec(frame, _profile(frame, "y").columns, target="y", time="few")


def test_a_class_seen_only_late_lengthens_the_period_only_learned_from() -> None:
    frame = _dated()
    order = pd.to_datetime(frame["when"], format="%d/%m/%Y").rank(method="first").to_numpy()
    late = order > len(frame) * 0.55
    frame["y"] = "down"
    frame.loc[late, "y"] = np.where(order[late] % 2 == 0, "up", "down")
    prepared = prepare(frame, build_task_spec(frame, _profile(frame, "y").columns, target="y", time="when"))
    assert prepared.spec.time == "when" and prepared.spec.n_folds == 5
    first_up = order[(frame["y"] == "up").to_numpy()].min()
    for train, valid in prepared.folds:
        assert set(prepared.y[train]) == {0, 1} and set(prepared.y[valid]) == {0, 1}
        assert order[valid].min() > first_up


@pytest.mark.parametrize("how", ["rows", "group", "time"])
def test_the_holdout_is_kept_out_of_the_search_the_way_the_data_is_validated(how: str) -> None:
    frame = _visits() if how != "time" else _dated()
    target = "outcome" if how != "time" else "y"
    options = {"rows": {"group": ""}, "group": {}, "time": {"time": "when"}}[how]
    spec = build_task_spec(frame, _profile(frame, target).columns, target=target, holdout=0.2, **options)
    prepared = prepare(frame, spec)
    assert prepared.holdout is not None
    searched, held = set(prepared.index), set(prepared.holdout.index)
    assert not searched & held and searched | held == set(frame.index)
    assert abs(len(held) - 0.2 * len(frame)) < 0.05 * len(frame)
    assert len(prepared.X) == len(prepared.y) == len(searched)
    if how == "group":
        assert not set(frame.loc[list(held), "patient_id"]) & set(frame.loc[list(searched), "patient_id"])
        assert "whole 'patient_id' groups" in prepared.holdout_how
    if how == "time":
        stamps = pd.to_datetime(frame["when"], format="%d/%m/%Y")
        assert stamps[list(held)].min() >= stamps[list(searched)].max()
    if how == "rows":
        share = (frame.loc[list(held), "outcome"] == "yes").mean()
        assert abs(share - (frame["outcome"] == "yes").mean()) < 0.02  # stratified


def test_the_chosen_model_is_scored_once_on_the_holdout() -> None:
    from sklearn.metrics import roc_auc_score

    from kuai.engine.automl import train
    from kuai.engine.data.column_selection import inputs_of
    from kuai.engine.models.preprocessing import to_model_frame
    from kuai.engine.types import SearchBudget

    frame = _visits()
    spec = build_task_spec(frame, _profile(frame).columns, target="outcome", holdout=0.25)
    result = train(frame, spec, budget=SearchBudget(time_budget_s=10, max_trials=2, families=("linear",)))
    prepared = prepare(frame, spec)
    assert result.holdout is not None and result.holdout.n_rows == len(prepared.holdout)
    assert len(result.y) == len(prepared.index)  # the search, the ensemble and the evaluation never saw it
    inputs = inputs_of(to_model_frame(prepared.holdout, prepared.schema).reset_index(drop=True), result.schema)
    truth = (prepared.holdout["outcome"] == "yes").to_numpy()
    expected = roc_auc_score(truth, result.estimator.predict_proba(inputs)[:, 1])
    assert result.holdout.score == pytest.approx(expected)


def test_values_written_as_codes_group_whatever_the_language_of_the_name() -> None:
    frame = _visits().rename(columns={"patient_id": "患者编号"})
    frame["患者编号"] = frame["患者编号"].str.replace("P", "HZ-", regex=False)
    group = find_group(frame, _profile(frame).columns, target="outcome")
    assert group is not None and group.column == "患者编号"
    names = _visits().drop(columns="patient_id")
    names["surname"] = np.random.default_rng(2).choice([f"Name{chr(97 + i)}{chr(97 + j)}" for i in range(8)
                                                        for j in range(8)], len(names))
    assert find_group(names, _profile(names).columns, target="outcome") is None  # words, not codes


def test_categories_named_or_coded_like_ids_do_not_group() -> None:
    """Review findings: classification codes, foreign keys to a few categories, region codes, a product key and a
    generic word are categories or measurements, not entities whose rows repeat."""
    rng = np.random.default_rng(4)
    n = 3000
    codes = ["I10", "E11", "J45", "K21", "M54", "N39", "F32", "G43", "H52", "L40", "R51", "S93", "T78", "Z00"]
    frame = pd.DataFrame({"diagnosis": rng.choice(codes, n), "category_id": rng.integers(1, 13, n),
                          "region_code": [f"R{i:02d}" for i in rng.integers(1, 16, n)],
                          "product_key": rng.integers(100, 160, n), "line": rng.integers(1, 40, n),
                          "x": rng.normal(size=n), "y": rng.integers(0, 2, n)})
    assert find_group(frame, _profile(frame, "y").columns, target="y") is None


def test_fewer_groups_than_folds_after_a_holdout_means_fewer_folds_not_a_crash() -> None:
    frame = _visits()
    frame["site"] = frame["patient_id"].str[-1].map(lambda d: f"S{int(d) % 5}")  # 5 sites
    spec = build_task_spec(frame, _profile(frame).columns, target="outcome", group="site", holdout=0.2)
    prepared = prepare(frame, spec)  # a fifth of the sites held out: 4 left for 5 folds
    assert prepared.spec.group == "site" and prepared.spec.n_folds == 4 and len(prepared.folds) == 4
    sites = frame.loc[prepared.index, "site"].to_numpy()
    for train, valid in prepared.folds:
        assert not set(sites[train]) & set(sites[valid])
