"""What makes the search fast must not change what it finds: folds fitted side by side, the forest size cap,
and the same trials from the same seed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kuai.engine.models import FAMILIES, Deadline, available_cores
from kuai.engine.models import random_forest as forests
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.types import TaskType
from tests.engine.search_data import search_data


@pytest.fixture()
def data(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    return search_data(mixed_frame, n_folds=4)


def _search(data, trials: int):  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    return run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 120.0),
                      families=("lightgbm", "extra_trees", "catboost", "linear"), max_trials=trials))


def test_folds_fitted_side_by_side_give_the_same_models_as_one_by_one(data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if available_cores() < 2:
        pytest.skip("one core: folds are never fitted side by side")
    import kuai.engine.search.fold_fits as fold_fits
    import kuai.engine.search.optimize as search

    pools: list[int] = []

    class CountingPool(fold_fits.ThreadPoolExecutor):  # type: ignore[misc,name-defined]
        def __init__(self, max_workers: int, **kwargs: object) -> None:
            pools.append(max_workers)
            super().__init__(max_workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fold_fits, "ThreadPoolExecutor", CountingPool)
    side_by_side = _search(data, 6)
    assert pools and set(pools) == {2}, "folds were fitted two at a time"
    pools.clear()

    monkeypatch.setattr(search, "available_cores", lambda: 1)
    one_by_one = _search(data, 6)
    assert not pools, "one core: never side by side"
    assert [(t.family, t.params, t.state) for t in side_by_side.trials] == \
        [(t.family, t.params, t.state) for t in one_by_one.trials]
    assert side_by_side.outcomes.keys() == one_by_one.outcomes.keys() and len(side_by_side.outcomes) >= 4
    for number, outcome in side_by_side.outcomes.items():
        other = one_by_one.outcomes[number]
        np.testing.assert_allclose(outcome.oof, other.oof, rtol=0, atol=1e-12)  # every fold in its place
        assert outcome.fold_scores == pytest.approx(other.fold_scores, abs=1e-12)
        assert outcome.best_iterations == other.best_iterations


def test_the_same_seed_gives_the_same_trials_and_order(data) -> None:  # type: ignore[no-untyped-def]
    first, second = _search(data, 10), _search(data, 10)
    def key(result):  # type: ignore[no-untyped-def]
        return [(t.family, t.params, t.score) for t in result.trials]

    assert key(first) == key(second)
    assert len({t.family for t in first.trials}) >= 3


def test_a_forest_stops_growing_at_the_node_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6)).astype(np.float32)
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 4) + rng.normal(0, 0.1, 3000)  # full-depth trees: ~2 nodes per row
    family = FAMILIES["extra_trees"]
    params = {"extra_trees__n_estimators": 200, "extra_trees__max_features": 1.0, "extra_trees__min_samples_leaf": 1}
    monkeypatch.setattr(forests, "MAX_NODES", 60_000)
    model = family.build(params, TaskType.REGRESSION, seed=0)
    grown = family.fit(model, X, y)
    nodes = sum(tree.tree_.node_count for tree in model.estimators_)
    per_tree = nodes / len(model.estimators_)
    assert grown == len(model.estimators_) < 200  # it stopped early, and says how many trees it grew
    assert nodes >= 60_000 and nodes < 60_000 + 2 * per_tree  # steps shrink to the room left: a tree or two past
    monkeypatch.setattr(forests, "MAX_NODES", 10**9)
    uncapped = family.build(params, TaskType.REGRESSION, seed=0)
    assert family.fit(uncapped, X, y) == 200


def test_a_forest_on_many_rows_does_not_pass_the_node_cap_by_a_step_of_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees of ~6,000 nodes against a cap of 10,000: the first step is one tree (one thread), not ten (60,000
    nodes, six times the cap), and the forest stops a tree past the cap. Grown in other steps, the trees are those
    of a forest grown at once."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 6)).astype(np.float32)
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 4) + rng.normal(0, 0.1, 3000)
    family = FAMILIES["extra_trees"]
    params = {"extra_trees__n_estimators": 100, "extra_trees__max_features": 1.0, "extra_trees__min_samples_leaf": 1}
    monkeypatch.setattr(forests, "MAX_NODES", 10_000)
    model = family.build(params, TaskType.REGRESSION, seed=0, threads=1)
    grown = family.fit(model, X, y)
    per_tree = [tree.tree_.node_count for tree in model.estimators_]
    assert min(per_tree) > 5000 and grown == len(per_tree) == 2  # one tree, then room for one more
    at_once = family.build(params | {"extra_trees__n_estimators": 2}, TaskType.REGRESSION, seed=0, threads=1).fit(X, y)
    np.testing.assert_array_equal(model.predict(X[:50]), at_once.predict(X[:50]))
