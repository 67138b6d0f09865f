"""The model-family contract: every registered family declares every fact Kuai reads, and they hold.

Each test runs over every family of ``kuai.engine.models.FAMILIES`` (the multilayer perceptron, ``mlp``, is the
black box explained by sampled Shapley values) and over a family defined in this file alone and registered for the
test (``DecisionTreeFamily``, a tree SHAP reads): a new family is its own file, one line in the registry
(``kuai/engine/models/__init__.py``)
and, at most, an ONNX converter in ``kuai.exporters``; this contract is what it must pass.
"""

from __future__ import annotations

import importlib.metadata
import time
from typing import Any

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from kuai.engine import SearchBudget, family_label, model_label, short_model_label, train
from kuai.engine.explain.native_shap import native_explainer
from kuai.engine.models import (
    FACTS,
    FAMILIES,
    DataShape,
    Deadline,
    ExportCost,
    FitCost,
    MemoryCost,
    ModelFamily,
    ShapRoute,
    default_order,
    family_of,
)
from kuai.engine.models.preprocessing import build_input_schema, build_preprocessor, to_model_frame
from kuai.engine.types import ColumnType, TaskSpec, TaskType

N_ROWS = 90
TASKS = (TaskType.BINARY, TaskType.MULTICLASS, TaskType.REGRESSION)
FEATURE_TYPES = {"amount": ColumnType.NUMERIC, "colour": ColumnType.CATEGORICAL}


class DecisionTreeFamily(ModelFamily):
    """A new family as a newcomer would add it: this class is all of it (scikit-learn's trees convert to ONNX and
    SHAP's TreeExplainer reads them, so no converter is needed)."""

    name = "decision_tree"
    label = "Decision tree"
    short_label = "Decision tree"
    search_order = 70  # after every family of the default search
    encoding = "ordinal"
    scale = False
    grows_iterations = False
    parallel_folds = False
    memory = MemoryCost(cell_bytes=8.0, fixed_mb=10.0, class_row_bytes=0.0, growth=None)
    export = ExportCost(onnx_per_pickled=0.65, seconds_per_mb=0.25, multiclass_opset5=False)
    fit_cost = FitCost(core_s_per_mcell=1.0, per_class=False)
    shap_route = ShapRoute.SHAP_TREE
    explains_probability = True
    estimators = ("sklearn.tree.DecisionTreeClassifier", "sklearn.tree.DecisionTreeRegressor")
    libraries = ("scikit-learn",)
    preflight_group = None
    grams_first = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"decision_tree__max_depth": 4, "decision_tree__min_samples_leaf": 5}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {"decision_tree__max_depth": trial.suggest_int("decision_tree__max_depth", 2, 12),
                "decision_tree__min_samples_leaf": trial.suggest_int("decision_tree__min_samples_leaf", 1, 30,
                                                                     log=True)}

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        cls = DecisionTreeClassifier if task.is_classification else DecisionTreeRegressor
        return cls(random_state=seed, **self.unprefixed(params))


TEST_FAMILIES = {family.name: family for family in (DecisionTreeFamily,)}
NAMES = (*sorted(FAMILIES), *TEST_FAMILIES)


@pytest.fixture()
def with_decision_tree(monkeypatch: pytest.MonkeyPatch) -> ModelFamily:
    """The test family, registered for one test as a family file registers in ``FAMILIES``."""
    family = DecisionTreeFamily()
    monkeypatch.setitem(FAMILIES, family.name, family)
    return family


