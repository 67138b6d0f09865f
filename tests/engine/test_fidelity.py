"""Each trial's share of the rows (``kuai.engine.search.fidelity``): the budget plan at 60 s, 300 s and 3,600 s, a
slow trial cut to a sample or skipped by its predicted cost, the best sampled configurations run again on more rows,
and small tables left alone."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.engine.budget import FIRST_MODEL_SHARE, TARGET_TRIALS, plan_budget
from kuai.engine.data.task import default_folds
from kuai.engine.models import FAMILIES, DataShape, Deadline, FitCost, ModelFamily
from kuai.engine.models.linear import LinearFamily
from kuai.engine.search import fidelity as fidelity_module
from kuai.engine.search.fidelity import (
    MIN_SEARCH_ROWS,
    PROMOTE_AT,
    Fidelity,
    TrialCosts,
    TrialSize,
    trial_share,
)
from kuai.engine.search.fold_cache import FoldMatrices
from kuai.engine.search.optimize import FIRST_MODEL_ROUNDS, SearchInputs, run_search
from tests.engine.search_data import search_data

LIGHTGBM, CATBOOST = FAMILIES["lightgbm"], FAMILIES["catboost"]


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures below are for the 2-core machine the benchmarks run on, whatever runs the tests."""
    monkeypatch.setattr(fidelity_module, "available_cores", lambda: 2)
    monkeypatch.setattr("kuai.engine.models._base.available_cores", lambda: 2)


def _size(n_rows: int, *, n_folds: int = 3, width: int = 53, most: float = 1.0) -> TrialSize:
    return TrialSize(n_rows=n_rows, train_rows=n_rows * (n_folds - 1) // n_folds, width=width, n_folds=n_folds,
                     n_classes=2, parallel_folds=True, most=most)


def _planned_share(n_rows: int, budget_s: float) -> float:
    size = _size(n_rows, n_folds=default_folds(n_rows))  # the folds a table of this size gets
    return trial_share(TrialCosts(), LIGHTGBM, size, allowed_s=plan_budget(budget_s, started=0.0).trial_s)[0]


@pytest.mark.parametrize("budget_s", [60.0, 300.0, 3600.0])
def test_the_plan_puts_the_first_model_within_a_tenth_of_the_budget_and_plans_a_dozen_trials(budget_s: float) -> None:
    plan = plan_budget(budget_s, started=100.0)
    assert plan.first_model_by == pytest.approx(100.0 + FIRST_MODEL_SHARE * budget_s)
    assert plan.trial_s == pytest.approx((plan.search_latest - 100.0) / TARGET_TRIALS)
    assert 0 < TARGET_TRIALS * plan.trial_s < budget_s


def test_the_rows_a_trial_gets_grow_with_the_budget_and_small_tables_keep_every_row() -> None:
    """The planner's table (docs/search.md): the share of a fold's training rows a LightGBM trial after the first
    gets, 53 inputs, the folds by size (5 under 20,000 rows, 2 from 100,000), 2 cores, before any trial is measured."""
    table = {n_rows: [_planned_share(n_rows, budget) for budget in (60.0, 300.0, 3600.0)]
             for n_rows in (10_000, 100_000, 1_000_000)}
    assert table == {10_000: [1.0, 1.0, 1.0], 100_000: [0.25, 1.0, 1.0], 1_000_000: [1 / 32, 1 / 8, 1.0]}


def test_a_trial_gets_the_largest_share_whose_predicted_time_fits() -> None:
    costs, size = TrialCosts(), _size(1_000_000)
    full_s = costs.trial_s(LIGHTGBM, size, 1.0)
    share, fits = trial_share(costs, LIGHTGBM, size, allowed_s=full_s / 3)
    assert fits and share == 0.25
    assert costs.trial_s(LIGHTGBM, size, share) <= full_s / 3 < costs.trial_s(LIGHTGBM, size, 2 * share)
    assert trial_share(costs, LIGHTGBM, size, allowed_s=full_s / 3, most=0.125) == (0.125, True)  # the memory's
    # a share the memory chose (its largest whole percent) is tried as it is, before the halves below it
    assert trial_share(costs, LIGHTGBM, size, allowed_s=full_s, most=0.35) == (0.35, True)
    assert trial_share(costs, LIGHTGBM, size, allowed_s=0.3 * full_s, most=0.35) == (0.25, True)


