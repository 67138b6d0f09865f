"""How many of a fold's training rows a trial trains on: as many as its predicted time allows (multi-fidelity).

On a large table a trial on every row costs a large share of the budget: a million rows gave three trials in
300 s, the first after 106 s. So each trial trains on the largest share of its folds' training rows (1, 1/2, 1/4,
... ``SHARES``) whose predicted time fits what the budget plans for it (``kuai.engine.budget``): the first trial
ends by ``FIRST_MODEL_SHARE`` of the budget, the others take the search's window over ``TARGET_TRIALS``. Validation
rows stay as they are, so every trial's out-of-fold predictions and score cover the same rows (every row, or the
sample of a large table's rows the folds score: ``kuai.engine.search.folds``), and a sampled trial's model is
exactly what its score measured. A share never leaves fewer than ``MIN_SEARCH_ROWS`` training rows; a trial
predicted to take far longer than it can have at its share is skipped (the first one runs: some model must finish).

Then the best configurations earn the full cost (successive halving's last rung): once the search's time left is
down to ``PROMOTE_AT`` times what the best sampled trial would take on every row, but no sooner than
``PROMOTE_SHARE`` of the search's window before its end (the trials on samples have the rest of it), its
configuration runs again, before the rest of the portfolio, on the largest share of the rows that fits the time left
(``Fidelity.promotion``); then the next best's, while time lasts.

A trial's time is predicted from its family's ``FitCost`` (core-seconds per million training cells, measured)
until the search has measured the family itself; the families it has measured scale the others' figures up when
they ran slower than theirs (a slow machine), never down (``TrialCosts``). On tables whose folds train on fewer
than twice ``MIN_SEARCH_ROWS`` rows (about 30,000 rows with 3 folds) nothing changes: every trial trains on every
row the memory allows, and none is skipped.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from kuai.engine.models import DataShape, ModelFamily, available_cores, n_threads

__all__ = ["MIN_SEARCH_ROWS", "PROMOTE_AT", "PROMOTE_SHARE", "SHARES", "Fidelity", "Promotion", "TrialCosts",
           "TrialSize", "can_cut", "fit_threads", "sampled_note", "smallest_sample", "trial_share"]

SHARES = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625)  # of a fold's training rows, largest first
MIN_SEARCH_ROWS = 10_000  # a sample smaller than this says too little of a large table (FLAML starts at 10,000)
OVERHEAD = 1.3  # a trial's encoding, prediction and scoring beyond its fits
SKIP_FACTOR = 2.0  # a trial predicted to take this many times what it can have is skipped (predictions are rough)
PROMOTE_AT = 2.0  # the best sampled configuration runs on every row once the time left is this many times its cost,
PROMOTE_SHARE = 0.5  # ... but no sooner than this share of the search's window before its end


def can_cut(train_rows: float) -> bool:
    """Whether a trial whose folds train on ``train_rows`` may be cut to a sample for time: twice
    ``MIN_SEARCH_ROWS`` or more."""
    return train_rows >= 2 * MIN_SEARCH_ROWS


def smallest_sample(train_rows: int) -> int:
    """At least how many rows a fold's fit trains on in a search short of time: ``MIN_SEARCH_ROWS``, or the smallest
    of ``SHARES`` when that is more (``trial_share`` stops at the smallest share that leaves ``MIN_SEARCH_ROWS``, so
    a sample has this many rows or up to twice as many); every row of a table too small to cut."""
    if not can_cut(train_rows):
        return train_rows
    return max(MIN_SEARCH_ROWS, int(train_rows * SHARES[-1]))


def fit_threads(n_rows: int, train_rows: int, share: float, most: float) -> int:
    """Threads for each fit of a trial on ``share`` of a fold's ``train_rows``: as for every trial of a table of
    ``n_rows`` (``n_threads``), unless the trial was cut for time below the memory's ``most``: then as for its
    sample (one thread a fit, two folds side by side, on a sample under 20,000 rows)."""
    return n_threads(n_rows) if share >= most else n_threads(int(share * train_rows))


@dataclass(frozen=True)
class TrialSize:
    """What a trial's time grows with."""

    n_rows: int  # the table's
    train_rows: int  # one fold's training rows (all of them; the largest fold's)
    width: int  # model inputs
    n_folds: int
    n_classes: int  # 0 for regression
    parallel_folds: bool  # the family fits folds side by side (``ModelFamily.parallel_folds``)
    most: float = 1.0  # the share of the rows the memory allows
    features: int = 0  # the input columns, as a family's configurations read them (``DataShape``); 0: ``width``

    @property
    def cut(self) -> bool:
        """Whether a trial may be cut to a sample for time (``can_cut``)."""
        return can_cut(self.most * self.train_rows)

    def cores(self, share: float) -> int:
        """The cores a trial's fits use together on ``share`` of the rows: threads, or folds side by side."""
        threads = fit_threads(self.n_rows, self.train_rows, share, self.most)
        return threads * (max(1, min(self.n_folds, available_cores() // threads)) if self.parallel_folds else 1)

    @property
    def shape(self) -> DataShape:
        """As a family's parameters are read against the data (``ModelFamily.cost_scale``)."""
        return DataShape(n_rows=self.n_rows, n_features=self.features or self.width, n_classes=self.n_classes)

    def cells(self, share: float) -> float:
        """Training cells of all of a trial's fits on ``share`` of the rows."""
        return share * self.train_rows * self.width * self.n_folds


@dataclass
class TrialCosts:
    """What trials cost, by family: the family's own measurements once the search has some, else its ``FitCost``,
    scaled up by what the measured families ran at against theirs when they ran slower (the machine's speed)."""

    measured: dict[str, list[float]] = field(default_factory=dict)  # by family: measured time over ``FitCost``'s

    def record(self, family: ModelFamily, *, fit_s: float, threads: int, n_cells: float, n_classes: int,
               scale: float = 1.0, cut_short: bool = False) -> None:
        """A finished trial's fits: ``fit_s`` seconds in all (each fold's fit timed alone, on ``threads``
        threads) over ``n_cells`` training cells in all, with parameters that cost ``scale`` times the first
        configuration's (``ModelFamily.cost_scale``). ``cut_short``: their deadline stopped them, so the family
        costs at least this much: kept only when it says more than the estimate. (A first LightGBM stopped at its
        floor of 20 rounds made the next one look 16 times cheaper: it ran 59 s where 17 s were planned; a random
        forest stopped at its deadline still says the family is slower than its figure.)"""
        prior = family.fit_cost.core_s(n_cells, n_classes) * scale
        if prior > 0 and fit_s > 0:
            ratio = fit_s * threads / prior
            if not cut_short or ratio > self.ratio(family):
                self.measured.setdefault(family.name, []).append(ratio)

    def ratio(self, family: ModelFamily) -> float:
        """Measured time over the ``FitCost`` prediction: the family's own median; else all families' median when
        they ran slower than their figures (a slow machine), never faster: one family's speed says little of
        another's. A linear model measured first on a million rows ran at half its figure, and LightGBM, predicted
        as fast, was given four times the rows it could fit in its time (50 s for a trial planned at 20 s)."""
        own = self.measured.get(family.name)
        if own:
            return statistics.median(own)
        every = [statistics.median(values) for values in self.measured.values()]
        return max(1.0, statistics.median(every)) if every else 1.0

    def trial_s(self, family: ModelFamily, size: TrialSize, share: float,
                params: dict[str, Any] | None = None) -> float:
        """The predicted wall time of a trial on ``share`` of each fold's training rows, with ``params`` (None: the
        family's first configuration, on which its ``fit_cost`` was measured)."""
        scale = 1.0 if params is None else family.cost_scale(params, size.shape)
        return OVERHEAD * self.ratio(family) * scale * family.fit_cost.core_s(size.cells(share), size.n_classes) \
            / size.cores(share)


def trial_share(costs: TrialCosts, family: ModelFamily, size: TrialSize, *, allowed_s: float,
                most: float = 1.0, params: dict[str, Any] | None = None) -> tuple[float, bool]:
    """The largest share of each fold's training rows, ``most`` (the memory's) or one of ``SHARES`` below it, whose
    predicted trial time fits ``allowed_s``, and True; when none does, the smallest share that leaves
    ``MIN_SEARCH_ROWS`` training rows (``most`` on smaller data), and False."""
    floor = most
    for share in [most, *(s for s in SHARES if s < most)]:
        if share < most and share * size.train_rows < MIN_SEARCH_ROWS:
            break
        floor = share
        if costs.trial_s(family, size, share, params) <= allowed_s:
            return share, True
    return floor, False


@dataclass(frozen=True)
class Promotion:
    """A sampled trial's configuration to run again on more rows."""

    number: int  # the sampled trial's
    params: dict[str, Any]  # its parameters, ``family`` included (as Optuna's ``enqueue_trial`` takes them)
    share: float  # of the rows it trained on ...
    to: float  # ... and of those it runs on now


@dataclass
class Fidelity:
    """Each trial's share of the rows, from the budget's plan (``first_model_by``, ``trial_s``: see
    ``kuai.engine.search.inputs``) and the costs measured so far; and which sampled configurations run again on more
    rows (``promotion``)."""

    first_model_by: float  # a ``time.monotonic()`` instant
    trial_s: float
    costs: TrialCosts = field(default_factory=TrialCosts)
    promoted: set[int] = field(default_factory=set)  # never promoted (again): those promoted, and promotions

    def share(self, family: ModelFamily, size: TrialSize, *, now: float, has_model: bool, available_s: float,
              most: float, params: dict[str, Any] | None = None) -> tuple[float, str]:
        """A new trial's share of the rows; and why it is skipped ("" when it runs). A trial that cannot be cut
        (``TrialSize.cut``: small tables) trains on ``most`` and is never skipped, as before any of this."""
        if not size.cut:
            return most, ""
        allowed = min(self.trial_s, available_s) if has_model else self.first_model_by - now
        share, _ = trial_share(self.costs, family, size, allowed_s=allowed, most=most, params=params)
        predicted = self.costs.trial_s(family, size, share, params)
        if not has_model or predicted <= SKIP_FACTOR * available_s:  # the first trial runs: some model must finish
            return share, ""
        return share, (f"skipped: predicted to take about {predicted:.0f} s on {share:.0%} of the rows, more than "
                       f"the {max(0.0, available_s):.0f} s a trial can have")

    def promoted_share(self, family: ModelFamily, size: TrialSize, *, sampled: float, remaining_s: float,
                       most: float, params: dict[str, Any] | None = None) -> float | None:
        """A promoted configuration's share: the largest above the ``sampled`` one that fits the time left; None
        when none does."""
        share, fits = trial_share(self.costs, family, size, allowed_s=remaining_s, most=most, params=params)
        return share if fits and share > sampled else None

    def promotion(self, ranked: list[tuple[int, dict[str, Any], float]], sizes: dict[str, TrialSize],
                  families: dict[str, ModelFamily], *, remaining_s: float, window_s: float) -> Promotion | None:
        """The best sampled configuration not yet promoted, once the time left is down to ``PROMOTE_AT`` times what
        it costs on every row the memory allows and to ``PROMOTE_SHARE`` of the search's ``window_s``; with the
        largest share of the rows that fits the time left. ``ranked`` holds finished trials best first, as (number,
        parameters with ``family``, share of the rows). A configuration for which no larger share fits is passed
        over for the next."""
        for number, params, share in ranked:
            family = families.get(params["family"])
            if family is None or number in self.promoted or share >= sizes[family.name].most:
                continue
            size = sizes[family.name]
            if remaining_s > min(PROMOTE_AT * self.costs.trial_s(family, size, size.most, params),
                                 PROMOTE_SHARE * window_s):
                return None  # not yet: the search goes on exploring on samples
            self.promoted.add(number)
            to = self.promoted_share(family, size, sampled=share, remaining_s=remaining_s, most=size.most,
                                     params=params)
            if to is not None:
                return Promotion(number, params, share, to)
        return None

    def restore(self, trials: list[Any], *, key: str) -> set[int]:
        """Promotions of a resumed or shared study (the trials whose user attribute ``key`` names the trial they
        promoted) are not made again; returns the promoted trials that completed."""
        completed = set()
        for frozen in trials:
            if (source := frozen.user_attrs.get(key)) is not None:
                self.promoted |= {int(source), frozen.number}
                if frozen.state.name == "COMPLETE":
                    completed.add(frozen.number)
        return completed

    def nothing_fits(self, sizes: dict[str, TrialSize], families: dict[str, ModelFamily], *,
                     available_s: float) -> bool:
        """Every family's smallest sample is predicted to take more than ``SKIP_FACTOR`` times ``available_s``: any
        new trial would be skipped (the search ends rather than skip trial after trial)."""
        return all(size.cut and self.costs.trial_s(family, size, trial_share(
            self.costs, family, size, allowed_s=0.0, most=size.most)[0]) > SKIP_FACTOR * available_s
            for family, size in ((families[name], size) for name, size in sizes.items()))


def sampled_note(shares: list[float], n_promoted: int) -> str:
    """What the user is told when trials trained on samples for time: ``shares`` of the rows of the sampled trials,
    ``n_promoted`` configurations run again on more rows."""
    if not shares:
        return ""
    again = (f" {'One' if n_promoted == 1 else n_promoted} of the best configurations then ran again on as many "
             "rows as the time left allowed.") if n_promoted else ""
    return (f"This table is large for the time budget: {len(shares)} trial{'s' if len(shares) > 1 else ''} trained "
            f"on a sample of each fold's training rows (as few as {min(shares):.0%}), so that the search could try "
            f"more models; each was still scored on the same rows as the others.{again} Each model's share is on "
            "the app's leaderboard ('rows used') and in trials.json ('row_fraction'); a longer budget gives them more "
            "rows.")
