"""The search runs on an in-memory study and writes each finished trial to its SQLite study (real Optuna, SQLite)."""

from __future__ import annotations

import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from kuai.engine.models import FAMILIES, DataShape, Deadline
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.search.portfolio import portfolio as _portfolio
from kuai.engine.search.study import FamilyMedianPruner, PendingTells, open_search_study
from tests.engine.search_data import search_data

FAMILY_ORDER = ("lightgbm", "linear")


@pytest.fixture()
def data(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    return search_data(mixed_frame, n_folds=3)


def _stored(url: str) -> list[optuna.trial.FrozenTrial]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name="kuai", storage=url).get_trials()


def test_every_finished_trial_is_in_the_database_as_the_search_saw_it(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    url = f"sqlite:///{tmp_path / 'study.db'}"
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=FAMILY_ORDER, max_trials=7, storage=url))
    stored = _stored(url)
    assert [t.number for t in stored] == [t.number for t in result.trials] == list(range(7))
    for frozen, record in zip(stored, result.trials, strict=True):
        assert frozen.state.name.lower().replace("fail", "failed") == record.state
        assert frozen.params["family"] == record.family
        assert frozen.user_attrs.get("score") == record.score
        if frozen.state is optuna.trial.TrialState.COMPLETE:
            assert frozen.value is not None and frozen.intermediate_values  # the per-fold losses too
    assert not [t for t in stored if t.state.name in ("RUNNING", "WAITING")]


def test_a_trial_is_announced_only_once_it_is_in_the_database(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A blind tester killed a training at a trial's progress line and the trial was gone on resume: the line came
    before the writer's thread had kept it. Each trial is now announced once it is in the database."""
    import sqlite3

    spec, schema, X, y = data
    path = tmp_path / "study.db"
    seen: list[tuple[int, bool]] = []

    def on_trial(record) -> None:  # type: ignore[no-untyped-def]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            states = dict(connection.execute("SELECT number, state FROM trials").fetchall())
        seen.append((record.number, states.get(record.number) in ("COMPLETE", "PRUNED", "FAIL")))

    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=FAMILY_ORDER, max_trials=5, storage=f"sqlite:///{path}", on_trial=on_trial))
    assert [number for number, _ in seen] == [t.number for t in result.trials] == list(range(5))
    assert all(kept for _, kept in seen), seen


def test_an_announcement_that_fails_stops_the_search_but_every_trial_waiting_is_written(tmp_path: Path) -> None:
    """The announcements run on the writer's thread: one that raises (stdout closed, or SystemExit) must neither
    leave the trials queued behind it unwritten nor end the writer, which ``keep`` and ``close`` would wait for."""
    path = tmp_path / "study.db"
    optuna.create_study(study_name="kuai", storage=f"sqlite:///{path}")
    searching = open_search_study(f"sqlite:///{path}", "kuai", seed=0, shared=False)

    def closed_pipe() -> None:
        raise SystemExit("stdout went away")

    for number in range(3):
        trial = searching.study.ask()
        searching.study.tell(trial, float(number))
        try:
            searching.keep(searching.study.trials[-1], then=closed_pipe)
        except SystemExit:  # raised at the next trial once the writer has met it: the search stops there
            break
    with pytest.raises(SystemExit, match="stdout went away"):
        searching.close()
    assert len(_stored(f"sqlite:///{path}")) == len(searching.study.trials) >= 1


def test_a_resumed_search_keeps_the_first_trials_and_runs_the_rest_of_the_portfolio(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y = data
    url = f"sqlite:///{tmp_path / 'study.db'}"
    families = (*FAMILY_ORDER, "extra_trees")
    first = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                       families=families, max_trials=3, storage=url))
    again = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                       families=families, max_trials=3, storage=url))
    assert [t.number for t in again.trials] == list(range(6))  # the first three restored, three new
    assert [(t.number, t.score) for t in again.trials[:3]] == [(t.number, t.score) for t in first.trials]
    portfolio = _portfolio([FAMILIES[f] for f in families], DataShape(len(y), len(schema), len(spec.classes)))
    assert len(portfolio) >= 5
    stored = _stored(url)
    assert [t.number for t in stored] == list(range(6))
    # the second run went on with the portfolio's fourth configuration, not a repeat of the first three
    assert [t.system_attrs.get("fixed_params") for t in stored[:5]] == portfolio[:5]