def test_no_sample_is_smaller_than_the_search_minimum() -> None:
    size = _size(1_000_000)
    share, fits = trial_share(TrialCosts(), CATBOOST, size, allowed_s=0.0)
    assert not fits
    assert share * size.train_rows >= MIN_SEARCH_ROWS > share / 2 * size.train_rows


def test_measured_times_replace_the_prior_and_scale_the_families_not_yet_measured() -> None:
    costs, size = TrialCosts(), _size(100_000)
    cells = 3e6
    costs.record(LIGHTGBM, fit_s=3 * LIGHTGBM.fit_cost.core_s(cells, 2) / 2, threads=2, n_cells=cells, n_classes=2)
    assert costs.ratio(LIGHTGBM) == pytest.approx(3.0)
    assert costs.ratio(CATBOOST) == pytest.approx(3.0)  # the machine runs three times slower than the figures
    assert costs.trial_s(CATBOOST, size, 1.0) == pytest.approx(3.0 * TrialCosts().trial_s(CATBOOST, size, 1.0))
    costs.record(CATBOOST, fit_s=CATBOOST.fit_cost.core_s(cells, 2), threads=1, n_cells=cells, n_classes=2)
    assert costs.ratio(CATBOOST) == pytest.approx(1.0)  # its own measurement wins


def test_a_family_measured_faster_than_its_figure_does_not_make_the_others_look_fast() -> None:
    costs, size, linear = TrialCosts(), _size(1_000_000), FAMILIES["linear"]
    cells = 3e6  # the linear model ran at half its figure: LightGBM, not measured yet, is predicted at its own
    costs.record(linear, fit_s=0.5 * linear.fit_cost.core_s(cells, 2), threads=1, n_cells=cells, n_classes=2)
    assert costs.ratio(linear) == pytest.approx(0.5)
    assert costs.ratio(LIGHTGBM) == pytest.approx(1.0)
    assert costs.trial_s(LIGHTGBM, size, 0.25) == pytest.approx(TrialCosts().trial_s(LIGHTGBM, size, 0.25))


def test_a_forest_of_more_inputs_a_split_is_predicted_slower_and_gets_fewer_rows() -> None:
    forest, costs, size = FAMILIES["random_forest"], TrialCosts(), _size(1_000_000, width=49)
    first = forest.default_configs(size.shape)[0]  # a seventh of the inputs a split, as fit_cost was measured
    half = first | {"random_forest__max_features": 0.5}
    cells = size.cells(1 / 16)
    costs.record(forest, fit_s=2 * forest.fit_cost.core_s(cells, 2), threads=1, n_cells=cells, n_classes=2)
    assert costs.ratio(forest) == pytest.approx(2.0)  # measured on the first configuration
    assert costs.trial_s(forest, size, 0.25, half) == pytest.approx(3.5 * costs.trial_s(forest, size, 0.25, first))
    allowed = costs.trial_s(forest, size, 0.25, first)
    assert trial_share(costs, forest, size, allowed_s=allowed, params=first)[0] == 0.25
    assert trial_share(costs, forest, size, allowed_s=allowed, params=half)[0] == 0.0625
    # measured on half the inputs, the ratio stays the first configuration's
    costs.record(forest, fit_s=7 * forest.fit_cost.core_s(cells, 2), threads=1, n_cells=cells, n_classes=2,
                 scale=forest.cost_scale(half, size.shape))
    assert costs.ratio(forest) == pytest.approx(2.0)
    assert LIGHTGBM.cost_scale({"lightgbm__num_leaves": 255}, size.shape) == 1.0  # boosters: as measured
    # the first configuration is read against the table's columns, not the encoded inputs (a text's terms, a date's
    # parts), as the search draws it
    wide = TrialSize(n_rows=1_000_000, train_rows=666_666, width=1_000, n_folds=3, n_classes=2, parallel_folds=True,
                     features=10)
    assert forest.cost_scale(forest.default_configs(DataShape(1_000_000, 10, 2))[0], wide.shape) == 1.0