@pytest.fixture(params=NAMES)
def family(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ModelFamily:
    if request.param in TEST_FAMILIES:  # registered for this test, as a family file registers in ``FAMILIES``
        monkeypatch.setitem(FAMILIES, request.param, TEST_FAMILIES[request.param]())
    return FAMILIES[request.param]


def _data(task: TaskType) -> tuple[TaskSpec, Any, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    amount = rng.normal(50, 10, N_ROWS)
    colour = rng.choice(["red", "green", "blue"], N_ROWS)
    signal = (amount - 50) / 10 + (colour == "red") * 1.5 + rng.normal(0, 0.5, N_ROWS)
    raw = pd.DataFrame({"amount": amount, "colour": colour})
    raw.loc[::11, "amount"] = np.nan
    if task is TaskType.REGRESSION:
        y = signal
    else:
        y = np.digitize(signal, np.quantile(signal, [0.5] if task is TaskType.BINARY else [0.33, 0.66]))
    spec = TaskSpec(target="y", task=task, metric="roc_auc", features=tuple(FEATURE_TYPES),
                    feature_types=dict(FEATURE_TYPES))
    schema = build_input_schema(raw, spec)
    return spec, schema, to_model_frame(raw, schema), y


def _shape(task: TaskType) -> DataShape:
    return DataShape(N_ROWS, len(FEATURE_TYPES), {TaskType.BINARY: 2, TaskType.MULTICLASS: 3}.get(task, 0))


def test_facts_are_declared_typed_and_sane(family: ModelFamily) -> None:
    assert all(hasattr(type(family), fact) for fact in FACTS)
    assert family.name.isidentifier() and family.name not in ("ensemble", "stack")
    assert family.label.strip() and family.short_label.strip() and len(family.short_label) <= len(family.label)
    assert family_label(family.name) == family.label and model_label(f"{family.name}_3") == f"{family.label} #3"
    assert short_model_label(f"{family.name}_3") == family.short_label
    assert family.search_order is None or isinstance(family.search_order, int)
    assert (family.name in default_order()) == (family.search_order is not None)
    assert family.encoding in ("ordinal", "onehot")
    assert all(isinstance(getattr(family, flag), bool) for flag in
               ("scale", "grows_iterations", "parallel_folds", "explains_probability"))
    memory = family.memory
    assert isinstance(memory, MemoryCost) and memory.cell_bytes > 0 and memory.fixed_mb > 0
    assert memory.class_row_bytes >= 0
    if memory.growth is not None:
        assert all(n > 0 for n in memory.growth.nodes_per_row)
        assert 0 < memory.growth.trees_per_step <= memory.growth.max_trees and memory.growth.max_nodes > 0
    assert isinstance(family.export, ExportCost) and family.export.onnx_per_pickled > 0
    assert family.export.seconds_per_mb > 0 and isinstance(family.export.multiclass_opset5, bool)
    cost = family.fit_cost  # the search's prediction of a trial's time before it has measured the family
    assert isinstance(cost, FitCost) and cost.core_s_per_mcell > 0 and isinstance(cost.per_class, bool)
    assert cost.core_s(2e6, 5) >= cost.core_s(2e6, 2) == 2 * cost.core_s(1e6, 2) > 0
    assert isinstance(family.shap_route, ShapRoute)
    assert family.preflight_group is None or family.preflight_group.strip()
    assert family.libraries and all(importlib.metadata.version(library) for library in family.libraries)
    assert len(family.estimator_classes()) == len(family.estimators) > 0


def test_a_family_that_forgets_a_fact_cannot_be_registered() -> None:
    class Forgetful(DecisionTreeFamily):
        pass

    del DecisionTreeFamily.label  # as if it had never been written
    try:
        with pytest.raises(TypeError, match="does not declare label"):
            Forgetful()
    finally:
        DecisionTreeFamily.label = "Decision tree"


@pytest.mark.parametrize("task", TASKS, ids=str)
def test_search_space_samples_valid_configs_and_holds_the_defaults(family: ModelFamily, task: TaskType) -> None:
    shape = _shape(task)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(3):
        trial = study.ask()
        params = family.sample(trial, shape)
        assert params and all(key.startswith(f"{family.name}__") for key in params)
        assert family.unprefixed(params).keys() == {key.removeprefix(f"{family.name}__") for key in params}
        family.build(params, task, seed=0)  # the estimator accepts every sampled value
        distributions = trial.distributions
        study.tell(trial, 0.0)
    configs = family.default_configs(shape)
    assert configs
    for config in configs:  # the portfolio's configs are points of the search space (Optuna enqueues them)
        assert config.keys() == distributions.keys()
        for key, value in config.items():
            assert distributions[key]._contains(distributions[key].to_internal_repr(value)), (key, value)


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=str)
def test_default_config_fits_explains_and_converts(family: ModelFamily, task: TaskType) -> None:
    """The first default config fits a tiny seeded frame, its SHAP route explains the fit, and skl2onnx converts
    the pipeline to a graph that predicts as it does."""
    from kuai.exporters import OnnxScorer, onnx_feeds, to_onnx_model
    from kuai.exporters._converters import converter_alias

    spec, schema, X, y = _data(task)
    params = family.default_configs(_shape(task))[0]
    if family.grows_iterations:  # a few rounds or trees: the contract, not the model, is under test
        params = family.with_iterations(params, 10)
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    matrix = np.asarray(prep.fit_transform(X), dtype=np.float32)
    model = family.build(params, task, seed=0)
    with threadpool_limits(limits=1):  # OpenMP's threads only wait on each other over 70 rows
        family.fit(model, matrix[:70], y[:70], X_valid=matrix[70:], y_valid=y[70:],
                   deadline=Deadline(time.monotonic() + 60))
    assert family.owns(model) and family_of(model) is family and isinstance(model, family.estimator_classes())

    explainer = native_explainer(model, lambda: matrix[:30].astype(np.float64))
    if explainer is None:  # SHAP's own explainer (a route that needs the package)
        assert family.shap_route in (ShapRoute.SHAP_TREE, ShapRoute.SKLEARN_TREES)
        import shap

        explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer(matrix[:5].astype(np.float64)).values)
    assert values.shape[:2] == (5, matrix.shape[1]) and np.isfinite(values).all()

    assert converter_alias(type(model)) is not None
    pipeline = Pipeline([("prep", prep), ("model", model)])
    labels, scores = OnnxScorer(to_onnx_model(pipeline, schema, task).SerializeToString()).predict(
        onnx_feeds(X, schema))
    if task.is_classification:
        assert labels is not None and np.allclose(scores, pipeline.predict_proba(X), atol=1e-4)
    else:
        assert np.allclose(scores, pipeline.predict(X), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_a_new_family_is_searched_picked_and_explained(with_decision_tree: ModelFamily,
                                                       mixed_frame: pd.DataFrame) -> None:
    """Registered from this file alone, the decision tree joins the default order and a short training picks it."""
    from kuai.engine import build_task_spec, profile_dataset

    assert default_order()[-1] == "decision_tree"
    spec = build_task_spec(mixed_frame, profile_dataset(mixed_frame).columns, target="outcome", n_folds=3)
    result = train(mixed_frame, spec, budget=SearchBudget(time_budget_s=20, max_trials=3,
                                                          families=("decision_tree",)))
    assert result.model_name.startswith("decision_tree") or result.model_name == "ensemble"
    assert {e.family for e in result.leaderboard} >= {"decision_tree"}
    assert result.explanation is not None and result.explanation.output_space == "probability"


SHIPPED = ("lightgbm", "catboost", "hist_gb", "random_forest", "extra_trees", "linear")  # the families of issue 32


def test_the_families_facts_are_the_numbers_kuai_used_before() -> None:
    """The values of the tables the facts replaced (optimize.DEFAULT_ORDER, naming.FAMILY_LABELS, memory.CELL_BYTES,
    bagging.ONNX_PER_PICKLED, budget.EXPORT_S_PER_MB, ...), pinned."""
    assert default_order() == ("lightgbm", "linear", "extra_trees", "catboost", "random_forest", "hist_gb")
    shipped = {name: FAMILIES[name] for name in SHIPPED}  # a family added later is checked by the contract alone
    facts = {name: (f.label, f.short_label, f.memory.cell_bytes, f.memory.fixed_mb, f.memory.class_row_bytes,
                    f.memory.growth.nodes_per_row if f.memory.growth else None, f.export.onnx_per_pickled,
                    f.export.seconds_per_mb, f.export.multiclass_opset5, f.preflight_group)
             for name, f in shipped.items()}
    assert facts == {
        "lightgbm": ("LightGBM (boosted trees)", "LightGBM", 26.0, 10.0, 0.0, None, 1.7, 0.3, True,
                     "gradient boosting"),
        "catboost": ("CatBoost (boosted trees)", "CatBoost", 50.0, 45.0, 400.0, None, 4.0, 0.35, False,
                     "gradient boosting"),
        "hist_gb": ("Gradient boosting (scikit-learn)", "Gradient boosting", 31.0, 10.0, 0.0, None, 0.65, 0.25, True,
                    "gradient boosting"),
        "random_forest": ("Random forest", "Random forest", 25.0, 30.0, 0.0, (0.7, 1.2), 0.65, 0.25, False,
                          "random forest"),
        "extra_trees": ("Extra trees", "Extra trees", 2.0, 30.0, 0.0, (1.1, 2.0), 0.65, 0.25, False, None),
        "linear": ("Linear / logistic model", "Linear model", 6.0, 15.0, 0.0, None, 0.65, 0.25, True,
                   "linear model"),
    }
    assert [model_label(n) for n in ("ensemble", "stack")] == [
        "Ensemble (blend of models)", "Stack (LightGBM on the best models' predictions)"]
    assert [short_model_label(n) for n in ("ensemble", "stack_0", "unknown_1")] == ["Ensemble", "Stack", "unknown_1"]
    assert {f.shap_route for f in shipped.values()} == set(ShapRoute) - {ShapRoute.SHAP_TREE, ShapRoute.PERMUTATION}
    assert [name for name, f in shipped.items() if f.explains_probability] == ["random_forest", "extra_trees"]


def test_memory_estimates_are_the_numbers_kuai_used_before() -> None:
    """One trial's peak (MB) on 200,000 rows of 40 inputs, five classes, two fits side by side, at all rows and at 30 %,
    as ``trial_mb`` computed it from the name-keyed tables."""
    from kuai.engine.search.memory import trial_mb

    before = {"catboost": (1174.150391, 405.107422), "extra_trees": (1492.402344, 656.708984),
              "hist_gb": (541.005859, 190.664062), "lightgbm": (479.970703, 172.353516),
              "linear": (240.830078, 104.111328), "random_forest": (1392.304688, 626.679688)}
    for name, (whole, share) in before.items():
        need = trial_mb(FAMILIES[name], n_rows=200_000, n_folds=5, n_classes=5, width=40, fits=2)
        assert (need(1.0), need(0.3)) == (pytest.approx(whole, abs=1e-5), pytest.approx(share, abs=1e-5))


def test_a_black_box_is_explained_additively_and_close_to_the_exact_values() -> None:
    """``ShapRoute.PERMUTATION``: sampled Shapley values add up to the model's output minus the background's mean
    output, row by row; for a linear model (where they are known) they come close to the closed-form ones."""
    from sklearn.linear_model import Ridge

    from kuai.engine.explain.native_shap import LinearShap, PermutationShap

    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    model = Ridge().fit(X, X @ np.array([3.0, -2.0, 0.5, 0.0]) + rng.normal(0, 0.1, 200))
    background = X[:10]
    sampled = PermutationShap(model, background, seed=0)(X[:8])
    assert np.allclose(sampled.values.sum(axis=1) + sampled.base_values, model.predict(X[:8]))
    exact = LinearShap(model, background)(X[:8])
    assert np.allclose(sampled.values, exact.values, atol=1e-6)  # a linear model has no interactions: exact


def test_an_unknown_family_asked_for_is_a_coded_error_naming_the_families() -> None:
    from kuai.engine import OptionError

    spec, _, X, y = _data(TaskType.BINARY)
    frame = X.assign(y=y)
    with pytest.raises(OptionError) as raised:
        train(frame, spec, budget=SearchBudget(time_budget_s=10, families=("lightgbn",)))
    message = str(raised.value)
    assert raised.value.code == "UNKNOWN_FAMILY" and "'lightgbm'" in message and "linear" in message
