"""The budget plan: every stage's deadline, from the time budget and the costs measured on the way.

A training has one time budget. ``plan_budget`` turns it into a frozen ``BudgetPlan``; each stage reads its
deadline from the plan and computes none itself::

    started ... search_until | stack_until | refit_until ... explain_until | export ... | ends | logging_until
                (first_trial_until: the first trial may run into the tail's slack)

What follows the search costs is known only as trials finish: ``tail_reserve_s`` estimates it from their measured
fit times and model sizes, and ``revised`` gives the plan whose search ends early enough for it. Once the final model
is refitted, ``after_refit`` gives the plan whose explanation leaves the export its measured share. Both are pure:
a plan is never changed in place.

Times are a ``Clock``'s seconds: ``time.monotonic()`` by default, the system's clock, the same in every process of
a training. Tests pass a fake clock.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Final, Protocol

EXPORT_FIXED_S = 4.0  # ONNX export and parity, report, artifacts: ~3-4 s ...
TAIL_FIXED_S = EXPORT_FIXED_S + 1.5  # ... and the CLI exports in a fresh process: ~1.5 s to start it (4-6 s on a slow
# machine: ``fresh_export_fits``)
EXPLAIN_SHARE = 0.06  # of the budget, kept for SHAP and permutation importance ...
EXPLAIN_MIN_S = 3.0  # ... but at least this (and at most a tenth of the budget) ...
EXPLAIN_MAX_S = 60.0  # ... and at most this: both are bounded by their time, and a long budget is the search's
SEARCH_SLACK_SHARE = 0.1  # of the budget: the search ends this much earlier still, for the tail estimate's errors ...
SEARCH_SLACK_MAX_S = 60.0  # ... at most this: trials stop at the search's end, and the tail is measured as they go
PERMUTATION_SHARE = 0.4  # of the explanation's time: permutation importance, at the refit; SHAP gets the rest
MIN_SHAP_S = 0.5
AFTER_EXPLAIN_S = 3.0  # what a pending explanation leaves of the budget: report, files, and MLflow's logging
LATE_SHAP_S = 2.5  # how far past the budget a late export's SHAP may end: the command may run max(5 s, 10 %) past it
TRACKING_WAIT_S = 2.0  # the command waits for MLflow's logging until this long past the budget
TAIL_OF_REFIT = 0.5  # explaining and exporting a model cost about half its refit (measured)
ALLOWANCE_MIN_S, ALLOWANCE_SHARE = 5.0, 0.1  # the command may end max(5 s, 10 %) past the budget (docs/product.md)
BAG_MARGIN = 1.25  # the ONNX conversion's estimate, with room for error
# What each input of the model adds to the tail beyond TAIL_FIXED_S: its graph's inputs and their concatenation, the
# parity and latency feeds, SHAP's folding onto columns, the report. Measured on 2 cores for five bagged LightGBMs over
# 3,000 inputs (1,000 rows): conversion 3.5 s, parity 1.4 s, latency 1.4 s, SHAP and evaluation 1.3 s (about 1.5 s
# for a narrow model).
EXPORT_S_PER_INPUT = 0.002
FIRST_MODEL_SHARE = 0.1  # of the budget: the first model is on the leaderboard by then (docs/product.md) ...
TARGET_TRIALS = 12  # ... and the search plans for at least this many trials (``kuai.engine.search.fidelity``)
# Above this budget each trial is pruned against its own family's trials, not all of them: a long search converges
# on one family, whose trials then set the one median and stop every other family's (``FamilyMedianPruner``).
# Budgets up to it, measured at 60 s and 300 s on the shared datasets, keep the one median.
PRUNE_BY_FAMILY_ABOVE_S = 600.0
LATE_START_SHARE = 0.5  # a search that starts after this share of the budget: the user is told the training may
# run past it (reading and preparing thousands of columns, or a large table on a slow machine)


class Clock(Protocol):
    """Where the budget's seconds come from."""

    def now(self) -> float: ...