def test_a_table_too_small_to_cut_is_never_sampled_nor_skipped() -> None:
    fidelity = Fidelity(first_model_by=0.0, trial_s=0.001)
    fidelity.costs.record(CATBOOST, fit_s=1e5, threads=1, n_cells=1e6, n_classes=2)  # hopelessly slow
    for n_rows in (1_000, 29_000):  # 3 folds: under twice MIN_SEARCH_ROWS training rows
        assert fidelity.share(CATBOOST, _size(n_rows), now=1.0, has_model=True, available_s=0.1, most=1.0) == (1.0, "")
    assert fidelity.share(CATBOOST, _size(90_000, most=0.25), now=1.0, has_model=True, available_s=0.1,
                          most=0.25) == (0.25, "")  # the memory's cut leaves too few rows to cut again
    assert not fidelity.nothing_fits({"catboost": _size(20_000)}, FAMILIES, available_s=0.1)


def test_a_slow_trial_is_cut_to_a_sample_and_skipped_when_even_that_is_far_too_slow() -> None:
    now, size = 1000.0, _size(1_000_000)
    fidelity = Fidelity(first_model_by=now + 30.0, trial_s=20.0)
    share, why = fidelity.share(CATBOOST, size, now=now, has_model=True, available_s=60.0, most=1.0)
    assert why == "" and share < 1.0 and fidelity.costs.trial_s(CATBOOST, size, share) <= 20.0
    fidelity.costs.record(CATBOOST, fit_s=1e5, threads=1, n_cells=1e6, n_classes=2)  # far slower than its figure
    share, why = fidelity.share(CATBOOST, size, now=now, has_model=True, available_s=60.0, most=1.0)
    assert why.startswith("skipped: predicted to take about") and "60 s a trial can have" in why
    assert share * size.train_rows >= MIN_SEARCH_ROWS
    share, why = fidelity.share(CATBOOST, size, now=now, has_model=False, available_s=60.0, most=1.0)
    assert why == ""  # the first trial runs: some model must finish
    assert fidelity.nothing_fits({"catboost": size}, FAMILIES, available_s=60.0)  # the search ends, not skips
    fidelity.costs.record(LIGHTGBM, fit_s=LIGHTGBM.fit_cost.core_s(1e6, 2), threads=1, n_cells=1e6, n_classes=2)
    assert not fidelity.nothing_fits({"catboost": size, "lightgbm": size}, FAMILIES, available_s=60.0)


def test_the_best_sampled_configurations_run_again_on_more_rows_once_time_runs_short() -> None:
    fidelity, size = Fidelity(first_model_by=0.0, trial_s=10.0), _size(1_000_000)
    ranked = [(7, {"family": "lightgbm", "lightgbm__num_leaves": 15}, 1.0),  # already on every row
              (3, {"family": "lightgbm", "lightgbm__num_leaves": 31}, 0.0625),
              (5, {"family": "catboost", "catboost__depth": 6}, 0.0625)]
    sizes = {"lightgbm": size, "catboost": size}
    full_s = fidelity.costs.trial_s(LIGHTGBM, size, 1.0)
    window = 10 * full_s
    assert fidelity.promotion(ranked, sizes, FAMILIES, remaining_s=(PROMOTE_AT + 0.5) * full_s,
                              window_s=window) is None  # time enough to go on exploring on samples
    first = fidelity.promotion(ranked, sizes, FAMILIES, remaining_s=full_s, window_s=window)
    assert first is not None and (first.number, first.share, first.to) == (3, 0.0625, 1.0)
    assert first.params == {"family": "lightgbm", "lightgbm__num_leaves": 31}
    # half the window is kept for promotions, however long every row would take
    assert fidelity.promotion(ranked, sizes, FAMILIES, remaining_s=window / 2 + 1, window_s=window) is None
    second = fidelity.promotion(ranked, sizes, FAMILIES, remaining_s=window / 2, window_s=window)
    assert second is not None and second.number == 5 and second.to > 0.0625
    assert fidelity.costs.trial_s(CATBOOST, size, second.to) <= window / 2  # what fits the time left
    assert fidelity.promotion(ranked, sizes, FAMILIES, remaining_s=full_s, window_s=window) is None  # never twice
    # the share it runs on: the largest above its sample that fits the time left
    assert fidelity.promoted_share(LIGHTGBM, size, sampled=0.0625, remaining_s=full_s / 3, most=1.0) == 0.25
    assert fidelity.promoted_share(LIGHTGBM, size, sampled=0.25, remaining_s=full_s / 3, most=1.0) is None


