"""The search under faults: a very slow trial, failing and NaN trials, pruning, valid ensemble weights.

The faulty families are fakes for fault injection, registered beside the real ones for one test;
everything else (Optuna, the real families, refit, SHAP) is the real thing.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from kuai.engine import SearchBudget, build_task_spec, profile_dataset
from kuai.engine import train as train_model
from kuai.engine.metrics import get_metric
from kuai.engine.models import FAMILIES, Deadline, ExportCost, FitCost, MemoryCost, ModelFamily, ShapRoute
from kuai.engine.models._base import DataShape
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.select.ensemble import select_ensemble
from kuai.engine.types import TaskType
from tests.engine.search_data import search_data


class _Prior(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Predicts the training rows' class shares for every row: a valid but weak classifier."""

    def __init__(self, nan: bool = False, steps: int = 2400) -> None:
        self.nan, self.steps = nan, steps

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Prior:
        self.classes_ = np.unique(y)
        self.shares_ = np.bincount(y.astype(int)) / len(y) if y.dtype.kind in "iu" else None
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        assert self.shares_ is not None
        out = np.tile(self.shares_, (len(X), 1))
        return out * np.nan if self.nan else out

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])


class _FakeFamily(ModelFamily):
    label = short_label = "Fake"
    search_order = None
    encoding = "ordinal"
    scale = False
    grows_iterations = False
    parallel_folds = False
    memory = MemoryCost(cell_bytes=50.0, fixed_mb=45.0, class_row_bytes=0.0, growth=None)
    export = ExportCost(onnx_per_pickled=0.65, seconds_per_mb=0.25, multiclass_opset5=False)
    fit_cost = FitCost(core_s_per_mcell=1.0, per_class=False)
    shap_route = ShapRoute.SHAP_TREE
    explains_probability = False
    estimators = ()
    libraries = ()
    preflight_group = None
    grams_first = True
    configs = 1

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{f"{self.name}__k": i} for i in range(self.configs)]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {f"{self.name}__k": trial.suggest_int(f"{self.name}__k", 0, 50)}

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        return _Prior()


class SlowFamily(_FakeFamily):
    """Each step of its fit takes a quarter of a second and nothing finishes under ten minutes; it checks the
    deadline between steps only, as a real booster does between rounds."""

    name = "slow"
    grows_iterations = True
    parallel_folds = True  # its folds run side by side, as the real boosters' do

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        steps = int(getattr(model, "steps", 2400))
        done = 0
        while done < steps and not (deadline is not None and deadline.passed()):
            time.sleep(0.25)
            done += 1
        model.fit(X, y)
        return max(1, done)

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {"slow__steps": n_iterations}

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        return _Prior(steps=params.get("slow__steps", 2400))


class FailingFamily(_FakeFamily):
    name = "failing"
    configs = 2
    parallel_folds = True  # it fails inside a fold's thread

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, **_: Any) -> int | None:
        raise RuntimeError("injected failure")


class NaNFamily(_FakeFamily):
    name = "nan"
    configs = 2

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        return _Prior(nan=True)


class WeakFamily(_FakeFamily):
    name = "weak"
    configs = 6


