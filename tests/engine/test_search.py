"""Search, ensemble selection, refit and SHAP on small seeded data (real models, short budgets)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kuai.engine import (
    SearchBudget,
    build_task_spec,
    profile_dataset,
    train,
)
from kuai.engine.metrics import get_metric
from kuai.engine.models import FAMILIES, DataShape, Deadline
from kuai.engine.search.optimize import SearchInputs, held_out_model, keep_fold_models, run_search
from kuai.engine.search.trials import by_score
from kuai.engine.select.ensemble import candidates, select_ensemble
from tests.engine.search_data import search_data


@pytest.fixture()
def spec_and_data(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    return search_data(mixed_frame, n_folds=3)


def test_search_runs_portfolio_first_and_stops_at_deadline(spec_and_data) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = spec_and_data
    started = time.monotonic()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(started + 6.0)))
    elapsed = time.monotonic() - started
    assert elapsed < 6.0 + 3.0, "the search must end near its deadline"
    first = result.trials[:3]
    assert [t.family for t in first] == ["lightgbm", "linear", "extra_trees"]  # the portfolio, cheapest first
    shape = DataShape(len(y), len(schema), len(spec.classes))
    for trial in first:  # each one the family's first known-good configuration
        family = FAMILIES[trial.family]
        assert {f"{family.name}__{k}": v for k, v in trial.params.items()} == family.default_configs(shape)[0] or \
            trial.params == family.default_configs(shape)[0]
    complete = [t for t in result.trials if t.state == "complete"]
    assert complete and all(0.5 < t.score <= 1.0 for t in complete)
    for outcome in result.outcomes.values():
        assert outcome.oof.shape == (len(y), 2)
        assert np.allclose(outcome.oof.sum(axis=1), 1.0, atol=1e-6)
    # once no trial can reach its first fold, the search stops instead of opening trials to stop them at once
    # (before, its last fraction of a second added a handful of these; a 300 s search, dozens)
    cut = [t for t in result.trials if t.state == "pruned" and "used its share" in (t.message or "")]
    assert len(cut) <= 1, [t.number for t in cut]


def test_ensemble_is_at_least_as_good_as_its_best_member_on_oof(spec_and_data) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = spec_and_data
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 8.0)))
    metric = get_metric("log_loss")
    oofs = {n: o.oof for n, o in result.outcomes.items()}
    # every trial a candidate (a search of 8 s can finish more than the 20 the selection considers by default)
    selection = select_ensemble(oofs, y, metric, folds=result.folds, max_candidates=len(oofs))
    best_single = min(metric.compute(y, oof) for oof in oofs.values())
    if selection is None:
        pytest.skip("one model dominated every step; nothing to ensemble")
    assert metric.compute(y, selection.oof) <= best_single + 1e-12
    assert sum(selection.weights.values()) == pytest.approx(1.0)


def test_train_end_to_end_with_shap_folded_to_original_columns(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome", n_folds=3)
    started = time.monotonic()
    result = train(mixed_frame, spec, budget=SearchBudget(time_budget_s=12, families=("lightgbm", "linear")))
    assert time.monotonic() - started < 12 + 5
    assert result.leaderboard[0].rank == 1
    scores = [e.score for e in result.leaderboard]
    assert scores == sorted(scores, reverse=True), "ROC AUC: best first"
    explanation = result.explanation
    assert explanation is not None
    assert set(explanation.importance) == {"amount", "colour", "visited"}
    top_two = list(explanation.importance)[:2]
    assert set(top_two) == {"amount", "colour"}, explanation.importance
    assert len(explanation.sample_values[0]) == 3


def test_shap_values_add_up_to_the_model_margin(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome", n_folds=3)
    result = train(mixed_frame, spec, budget=SearchBudget(time_budget_s=8, families=("lightgbm",)))
    explanation = result.explanation
    assert explanation is not None and explanation.output_space == "log-odds"
    rows = result.model_frame.iloc[explanation.sample_index[:20]]
    # a bagged model averages its fold models' probabilities; SHAP adds up to the average of their log-odds
    members = getattr(result.estimator, "estimators_", [result.estimator])
    weights = getattr(result.estimator, "weights", None)
    weights = np.ones(len(members)) / len(members) if weights is None else np.asarray(weights) / np.sum(weights)
    margin = sum(w * np.log(p / (1 - p)) for w, p in zip(
        weights, (m.predict_proba(rows)[:, 1] for m in members), strict=True))
    reconstructed = np.asarray(explanation.sample_values[:20]).sum(axis=1) + np.asarray(explanation.base_values[:20])
    assert np.allclose(reconstructed, margin, atol=1e-4)


def test_regression_train(mixed_frame: pd.DataFrame) -> None:
    frame = mixed_frame.drop(columns="outcome")
    frame["value"] = frame["amount"].fillna(50) * 3 + (frame["colour"] == "red") * 20
    profile = profile_dataset(frame)
    spec = build_task_spec(frame, profile.columns, target="value", n_folds=3)
    result = train(frame, spec, budget=SearchBudget(time_budget_s=8, families=("lightgbm", "linear")))
    assert spec.metric == "rmse"
    assert result.leaderboard[0].score < float(np.std(frame["value"])) / 2


def test_non_finite_regression_targets_are_left_out(mixed_frame: pd.DataFrame) -> None:
    frame = mixed_frame.drop(columns="outcome")
    frame["value"] = frame["amount"].fillna(50) * 3
    frame.loc[[0, 5], "value"] = np.inf
    profile = profile_dataset(frame)
    spec = build_task_spec(frame, profile.columns, target="value", n_folds=3)
    result = train(frame, spec, budget=SearchBudget(time_budget_s=6, families=("linear",)))
    assert len(result.y) == len(frame) - 2
    assert np.isfinite(result.y).all()


def test_ensemble_keeps_its_best_step() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    good = np.column_stack([1 - (0.7 * y + 0.15), 0.7 * y + 0.15])
    noisy = np.clip(good + rng.normal(0, 0.3, good.shape), 0.01, 0.99)
    noisy = noisy / noisy.sum(axis=1, keepdims=True)
    folds = [(np.arange(150, 300), np.arange(150)), (np.arange(150), np.arange(150, 300))]
    metric = get_metric("log_loss")
    selection = select_ensemble({0: good, 1: noisy}, y, metric, folds=folds, n_iterations=10)
    best_single = metric.compute(y, good)
    if selection is not None:
        assert metric.compute(y, selection.oof) <= best_single + 1e-12


def test_kept_fold_models_reproduce_the_out_of_fold_predictions(spec_and_data) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = spec_and_data
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 8.0)))
    valid = result.folds[0][1]
    metric = get_metric(spec.metric)  # the best trials keep their fold models (at most 20)
    numbers = sorted(result.outcomes, key=lambda n: metric.loss(float(np.mean(result.outcomes[n].fold_scores))))[:3]
    for number in numbers:  # the first fold's model predicts its own held-out rows as in the search
        outcome = result.outcomes[number]
        assert outcome.size_kb is not None and outcome.size_kb > 0
        held_out = held_out_model(result, {number: 1.0}, spec)
        assert held_out is not None and set(held_out.rows) == set(valid)
        np.testing.assert_allclose(held_out.predict(X.iloc[valid]), outcome.oof[valid], atol=1e-6)
    weights = {numbers[0]: 0.25, numbers[1]: 0.75}  # a blend predicts the blend of the members' outputs
    blend = held_out_model(result, weights, spec)
    assert blend is not None
    expected = sum(w * result.outcomes[n].oof[valid] for n, w in weights.items())
    np.testing.assert_allclose(blend.predict(X.iloc[valid]), expected, atol=1e-6)


def test_only_the_best_trials_keep_their_fold_models(spec_and_data) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = spec_and_data
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 6.0)))
    metric = get_metric(spec.metric)
    assert len(result.outcomes) >= 3
    keep_fold_models(result, metric, max_models=2)
    ranked = by_score(result.outcomes.values(), metric)  # the leaderboard's order (equal scores: steadier, faster)
    kept = [o.number for o in ranked if o.fold_models is not None]
    assert kept == candidates([o.number for o in ranked], {o.number: o.family for o in ranked}, 2)
    assert held_out_model(result, {ranked[-1].number: 1.0}, spec) is None


def test_near_copies_of_one_family_do_not_take_every_other_familys_fold_models() -> None:
    """The stack's base is each family's best trial with its fold models: after an hour on magic the best twenty
    were all CatBoosts, so no other family kept its fold models and no stack was tried."""
    from kuai.engine.search.trials import SearchResult, TrialOutcome

    def outcome(number: int, family: str, score: float) -> TrialOutcome:
        return TrialOutcome(number=number, family=family, params={}, oof=np.zeros(4), fold_scores=[score, score],
                            best_iterations=[], fit_time_s=1.0, predict_ms_per_1000_rows=1.0, size_kb=1.0,
                            fold_models=[("prep", "model")] * 2)

    result = SearchResult()
    result.outcomes = {n: outcome(n, "catboost", 0.95 - n / 1000) for n in range(30)}
    result.outcomes[30] = outcome(30, "lightgbm", 0.90)
    keep_fold_models(result, get_metric("roc_auc"), max_models=20)
    kept = {n for n, o in result.outcomes.items() if o.fold_models is not None}
    assert kept == set(range(19)) | {30}  # the best nineteen CatBoosts, and the best LightGBM


def test_a_bag_too_big_to_export_keeps_only_its_first_fold_model(spec_and_data) -> None:  # type: ignore[no-untyped-def]
    """Memory: fold models whose bag could never be exported are dropped at once, but for the first fold's,
    which still gives permutation importance its held-out model."""
    from kuai.engine.select.bagging import can_bag

    spec, schema, X, y = spec_and_data
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 6.0)))
    metric = get_metric(spec.metric)
    best = min(result.outcomes.values(), key=lambda o: metric.loss(float(np.mean(o.fold_scores))))
    others = [o for o in result.outcomes.values() if o is not best and o.fold_models]
    assert best.fold_models and others
    first = best.fold_models[0]
    keep_fold_models(result, metric, bag_fits=lambda o: o is not best)
    assert best.fold_models is None and best.first_fold is not None and best.first_fold[0] is first
    assert not can_bag([best])
    assert all(o.fold_models for o in others)  # the bags that fit are kept whole
    held_out = held_out_model(result, {best.number: 1.0}, spec)
    assert held_out is not None
    valid = result.folds[0][1]
    np.testing.assert_allclose(held_out.predict(X.iloc[valid]), best.oof[valid], atol=1e-6)


def test_a_full_disk_stops_the_search_at_once_and_keeps_what_finished(spec_and_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Fault injection: the trial store's disk fills up at the third trial; the search stops there, with the two
    finished trials complete in the study, the third failed, and the error raised for the caller to report."""
    import errno

    import optuna

    spec, schema, X, y = spec_and_data

    class FillingStore:
        def __init__(self) -> None:
            self.saved: list[int] = []

        def save(self, number: int, oof: np.ndarray) -> None:
            if len(self.saved) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.saved.append(number)

        def load(self, number: int) -> np.ndarray | None:
            return None

    store = FillingStore()
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    with pytest.raises(OSError) as caught:
        run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 30.0),
                                storage=storage, store=store, families=("linear",)))
    assert caught.value.errno == errno.ENOSPC
    trials = optuna.load_study(study_name="kuai", storage=storage).get_trials()
    states = [t.state.name for t in trials if t.state.name != "WAITING"]
    assert states == ["COMPLETE", "COMPLETE", "FAIL"]  # stopped at once, not a failure per remaining trial
    assert [t.number for t in trials if t.state.name == "COMPLETE"] == store.saved
    assert "No space left" in trials[2].user_attrs["error"]