def _large_table(n_rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_rows, 3))
    outcome = np.where(x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=n_rows) > 0, "yes", "no")
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "outcome": outcome})


@pytest.mark.slow
def test_a_search_cuts_its_first_trial_skips_a_slow_family_and_scores_every_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spec, schema, X, y = search_data(_large_table(40_000), n_folds=2)  # 20,000 training rows a fold
    # the linear model's figure says it is far too slow (its trial predicted at hours); LightGBM's is measured
    monkeypatch.setattr(LinearFamily, "fit_cost", FitCost(core_s_per_mcell=1e6, per_class=False))
    now = time.monotonic()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(now + 30.0),
                                     families=("lightgbm", "linear"), max_trials=3,
                                     first_model_by=now,  # already due: the first trial takes the smallest sample
                                     trial_s=30.0))
    first, skipped = result.trials[0], result.trials[1]
    assert (first.family, first.state, first.row_fraction) == ("lightgbm", "complete", 0.5)
    assert 0 < max(first.best_iterations) <= FIRST_MODEL_ROUNDS  # due at once: stopped at its floor, still a model
    outcome = result.outcomes[first.number]
    assert outcome.row_fraction == 0.5 and len(outcome.fold_scores) == 2
    assert np.all(outcome.oof.sum(axis=1) > 0.99)  # every row predicted by the fold that left it out
    assert (skipped.family, skipped.state) == ("linear", "pruned")
    assert skipped.message.startswith("skipped: predicted to take about")
    third = result.trials[2]  # measured at 0.5 of the rows, LightGBM's next trial fits its 30 s on every row
    assert (third.family, third.state, third.row_fraction) == ("lightgbm", "complete", 1.0)


@pytest.mark.slow
def test_a_promoted_configuration_runs_next_on_every_row_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, schema, X, y = search_data(_large_table(40_000), n_folds=2)
    monkeypatch.setattr(fidelity_module, "PROMOTE_SHARE", 1.0)  # promote as soon as a sampled trial exists
    monkeypatch.setattr(fidelity_module, "PROMOTE_AT", 1e6)
    now = time.monotonic()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(now + 30.0),
                                     families=("lightgbm",), max_trials=3, first_model_by=now, trial_s=30.0))
    sampled, promoted, third = result.trials[:3]
    assert sampled.row_fraction == 0.5 and promoted.row_fraction == 1.0  # before the portfolio's second config
    assert promoted.params == sampled.params and promoted.state == "complete"
    assert third.params != sampled.params  # the portfolio goes on; the sampled one is not promoted twice
    assert result.promoted == {promoted.number}
    assert np.mean(result.outcomes[promoted.number].fold_scores) > 0.5


def test_the_fold_matrices_of_one_share_of_the_rows_are_kept_per_encoding() -> None:
    spec, schema, X, y = search_data(_large_table(2_000), n_folds=2)
    folds = [(np.arange(0, 1000), np.arange(1000, 2000)), (np.arange(1000, 2000), np.arange(0, 1000))]
    cache = FoldMatrices(X, y, spec=spec, schema=schema, selection=None, folds=folds, tight=False, has_grams=False)
    whole = cache.get(0, LIGHTGBM, fraction=1.0)
    onehot = cache.get(0, FAMILIES["linear"], fraction=1.0)
    half = cache.get(0, LIGHTGBM, fraction=0.5)
    assert len(half[3]) == 500 and half[1].shape[0] == 1000  # a sample of the training rows; validation whole
    assert cache.get(0, CATBOOST, fraction=0.5) is half  # one encoding, one set of matrices
    assert cache.get(0, FAMILIES["linear"], fraction=1.0) is onehot  # another encoding's set stays
    assert cache.get(0, LIGHTGBM, fraction=1.0) is not whole  # the other share of the encoding went, made again


