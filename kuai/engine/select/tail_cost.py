"""What follows the search costs, estimated from the trials measured so far: the ensemble, the bag or refit, the
stacking layer and the export. ``kuai.engine.budget.revised`` ends the search early enough for it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kuai.engine.budget import BAG_MARGIN, MONOTONIC, TAIL_FIXED_S, TAIL_OF_REFIT, Clock
from kuai.engine.metrics import Metric, get_metric
from kuai.engine.models import FAMILIES, REFIT_EXTRA_ROUNDS, available_cores, n_threads
from kuai.engine.search.folds import Folds, cut_scored, n_scored, refit_rows_factor
from kuai.engine.search.trials import SearchResult, TrialOutcome, by_score, ensemble_candidates
from kuai.engine.select.bagging import MAX_BLEND_ONNX_MB, bag_onnx_mb, bag_size_kb, can_bag, refit_onnx_mb
from kuai.engine.select.ensemble import GREEDY_STEPS, EnsembleSelection, nests, select_ensemble
from kuai.engine.select.limits import blend_cost, within
from kuai.engine.select.stacking import TOP_FAMILY, stack_base, top_bag_kb
from kuai.engine.types import Limits, TaskSpec, TaskType

# Below this budget the search keeps the stacking layer's time (more trials); above it, the search ends early
# enough for it. A stack is still fitted below it when the search left the time (few trials, max_trials).
STACK_MIN_BUDGET_S = 120.0
STACK_SHARE = 0.15  # of the budget, at most, kept for it
STACK_FIT_FACTOR = 2.0  # the top model (learning rate 0.05) against a LightGBM trial of the search
BAG_SHARE = 0.2  # of the budget: what converting a bagged model may cost when a refit would cost less
PLAN_EVERY_S = 5.0  # the likely ensemble is worked out again at most this often (or ten times its own cost) ...
# ... on a sample of at most this many scored rows: on a million rows (100,000 scored) each selection the plan made
# cost 7 to 14 s of the search's time on a slow machine (a ROC AUC on 100,000 rows: 35 ms; a selection: hundreds)
PLAN_ROWS = 20_000


def tail_cost_s(result: SearchResult, spec: TaskSpec, budget_s: float, *, shared: bool = False,
                members: list[TrialOutcome] | None = None, ensemble_s: float = 0.0,
                limits: Limits | None = None) -> float:
    """What follows the search costs: fixed costs plus bagging (or refitting) and converting the likely ensemble's
    ``members`` (without them, the top three models), or the best model if it costs more (what a blend that would
    not fit gives way to), and selecting the ensemble (``ensemble_s``, as last measured); above
    ``STACK_MIN_BUDGET_S``, the stacking layer's own part too.

    ``shared``: other workers' trials may win, and this process can only refit those: plan for refits.
    ``limits``: the user's limits on the exported model, which may rule out bags (``members_to_bag``)."""
    fits = by_score(result.outcomes.values(), get_metric(spec.metric))
    blend = fits[:3] if members is None else members

    def cost(outcomes: list[TrialOutcome]) -> float:
        return blend_tail_s(outcomes, spec, budget_s, refit_only=shared, limits=limits)

    reserve = TAIL_FIXED_S + ensemble_s + max(cost(blend), cost(fits[:1]))
    if budget_s >= STACK_MIN_BUDGET_S and not shared and np.isfinite(stack_s(result, spec)):
        # the stack's own part: its top model's fit and conversion (its base models' are the ensemble's, above)
        reserve += min(stack_fit_s(result, spec) + BAG_MARGIN * export_s(top_bag_kb(result, spec.n_folds), TOP_FAMILY),
                       STACK_SHARE * budget_s)
    return reserve


