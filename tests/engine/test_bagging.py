"""Bagging: the search's fold models, averaged, exported as the model (no refit), with ONNX parity."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kuai.engine import train
from kuai.engine.budget import BAG_MARGIN, TAIL_FIXED_S, TAIL_OF_REFIT, BudgetPlan, revised
from kuai.engine.metrics import get_metric
from kuai.engine.models import Deadline
from kuai.engine.search.folds import n_scored
from kuai.engine.search.optimize import SearchInputs, keep_fold_models, predict_output, run_search
from kuai.engine.search.trials import by_score
from kuai.engine.select import tail_cost
from kuai.engine.select.bagging import bag_onnx_mb, bag_size_kb, bagged_model, can_bag
from kuai.engine.select.ensemble import EnsembleSelection
from kuai.engine.select.final import final_model
from kuai.engine.select.leaderboard import build_leaderboard, ensemble_notes
from kuai.engine.select.tail_cost import (
    PLAN_EVERY_S,
    LikelyMembers,
    blend_s,
    blend_tail_s,
    export_s,
    likely_ensemble,
    member_plan,
    members_to_bag,
    plan_folds,
    refit_s,
    tail_cost_s,
)
from kuai.engine.types import SearchBudget, TaskType
from kuai.exporters import check_parity, to_onnx_model
from tests.engine.fake_clock import FakeClock, plan_ending_in
from tests.engine.search_data import search_data


def _table(task: TaskType, n: int = 360, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.uniform(-2, 2, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    signal = x1 + np.sin(2 * x2) + (colour == "red") + rng.normal(0, 0.4, size=n)
    if task is TaskType.REGRESSION:
        outcome: object = 10 * signal
    elif task is TaskType.BINARY:
        outcome = np.where(signal > 0.5, "yes", "no")
    else:
        outcome = np.select([signal < 0, signal < 1.2], ["low", "mid"], "high")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "outcome": outcome})


@pytest.fixture(scope="module", params=list(TaskType), ids=str)
def searched(request):  # type: ignore[no-untyped-def]
    spec, schema, X, y = search_data(_table(request.param), n_folds=4)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=("lightgbm", "linear", "extra_trees"), max_trials=4))
    return spec, schema, X, y, result


def test_each_bagged_model_predicts_its_held_out_rows_as_the_search_scored_them(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, X, _, result = searched
    for outcome in result.outcomes.values():
        assert outcome.fold_models is not None and len(outcome.fold_models) == len(result.folds)
        bag = bagged_model([(outcome, 1.0)], spec)
        assert len(bag.estimators_) == len(result.folds)
        for pipeline, (_, valid) in zip(bag.estimators_, result.folds, strict=True):
            np.testing.assert_allclose(predict_output(pipeline, X.iloc[valid], spec), outcome.oof[valid], atol=1e-6)


def test_a_bagged_ensemble_is_the_weighted_average_of_every_fold_model(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, X, _, result = searched
    numbers = sorted(result.outcomes)[:2]
    weights = {numbers[0]: 3.0, numbers[1]: 1.0}  # normalised to 0.75 and 0.25
    bag = bagged_model([(result.outcomes[n], w) for n, w in weights.items()], spec)
    np.testing.assert_allclose(np.sum(bag.weights), 1.0)
    expected = sum(w / 4.0 / len(result.folds) * predict_output(p, X, spec)
                   for n, w in weights.items()
                   for p in bagged_model([(result.outcomes[n], 1.0)], spec).estimators_)
    np.testing.assert_allclose(predict_output(bag, X, spec), expected, atol=1e-9)
    if spec.task.is_classification:  # labels are class indices, as everywhere in the engine
        np.testing.assert_array_equal(bag.predict(X), np.argmax(expected, axis=1))


def test_a_bagged_ensemble_exports_to_one_onnx_graph_with_parity(searched) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, _, result = searched
    members = [(o, 1.0 / len(result.outcomes)) for o in result.outcomes.values()]
    bag = bagged_model(members, spec)
    model = to_onnx_model(bag, schema, spec.task)
    report = check_parity(bag, model, X.iloc[:120], spec.task)
    assert report.passed, report


def test_the_kept_fold_models_fit_their_memory_cap(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result = searched
    metric = get_metric(spec.metric)
    ranked = sorted(result.outcomes.values(), key=lambda o: metric.loss(float(np.mean(o.fold_scores))))
    first = bag_size_kb([ranked[0]])
    saved = {o.number: o.fold_models for o in ranked}
    try:  # room for the best trial's bag only: every fold of the others is dropped
        keep_fold_models(result, metric, max_kb=first * 1.01)
        assert [o.fold_models is not None for o in ranked] == [True] + [False] * (len(ranked) - 1)
        assert can_bag([ranked[0]]) and not can_bag(ranked[:2])
    finally:
        for o in ranked:
            o.fold_models = saved[o.number]


def test_an_ensemble_bags_its_small_members_and_refits_a_big_one(searched, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result = searched
    small, big = sorted(result.outcomes.values(), key=lambda o: bag_size_kb([o]))[:2]
    ensemble = EnsembleSelection(weights={small.number: 0.5, big.number: 0.5}, oof=small.oof, score=0.0,
                                 fold_scores=[0.0])
    board = build_leaderboard(result, ensemble, spec)
    board = [e for e in board if e.is_ensemble] + [e for e in board if not e.is_ensemble]
    # each bag fits the cap alone, not both together: the smaller is bagged, the other refitted
    cap = max(bag_onnx_mb([small]), bag_onnx_mb([big])) * 1.001
    assert bag_onnx_mb([small, big]) > cap
    monkeypatch.setattr("kuai.engine.select.bagging.MAX_BAG_ONNX_MB", cap)
    clock = FakeClock()
    chosen = final_model(X, y, spec, schema, result, ensemble=ensemble, leaderboard=board, clock=clock,
                         plan=plan_ending_in(clock, 120, budget_s=120.0))
    notes = chosen.notes
    assert chosen.name == "ensemble" and chosen.bagged_folds == len(result.folds)
    names = [name for name, _ in chosen.estimator.estimators]
    assert names == [f"{small.name}_fold{i + 1}" for i in range(len(result.folds))] + [big.name]
    np.testing.assert_allclose(chosen.estimator.weights, [0.5 / len(result.folds)] * len(result.folds) + [0.5])
    assert any(big.name in note and "refitted on all rows" in note for note in notes)
    refitted = predict_output(chosen.estimator.estimators_[-1], X, spec)  # fitted on every row: no fold model
    for pipeline in bagged_model([(big, 1.0)], spec).estimators_:
        assert not np.allclose(refitted, predict_output(pipeline, X, spec))
    # a bag that does not fit the time left: refitted
    monkeypatch.setattr("kuai.engine.select.bagging.MAX_BAG_ONNX_MB", 1e6)
    single = final_model(X, y, spec, schema, result, leaderboard=build_leaderboard(result, None, spec),
                         plan=plan_ending_in(clock, 0.5, budget_s=120.0), clock=clock)
    assert single.bagged_folds == 0 and hasattr(single.estimator, "steps")


def test_an_ensemble_whose_bags_do_not_fit_the_time_left_is_refitted_rather_than_dropped(searched, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Bagging converts k fold models a member, a refit fits and converts one: when the bags do not fit what is left
    of the budget, the ensemble is exported refitted (it had given its place to a single model before)."""
    spec, schema, X, y, result = searched
    members = sorted(result.outcomes.values(), key=lambda o: -bag_size_kb([o]))[:2]
    ensemble = EnsembleSelection(weights={o.number: 0.5 for o in members}, oof=members[0].oof, score=0.0,
                                 fold_scores=[0.0])
    board = build_leaderboard(result, ensemble, spec)
    board = [e for e in board if e.is_ensemble] + [e for e in board if not e.is_ensemble]
    monkeypatch.setattr("kuai.engine.select.tail_cost.export_s",
                        lambda size_kb, family: 0.05 * (size_kb or 0.0))  # 50 ms a KB
    bag = members_to_bag(members, spec, 6000.0)  # a long budget: bags worth their time
    bagged_s, refitted_s = blend_s(members, bag, spec), blend_s(members, set(), spec)
    assert bag and refitted_s < bagged_s
    room = TAIL_FIXED_S / 2 + (refitted_s + bagged_s) / 2  # the refits fit, the planned bags do not
    clock = FakeClock()  # the time left does not shrink while the test's models are refitted
    chosen = final_model(X, y, spec, schema, result, ensemble=ensemble, leaderboard=board, clock=clock,
                         plan=plan_ending_in(clock, room, budget_s=6000.0))
    notes = chosen.notes
    assert chosen.name == "ensemble"
    assert len(chosen.estimator.estimators) < len(bag) * len(result.folds) + len(members) - len(bag)
    assert not any("could not be bagged or refitted" in note for note in notes)
    assert any("rather than bagged" in note for note in notes)  # the notes say which members, and why
    short = TAIL_FIXED_S / 2 + refitted_s / 3  # not even the refits fit: the next row is exported
    other = final_model(X, y, spec, schema, result, ensemble=ensemble, leaderboard=board, clock=clock,
                        plan=plan_ending_in(clock, short, budget_s=6000.0))
    dropped = other.notes
    assert other.name != "ensemble"
    assert any("could not be bagged or refitted" in note for note in dropped)