def test_large_fold_matrices_are_kept_for_one_encoding_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.engine.search import fold_cache

    spec, schema, X, y = search_data(_large_table(2_000), n_folds=2)
    folds = [(np.arange(0, 1000), np.arange(1000, 2000)), (np.arange(1000, 2000), np.arange(0, 1000))]
    cache = FoldMatrices(X, y, spec=spec, schema=schema, selection=None, folds=folds, tight=False, has_grams=False)
    monkeypatch.setattr(fold_cache, "OTHER_ENCODINGS_MB", 0.01)  # every fold's matrices count as large here
    ordinal = [cache.get(f, LIGHTGBM) for f in (0, 1)]
    assert cache.get(1, CATBOOST) is ordinal[1]  # the same encoding's stay
    onehot = cache.get(0, FAMILIES["linear"])
    assert cache.get(0, LIGHTGBM) is not ordinal[0]  # the other encoding's went, made again
    assert cache.get(0, FAMILIES["linear"]) is not onehot
    np.testing.assert_array_equal(cache.get(1, LIGHTGBM)[0], ordinal[1][0])  # the same matrices when made again


def test_the_user_is_told_how_small_the_samples_went_and_what_ran_again() -> None:
    from kuai.engine.search.fidelity import sampled_note

    assert sampled_note([], 0) == ""  # nothing sampled: nothing to say
    note = sampled_note([0.5, 0.0625, 0.25], 1)
    assert "3 trials trained on a sample" in note and "as few as 6%" in note and "the same rows as the others" in note
    assert "One of the best configurations then ran again" in note
    assert "ran again" not in sampled_note([0.5], 0)


@pytest.mark.slow
def test_a_trial_its_deadline_cut_short_says_so_to_the_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first model due at once stops at its floor of rounds: its fits took far less than the family costs, and the
    next LightGBM trial, sized from them, ran 59 s where 17 s were planned (a million rows at 300 s)."""
    spec, schema, X, y = search_data(_large_table(40_000), n_folds=2)
    recorded: list[bool] = []
    original = TrialCosts.record

    def record(self: TrialCosts, family: ModelFamily, **kwargs: Any) -> None:
        recorded.append(kwargs["cut_short"])
        original(self, family, **kwargs)

    monkeypatch.setattr(TrialCosts, "record", record)
    now = time.monotonic()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(now + 60.0),
                                     families=("lightgbm",), max_trials=2, first_model_by=now, trial_s=60.0))
    first, second = result.trials[:2]
    assert max(first.best_iterations) <= FIRST_MODEL_ROUNDS and first.state == "complete"
    assert second.state == "complete" and max(second.best_iterations) > FIRST_MODEL_ROUNDS
    assert recorded == [True, False]  # the first trial's fits are a floor of the cost (next test), the second's whole


def test_fits_cut_short_raise_a_familys_cost_never_lower_it() -> None:
    family = FAMILIES["random_forest"]
    costs, cells = TrialCosts(), 1e6
    prior = family.fit_cost.core_s(cells, 2)
    costs.record(family, fit_s=0.1 * prior, threads=1, n_cells=cells, n_classes=2, cut_short=True)
    assert costs.ratio(family) == 1.0  # stopped early, it says nothing of what a whole fit costs
    costs.record(family, fit_s=3 * prior, threads=1, n_cells=cells, n_classes=2, cut_short=True)
    assert costs.ratio(family) == pytest.approx(3.0)  # at least this slow: kept
    costs.record(family, fit_s=2 * prior, threads=1, n_cells=cells, n_classes=2)
    assert costs.ratio(family) == pytest.approx(2.5)  # a whole fit always counts