def likely_ensemble(result: SearchResult, y: np.ndarray, metric: Metric,
                    task: TaskType, *, nested: bool = False, most_rows: int | None = None) -> EnsembleSelection | None:
    """The ensemble of the trials so far: greedy selection over their out-of-fold predictions, within the size cap
    when a blend fits it and without the costly members that add next to nothing (sizes from the search's
    measurements); ``nested``: also scored on rows its weights were not chosen on (the final selection);
    ``most_rows``: chosen on a sample of at most this many of the scored rows (``plan_folds``)."""
    outcomes = result.outcomes
    sizes = {n: refit_onnx_mb(o, task) for n, o in outcomes.items()}
    folds = result.folds if most_rows is None else plan_folds(result.folds, y, most_rows, task.is_classification)
    return select_ensemble({n: o.oof for n, o in outcomes.items()}, y, metric, folds=folds,
                           work_rows=n_scored(result.folds),
                           max_candidates=ensemble_candidates(result),
                           scores={n: float(np.mean(o.fold_scores)) for n, o in outcomes.items()},
                           sizes={n: size for n, size in sizes.items() if size is not None},
                           max_size=MAX_BLEND_ONNX_MB, nested=nested,
                           families={n: o.family for n, o in outcomes.items()})


def plan_folds(folds: Folds, y: np.ndarray, most_rows: int, classification: bool) -> Folds:
    """The folds with their validation rows cut to a sample (stratified by class, every class kept) so that they
    score about ``most_rows`` together, as a large table's folds are cut (``sample_scored``); as they are when they
    score no more."""
    return cut_scored(folds, y, most_rows, seed=0, classification=classification)


class LikelyMembers:
    """The likely ensemble's members as the search goes, for planning its tail (``tail_cost_s``).

    The selection is worked out again after new trials, at most every ``PLAN_EVERY_S`` or ten times what it costs
    (``cost``, large data), and not when less than twice its cost is left before the search's deadline. Between
    two selections, a newer trial among the top three counts as a member too; before the first, the top three do.
    A selection that finds no blend plans for the best model alone. It reads a sample of at most ``PLAN_ROWS`` of the
    scored rows (the final selection reads them all). When the newer trials such a guess adds would end
    the search sooner, by more than a selection costs, the caller selects again at once (``now``): on 100,000 rows
    at 120 s a stale plan (a selection of the first three trials, and a newer random forest among the top three)
    reserved 93 s for the tail and ended the search at half the budget, for a blend that then had neither forest.
    """

    def __init__(self, y: np.ndarray, metric: Metric, task: TaskType, *, clock: Clock = MONOTONIC) -> None:
        self.y, self.metric, self.task, self.clock = y, metric, task, clock
        self.numbers: list[int] | None = None  # the last selection's members (None: none made yet)
        self.planned: set[int] = set()  # the trials it saw
        self.at, self.cost = -np.inf, 0.0
        self.runs = 1  # the greedy selections the last one made (its trimming's and cap's included)

    def __call__(self, result: SearchResult, remaining_s: float = np.inf, *, now: bool = False) -> list[TrialOutcome]:
        """The likely members; ``now``: select again whenever trials are new since the last selection and the time
        left allows it (the caller found the stale plan would cut the search short)."""
        at, ranked = self.clock.now(), by_score(result.outcomes.values(), self.metric)
        if (ranked and self.stale(result) and remaining_s >= 2 * self.cost
                and (now or at - self.at >= max(PLAN_EVERY_S, 10 * self.cost))):
            selection = likely_ensemble(result, self.y, self.metric, self.task, most_rows=PLAN_ROWS)
            self.numbers = list(selection.weights) if selection is not None else [ranked[0].number]
            self.planned, self.at, self.cost = set(result.outcomes), at, self.clock.now() - at
            self.runs = selection.selections if selection is not None else 1
        return self.selected(result) + [o for o in ranked[:3] if o.number not in self.planned]

    def stale(self, result: SearchResult) -> bool:
        """Trials finished since the last selection (which the members guess at)."""
        return set(result.outcomes) != self.planned

    def selected(self, result: SearchResult) -> list[TrialOutcome]:
        """The last selection's members alone, without the newer trials a guess adds."""
        return [result.outcomes[n] for n in self.numbers or [] if n in result.outcomes]

    def selection_s(self, result: SearchResult) -> float:
        """What selecting the ensemble of ``result`` will cost: the last selection's, scaled by the candidates and
        the rows (the final selection reads every scored row, the plan's a sample); and when the final selection is
        also scored nested, for each fold every model scored and one greedy selection more on the other folds' rows
        (the last selection made ``runs`` with its trimming). Counted as a fold's worth of rows each (their calls'
        fixed cost is most of it on small data): on a million rows (2 folds, trimming three times), counting a whole
        selection a fold planned 46.5 s for a selection that took about 17 s."""
        n_folds = len(result.folds)
        scored = n_scored(result.folds)  # the rows the selection reads
        rows = scored / min(scored, PLAN_ROWS) if scored else 1.0

        def candidates(n: int) -> int:
            return max(1, ensemble_candidates(result, n))

        models, among = len(result.outcomes), candidates(len(result.outcomes))
        greedy = GREEDY_STEPS * among  # a greedy selection's metric calls
        nested = 1 + n_folds * (greedy + models) / (greedy * self.runs) if nests(scored, among, n_folds) else 1
        return nested * rows * self.cost * among / candidates(len(self.planned))


