"""The budget plan: every stage's deadline from the time budget and the measured costs (no training, no wall clock)."""

from __future__ import annotations

import dataclasses

import pytest

from kuai.engine.budget import (
    AFTER_EXPLAIN_S,
    BAG_MARGIN,
    LATE_SHAP_S,
    MIN_SHAP_S,
    MONOTONIC,
    TAIL_FIXED_S,
    BudgetPlan,
    after_refit,
    inputs_tail_s,
    late_start_note,
    plan_budget,
    revised,
    shap_after_export_s,
)
from kuai.engine.search.optimize import TAIL_OF_REFIT
from tests.engine.fake_clock import FakeClock

BUDGETS = [10.0, 30.0, 60.0, 300.0, 3600.0]


def _stages(plan: BudgetPlan) -> list[float]:
    """The engine's deadlines, in the order the stages run."""
    return [plan.search_until, plan.stack_until, plan.refit_until, plan.tail_end, plan.ends]


@pytest.mark.parametrize("budget_s", BUDGETS)
@pytest.mark.parametrize("n_inputs", [0, 3_000])
def test_the_stages_deadlines_are_ordered_and_end_within_the_budget(budget_s: float, n_inputs: int) -> None:
    plan = plan_budget(budget_s, started=100.0, n_inputs=n_inputs)
    stages = _stages(plan)
    assert stages == sorted(stages)
    assert plan.ends == 100.0 + budget_s
    assert plan.search_until < plan.first_trial_until < plan.refit_until  # the first trial may use the tail's slack
    assert plan.explain_until <= plan.tail_end - TAIL_FIXED_S  # the export's fixed part follows the explanation
    # what runs past the budget stays within the allowance the command has: max(5 s, 10 %)
    assert plan.ends < plan.logging_until <= plan.allowance_end == plan.ends + max(5.0, 0.1 * budget_s)
    assert plan.logging_starts < plan.ends < plan.late_shap_until <= plan.allowance_end


@pytest.mark.parametrize("budget_s", BUDGETS)
@pytest.mark.parametrize("n_inputs", [0, 200, 3_000])
def test_the_plan_gives_the_deadlines_the_stages_computed_before_it(budget_s: float, n_inputs: int) -> None:
    """Same budgets, same decisions: the arithmetic that lived in automl.py, final.py and stacking's caller."""
    started = 50.0
    explain_s = min(0.1 * budget_s, 60.0, max(3.0, 0.06 * budget_s))
    tail_end = started + budget_s - 0.002 * n_inputs
    plan = plan_budget(budget_s, started=started, n_inputs=n_inputs)
    assert plan.explain_s == pytest.approx(explain_s)
    assert plan.search_until == pytest.approx(tail_end - 5.5 - explain_s - min(0.1 * budget_s, 60.0))
    assert plan.first_trial_until == pytest.approx(tail_end - 5.5)
    assert plan.stack_until == pytest.approx(tail_end - 5.5 - explain_s)
    assert plan.refit_until == pytest.approx(tail_end - 5.5 / 2)
    measured = after_refit(plan, refit_s=8.0, conversion_s=2.0)
    assert measured.explain_until == pytest.approx(tail_end - 5.5 - max(0.5 * 8.0, 1.25 * 2.0))


def test_a_small_budget_keeps_most_of_it_for_the_tail_and_a_large_one_for_the_search() -> None:
    small, large = plan_budget(20.0, started=0.0), plan_budget(3600.0, started=0.0)
    assert small.explain_s == 2.0 and large.explain_s == 60.0  # at most 10 %; at most a minute
    assert small.search_until == pytest.approx(20.0 - TAIL_FIXED_S - 2.0 - 2.0)  # 10.5 s of 20
    assert large.search_until == pytest.approx(3600.0 - TAIL_FIXED_S - 60.0 - 60.0)  # 96.5 % of an hour
    assert small.search_until / small.budget_s < 0.6


@pytest.mark.parametrize(("budget_s", "held_back_s"), [(60.0, 5.5 + 3.6 + 6.0), (300.0, 5.5 + 18.0 + 30.0),
                                                      (600.0, 5.5 + 36.0 + 60.0), (3600.0, 5.5 + 60.0 + 60.0)])
def test_what_the_search_leaves_the_tail_before_any_trial_grows_with_the_budget_up_to_two_minutes_and_the_fixed_tail(
        budget_s: float, held_back_s: float) -> None:
    """The fixed tail, the explanation and the slack: a share of a short budget, capped for a long one, where they
    held back 16 % of an hour (its search ended 572 s early on magic)."""
    plan = plan_budget(budget_s, started=0.0)
    assert plan.ends - plan.search_latest == pytest.approx(held_back_s)
    assert plan.trial_s == pytest.approx((budget_s - held_back_s) / 12)


@pytest.mark.parametrize(("budget_s", "by_family"), [(60.0, False), (300.0, False), (600.0, False), (3600.0, True)])
def test_only_a_long_budget_prunes_each_trial_against_its_own_family(budget_s: float, by_family: bool) -> None:
    assert plan_budget(budget_s, started=0.0).prunes_by_family is by_family


