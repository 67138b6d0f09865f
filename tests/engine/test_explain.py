"""SHAP explanations: additivity per family and for ensembles, exact folding to original columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline

from kuai.engine import TaskSpec, build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame
from kuai.engine.explain.shap_values import explain_model
from kuai.engine.models import FAMILIES
from kuai.engine.models.preprocessing import build_preprocessor
from kuai.engine.types import InputColumn

FAMILY_NAMES = ("lightgbm", "catboost", "hist_gb", "random_forest", "extra_trees", "linear")
Data = tuple[TaskSpec, tuple[InputColumn, ...], pd.DataFrame, np.ndarray]


def _data(frame: pd.DataFrame, target: str) -> Data:
    spec = build_task_spec(frame, profile_dataset(frame).columns, target=target, n_folds=3)
    schema = build_input_schema(frame, spec)
    return spec, schema, to_model_frame(frame, schema), encode_target(frame[target], spec)


@pytest.fixture()
def binary(mixed_frame: pd.DataFrame) -> Data:
    return _data(mixed_frame, "outcome")


@pytest.fixture()
def regression(mixed_frame: pd.DataFrame) -> Data:
    frame = mixed_frame.drop(columns="outcome")
    frame["value"] = frame["amount"].fillna(50) * 3 + (frame["colour"] == "red") * 20
    return _data(frame, "value")


@pytest.fixture()
def multiclass(mixed_frame: pd.DataFrame) -> Data:
    frame = mixed_frame.copy()
    amount = frame["amount"].fillna(50)
    frame["outcome"] = np.where(amount > 55, "high", np.where(amount < 45, "low", "mid"))
    return _data(frame, "outcome")


def _pipeline(family_name: str, data: Data) -> Pipeline:
    spec, schema, X, y = data
    family = FAMILIES[family_name]
    params = family.default_configs(_shape(data))[0]
    if family.grows_iterations:
        params = family.with_iterations(params, 40)
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    pipeline = Pipeline([("prep", prep), ("model", family.build(params, spec.task, seed=0))])
    return pipeline.fit(X, y)


def _shape(data: Data) -> Any:
    from kuai.engine.models import DataShape

    spec, schema, _, y = data
    return DataShape(len(y), len(schema), len(spec.classes))


def _explain(estimator: Any, data: Data, name: str = "model", size: int = 40) -> Any:
    spec, schema, X, _ = data
    return explain_model(estimator, X, spec=spec, schema=schema, model_name=name, sample_size=size, seed=1)


def _reconstructed(explanation: Any) -> np.ndarray:
    return np.asarray(explanation.sample_values).sum(axis=1) + np.asarray(explanation.base_values)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_binary_shap_adds_up_to_the_model_output(binary: Data, family: str) -> None:
    pipeline = _pipeline(family, binary)
    explanation = _explain(pipeline, binary)
    rows = binary[2].iloc[explanation.sample_index]
    proba = pipeline.predict_proba(rows)[:, 1]
    expected = proba if explanation.output_space == "probability" else _logit(proba)
    assert explanation.output_space == ("probability" if family in ("random_forest", "extra_trees") else "log-odds")
    assert np.allclose(_reconstructed(explanation), expected, atol=1e-4)
    assert set(explanation.explained_class) == {"yes"}


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_regression_shap_adds_up_to_the_prediction(regression: Data, family: str) -> None:
    pipeline = _pipeline(family, regression)
    explanation = _explain(pipeline, regression)
    predicted = pipeline.predict(regression[2].iloc[explanation.sample_index])
    assert explanation.output_space == "predicted value"
    assert np.allclose(_reconstructed(explanation), predicted, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("family", ["lightgbm", "catboost", "linear", "random_forest"])
def test_multiclass_shap_adds_up_to_the_predicted_class_output(multiclass: Data, family: str) -> None:
    spec = multiclass[0]
    pipeline = _pipeline(family, multiclass)
    explanation = _explain(pipeline, multiclass)
    rows = multiclass[2].iloc[explanation.sample_index]
    predicted = np.argmax(pipeline.predict_proba(rows), axis=1)
    assert explanation.explained_class == [spec.classes[k] for k in predicted]
    if family == "random_forest":
        scores = pipeline.predict_proba(rows)
    elif family == "linear":
        scores = pipeline.decision_function(rows)
    elif family == "catboost":
        matrix = pipeline.named_steps["prep"].transform(rows)
        scores = pipeline.named_steps["model"].predict(matrix, prediction_type="RawFormulaVal")
    else:
        scores = pipeline.predict(rows, raw_score=True)
    assert np.allclose(_reconstructed(explanation), scores[np.arange(len(rows)), predicted], atol=1e-4)


def test_catboost_is_never_handed_to_shaps_tree_loader(multiclass: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    """shap.TreeExplainer parses a multiclass CatBoost's leaves wrongly and its C extension can then crash the
    process (a segmentation fault, not an exception): CatBoost is explained by its own TreeSHAP instead."""
    import shap

    real = shap.TreeExplainer

    def guarded(model: Any, *args: Any, **kwargs: Any) -> Any:
        assert not type(model).__module__.startswith("catboost"), "CatBoost reached shap.TreeExplainer"
        return real(model, *args, **kwargs)

    monkeypatch.setattr(shap, "TreeExplainer", guarded)
    members = _members(multiclass, ("catboost", "lightgbm"))
    ensemble = _voting_classifier(members, np.array([0.5, 0.5]), multiclass)
    explanation = _explain(ensemble, multiclass, name="ensemble")
    assert "combines its 2 members" in explanation.note
    assert explanation.method == "CatBoost ShapValues (TreeSHAP)"
    assert np.isfinite(np.asarray(explanation.sample_values)).all()


def _members(data: Data, names: tuple[str, ...]) -> list[tuple[str, Pipeline]]:
    return [(f"{name}_{i}", _pipeline(name, data)) for i, name in enumerate(names)]


def test_regression_ensemble_shap_adds_up_to_the_ensemble_prediction(regression: Data) -> None:
    members = _members(regression, ("lightgbm", "linear", "random_forest"))
    weights = np.array([0.5, 0.3, 0.2])
    ensemble = VotingRegressor(members, weights=weights)
    ensemble.estimators_ = [pipeline for _, pipeline in members]  # already fitted on the same rows
    explanation = _explain(ensemble, regression, name="ensemble")
    predicted = ensemble.predict(regression[2].iloc[explanation.sample_index])
    assert "combines its 3 members" in explanation.note
    assert np.allclose(_reconstructed(explanation), predicted, rtol=1e-5, atol=1e-3)
    single = _explain(members[0][1], regression)
    assert not np.allclose(explanation.sample_values, single.sample_values), "not the largest member alone"


def _voting_classifier(members: list[tuple[str, Pipeline]], weights: np.ndarray, data: Data) -> VotingClassifier:
    spec, _, X, y = data
    ensemble = VotingClassifier(members, voting="soft", weights=weights, flatten_transform=False)
    return ensemble.fit(X, y)


def test_binary_ensemble_shap_adds_up_to_the_weighted_member_log_odds(binary: Data) -> None:
    members = _members(binary, ("lightgbm", "linear", "hist_gb"))
    weights = np.array([0.6, 0.2, 0.2])
    ensemble = _voting_classifier(members, weights, binary)
    explanation = _explain(ensemble, binary, name="ensemble")
    rows = binary[2].iloc[explanation.sample_index]
    margins = sum(w * _logit(m.predict_proba(rows)[:, 1]) for w, m in zip(weights, ensemble.estimators_, strict=True))
    assert explanation.output_space == "log-odds"
    assert np.allclose(_reconstructed(explanation), margins, atol=1e-4)
    # close to the ensemble's own log-odds, though not equal (it averages probabilities)
    assert np.corrcoef(_reconstructed(explanation), _logit(ensemble.predict_proba(rows)[:, 1]))[0, 1] > 0.95


def test_mixed_space_ensemble_falls_back_to_its_largest_member(binary: Data) -> None:
    members = _members(binary, ("lightgbm", "random_forest"))
    ensemble = _voting_classifier(members, np.array([0.3, 0.7]), binary)
    explanation = _explain(ensemble, binary, name="ensemble")
    assert "largest member" in explanation.note and "Random forest" in explanation.note
    rows = binary[2].iloc[explanation.sample_index]
    forest = ensemble.estimators_[1]
    assert explanation.output_space == "probability"
    assert np.allclose(_reconstructed(explanation), forest.predict_proba(rows)[:, 1], atol=1e-4)


@pytest.mark.parametrize("family", ["linear", "lightgbm"])
def test_folding_sums_the_encoded_parts_of_each_column(binary: Data, family: str) -> None:
    import shap

    spec, schema, X, _ = binary
    pipeline = _pipeline(family, binary)
    explanation = _explain(pipeline, binary)
    prep, model = pipeline.named_steps["prep"], pipeline.named_steps["model"]
    matrix = np.asarray(prep.transform(X.iloc[explanation.sample_index]), dtype=np.float64)
    if family == "linear":
        sampled = np.random.default_rng(1).permutation(len(X))[:40]  # explain_model's sample is its background
        background = np.asarray(prep.transform(X.iloc[sampled]), dtype=np.float64)
        raw = shap.LinearExplainer(model, background)(matrix).values
    else:
        raw = shap.TreeExplainer(model)(matrix, check_additivity=False).values
    raw = raw if raw.ndim == 2 else raw[:, :, 1]
    names = list(prep.get_feature_names_out())
    for position, column in enumerate(schema):
        parts = [i for i, n in enumerate(names) if column.safe_name in n]
        folded = np.asarray(explanation.sample_values)[:, position]
        assert np.allclose(folded, raw[:, parts].sum(axis=1), atol=1e-7), column.name
    colour_parts = [n for n in names if schema[[c.name for c in schema].index("colour")].safe_name in n]
    assert len(colour_parts) == (4 if family == "linear" else 1)  # one-hot: red, green, blue and missing


def test_explained_rows_carry_their_values_for_beeswarm_and_dependence(binary: Data) -> None:
    spec, schema, X, _ = binary
    explanation = _explain(_pipeline("lightgbm", binary), binary)
    assert len(explanation.sample_data) == len(explanation.sample_values) == 40
    assert explanation.n_rows == len(X)
    by_name = {c: i for i, c in enumerate(explanation.columns)}
    first = explanation.sample_data[0]
    source = X.iloc[explanation.sample_index[0]]
    amount = source[schema[by_name["amount"]].safe_name]
    assert first[by_name["amount"]] == (None if np.isnan(amount) else pytest.approx(float(amount), abs=1e-4))
    colours = {row[by_name["colour"]] for row in explanation.sample_data}
    assert colours <= {"red", "green", "blue", None} and len(colours) >= 3
    assert all(isinstance(row[by_name["visited"]], str) and row[by_name["visited"]][:2] == "20"
               for row in explanation.sample_data)


def test_rows_that_fit_separates_the_fixed_cost_of_a_call_from_its_cost_per_row() -> None:
    from kuai.engine.explain.shap_values import _rows_that_fit

    # one call of 5 rows in 0.2 s: half counted as fixed, 0.02 s per row
    assert _rows_that_fit([(5, 0.2)], 1.1, 500) == 50
    # 5 rows 0.2 s, 20 rows 0.35 s: 0.01 s per row after 0.15 s fixed
    assert _rows_that_fit([(5, 0.2), (20, 0.35)], 1.15, 500) == 100
    assert _rows_that_fit([(5, 0.2), (20, 0.35)], 0.1, 500) == 0  # not even the fixed cost fits
    assert _rows_that_fit([(5, 0.2), (20, 0.35)], 100.0, 30) == 30  # never more than wanted


def test_time_boxed_explanation_shrinks_its_sample_but_keeps_a_minimum(binary: Data) -> None:
    from kuai.engine.explain.shap_values import MIN_ROWS

    spec, schema, X, _ = binary
    pipeline = _pipeline("random_forest", binary)
    full = explain_model(pipeline, X, spec=spec, schema=schema, model_name="rf", sample_size=400, seed=1)
    assert len(full.sample_values) == 400 and "time-boxed" not in full.note
    boxed = explain_model(pipeline, X, spec=spec, schema=schema, model_name="rf", sample_size=400, seed=1,
                          time_budget_s=0.0)
    assert MIN_ROWS <= len(boxed.sample_values) < 400 or len(boxed.sample_values) == 5  # 5: the probe, when slow
    assert "time-boxed" in boxed.note and f"Explained {len(boxed.sample_values)} rows" in boxed.note
    full_by_row = dict(zip(full.sample_index, full.sample_values, strict=True))
    for index, values in zip(boxed.sample_index, boxed.sample_values, strict=True):  # same rows, same values
        np.testing.assert_allclose(values, full_by_row[index], atol=1e-8)


@pytest.mark.parametrize("family", ["lightgbm", "linear", "random_forest", "extra_trees", "hist_gb"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_native_shap_values_are_shaps_own(family: str, task: str, request: pytest.FixtureRequest) -> None:
    """LightGBM's pred_contrib (on its own trees and on scikit-learn's, rewritten) and the closed-form linear
    values equal what the SHAP package computes."""
    import shap

    from kuai.engine.explain.native_shap import native_explainer

    data = request.getfixturevalue(task)
    pipeline = _pipeline(family, data)
    prep, model = pipeline.named_steps["prep"], pipeline.named_steps["model"]
    matrix = np.asarray(prep.transform(data[2]), dtype=np.float64)
    background, rows = matrix[:40], matrix[40:90]
    ours = native_explainer(model, lambda: background)
    theirs = (shap.LinearExplainer(model, background) if family == "linear" else shap.TreeExplainer(model))(rows)
    assert ours is not None
    mine = ours(rows)
    assert mine.values.shape == np.asarray(theirs.values).shape
    assert np.allclose(mine.values, theirs.values, atol=1e-7)
    assert np.allclose(mine.base_values, theirs.base_values, atol=1e-7)


def test_missing_values_take_the_models_own_way_in_rewritten_trees() -> None:
    """Histogram boosting and forests send missing values one way per split: the rewritten trees do the same, so
    the values still add up to the prediction on rows with gaps."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestRegressor,
    )

    from kuai.engine.explain.native_shap import native_explainer

    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 4))
    X[rng.random(X.shape) < 0.25] = np.nan
    y = np.nan_to_num(X[:, 0]) * 2 + np.isnan(X[:, 1]) * 3 + rng.normal(0, 0.1, 500)
    rows = rng.normal(size=(60, 4))
    rows[rng.random(rows.shape) < 0.3] = np.nan
    for model in (HistGradientBoostingRegressor(max_iter=30), RandomForestRegressor(20, random_state=0),
                  ExtraTreesRegressor(20, random_state=0)):
        model.fit(X, y)
        explained = native_explainer(model, lambda: X[:40])(rows)
        assert np.allclose(explained.values.sum(axis=1) + explained.base_values, model.predict(rows), atol=1e-9)
    labels = (y > np.median(y)).astype(int)
    booster = HistGradientBoostingClassifier(max_iter=30).fit(X, labels)
    explained = native_explainer(booster, lambda: X[:40])(rows)
    log_odds = booster.decision_function(rows)
    assert np.allclose(explained.values.sum(axis=1) + explained.base_values, log_odds, atol=1e-9)
    forest = ExtraTreesClassifier(20, random_state=0).fit(X, labels)
    explained = native_explainer(forest, lambda: X[:40])(rows)
    assert np.allclose(explained.values.sum(axis=1) + explained.base_values, forest.predict_proba(rows), atol=1e-9)


