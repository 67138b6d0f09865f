"""The search's Optuna study: in memory while the search runs, each finished trial written to its storage.

Optuna's RDB storage reads the study's trials back from the database whenever the sampler or
the pruner asks for them, about ten times a trial. On SQLite that cost 0.1 s a trial, and more
as the study grew (60 trials on a 2,000-row table: 15.7 s on SQLite, 9.7 s in memory). A
search that has its study to itself therefore runs on an in-memory study and writes each
trial to the database once, as it ends; a resumed search starts from the trials the database
holds. A study shared with other workers (scale-out) is read and written on the database itself.

Writing one trial still costs about 60 ms of SQLAlchemy work, so a thread writes them while the
next trial fits (at most ``MAX_PENDING`` wait; the search waits for the rest when it ends). A
trial counts as kept once it is in the database, and only then is it announced (``keep``'s ``then``: its progress
line), so a trial the user saw finish survives a kill; a kill loses at most those still waiting, unannounced.
"""

from __future__ import annotations

import logging
import queue
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna

__all__ = ["SETTLE_TRIES", "FamilyMedianPruner", "SearchStudy", "lost_storage", "open_search_study", "settle"]

logger = logging.getLogger(__name__)
MAX_PENDING = 2
SETTLE_TRIES = 10  # half a second apart: a search that ends while its database is away waits this long to settle
_FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)


@dataclass
class SearchStudy:
    study: optuna.Study  # where the search asks and tells
    record: optuna.Study | None = None  # the durable copy, when ``study`` is in memory
    kept: int = 0  # trials handed to the durable copy
    error: BaseException | None = None  # what writing one raised (a full disk): the search stops on it
    announce_error: BaseException | None = None  # what announcing a kept trial raised: the search stops on it too
    _pending: queue.Queue[tuple[optuna.trial.FrozenTrial, Callable[[], None] | None] | None] = field(
        default_factory=lambda: queue.Queue(maxsize=MAX_PENDING))
    _writer: threading.Thread | None = None

    def keep(self, frozen: optuna.trial.FrozenTrial, *, then: Callable[[], None] | None = None) -> None:
        """Have a trial that just ended written to the durable copy, where it gets the same number, and ``then``
        called once it is there (on the writer's thread; at once when the study is its own durable copy).

        Trials end in the order they were created (one at a time, queued ones first) and are
        written in that order, so the copy always holds exactly the trials numbered before it.
        """
        if self.record is None:
            if then is not None:
                then()
            return
        if (failure := self.error or self.announce_error) is not None:
            raise failure
        if frozen.number != self.kept:
            raise RuntimeError(f"trial {frozen.number} ended out of order (expected {self.kept})")
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="kuai-study-writer", daemon=True)
            self._writer.start()
        self._pending.put((frozen, then))  # waits while MAX_PENDING trials are not written yet
        self.kept += 1

    def close(self) -> None:
        """Wait until every kept trial is written; raise what writing one raised."""
        if self._writer is not None:
            self._pending.put(None)
            self._writer.join()
            self._writer = None
        if (failure := self.error or self.announce_error) is not None:
            raise failure

    def _write(self) -> None:
        assert self.record is not None
        while (item := self._pending.get()) is not None:
            frozen, then = item
            if self.error is None:
                try:
                    self.record.add_trial(frozen)
                except BaseException as exc:  # noqa: BLE001 - the search raises it at its next trial, or at the end
                    self.error = exc
                    continue
                try:  # an announcement that fails (stdout closed: BrokenPipe) stops the search, as it did on the
                    # search's thread; the trials waiting are written all the same
                    if then is not None and self.announce_error is None:
                        then()
                except BaseException as exc:  # noqa: BLE001 - never the writer's end: keep and close would wait
                    self.announce_error = exc


def open_search_study(storage: Any, study_name: str, seed: int, *, shared: bool,
                      by_family: bool = False) -> SearchStudy:
    """The study to search on. ``storage``: a URL, an Optuna storage, or None (in memory only). ``by_family``: each
    trial is pruned against its own family's trials (``FamilyMedianPruner``), else against all of them."""
    if shared or not isinstance(storage, str):
        return SearchStudy(_create(storage, study_name, seed, by_family))
    record = _create(storage, study_name, seed, by_family)
    trials = record.get_trials(deepcopy=False)
    for frozen in trials:
        if frozen.state is optuna.trial.TrialState.RUNNING:  # its process is gone
            record._storage.set_trial_state_values(frozen._trial_id, optuna.trial.TrialState.FAIL)
    trials = record.get_trials(deepcopy=True)
    if any(t.state not in _FINISHED for t in trials):  # waiting trials of an older Kuai's study: resume on it as it is
        return SearchStudy(record)
    study = _create(None, study_name, seed, by_family)
    study.add_trials(trials)
    return SearchStudy(study, record, kept=len(trials))


