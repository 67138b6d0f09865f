"""Balanced class weights reach every family's fits, in the search and in the refit (real models)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.class_weight import compute_sample_weight

from kuai.engine.data.task import class_weights
from kuai.engine.models import Deadline, default_order
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.select.final import refit, refit_pipeline
from tests.engine.search_data import search_data


def _rare_yes(n: int = 500, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    outcome = np.where(x1 + 0.5 * x2 + rng.normal(0, 0.8, size=n) > 1.9, "yes", "no")  # about 8 % yes
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": rng.choice(["a", "b"], size=n), "outcome": outcome})


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return search_data(_rare_yes(), n_folds=4)


def _rare_share(spec, y: np.ndarray) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    rare = int(np.argmin(np.bincount(y)))
    return rare, float(np.mean(y == rare))


def test_balanced_weights_give_each_class_the_same_total_weight(data) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, y = data
    assert class_weights(y, spec) is None
    weights = class_weights(y, replace(spec, class_weight="balanced"))
    assert weights is not None and weights.shape == y.shape
    totals = [weights[y == c].sum() for c in np.unique(y)]
    assert totals == pytest.approx([len(y) / 2] * 2)


def test_every_family_learns_with_the_weights_in_the_search_and_the_refit(data) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    rare, share = _rare_share(spec, y)
    assert share < 0.15
    means: dict[str, dict[str, float]] = {}
    outcomes = {}
    for weighting in ("", "balanced"):
        means[weighting] = {}
        for family in default_order():  # one trial each: nothing pruned
            result = run_search(SearchInputs(X, y, spec=replace(spec, class_weight=weighting), schema=schema,
                                deadline=Deadline(time.monotonic() + 120), families=(family,), max_trials=1))
            for outcome in result.outcomes.values():
                means[weighting][family] = float(outcome.oof[:, rare].mean())
                outcomes[weighting, family] = outcome
    weighted = replace(spec, class_weight="balanced")  # the refit on all rows too
    lightgbm = outcomes["balanced", "lightgbm"]
    refitted = refit(lightgbm, X, y, weighted, schema).predict_proba(X)
    by_hand = refit_pipeline(lightgbm, weighted, schema, len(X)).fit(
        X, y, model__sample_weight=compute_sample_weight("balanced", y)).predict_proba(X)
    np.testing.assert_allclose(refitted, by_hand)
    assert not np.allclose(refitted, refit(lightgbm, X, y, spec, schema).predict_proba(X))
    assert set(means["balanced"]) == set(means[""]) == set(default_order())
    # unweighted, the rare class's mean probability is about its share; weighted, every family leans towards it
    # (fully grown extra trees least: their leaves are pure, so weights change few of their votes)
    for family in default_order():
        assert means["balanced"][family] > means[""][family], (family, means)
    assert np.mean([means["balanced"][f] - means[""][f] for f in default_order()]) > 0.05, means
