"""The search's first model is a model: its boosters are not stopped by a deadline before ``FIRST_MODEL_ROUNDS``
rounds. On a slow machine a 12 s training reached its first fits with their deadline already gone, and exported a
one-round LightGBM that gave every row the majority class."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kuai.engine.models import FAMILIES, Deadline
from kuai.engine.search.inputs import SearchInputs
from kuai.engine.search.optimize import FIRST_MODEL_ROUNDS, run_search
from kuai.engine.types import TaskType
from tests.engine.search_data import search_data

BOOSTERS = ["lightgbm", "catboost", "xgboost"]


def _rows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    return X, (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)


@pytest.mark.parametrize("family_name", BOOSTERS)
def test_a_passed_deadline_stops_a_booster_at_once_but_not_below_its_floor(family_name: str) -> None:
    family, (X, y) = FAMILIES[family_name], _rows()
    rounds = {}
    for floor in (0, FIRST_MODEL_ROUNDS):
        model = family.build(family.with_iterations({}, 500), TaskType.BINARY, seed=0, threads=1)
        family.fit(model, X, y, deadline=Deadline(time.monotonic() - 1.0, min_rounds=floor))  # no early stopping
        rounds[floor] = _boosted(model)
    assert rounds[0] <= 2  # a deadline gone before the first round: the fit stops after it
    assert rounds[FIRST_MODEL_ROUNDS] == FIRST_MODEL_ROUNDS


def _boosted(model: object) -> int:
    """The rounds a fitted booster holds (a binary model: one tree a round)."""
    if hasattr(model, "booster_"):
        return int(model.booster_.num_trees())  # type: ignore[attr-defined]
    if hasattr(model, "tree_count_"):
        return int(model.tree_count_)  # type: ignore[attr-defined]
    return int(model.get_booster().num_boosted_rounds())  # type: ignore[attr-defined]


def test_a_search_whose_time_is_gone_still_gives_a_first_model_of_the_floors_rounds(
        mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y = search_data(mixed_frame, n_folds=3)
    past = Deadline(time.monotonic() - 1.0)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=past, first_deadline=past,
                                     families=("lightgbm",), max_trials=3))
    first = min(result.outcomes.values(), key=lambda outcome: outcome.number)
    assert len(result.outcomes) == 1 and first.family == "lightgbm"
    assert FIRST_MODEL_ROUNDS >= 10 and min(first.best_iterations) >= FIRST_MODEL_ROUNDS, first.best_iterations


class _Failing:
    """A family whose fit fails: the trial's other folds must stop at their next round, floor or not."""

    name = "failing"

    def build(self, params: dict, task: TaskType, *, seed: int, threads: int = 1) -> object:  # type: ignore[type-arg]
        return object()

    def fit(self, model: object, X: np.ndarray, y: np.ndarray, **_: object) -> int:
        raise ValueError("this fold's fit failed")


def test_a_failed_fold_lifts_the_floor_so_the_trials_other_folds_stop_at_once() -> None:
    from kuai.engine.search.fold_fits import fit_fold_models
    from kuai.engine.types import TaskSpec

    X, y = _rows()
    spec = TaskSpec(target="y", task=TaskType.BINARY, metric="roc_auc", features=(), feature_types={},
                    classes=("0", "1"))
    train, valid = np.arange(200), np.arange(200, 300)
    deadline = Deadline(time.monotonic() + 60.0, min_rounds=FIRST_MODEL_ROUNDS)
    with pytest.raises(ValueError, match="failed"):
        fit_fold_models(_Failing(), {}, [((X[train], X[valid], None, train), (train, valid))],  # type: ignore[arg-type]
                        y=y, spec=spec, deadline=deadline, threads=1)
    assert deadline.passed() and deadline.stops(1)  # a sibling fold boosting its first round stops now
