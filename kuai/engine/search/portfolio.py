"""The search's first trials: every family's known-good configurations, cheapest family first; and when a
perfect score after them ends the search."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import optuna

from kuai.engine.models import DataShape, ModelFamily, text

if TYPE_CHECKING:
    from kuai.engine.metrics import Metric
    from kuai.engine.search.trials import SearchResult

__all__ = ["PortfolioQueue", "perfect_note", "portfolio"]


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
