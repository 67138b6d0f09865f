"""The budget plan: every stage's deadline, from the time budget and the costs measured on the way.

A training has one time budget. ``plan_budget`` turns it into a frozen ``BudgetPlan``; each stage reads its
deadline from the plan and computes none itself::

    started ... search_until | stack_until | refit_until ... explain_until | export ... | ends | logging_until
                (first_trial_until: the first trial may run into the tail's slack)

What follows the search costs is known only as trials finish: ``tail_reserve_s`` estimates it from their measured
fit times and model sizes, and ``revised`` gives the plan whose search ends early enough for it. Once the final model
is refitted, ``after_refit`` gives the plan whose explanation leaves the export its measured share. Both are pure:
a plan is never changed in place.

Times are a ``Clock``'s seconds: ``time.monotonic()`` by default, the system's clock, valid across an ``exec``. Tests
pass a fake clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Final, Protocol

import numpy as np

from kuai.engine.metrics import Metric, get_metric
from kuai.engine.models import FAMILIES, available_cores, n_threads
from kuai.engine.search.optimize import REFIT_EXTRA_ROUNDS, TAIL_OF_REFIT, SearchResult
from kuai.engine.search.trials import TrialOutcome, by_score
from kuai.engine.select.bagging import MAX_BLEND_ONNX_MB, bag_size_kb, can_bag, refit_onnx_mb
from kuai.engine.select.ensemble import MAX_CANDIDATES, EnsembleSelection, select_ensemble
from kuai.engine.select.stacking import TOP_FAMILY, stack_base, top_bag_kb
from kuai.engine.types import TaskSpec, TaskType

TAIL_FIXED_S = 5.5  # ONNX export and parity, report, artifacts: ~3-4 s; the CLI exports in a fresh process: ~1.5 s more
EXPLAIN_SHARE = 0.06  # of the budget, kept for SHAP and permutation importance ...
EXPLAIN_MIN_S = 3.0  # ... but at least this (and at most a tenth of the budget)
SEARCH_SLACK_SHARE = 0.1  # of the budget: the search ends this much earlier still, before any trial is measured
PERMUTATION_SHARE = 0.4  # of the explanation's time: permutation importance, at the refit; SHAP gets the rest
MIN_SHAP_S = 0.5
AFTER_EXPLAIN_S = 3.0  # what a pending explanation leaves of the budget: report, files, and MLflow's logging
LATE_SHAP_S = 2.5  # how far past the budget a late export's SHAP may end: the command may run max(5 s, 10 %) past it
TRACKING_WAIT_S = 2.0  # the command waits for MLflow's logging until this long past the budget
ALLOWANCE_MIN_S, ALLOWANCE_SHARE = 5.0, 0.1  # the command may end max(5 s, 10 %) past the budget (DESIGN.md)
BAG_MARGIN = 1.25  # the ONNX conversion's estimate, with room for error
# Below this budget the search keeps the stacking layer's time (more trials); above it, the search ends early
# enough for it. A stack is still fitted below it when the search left the time (few trials, max_trials).
STACK_MIN_BUDGET_S = 120.0
STACK_SHARE = 0.15  # of the budget, at most, kept for it
STACK_FIT_FACTOR = 2.0  # the top model (learning rate 0.05) against a LightGBM trial of the search
BAG_SHARE = 0.2  # of the budget: what converting a bagged model may cost when a refit would cost less
# What each input of the model adds to the tail beyond TAIL_FIXED_S: its graph's inputs and their concatenation, the
# parity and latency feeds, SHAP's folding onto columns, the report. Measured on 2 cores for five bagged LightGBMs over
# 3,000 inputs (1,000 rows): conversion 3.5 s, parity 1.4 s, latency 1.4 s, SHAP and evaluation 1.3 s (about 1.5 s
# for a narrow model).
EXPORT_S_PER_INPUT = 0.002
PLAN_EVERY_S = 5.0  # the likely ensemble is worked out again at most this often (or ten times its own cost)




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
        """Kept for SHAP and permutation importance: a share of the budget, at least a few seconds, at most 10 %."""
        return min(0.1 * self.budget_s, max(EXPLAIN_MIN_S, EXPLAIN_SHARE * self.budget_s))

    @property
    def first_trial_until(self) -> float:
        """Until one model has finished, the first one may run into the tail's slack."""
        return self.tail_end - TAIL_FIXED_S

    @property
    def search_latest(self) -> float:
        """The search's end before any measured cost moves it earlier."""
        return self.tail_end - TAIL_FIXED_S - self.explain_s - SEARCH_SLACK_SHARE * self.budget_s

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