def test_a_model_with_many_inputs_ends_every_stage_earlier_by_what_they_add_to_the_tail() -> None:
    narrow, wide = plan_budget(60.0, started=0.0, n_inputs=10), plan_budget(60.0, started=0.0, n_inputs=3_000)
    shift = inputs_tail_s(3_000) - inputs_tail_s(10)
    assert shift > 0
    for before, after in zip(_stages(narrow)[:-1], _stages(wide)[:-1], strict=True):
        assert after == pytest.approx(before - shift)
    assert wide.ends == narrow.ends  # the budget itself does not move


def test_a_costlier_measured_tail_ends_the_search_earlier_and_a_cheaper_one_later_again() -> None:
    plan = plan_budget(600.0, started=0.0)
    room = plan.tail_end - plan.explain_s - plan.search_latest  # a tail cheaper than this leaves the end where it is
    cheap = revised(plan, tail_reserve_s=room / 2)
    costly = revised(plan, tail_reserve_s=room + 40.0)
    costlier = revised(costly, tail_reserve_s=room + 90.0)
    assert cheap.search_until == plan.search_until == plan.search_latest  # never later than planned before any trial
    assert costly.search_until == pytest.approx(plan.search_latest - 40.0)
    assert costlier.search_until == pytest.approx(plan.search_latest - 90.0)
    assert revised(costlier, tail_reserve_s=room + 40.0) == costly  # cheaper again: later again, from the same plan
    # nothing else moves: the stages after the search keep their deadlines
    assert _stages(costlier)[1:] == _stages(plan)[1:]


def test_revising_a_plan_returns_a_new_one_and_leaves_it_as_it_was() -> None:
    plan = plan_budget(60.0, started=0.0)
    before = dataclasses.asdict(plan)
    revised(plan, tail_reserve_s=30.0)
    after_refit(plan, refit_s=10.0, conversion_s=10.0)
    assert dataclasses.asdict(plan) == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.tail_reserve_s = 1.0  # type: ignore[misc]
    assert plan_budget(60.0, started=0.0, n_inputs=5) == plan_budget(60.0, started=0.0, n_inputs=5)


def test_the_explanation_leaves_the_export_half_the_refit_or_the_conversion_whichever_costs_more() -> None:
    plan = plan_budget(120.0, started=0.0)
    by_refit = after_refit(plan, refit_s=20.0, conversion_s=1.0)
    by_conversion = after_refit(plan, refit_s=1.0, conversion_s=20.0)
    assert plan.explain_until - by_refit.explain_until == pytest.approx(TAIL_OF_REFIT * 20.0)
    assert plan.explain_until - by_conversion.explain_until == pytest.approx(BAG_MARGIN * 20.0)
    clock = FakeClock(at=plan.started)
    clock.advance(60.0)
    assert by_refit.shap_s(clock.now()) == pytest.approx(by_refit.explain_until - 60.0)
    assert by_refit.permutation_s(clock.now()) == pytest.approx(0.4 * (by_refit.explain_until - 60.0))
    clock.advance(1_000.0)  # past it: permutation importance gets nothing
    assert by_refit.permutation_s(clock.now()) == 0.0


def test_shap_after_the_export_ends_before_the_logging_or_is_skipped_when_the_export_ran_far_past_the_budget() -> None:
    plan = plan_budget(60.0, started=0.0)
    assert shap_after_export_s(plan, 7.0, now=10.0) == 7.0  # roomy: what the refit planned
    assert shap_after_export_s(plan, 7.0, now=plan.ends - AFTER_EXPLAIN_S - 2.0) == pytest.approx(2.0)
    late = shap_after_export_s(plan, 7.0, now=plan.ends + (LATE_SHAP_S - MIN_SHAP_S) / 2)
    assert late is not None and late < MIN_SHAP_S  # the caller still gives it MIN_SHAP_S, within the allowance
    assert shap_after_export_s(plan, 7.0, now=plan.ends + LATE_SHAP_S - MIN_SHAP_S / 2) is None


def test_the_default_clock_is_the_monotonic_one() -> None:
    import time

    before = time.monotonic()
    assert before <= MONOTONIC.now() <= time.monotonic()


def test_a_search_starting_after_half_the_budget_is_said_with_a_budget_that_suits_the_data() -> None:
    assert late_start_note(4.9, 10.0) == "" and late_start_note(30.0, 60.0) == ""
    note = late_start_note(9.2, 10.0)
    assert "took 9.2 s of the 10 s time budget" in note and "may end past its budget" in note
    assert "A time budget of 30 s or more" in note  # the preparation a third of it, in steps of 5 s


def test_a_fresh_export_fits_while_its_start_and_share_end_within_the_allowance_inputs_included() -> None:
    plan = plan_budget(60.0, started=0.0)  # ends at 60, its allowance at 66
    assert plan.fresh_export_fits(56.0, 6.0) and not plan.fresh_export_fits(57.0, 6.0)  # 56 + 6 + 4 = 66
    wide = plan_budget(60.0, started=0.0, n_inputs=1_000)  # its inputs add 2 s to the export
    assert wide.fresh_export_fits(54.0, 6.0) and not wide.fresh_export_fits(55.0, 6.0)