def stack_s(result: SearchResult, spec: TaskSpec) -> float:
    """Fitting the stacking layer's top model, and converting the stack: its base models' bags and its own
    (``inf`` when there is no stack to fit: fewer than two base models, or no LightGBM trial to time it by; folds
    forward in time, whose earliest rows have no out-of-fold prediction for the stack to learn from)."""
    base = stack_base(result, spec)
    if len(base) < 2 or spec.time:
        return float("inf")
    convert = conversion_s(base, {o.number for o in base}) + export_s(top_bag_kb(result, spec.n_folds), TOP_FAMILY)
    return stack_fit_s(result, spec) + BAG_MARGIN * convert


def member_plan(outcome: TrialOutcome, spec: TaskSpec, budget_s: float, *,
                refit_only: bool = False) -> tuple[bool, float]:
    """Whether to bag a model, and what it then costs after the search: converting its fold models when they are
    bagged; else its refit on all rows, its conversion, and the explanation and export that grow with the refit
    (about half of it).

    A bag is chosen when its conversion (with ``BAG_MARGIN``) costs no more than the refit, or than
    ``BAG_SHARE`` of the budget: a big forest's bag (five times its size) is worth its time at 300 s, not at 60 s.
    With folds forward in time, a model is refitted: a bag would average models that never saw the latest
    periods."""
    refitted = blend_s([outcome], set(), spec) + TAIL_OF_REFIT * refit_s(outcome, spec)
    if can_bag([outcome]) and not (refit_only or spec.time):
        bagged = blend_s([outcome], {outcome.number}, spec)
        if bagged <= max(refitted, BAG_SHARE * budget_s):
            return True, bagged
    return False, refitted


def exportable(result: SearchResult, spec: TaskSpec, seconds: float) -> tuple[SearchResult, list[str]]:
    """``result`` without the trials that could not be exported on their own within ``seconds`` (bagged or
    refitted, whichever costs less, as ``final_model`` chooses when time is short), and those trials' names; as it
    is when fewer than two trials would be left. The final selection chooses among these: a blend with one of the
    others in it could only give way to a single model (a million rows at 300 s: a LightGBM run again on more rows
    at the search's end joined the blend, which then fitted neither bagged nor refitted in the 45 s left, and a lone
    CatBoost was exported)."""
    def cheapest_s(outcome: TrialOutcome) -> float:
        refitted = blend_s([outcome], set(), spec)
        baggable = can_bag([outcome]) and not spec.time  # folds forward in time: refitted (``member_plan``)
        return min(refitted, blend_s([outcome], {outcome.number}, spec)) if baggable else refitted

    fits = {n: o for n, o in result.outcomes.items() if cheapest_s(o) <= seconds}
    if len(fits) < 2 or len(fits) == len(result.outcomes):
        return result, []
    return replace(result, outcomes=fits), [o.name for n, o in result.outcomes.items() if n not in fits]