class MonotonicClock:
    """``time.monotonic()``: the system's clock, so its times hold in an ``exec``'ed process."""

    def now(self) -> float:
        return time.monotonic()


MONOTONIC: Final[Clock] = MonotonicClock()


@dataclass(frozen=True)
class BudgetPlan:
    """Every stage's deadline, in a ``Clock``'s seconds. Measured costs enter through ``revised`` and
    ``after_refit``, which return a new plan."""

    started: float  # when the budget started counting
    budget_s: float
    inputs_s: float = 0.0  # what the model's many inputs add to the tail (``inputs_tail_s``)
    tail_reserve_s: float = 0.0  # measured during the search: refit or bags, conversion, ensemble, stack
    export_reserve_s: float = 0.0  # measured at the refit: the export's share beyond the fixed tail

    @property
    def ends(self) -> float:
        """The budget's end."""
        return self.started + self.budget_s

    @property
    def tail_end(self) -> float:
        """The budget's end, less what the model's inputs add to the tail."""
        return self.ends - self.inputs_s

    @property
    def explain_s(self) -> float:
        """Kept for SHAP and permutation importance: a share of the budget, at least a few seconds, at most 10 % and at
        most a minute."""
        return min(0.1 * self.budget_s, EXPLAIN_MAX_S, max(EXPLAIN_MIN_S, EXPLAIN_SHARE * self.budget_s))

    @property
    def slack_s(self) -> float:
        """Before any trial is measured, and whatever the tail measures cheaper than this, the search ends this much
        before the fixed tail and the explanation: a tenth of the budget, at most a minute (an hour's budget on magic
        held back 360 s of slack and 216 s for the explanation, and its search ended 572 s before the budget)."""
        return min(SEARCH_SLACK_SHARE * self.budget_s, SEARCH_SLACK_MAX_S)

    @property
    def prunes_by_family(self) -> bool:
        """Whether each trial is pruned against its own family's trials (``PRUNE_BY_FAMILY_ABOVE_S``)."""
        return self.budget_s > PRUNE_BY_FAMILY_ABOVE_S

    @property
    def first_trial_until(self) -> float:
        """Until one model has finished, the first one may run into the tail's slack."""
        return self.tail_end - TAIL_FIXED_S

    @property
    def search_latest(self) -> float:
        """The search's end before any measured cost moves it earlier."""
        return self.tail_end - TAIL_FIXED_S - self.explain_s - self.slack_s

    @property
    def first_model_by(self) -> float:
        """The first trial trains on as few rows as it takes to finish by here (``kuai.engine.search.fidelity``)."""
        return self.started + FIRST_MODEL_SHARE * self.budget_s

    @property
    def trial_s(self) -> float:
        """What a trial after the first is planned to take: the search's window over ``TARGET_TRIALS``; a trial
        predicted to take longer trains on fewer rows (``kuai.engine.search.fidelity``)."""
        return max(0.0, self.search_latest - self.started) / TARGET_TRIALS

    @property
    def search_until(self) -> float:
        """The search's end: early enough for the measured tail (``tail_reserve_s``) and the explanation."""
        return min(self.search_latest, self.tail_end - self.explain_s - self.tail_reserve_s)

    @property
    def stack_until(self) -> float:
        """The stacking layer's fit and conversion end here (the explanation and export follow)."""
        return self.tail_end - TAIL_FIXED_S - self.explain_s

    @property
    def refit_until(self) -> float:
        """The final model's refits and bag conversions end here (half the fixed tail is left)."""
        return self.tail_end - TAIL_FIXED_S / 2

    @property
    def explain_until(self) -> float:
        """Permutation importance and SHAP end here, leaving the export its measured share (``after_refit``)."""
        return self.tail_end - TAIL_FIXED_S - self.export_reserve_s

    @property
    def logging_starts(self) -> float:
        """A SHAP run after the export ends here at the latest: the report, files and MLflow's logging follow."""
        return self.ends - AFTER_EXPLAIN_S

    @property
    def late_shap_until(self) -> float:
        """An export that ran past the budget still gets SHAP while this leaves it ``MIN_SHAP_S``."""
        return self.ends + LATE_SHAP_S

    @property
    def logging_until(self) -> float:
        """The command waits for MLflow's logging until here."""
        return self.ends + TRACKING_WAIT_S

    @property
    def allowance_end(self) -> float:
        """The command ends by here: the budget and max(5 s, 10 %) past it."""
        return self.ends + max(ALLOWANCE_MIN_S, ALLOWANCE_SHARE * self.budget_s)

    def fresh_export_fits(self, now: float, start_s: float) -> bool:
        """Whether an export in a fresh process that takes ``start_s`` to start, begun at ``now``, still ends within
        the allowance past the budget (its fixed share, ``EXPORT_FIXED_S``, and what the model's inputs add, after
        the start)."""
        return now + start_s + EXPORT_FIXED_S + self.inputs_s <= self.allowance_end

    def permutation_s(self, now: float) -> float:
        """Permutation importance's time at ``now``: its share of what is left for the explanation."""
        return max(0.0, PERMUTATION_SHARE * (self.explain_until - now))

    def shap_s(self, now: float) -> float:
        """SHAP's planned time at ``now``: what is left for the explanation."""
        return self.explain_until - now