def test_histogram_boosting_with_categorical_columns_goes_to_shap() -> None:
    """scikit-learn moves categorical columns first inside the model: its split indices are not the inputs'."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from kuai.engine.explain.sklearn_tree_shap import sklearn_trees

    rng = np.random.default_rng(5)
    X = np.c_[rng.normal(size=300), rng.normal(size=300), rng.integers(0, 3, 300)]
    model = HistGradientBoostingRegressor(categorical_features=[2], max_depth=2, max_iter=5).fit(X, X[:, 0])
    assert sklearn_trees(model) is None


def test_trees_whose_covers_are_not_row_counts_go_to_shap(binary: Data) -> None:
    """Extra trees fitted with sample weights have fractional covers, which LightGBM cannot hold: SHAP's package
    explains them, and the values still add up."""
    from sklearn.ensemble import ExtraTreesClassifier

    from kuai.engine.explain.native_shap import native_explainer
    from kuai.engine.explain.sklearn_tree_shap import sklearn_trees

    spec, schema, X, y = binary
    prep = build_preprocessor(schema, encoding=FAMILIES["extra_trees"].encoding, scale=False)
    model = ExtraTreesClassifier(n_estimators=10, random_state=0)
    model.fit(prep.fit_transform(X), y, sample_weight=np.where(y == 1, 2.5, 0.7))
    assert sklearn_trees(model) is None and native_explainer(model, lambda: np.zeros((1, 1))) is None
    pipeline = Pipeline([("prep", prep), ("model", model)])
    explanation = _explain(pipeline, binary)
    assert explanation.method == "shap.TreeExplainer"
    probability = pipeline.predict_proba(X.iloc[explanation.sample_index])[:, 1]
    assert np.allclose(_reconstructed(explanation).ravel(), probability, atol=1e-6)


def test_explaining_boosters_forests_and_linear_models_never_imports_shap() -> None:
    """SHAP's package (numba, llvmlite: ~90 MB) is imported only for trees LightGBM cannot rewrite."""
    import subprocess
    import sys

    script = """
import sys
import numpy as np, pandas as pd
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline
from kuai.engine import build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame
from kuai.engine.explain.shap_values import explain_model
from kuai.engine.models import FAMILIES, DataShape
from kuai.engine.models.preprocessing import build_preprocessor
shape = DataShape(300, 2, 2)
rng = np.random.default_rng(0)
frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y", "z"], 300)})
frame["outcome"] = np.where(frame["a"] + (frame["b"] == "x") > 0.4, "yes", "no")
spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
schema = build_input_schema(frame, spec)
X, y = to_model_frame(frame, schema), encode_target(frame["outcome"], spec)
members = []
for name in ("lightgbm", "catboost", "linear"):
    family = FAMILIES[name]
    params = family.default_configs(shape)[0]
    params = family.with_iterations(params, 30) if family.grows_iterations else params
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    members.append((name, Pipeline([("prep", prep), ("model", family.build(params, spec.task, seed=0))])))
blend = VotingClassifier(members, voting="soft", weights=np.array([0.5, 0.3, 0.2]), flatten_transform=False)
blend.fit(X, y)
explanation = explain_model(blend, X, spec=spec, schema=schema, model_name="ensemble", sample_size=50)
assert explanation.importance["a"] > 0
for name in ("random_forest", "extra_trees", "hist_gb"):
    family = FAMILIES[name]
    params = family.default_configs(shape)[0]
    params = family.with_iterations(params, 30) if family.grows_iterations else params
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    single = Pipeline([("prep", prep), ("model", family.build(params, spec.task, seed=0))]).fit(X, y)
    explained = explain_model(single, X, spec=spec, schema=schema, model_name=name, sample_size=50)
    assert explained.importance["a"] > 0 and "pred_contrib" in explained.method
print("shap" in sys.modules, "numba" in sys.modules)
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False"]


def test_an_early_stopped_lightgbm_is_explained_as_it_predicts(binary: Data) -> None:
    """A bag's fold models stop early: their values add up to what they predict."""
    import lightgbm

    from kuai.engine.explain.native_shap import native_explainer

    spec, schema, X, y = binary
    prep = build_preprocessor(schema, encoding=FAMILIES["lightgbm"].encoding, scale=False)
    matrix = np.asarray(prep.fit_transform(X), dtype=np.float64)
    model = lightgbm.LGBMClassifier(n_estimators=400, learning_rate=0.3, verbose=-1)
    model.fit(matrix[:200], y[:200], eval_set=[(matrix[200:], y[200:])],
              callbacks=[lightgbm.early_stopping(10, verbose=False)])
    assert 0 < model.best_iteration_ < 400
    explained = native_explainer(model, lambda: matrix[:40])(matrix[:50])
    raw = model.predict(matrix[:50], raw_score=True)
    assert np.allclose(explained.values.sum(axis=1) + explained.base_values, raw, atol=1e-6)