def test_an_older_study_with_queued_trials_is_resumed_on_the_database_and_its_running_trial_failed(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    old = optuna.create_study(study_name="kuai", storage=url)
    old.enqueue_trial({"family": "linear"})
    old.ask()  # takes the queued one: RUNNING, as a killed process leaves it
    old.enqueue_trial({"family": "lightgbm"})  # still WAITING
    searching = open_search_study(url, "kuai", seed=0, shared=False)
    assert searching.record is None and not isinstance(searching.study._storage, optuna.storages.InMemoryStorage)
    assert [t.state.name for t in _stored(url)] == ["FAIL", "WAITING"]


def test_a_trial_kept_out_of_order_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    searching = open_search_study(url, "kuai", seed=0, shared=False)
    assert searching.record is not None
    searching.study.ask()
    second = searching.study.ask()
    searching.study.tell(second, 1.0)
    with pytest.raises(RuntimeError, match="out of order"):
        searching.keep(searching.study.trials[1])
    assert _stored(url) == []


def test_a_trial_the_database_could_not_take_stops_the_search_with_that_error(tmp_path: Path) -> None:
    import errno

    class FullDisk:  # fault injection: the database's disk is full
        def add_trial(self, frozen: optuna.trial.FrozenTrial) -> None:
            raise OSError(errno.ENOSPC, "database or disk is full")

    searching = open_search_study(f"sqlite:///{tmp_path / 'study.db'}", "kuai", seed=0, shared=False)
    searching.record = FullDisk()  # type: ignore[assignment]
    trial = searching.study.ask()
    searching.study.tell(trial, 1.0)
    searching.keep(searching.study.trials[0])  # handed to the writer: the search goes on meanwhile
    with pytest.raises(OSError, match="disk is full"):
        searching.close()


def test_a_trial_whose_end_was_lost_with_the_database_is_told_once_it_answers_again() -> None:
    """A Postgres restart can outlast the first try to tell a trial's end: the trial stayed RUNNING after the
    training (a fresh-clone run of tests/scaleout); it is now kept and told when the database answers."""
    study = optuna.create_study(direction="minimize")
    trial = study.ask()
    answers = {"down": True}
    real = study.get_trials

    def get_trials(*args, **kwargs):  # type: ignore[no-untyped-def]
        if answers["down"]:
            raise optuna.exceptions.StorageInternalError("the database is away")
        return real(*args, **kwargs)

    study.get_trials = get_trials  # type: ignore[method-assign]
    pending = PendingTells(study)
    assert not pending.settle(trial.number, (trial.number, optuna.trial.TrialState.COMPLETE, 0.25))
    assert not pending.retry() and real()[0].state is optuna.trial.TrialState.RUNNING  # still away: kept
    answers["down"] = False
    assert pending.retry() and pending.pending == []
    assert (real()[0].state, real()[0].value) == (optuna.trial.TrialState.COMPLETE, 0.25)


def _trial(study: optuna.Study, family: str, losses: list[float]) -> optuna.Trial:
    """A trial of ``family`` that reported ``losses`` fold by fold."""
    study.enqueue_trial({"family": family})
    trial = study.ask()
    trial.suggest_categorical("family", ["a", "b"])
    for step, loss in enumerate(losses):
        trial.report(loss, step)
    return trial


def _finished(study: optuna.Study, family: str, losses: list[float]) -> None:
    study.tell(_trial(study, family, losses), losses[-1])


def test_a_trial_is_pruned_against_its_own_familys_median_once_the_family_has_four_finished_trials() -> None:
    study = optuna.create_study(direction="minimize", pruner=FamilyMedianPruner(n_startup_trials=4, n_warmup_steps=1))
    for loss in (0.10, 0.11, 0.12, 0.13, 0.14):
        _finished(study, "a", [loss, loss])

    def running(family: str, losses: list[float]) -> bool:
        trial = _trial(study, family, losses)
        pruned = trial.should_prune()
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return pruned

    assert running("a", [0.15, 0.15])  # worse than its family's median (0.12)
    assert not running("a", [0.11, 0.11])
    assert not running("a", [0.15])  # within the warm-up step
    assert not running("a", [0.10, 0.15])  # its best fold so far is what counts, as in Optuna's median rule
    assert running("a", [float("nan"), float("nan")])
    for loss in (0.20, 0.21, 0.22):
        _finished(study, "b", [loss, loss])
    assert not running("b", [0.30, 0.30])  # three finished "b" trials: it runs to the end
    _finished(study, "b", [0.23, 0.23])
    assert not running("b", [0.21, 0.21])  # worse than every "a" trial; better than its own family's median
    assert running("b", [0.30, 0.30])
    global_median = optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)
    study.pruner = global_median  # the one median of every family stops the same "b" trial
    assert running("b", [0.21, 0.21])


def test_the_study_prunes_by_family_when_asked_also_when_resumed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    assert isinstance(open_search_study(url, "s", 0, shared=False, by_family=True).study.pruner, FamilyMedianPruner)
    assert isinstance(open_search_study(url, "s", 0, shared=True, by_family=True).study.pruner, FamilyMedianPruner)
    older = f"sqlite:///{tmp_path / 'older.db'}"  # an older Kuai's study with queued trials is resumed as it is
    optuna.create_study(study_name="s", storage=older).enqueue_trial({"family": "lightgbm"})
    assert isinstance(open_search_study(older, "s", 0, shared=False, by_family=True).study.pruner, FamilyMedianPruner)
    plain = open_search_study(url, "s", 0, shared=False).study.pruner
    assert isinstance(plain, optuna.pruners.MedianPruner) and not isinstance(plain, FamilyMedianPruner)