def test_the_search_reserves_what_the_final_model_spends_on_its_blend_even_when_the_bags_together_are_too_big(
        searched, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One plan for the tail: the search's reserve and the final model bag and refit the same members, so the time
    the search leaves is the time the blend needs. On 344_mv the reserve had counted each member's bag alone, two of
    them together passed the size cap, and the final model refitted one: the blend no longer fit, and a single model
    was exported instead of the ensemble."""
    spec, schema, X, y, result = searched
    # two members as slow to refit as 344_mv's: 14 s a fold
    members = [replace(o, fit_time_s=14.0 * len(o.fold_scores))
               for o in sorted(result.outcomes.values(), key=lambda o: bag_onnx_mb([o]))[-2:]]
    found = replace(result, outcomes={**result.outcomes, **{o.number: o for o in members}})
    assert all(can_bag([o]) for o in members)
    monkeypatch.setattr("kuai.engine.select.bagging.MAX_BAG_ONNX_MB", bag_onnx_mb(members) * 0.99)
    assert can_bag([members[0]]) and can_bag([members[1]]) and not can_bag(members)  # each alone, not both
    bag = members_to_bag(members, spec, 60.0)
    assert len(bag) == 1  # the final model bags one and refits the other
    spends = blend_s(members, bag, spec)
    assert spends > 14.0
    refitted = next(o for o in members if o.number not in bag)
    assert blend_tail_s(members, spec, 60.0) == pytest.approx(spends + TAIL_OF_REFIT * refit_s(refitted, spec))
    clock = FakeClock()  # the time left does not shrink while the test's models are refitted
    plan = BudgetPlan(started=clock.now(), budget_s=60.0)
    search_end = revised(plan, tail_reserve_s=tail_cost_s(found, spec, 60.0, members=members)).search_until
    assert plan.refit_until - search_end >= spends  # the search left what the blend spends ...
    clock.advance(search_end - clock.now())
    ensemble = EnsembleSelection(weights={o.number: 0.5 for o in members}, oof=members[0].oof, score=0.0,
                                 fold_scores=[0.0])
    board = build_leaderboard(found, ensemble, spec)
    board = [e for e in board if e.is_ensemble] + [e for e in board if not e.is_ensemble]
    chosen = final_model(X, y, spec, schema, found, ensemble=ensemble, leaderboard=board, plan=plan, clock=clock)
    assert chosen.name == "ensemble" and chosen.bagged_folds  # ... and the final model made the blend it planned
    assert not any("could not be bagged or refitted" in note or "rather than bagged" in note for note in chosen.notes)


def test_training_exports_the_bag_when_it_fits_and_refits_when_it_does_not(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    frame = _table(TaskType.BINARY, n=400)
    spec, _, _, _ = search_data(frame, n_folds=4)
    budget = SearchBudget(time_budget_s=30, max_trials=5, families=("lightgbm", "linear"))
    bagged = train(frame, spec, budget=budget)
    assert bagged.bagged_folds == 4
    assert any("average of the 4 models" in note for note in bagged.notes)
    assert len(bagged.estimator.estimators_) % 4 == 0  # every member's four fold models
    # no bag is small enough: the model is refitted
    monkeypatch.setattr("kuai.engine.select.bagging.MAX_BAG_ONNX_MB", 0.0)
    refitted = train(frame, spec, budget=budget)
    assert refitted.bagged_folds == 0
    assert refitted.model_name == bagged.model_name  # the same search chose the same model
    assert not any("average of the" in note for note in refitted.notes)
    members = getattr(refitted.estimator, "estimators_", [refitted.estimator])  # one pipeline per member
    assert len(members) == len(bagged.estimator.estimators_) // 4


def test_the_final_selection_leaves_out_the_trials_that_could_not_be_exported_in_the_time_left(
        searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result = searched
    cost = {n: min(blend_s([o], set(), spec), blend_s([o], {n}, spec)) for n, o in result.outcomes.items()}
    assert tail_cost.exportable(result, spec, np.inf) == (result, [])
    slowest = max(cost, key=cost.__getitem__)
    among, left_out = tail_cost.exportable(result, spec, cost[slowest] * 0.999)  # all but the slowest fit
    assert set(among.outcomes) == {n for n, c in cost.items() if c < cost[slowest] * 0.999}
    assert slowest not in among.outcomes
    assert left_out == [o.name for n, o in result.outcomes.items() if n not in among.outcomes]
    assert among.folds is result.folds
    cheapest = sorted(cost.values())
    assert tail_cost.exportable(result, spec, cheapest[1] * 0.999) == (result, [])  # one would be left: no blend
    # without its fold models a trial can only be refitted, whatever its bag would have cost
    bare = replace(result, outcomes={n: replace(o, fold_models=None) for n, o in result.outcomes.items()})
    refits = {n: blend_s([o], set(), spec) for n, o in bare.outcomes.items()}
    among, _ = tail_cost.exportable(bare, spec, sorted(refits.values())[-1] * 0.999)
    assert set(among.outcomes) == {n for n, c in refits.items() if c < sorted(refits.values())[-1] * 0.999}


def test_a_training_leaves_out_of_its_ensemble_what_it_could_not_export_and_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    frame = _table(TaskType.BINARY, n=400)
    spec, _, _, _ = search_data(frame, n_folds=4)
    budget = SearchBudget(time_budget_s=30, max_trials=5, families=("lightgbm", "linear", "extra_trees"))
    exportable, seen = tail_cost.exportable, []

    def best_too_slow(result, spec, seconds):  # type: ignore[no-untyped-def]
        assert 0 < seconds <= 30  # the time left until the refit's deadline
        best = by_score(result.outcomes.values(), get_metric(spec.metric))[0]
        seen.append(best.name)
        return exportable(result, spec, seconds) if len(result.outcomes) < 3 else (
            replace(result, outcomes={n: o for n, o in result.outcomes.items() if n != best.number}), [best.name])

    monkeypatch.setattr(tail_cost, "exportable", best_too_slow)
    trained = train(frame, spec, budget=budget)
    assert len(seen) == 1
    blend = next(e for e in trained.leaderboard if e.is_ensemble)  # chosen among the others, and the user is told
    assert seen[0] not in blend.members and len(blend.members) >= 2
    assert any(f"Left out of the ensemble: {seen[0]}." in note for note in trained.notes)


def test_the_tail_plans_for_a_bag_unless_other_workers_trials_may_win(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result = searched
    outcome = next(o for o in result.outcomes.values() if o.family == "lightgbm")
    bagged, bag_s = member_plan(outcome, spec, 600.0)  # a big budget: a bag is always worth converting
    assert bagged and bag_s == pytest.approx(BAG_MARGIN * export_s(bag_size_kb([outcome]), "lightgbm"))
    refitted, refit_s = member_plan(outcome, spec, 600.0, refit_only=True)
    assert not refitted and refit_s > 0
    assert member_plan(replace(outcome, fold_models=None), spec, 600.0) == (False, refit_s)  # nothing to bag
    alone, shared = tail_cost_s(result, spec, 600.0), tail_cost_s(result, spec, 600.0, shared=True)
    assert alone > TAIL_FIXED_S and shared > TAIL_FIXED_S and alone != shared
    plan = BudgetPlan(started=0.0, budget_s=600.0)
    for tail_s in (alone, shared):  # the search ends early enough for it
        assert revised(plan, tail_reserve_s=tail_s).search_until <= plan.tail_end - plan.explain_s - tail_s


def test_the_tail_is_planned_for_the_likely_blend_and_the_deadline_moves_back_when_it_gets_cheaper(
        searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, y, result = searched
    metric = get_metric(spec.metric)
    ranked = sorted(result.outcomes.values(), key=lambda o: metric.loss(float(np.mean(o.fold_scores))))
    best, cheapest = ranked[0], min(ranked[1:], key=lambda o: member_plan(o, spec, 600.0)[1])
    top_three = tail_cost_s(result, spec, 600.0)  # no plan yet: the three best models
    cheaper = tail_cost_s(result, spec, 600.0, members=[cheapest])
    assert cheaper < top_three  # the search's end moves later again
    plan = BudgetPlan(started=0.0, budget_s=600.0)
    capped = plan.tail_end - plan.explain_s - plan.search_latest  # a tail costlier than this moves the search's end
    later = revised(plan, tail_reserve_s=capped + cheaper).search_until
    assert later - revised(plan, tail_reserve_s=capped + top_three).search_until == pytest.approx(top_three - cheaper)
    blend, alone = blend_tail_s([cheapest], spec, 600.0), blend_tail_s([best], spec, 600.0)
    stack = top_three - TAIL_FIXED_S - blend_tail_s(ranked[:3], spec, 600.0)
    assert cheaper == pytest.approx(TAIL_FIXED_S + max(blend, alone) + stack)  # the dearer of the two
    selecting = tail_cost_s(result, spec, 600.0, members=[cheapest], ensemble_s=2.5)
    assert selecting == pytest.approx(cheaper + 2.5)  # selecting the ensemble takes its measured time


def _members(selection: EnsembleSelection | None) -> set[int]:
    return set(selection.weights) if selection is not None else set()


def test_the_likely_blend_is_worked_out_again_at_most_every_few_seconds_and_newer_top_models_count_meanwhile(
        searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, y, result = searched
    metric = get_metric(spec.metric)
    clock = FakeClock(100.0)
    likely = LikelyMembers(y, metric, spec.task, clock=clock)
    ranked = [o.number for o in by_score(result.outcomes.values(), metric)]
    first = sorted(result.outcomes)[:2]
    early = replace(result, outcomes={n: result.outcomes[n] for n in first})
    assert likely(replace(result, outcomes={})) == [] and likely.numbers is None
    # no blend: the best
    planned = _members(likely_ensemble(early, y, metric, spec.task)) or {min(first, key=ranked.index)}
    assert {o.number for o in likely(early)} == planned
    clock.advance(1.0)  # new trials within PLAN_EVERY_S: the plan stands, newer trials among the top three join it
    stale = planned | (set(ranked[:3]) - set(first))
    assert {o.number for o in likely(result)} == stale and likely.planned == set(first) and likely.at == 100.0
    assert {o.number for o in likely.selected(result)} == planned  # the last selection's own, without the guess
    clock.advance(PLAN_EVERY_S)
    likely.cost, likely.runs = 1.0, 2  # a selection and one trimming
    assert likely.selection_s(result) == pytest.approx(_nested(result, runs=2) * len(result.outcomes) / len(first))
    # more candidates
    assert {o.number for o in likely(result, remaining_s=1.5)} == stale  # no time left to select again
    assert {o.number for o in likely(result)} == stale  # nor yet ten times its cost after the last one
    assert likely.planned == set(first)
    assert likely.stale(result)
    expected = _members(likely_ensemble(result, y, metric, spec.task)) or {ranked[0]}
    assert {o.number for o in likely(result, remaining_s=1.5, now=True)} == stale  # asked now, but no time
    assert {o.number for o in likely(result, now=True)} == expected  # asked now: selected again at once
    assert likely.planned == set(result.outcomes) and likely.at == clock.now() and not likely.stale(result)
    clock.advance(10 * likely.cost)
    assert {o.number for o in likely(result)} == expected  # nothing new: the plan stands


def test_the_plan_selects_on_a_sample_of_the_scored_rows_and_counts_the_final_selection_on_all_of_them(
        searched, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, y, result = searched
    metric = get_metric(spec.metric)
    sampled = plan_folds(result.folds, y, 100, spec.task.is_classification)
    assert 96 <= n_scored(sampled) <= 104  # each fold's share of 100 rows
    for (fold_train, valid), (all_train, all_valid) in zip(sampled, result.folds, strict=True):
        assert fold_train is all_train and set(valid) < set(all_valid)
        if spec.task.is_classification:  # stratified: every class of the fold's rows is still there
            assert set(y[valid]) == set(y[all_valid])
    assert plan_folds(result.folds, y, 10_000, spec.task.is_classification) is result.folds
    monkeypatch.setattr(tail_cost, "PLAN_ROWS", 100)
    read: list[tuple[int, int]] = []  # what the plan's selection read: its folds' scored rows, and the work's rows
    select = tail_cost.select_ensemble

    def spied(*args, **kwargs):  # type: ignore[no-untyped-def]
        read.append((n_scored(kwargs["folds"]), kwargs["work_rows"]))
        return select(*args, **kwargs)

    monkeypatch.setattr(tail_cost, "select_ensemble", spied)
    likely = LikelyMembers(y, metric, spec.task, clock=FakeClock(100.0))
    members = {o.number for o in likely(result)}
    assert len(read) == 1 and read[0][0] <= 104 and read[0][1] == n_scored(result.folds)
    assert members == (_members(likely_ensemble(result, y, metric, spec.task, most_rows=100))
                       or {by_score(result.outcomes.values(), metric)[0].number})
    likely.cost, likely.runs = 1.0, 1  # measured on 100 rows: the final selection reads every scored row, nested
    rows = n_scored(result.folds) / 100
    assert likely.selection_s(result) == pytest.approx(_nested(result, runs=1) * rows)


def _nested(result, *, runs: int) -> float:  # type: ignore[no-untyped-def]
    """The final selection's cost against the plain one's (``runs`` greedy selections) when it is also scored
    nested: for each fold, every model scored and one greedy selection of 25 steps over the candidates (here every
    model), counted as a fold's worth of rows each."""
    models = len(result.outcomes)
    return 1 + len(result.folds) * (25 * models + models) / (25 * models * runs)


def test_the_leaderboard_ranks_an_ensemble_that_overfits_by_its_nested_score(searched) -> None:  # type: ignore[no-untyped-def]
    """The blend's row shows its score on rows its weights were not chosen on when, there, it does clearly worse
    than the best single model on the same folds; its own score otherwise."""
    spec, _, _, _, result = searched
    metric = get_metric(spec.metric)
    best = by_score(result.outcomes.values(), metric)[0]
    sign = 1 if metric.greater_is_better else -1
    plain = EnsembleSelection(weights={n: 0.5 for n in sorted(result.outcomes)[:2]}, oof=best.oof, score=0.9,
                              fold_scores=[0.9] * len(best.fold_scores))
    worse = replace(plain, nested_fold_scores=[s - sign * (0.05 + 0.001 * i) for i, s in enumerate(best.fold_scores)])
    rows = {e.model: e for e in build_leaderboard(result, worse, spec)}
    assert rows["ensemble"].score == pytest.approx(float(np.mean(worse.nested_fold_scores or [])))
    steady = replace(plain, nested_fold_scores=[s + sign * 0.01 for s in best.fold_scores])  # better, nested
    assert {e.model: e for e in build_leaderboard(result, steady, spec)}["ensemble"].score == pytest.approx(0.9)


def test_the_notes_say_when_an_ensemble_best_on_its_own_rows_ranks_below_a_single_model(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result = searched
    metric = get_metric(spec.metric)
    best = by_score(result.outcomes.values(), metric)[0]
    single = float(np.mean(best.fold_scores))
    sign = 1 if metric.greater_is_better else -1
    better = single + sign * 0.01
    members = sorted(result.outcomes)[:2]
    nested = [s - sign * (0.05 + 0.001 * i) for i, s in enumerate(best.fold_scores)]  # clearly worse on every fold
    ensemble = EnsembleSelection(weights={n: 0.5 for n in members}, oof=best.oof, score=better,
                                 fold_scores=[better] * len(best.fold_scores), nested_fold_scores=nested)
    notes = ensemble_notes(result, ensemble, build_leaderboard(result, ensemble, spec), metric)
    assert len(notes) == 1 and "rows they were not chosen on" in notes[0] and best.name in notes[0]
    honest = replace(ensemble, nested_fold_scores=[s + sign * 0.01 for s in best.fold_scores])  # better: no note
    assert ensemble_notes(result, honest, build_leaderboard(result, honest, spec), metric) == []


def test_a_long_search_lets_the_ensemble_consider_as_many_candidates_as_the_rows_allow() -> None:
    spec, schema, X, y = search_data(_table(TaskType.BINARY), n_folds=4)
    for long in (False, True):  # by_family: the plan's long budget (above 600 s)
        result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 30),
                                         families=("linear",), max_trials=1, by_family=long))
        assert result.many_candidates is long and len(result.outcomes) == 1