def _create(storage: Any, study_name: str, seed: int, by_family: bool = False) -> optuna.Study:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, n_startup_trials=8)
    pruner: optuna.pruners.BasePruner = (FamilyMedianPruner(n_startup_trials=4, n_warmup_steps=1) if by_family
                                         else optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1))
    return optuna.create_study(study_name=study_name, storage=storage, load_if_exists=True, direction="minimize",
                               sampler=sampler, pruner=pruner)


class FamilyMedianPruner(optuna.pruners.BasePruner):
    """Optuna's median rule within a family: a trial whose best running loss is worse than the median of its own
    family's finished trials at the same fold is stopped; until a family has ``n_startup_trials`` finished, its
    trials run to the end. (One median over every family lets the best family's trials set it: in an hour on magic
    it stopped 48 of the 53 trials of the other families after their first folds, and the ensemble had only
    CatBoosts to choose from.) The study minimises."""

    def __init__(self, n_startup_trials: int = 4, n_warmup_steps: int = 1) -> None:
        self.n_startup_trials, self.n_warmup_steps = n_startup_trials, n_warmup_steps

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return False
        family = trial.params.get("family")
        finished = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
                    if t.params.get("family") == family]
        if len(finished) < self.n_startup_trials:
            return False
        own = np.array(list(trial.intermediate_values.values()), dtype=float)
        if np.isnan(own).all():  # as Optuna's: a trial that reported nothing but NaN is stopped
            return True
        at_step = np.array([t.intermediate_values[step] for t in finished if step in t.intermediate_values],
                           dtype=float)
        if np.isnan(at_step).all():
            return False
        best = np.nanmin(own)
        return bool(best > np.nanmedian(at_step))


try:  # what a lost database connection raises through Optuna's RDB storage
    from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError

    _STORAGE_ERRORS: tuple[type[BaseException], ...] = (optuna.exceptions.StorageInternalError, _SQLAlchemyError)
except ImportError:  # pragma: no cover - SQLAlchemy comes with Optuna
    _STORAGE_ERRORS = (optuna.exceptions.StorageInternalError,)


def lost_storage(exc: BaseException | None) -> bool:
    """A storage error, or an error raised while one was being handled (Optuna's tell can do that), or the
    trial in progress taken away meanwhile (failed as stale by another worker while the database was away)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (*_STORAGE_ERRORS, optuna.exceptions.UpdateFinishedTrialError)):
            return True
        if isinstance(exc, ValueError) and str(exc).startswith("Cannot tell a"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


Ended = tuple[int, optuna.trial.TrialState, float | None]  # a trial's number, state and value, as it ended


class PendingTells:
    """The trials whose end could not be told while the database was away (``settle``), told once it answers: else
    such a trial stays RUNNING until another process fails it as stale, and none may come after the training."""

    def __init__(self, study: optuna.Study) -> None:
        self.study = study
        self.pending: list[tuple[int | None, Ended | None]] = []

    def settle(self, running: int | None, ended: Ended | None) -> bool:
        """``settle`` the trial in progress, or keep it for ``retry``; and the ones kept before."""
        self.retry()
        if settle(self.study, running, ended):
            return True
        self.pending.append((running, ended))
        return False

    def retry(self) -> bool:
        """Tell the kept trials' ends (nothing to do when none is kept); True when none is left."""
        self.pending = [(running, ended) for running, ended in self.pending if not settle(self.study, running, ended)]
        return not self.pending


def settle(study: optuna.Study, running: int | None, ended: Ended | None) -> bool:
    """Tell the study how the trial in progress (``running``) when the database went away ended (``ended``: its
    number, state and value; else it stays RUNNING); False when the database is still unreachable."""
    if running is None:
        return True
    try:
        frozen = next((t for t in study.get_trials(deepcopy=False) if t.number == running), None)
        if frozen is None or frozen.state is not optuna.trial.TrialState.RUNNING:
            return True
        ended = ended if ended and ended[0] == frozen.number else None
        if ended is not None and ended[1] is optuna.trial.TrialState.COMPLETE:
            study.tell(frozen.number, ended[2])
        else:
            study.tell(frozen.number, state=ended[1] if ended else optuna.trial.TrialState.FAIL)
        return True
    except Exception:  # still unreachable: the heartbeat's grace period fails it later
        logger.warning("could not settle trial %s after reconnecting", running, exc_info=True)
        return False
