"""The search's first trials: every family's known-good configurations, cheapest family first; and when a
perfect score after them ends the search."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import optuna

from kuai.engine.models import DataShape, ModelFamily, text
from kuai.engine.search.fidelity import TrialCosts, TrialSize

if TYPE_CHECKING:
    from kuai.engine.metrics import Metric
    from kuai.engine.search.trials import SearchResult

__all__ = ["PortfolioQueue", "fastest_first", "perfect_note", "portfolio"]


def portfolio(families: list[ModelFamily], shape: DataShape, grams: bool = False) -> list[dict[str, Any]]:
    """Defaults of every family first (one each, in order), then the second ones; with text columns' character
    grams in the search, each reads ``text.DEFAULT_SHARE`` of them or, when its first fits cannot afford them
    (``grams_first``), none."""
    rounds: list[list[dict[str, Any]]] = [f.default_configs(shape) for f in families]
    configs = []
    for depth in range(max(len(r) for r in rounds)):
        for family, configs_of_family in zip(families, rounds, strict=True):
            if depth < len(configs_of_family):
                configs.append({"family": family.name, **configs_of_family[depth]}
                               | ({text.SEARCH_PARAM: text.DEFAULT_SHARE if family.grams_first else 0.0}
                                  if grams else {}))
    return configs


def fastest_first(configs: list[dict[str, Any]], warm: Sequence[dict[str, Any]], *,
                  families: Mapping[str, ModelFamily], size_of: Callable[[ModelFamily], TrialSize],
                  costs: TrialCosts | None = None, keep_order: bool = False) -> list[dict[str, Any]]:
    """The order the first trials run in: the configuration of the portfolio's first round (``configs``' first of
    each family) predicted to take least (``TrialCosts.trial_s`` on the rows the memory allows: the families' figures
    when the search starts, as a resumed one does too), so that the first
    model is on the leaderboard as early as the data allows; then ``warm`` (a similar run's best); then the rest of
    the portfolio, in its order. On 10,000 rows of 50 columns, on a slow machine, the linear model's five folds took
    1.3 s and LightGBM's 5-6 s. ``keep_order``: the user named the families in an order (``kuai train --families``,
    the Train page's expert choice), which is kept: ``warm``, then ``configs``."""
    if keep_order:
        return [*warm, *configs]
    costs = costs or TrialCosts()

    def predicted_s(config: dict[str, Any]) -> float:
        family = families[config["family"]]
        size = size_of(family)
        return costs.trial_s(family, size, size.most, {k: v for k, v in config.items() if k != "family"})

    firsts = [k for k, config in enumerate(configs) if config["family"] not in {c["family"] for c in configs[:k]}]
    if not firsts:
        return [*warm]
    fastest = min(firsts, key=lambda k: predicted_s(configs[k]))  # the earliest of equals
    return [configs[fastest], *warm, *configs[:fastest], *configs[fastest + 1:]]


class PortfolioQueue:
    """The first trials' configurations, enqueued one at a time: a configuration promoted to more rows
    (``kuai.engine.search.fidelity``) runs before the rest of them. A configuration the study has already run
    (resumed) is passed over."""

    def __init__(self, study: optuna.Study, configs: Iterable[dict[str, Any]]) -> None:
        self.study, self.pending = study, list(configs)

    def feed(self) -> None:
        """One configuration waiting to run, unless one already is."""
        waiting = (optuna.trial.TrialState.WAITING,)
        if self.study.get_trials(deepcopy=False, states=waiting):
            return
        while self.pending:
            self.study.enqueue_trial(self.pending.pop(0), skip_if_exists=True)
            if self.study.get_trials(deepcopy=False, states=waiting):
                return


def perfect_note(metric: Metric, result: SearchResult, remaining_s: float, *, families: Iterable[str]) -> str:
    """Why the search can stop now, or "": a model scored the metric's best possible value on every fold (say
    ROC AUC 1), and each of ``families`` (those the memory allows) has had a trial (finished, pruned or failed): the
    portfolio's first round has run, so the leaderboard has its families' known-good configurations to compare."""
    perfect = [o for o in result.outcomes.values() if o.fold_scores and all(map(metric.is_perfect, o.fold_scores))]
    tried = {t.family for t in result.trials}
    if not perfect or any(name not in tried for name in families):
        return ""
    best = min(perfect, key=lambda o: o.number)
    who = f"{best.name} scored" if len(perfect) == 1 else f"{len(perfect)} models, {best.name} first, scored"
    return (f"The search stopped with {max(0.0, remaining_s):.0f} s of its time left: {who} the best possible "
            f"{metric.label} ({metric.best:g}) on every fold, and every family had its turn, so no model could score "
            "higher. A perfect score can also mean that a column gives the target away: the pre-flight checks name "
            "the columns they suspect.")