def tail_cost_s(result: SearchResult, spec: TaskSpec, budget_s: float, *, shared: bool = False,
                   members: list[TrialOutcome] | None = None, ensemble_s: float = 0.0) -> float:
    """What follows the search costs: fixed costs plus bagging (or refitting) and converting the likely ensemble's
    ``members`` (without them, the top three models), or the best model if it costs more (what a blend that would
    not fit gives way to), and selecting the ensemble (``ensemble_s``, as last measured); above
    ``STACK_MIN_BUDGET_S``, the stacking layer's own part too.

    ``shared``: other workers' trials may win, and this process can only refit those: plan for refits."""
    fits = by_score(result.outcomes.values(), get_metric(spec.metric))
    blend = fits[:3] if members is None else members

    def cost(outcomes: list[TrialOutcome]) -> float:
        return sum(member_plan(o, spec, budget_s, refit_only=shared)[1] for o in outcomes)

    reserve = TAIL_FIXED_S + ensemble_s + max(cost(blend), cost(fits[:1]))
    if budget_s >= STACK_MIN_BUDGET_S and not shared and np.isfinite(stack_s(result, spec)):
        # the stack's own part: its top model's fit and conversion (its base models' are the ensemble's, above)
        reserve += min(stack_fit_s(result, spec) + BAG_MARGIN * export_s(top_bag_kb(result, spec.n_folds), TOP_FAMILY),
                       STACK_SHARE * budget_s)
    return reserve


def likely_ensemble(result: SearchResult, y: np.ndarray, metric: Metric,
                    task: TaskType) -> EnsembleSelection | None:
    """The ensemble of the trials so far: greedy selection over their out-of-fold predictions, within the size cap
    when a blend fits it and without the costly members that add next to nothing (sizes from the search's
    measurements)."""
    outcomes = result.outcomes
    sizes = {n: refit_onnx_mb(o, task) for n, o in outcomes.items()}
    return select_ensemble({n: o.oof for n, o in outcomes.items()}, y, metric, folds=result.folds,
                           scores={n: float(np.mean(o.fold_scores)) for n, o in outcomes.items()},
                           sizes={n: size for n, size in sizes.items() if size is not None},
                           max_size=MAX_BLEND_ONNX_MB)