def members_to_bag(members: list[TrialOutcome], spec: TaskSpec, budget_s: float, *,
                   refit_only: bool = False, limits: Limits | None = None) -> set[int]:
    """The members to bag: those whose bag is worth its conversion (``member_plan``), smallest first, while their
    fold models fit the bag's size cap together (``can_bag``); the others are refitted on all rows. None is bagged
    when the bags would break the user's ``limits`` (k models a member instead of one). The search's tail reserve
    and the final model both plan with this: what the one reserves is what the other spends."""
    chosen: list[TrialOutcome] = []
    for outcome in sorted(members, key=lambda o: bag_onnx_mb([o])):
        if member_plan(outcome, spec, budget_s, refit_only=refit_only)[0] and can_bag([*chosen, outcome]):
            chosen.append(outcome)
    bag = {o.number for o in chosen}
    if limits is not None and not within(blend_cost(members, bag, spec.task), limits):
        return set()
    return bag


def blend_s(members: list[TrialOutcome], bag: set[int], spec: TaskSpec) -> float:
    """Making the final model of these members, until the plan's ``refit_until``: converting the bagged members'
    fold models; refitting the others on all rows, and converting them (each conversion with ``BAG_MARGIN``)."""
    return BAG_MARGIN * conversion_s(members, bag) + sum(refit_s(o, spec) for o in members if o.number not in bag)


def blend_tail_s(members: list[TrialOutcome], spec: TaskSpec, budget_s: float, *, refit_only: bool = False,
                 limits: Limits | None = None) -> float:
    """What these members cost after the search as the final model will make them (``members_to_bag``,
    ``blend_s``), with the explanation and export that grow with each refit."""
    bag = members_to_bag(members, spec, budget_s, refit_only=refit_only, limits=limits)
    return blend_s(members, bag, spec) + TAIL_OF_REFIT * sum(refit_s(o, spec) for o in members if o.number not in bag)


def final_blend_s(result: SearchResult, spec: TaskSpec, budget_s: float, members: list[TrialOutcome], *,
                  limits: Limits | None = None) -> float:
    """What making the final model will take until ``refit_until`` (``blend_s``): of these members, or of the best
    model if that costs more (what a blend that would not fit gives way to). The stacking layer must leave it."""
    best = by_score(result.outcomes.values(), get_metric(spec.metric))[:1]
    return max(blend_s(m, members_to_bag(m, spec, budget_s, limits=limits), spec) for m in (members, best))


def conversion_s(members: list[TrialOutcome], bag: set[int]) -> float:
    """Converting these members to ONNX, beyond the fixed tail: every fold model of the bagged ones, one model of
    each of the others (``export_s``)."""
    return sum(export_s(bag_size_kb([o]) if o.number in bag else o.size_kb, o.family) for o in members)


def refit_s(outcome: TrialOutcome, spec: TaskSpec) -> float:
    """Refitting a model on all rows (or its share of them): a fold's mean fit time, for the rows the folds left
    out (``refit_rows_factor``) and the refit's extra rounds."""
    rows_factor = refit_rows_factor(spec.n_folds, forward_in_time=bool(spec.time))
    return REFIT_EXTRA_ROUNDS * rows_factor * outcome.fit_time_s / max(1, len(outcome.fold_scores))


def export_s(size_kb: float | None, family: str) -> float:
    """The ONNX conversion's cost beyond the fixed tail, from the size of a model fitted on one fold (the family's
    ``ExportCost.seconds_per_mb``, measured on 2 cores)."""
    return FAMILIES[family].export.seconds_per_mb * (size_kb or 0.0) / 1024


def stack_fit_s(result: SearchResult, spec: TaskSpec) -> float:
    """Fitting the top model on every fold, from the search's LightGBM trials (``inf`` without one)."""
    timed = [o for o in result.outcomes.values() if o.family == TOP_FAMILY and o.row_fraction >= 1.0]
    if not timed:
        return float("inf")
    n_rows = n_scored(result.folds)
    side_by_side = max(1, available_cores() // n_threads(n_rows))
    # the top model learns from the other folds' scored rows, a trial from all of a fold's training rows (a fit's
    # fixed costs kept: at least a quarter)
    rows = sum(n_rows - len(valid) for _, valid in result.folds) / max(1, sum(len(train) for train, _ in result.folds))
    rows = min(1.0, max(0.25, rows))
    return STACK_FIT_FACTOR * rows * float(np.median([o.fit_time_s for o in timed])) / side_by_side