def plan_budget(budget_s: float, *, started: float, n_inputs: int = 0) -> BudgetPlan:
    """The plan of a budget of ``budget_s`` seconds counted from ``started``, for a model over ``n_inputs``
    inputs."""
    return BudgetPlan(started=started, budget_s=budget_s, inputs_s=inputs_tail_s(n_inputs))


def revised(plan: BudgetPlan, *, tail_reserve_s: float) -> BudgetPlan:
    """The plan whose search ends early enough for a tail measured at ``tail_reserve_s`` (``tail_cost_s``);
    the search's end moves later again, up to ``search_latest``, when the tail gets cheaper."""
    return replace(plan, tail_reserve_s=tail_reserve_s)


def after_refit(plan: BudgetPlan, *, refit_s: float, conversion_s: float) -> BudgetPlan:
    """The plan once the final model is chosen: the export and report keep about half the refit's ``refit_s``, or
    the conversion's estimated ``conversion_s`` (with its margin) when that costs more."""
    return replace(plan, export_reserve_s=max(TAIL_OF_REFIT * refit_s, BAG_MARGIN * conversion_s))


def shap_after_export_s(plan: BudgetPlan, planned_s: float, *, now: float) -> float | None:
    """SHAP's time when it runs after the export: ``planned_s``, ending ``AFTER_EXPLAIN_S`` before the budget's end;
    None when the export ended so late that not even ``MIN_SHAP_S`` fits within ``LATE_SHAP_S`` past it."""
    if plan.late_shap_until - now < MIN_SHAP_S:
        return None
    return min(planned_s, plan.logging_starts - now)


def late_start_note(spent_s: float, budget_s: float) -> str:
    """What to say when starting (the processes and their imports), reading and preparing the data took more than
    ``LATE_START_SHARE`` of the budget before the search began ("" otherwise): the first model and the export still
    come, and may end past the budget."""
    if spent_s <= LATE_START_SHARE * budget_s:
        return ""
    suggested = 5 * math.ceil(3 * spent_s / 5)  # the preparation a third of the budget, in steps of 5 s
    return (f"Starting, reading and preparing the data took {spent_s:.1f} s of the {budget_s:.0f} s time budget, "
            f"before any model: the training may end past its budget. A time budget of {suggested} s or more suits "
            "data of this size on this machine.")


def inputs_tail_s(n_inputs: int) -> float:
    """What a model over ``n_inputs`` inputs adds to the tail beyond ``TAIL_FIXED_S`` (thousands of columns)."""
    return EXPORT_S_PER_INPUT * n_inputs