class LikelyMembers:
    """The likely ensemble's members as the search goes, for planning its tail (``tail_cost_s``).

    The selection is worked out again after new trials, at most every ``PLAN_EVERY_S`` or ten times what it costs
    (``cost``, large data), and not when less than twice its cost is left before the search's deadline. Between
    two selections, a newer trial among the top three counts as a member too; before the first, the top three do.
    A selection that finds no blend plans for the best model alone.
    """

    def __init__(self, y: np.ndarray, metric: Metric, task: TaskType, *, clock: Clock = MONOTONIC) -> None:
        self.y, self.metric, self.task, self.clock = y, metric, task, clock
        self.numbers: list[int] | None = None  # the last selection's members (None: none made yet)
        self.planned: set[int] = set()  # the trials it saw
        self.at, self.cost = -np.inf, 0.0

    def __call__(self, result: SearchResult, remaining_s: float = np.inf) -> list[TrialOutcome]:
        now, ranked = self.clock.now(), by_score(result.outcomes.values(), self.metric)
        if (ranked and set(result.outcomes) != self.planned
                and now - self.at >= max(PLAN_EVERY_S, 10 * self.cost) and remaining_s >= 2 * self.cost):
            selection = likely_ensemble(result, self.y, self.metric, self.task)
            self.numbers = list(selection.weights) if selection is not None else [ranked[0].number]
            self.planned, self.at, self.cost = set(result.outcomes), now, self.clock.now() - now
        members = [result.outcomes[n] for n in self.numbers or [] if n in result.outcomes]
        return members + [o for o in ranked[:3] if o.number not in self.planned]

    def selection_s(self, result: SearchResult) -> float:
        """What selecting the ensemble of ``result`` will cost: the last selection's, scaled by the candidates."""
        def candidates(n: int) -> int:
            return max(1, min(MAX_CANDIDATES, n))

        return self.cost * candidates(len(result.outcomes)) / candidates(len(self.planned))


def stack_s(result: SearchResult, spec: TaskSpec) -> float:
    """Fitting the stacking layer's top model, and converting the stack: its base models' bags and its own
    (``inf`` when there is no stack to fit: fewer than two base models, or no LightGBM trial to time it by)."""
    base = stack_base(result, spec)
    if len(base) < 2:
        return float("inf")
    convert = sum(export_s(bag_size_kb([o]), o.family) for o in base)
    convert += export_s(top_bag_kb(result, spec.n_folds), TOP_FAMILY)
    return stack_fit_s(result, spec) + BAG_MARGIN * convert


def member_plan(outcome: TrialOutcome, spec: TaskSpec, budget_s: float, *,
                refit_only: bool = False) -> tuple[bool, float]:
    """Whether to bag a model, and what it then costs after the search: converting its fold models when they are
    bagged; else its refit on all rows, the explanation and export that grow with it (about half the refit), and
    its conversion.

    A bag is chosen when its conversion costs no more than the refit, or than a fifth of the budget: a big
    forest's bag (five times its size) is worth its time at 300 s, not at 60 s."""
    rows_factor = spec.n_folds / max(1, spec.n_folds - 1)
    refit = REFIT_EXTRA_ROUNDS * rows_factor * outcome.fit_time_s / max(1, len(outcome.fold_scores))
    refit_s = refit * (1 + TAIL_OF_REFIT) + export_s(outcome.size_kb, outcome.family)
    if can_bag([outcome]) and not refit_only:
        bag_s = export_s(bag_size_kb([outcome]), outcome.family)
        if bag_s <= max(refit_s, BAG_SHARE * budget_s):
            return True, bag_s
    return False, refit_s


def inputs_tail_s(n_inputs: int) -> float:
    """What a model over ``n_inputs`` inputs adds to the tail beyond ``TAIL_FIXED_S`` (thousands of columns)."""
    return EXPORT_S_PER_INPUT * n_inputs


def export_s(size_kb: float | None, family: str) -> float:
    """The ONNX conversion's cost beyond the fixed tail, from the size of a model fitted on one fold (the family's
    ``ExportCost.seconds_per_mb``, measured on 2 cores)."""
    return FAMILIES[family].export.seconds_per_mb * (size_kb or 0.0) / 1024


def stack_fit_s(result: SearchResult, spec: TaskSpec) -> float:
    """Fitting the top model on every fold, from the search's LightGBM trials (``inf`` without one)."""
    timed = [o for o in result.outcomes.values() if o.family == TOP_FAMILY and o.row_fraction >= 1.0]
    if not timed:
        return float("inf")
    n_rows = sum(len(valid) for _, valid in result.folds)
    side_by_side = max(1, available_cores() // n_threads(n_rows))
    return STACK_FIT_FACTOR * float(np.median([o.fit_time_s for o in timed])) / side_by_side