@pytest.fixture()
def data(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    return search_data(mixed_frame, n_folds=3)


@pytest.fixture()
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    for family in (SlowFamily(), FailingFamily(), NaNFamily(), WeakFamily()):
        monkeypatch.setitem(FAMILIES, family.name, family)


@pytest.mark.parametrize("order", [("slow", "lightgbm", "linear"), ("lightgbm", "slow", "linear")])
def test_the_budget_holds_when_a_trial_is_very_slow(mixed_frame: pd.DataFrame, fakes: None,
                                                     order: tuple[str, ...]) -> None:
    """Search, refit and explanation within B + max(5 s, 10 %), the slow family first or second."""
    profile = profile_dataset(mixed_frame)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome", n_folds=3)
    budget = 12.0
    started = time.monotonic()
    result = train_model(mixed_frame, spec, budget=SearchBudget(time_budget_s=budget, families=order),
                         started_at=started)
    elapsed = time.monotonic() - started
    assert elapsed <= budget + 5.0, f"{elapsed:.1f} s for a {budget:.0f} s budget"
    slow = [t for t in result.trials if t.family == "slow"]
    assert slow, "the slow family was tried"
    assert any(t.state == "complete" and t.family != "slow" for t in result.trials), "the fast models still ran"
    assert result.leaderboard[0].family != "slow"  # a prior is the worst model there is


def test_failing_and_nan_trials_do_not_stop_the_study(data, fakes: None) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 30.0),
                        families=("failing", "nan", "lightgbm", "linear"), max_trials=14))
    states = [(t.family, t.state) for t in result.trials]
    assert len(result.trials) == 14, states  # every trial ran: none stopped the study
    failed = [t for t in result.trials if t.family in ("failing", "nan")]
    assert len(failed) >= 4 and all(t.state == "failed" for t in failed)  # the portfolio holds two of each
    assert any("injected failure" in t.message for t in failed if t.family == "failing")
    assert any("not a number" in t.message or "NaN" in t.message for t in failed if t.family == "nan")
    last_failure = max(t.number for t in failed[:4])
    later = [t for t in result.trials if t.number > last_failure and t.state == "complete"]
    assert later, "models kept finishing after the failures"
    assert set(result.outcomes) == {t.number for t in result.trials if t.state == "complete"}
    assert all(np.isfinite(o.oof).all() for o in result.outcomes.values())


def test_pruning_stops_weak_trials_before_their_last_fold(data, fakes: None) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    storage = optuna.storages.InMemoryStorage()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60.0),
                        families=("lightgbm", "linear", "weak"), max_trials=12, storage=storage))
    study = optuna.load_study(study_name="kuai", storage=storage)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert len(pruned) >= 2, [(t.number, t.params.get("family"), t.state.name) for t in study.trials]
    assert all(len(t.intermediate_values) < len(result.folds) for t in pruned), "pruned before the last fold"
    assert all(t.params["family"] == "weak" for t in pruned)
    assert sum(1 for t in result.trials if t.state == "pruned") == len(pruned)


@pytest.mark.parametrize("seed", range(6))
def test_ensemble_weights_are_valid_and_reproduce_the_blend(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 300, 3
    y = rng.integers(0, k, n)
    folds = [(np.setdiff1d(np.arange(n), part), part) for part in np.array_split(rng.permutation(n), 3)]
    oofs = {}
    for number in range(8):  # noisy models of different quality
        logits = rng.normal(size=(n, k)) + (number % 4) * np.eye(k)[y]
        oofs[number] = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    metric = get_metric("log_loss")
    scores = {m: metric.compute(y, o) for m, o in oofs.items()}
    selection = select_ensemble(oofs, y, metric, folds=folds, scores=scores, max_candidates=5)
    assert selection is not None
    weights = selection.weights
    assert set(weights) <= set(sorted(scores, key=scores.get)[:5])  # only the candidates
    assert all(w > 0 for w in weights.values()) and sum(weights.values()) == pytest.approx(1.0)
    # selection with replacement: every weight is a whole number of picks over at most 25 steps
    assert any(all(abs(w * steps - round(w * steps)) < 1e-9 for w in weights.values()) for steps in range(2, 26))
    blend = sum(w * oofs[m] for m, w in weights.items())
    assert np.allclose(blend, selection.oof)  # the weights are exactly the blend that was scored
    assert np.allclose(selection.oof.sum(axis=1), 1.0)
    assert selection.score == pytest.approx(np.mean([metric.compute(y[v], blend[v]) for _, v in folds]))
    assert metric.compute(y, selection.oof) <= min(scores.values()) + 1e-12


def test_a_search_that_starts_after_half_the_budget_says_so_as_it_starts_and_on_the_card(
        mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome", n_folds=3)
    lines: list[tuple[str, str]] = []
    result = train_model(mixed_frame, spec, budget=SearchBudget(time_budget_s=20.0, families=("linear",)),
                         started_at=time.monotonic() - 12.0,  # reading and preparing took 12 s of the 20
                         progress=lambda event: lines.append((event.stage, event.message)))
    late = [note for note in result.notes if note.startswith("Starting, reading and preparing the data took")]
    assert len(late) == 1 and "of the 20 s time budget" in late[0] and "A time budget of 40 s or more" in late[0]
    searching = next(i for i, (stage, message) in enumerate(lines) if message.startswith("Searching models"))
    assert ("search", late[0]) in lines[:searching]  # said before the search, not only at the end
