"""A large table's folds score a sample of its rows (``kuai.engine.search.folds.sample_scored``): each fold's
validation rows are cut to a stratified sample, ``MAX_SCORED_ROWS`` in all, its training rows stay as they are, and
what reads out-of-fold predictions (the ensemble, the stack, the result) reads the scored rows alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from kuai.engine import to_model_frame, train
from kuai.engine.metrics import get_metric
from kuai.engine.models import FAMILIES, Deadline
from kuai.engine.search import folds as folds_module
from kuai.engine.search.folds import MAX_SCORED_ROWS, fold_rows, make_folds, scored_note, scored_rows
from kuai.engine.search.memory import trial_mb
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.select import ensemble as ensemble_module
from kuai.engine.select.ensemble import select_ensemble
from kuai.engine.select.stacking import TOP_FAMILY, fit_stack
from kuai.engine.types import SearchBudget, TaskSpec, TaskType
from tests.engine.search_data import search_data
from tests.engine.test_bagging import _table


def _spec(task: TaskType, n_folds: int = 3, **changes: Any) -> TaskSpec:
    classes = ("a", "b", "c") if task is TaskType.MULTICLASS else ("no", "yes") if task is TaskType.BINARY else ()
    metric = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}[task.value]
    return replace(TaskSpec(target="y", task=task, metric=metric, features=("x",), feature_types={}), classes=classes,
                   n_folds=n_folds, **changes)


def _labels(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.03, 2, rng.integers(0, 2, n))  # a rare third class: 3 % of the rows


@pytest.mark.parametrize("task", [TaskType.MULTICLASS, TaskType.REGRESSION])
def test_a_large_tables_folds_score_a_stratified_sample_and_train_on_what_they_did(
        task: TaskType, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 300_000
    y = _labels(n) if task is TaskType.MULTICLASS else np.random.default_rng(1).normal(size=n)
    spec = _spec(task)
    folds = make_folds(y, spec)
    with monkeypatch.context() as uncut:
        uncut.setattr(folds_module, "MAX_SCORED_ROWS", n)
        kfold = make_folds(y, spec)
    whole = make_folds(y[:90_000], spec)  # under the cap: every row scored once, as always
    assert sorted(np.concatenate([v for _, v in whole]).tolist()) == list(range(90_000))
    n_scored = sum(len(valid) for _, valid in folds)
    assert n_scored == MAX_SCORED_ROWS  # whole rows shared among the folds: not 99,999 (a blind test read it so)
    for (train_rows, valid), (kfold_train, kfold_valid) in zip(folds, kfold, strict=True):
        assert np.array_equal(train_rows, kfold_train)  # the k-fold's training rows, all of them
        assert np.isin(valid, kfold_valid).all() and len(valid) < len(kfold_valid) / 2
        if task is TaskType.MULTICLASS:  # stratified: the rare class keeps its share
            assert abs(np.mean(y[valid] == 2) - np.mean(y == 2)) < 0.002
    scored = scored_rows(folds, n)
    assert scored is not None and len(scored) == n_scored  # no row is scored twice
    again = make_folds(y, spec)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))  # the same in every process


@pytest.mark.parametrize("how", ["time", "group"])
def test_time_and_group_folds_keep_their_rule_on_their_sample(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 250_000
    y = _labels(n, seed=2)
    times, groups = np.arange(n, dtype=float), np.arange(n) // 4
    spec = _spec(TaskType.MULTICLASS, **{how: "column"})
    folds = make_folds(y, spec, groups=groups, times=times)
    with monkeypatch.context() as uncut:
        uncut.setattr(folds_module, "MAX_SCORED_ROWS", n)
        whole = make_folds(y, spec, groups=groups, times=times)
    assert sum(len(v) for _, v in folds) == MAX_SCORED_ROWS < sum(len(v) for _, v in whole)
    for (train_rows, valid), (whole_train, whole_valid) in zip(folds, whole, strict=True):
        assert np.array_equal(train_rows, whole_train) and np.isin(valid, whole_valid).all()
        assert set(np.unique(y[valid])) == {0, 1, 2}
        if how == "time":
            assert times[train_rows].max() < times[valid].min()  # learned from the past only
        else:
            assert not np.intersect1d(groups[train_rows], groups[valid]).size  # no entity on both sides


def test_the_sample_is_the_same_in_another_process() -> None:
    script = ("import numpy as np; from dataclasses import replace; from kuai.engine.search.folds import make_folds;"
              "from kuai.engine.types import TaskSpec, TaskType;"
              "rng = np.random.default_rng(0);"
              "y = np.where(rng.random(300_000) < 0.03, 2, rng.integers(0, 2, 300_000));"
              "spec = replace(TaskSpec(target='y', task=TaskType.MULTICLASS, metric='log_loss', features=('x',), "
              "feature_types={}), classes=('a', 'b', 'c'), n_folds=3);"
              "print(','.join(str(int(v[:50].sum())) for _, v in make_folds(y, spec)))")
    here = _labels(300_000)
    spec = _spec(TaskType.MULTICLASS)
    expected = ",".join(str(int(v[:50].sum())) for _, v in make_folds(here, spec))
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "123"})
    assert other.stdout.strip() == expected


def test_the_user_is_told_when_and_only_when_a_sample_of_the_rows_is_scored() -> None:
    y = _labels(200_000, seed=3)
    spec = _spec(TaskType.MULTICLASS)
    _, folds, notes = fold_rows(y, spec)
    assert len(notes) == 1 and "scored on a sample of" in notes[0] and "of the 200,000 rows" in notes[0]
    assert "still training rows of the other folds' models." in notes[0]
    assert fold_rows(y[:80_000], spec)[2] == []  # every row scored
    timed = _spec(TaskType.MULTICLASS, n_folds=5, time="t")
    for n in (110_000, 120_000):  # 5 time folds score 5/6 of the rows, 100,000 at most: no cut, nothing to say
        folds = make_folds(y[:n], timed, times=np.arange(n, dtype=float))
        assert scored_note(folds, n, forward_in_time=True) == ""
    _, folds, notes = fold_rows(y[:150_000], timed, times=np.arange(150_000, dtype=float))  # 125,000 cut
    assert len(notes) == 1 and "of the 125,000 rows its folds would score" in notes[0]


def test_the_memory_plan_counts_the_scored_rows_not_every_row() -> None:
    need = trial_mb(FAMILIES["lightgbm"], n_rows=1_000_000, n_folds=3, n_classes=2, width=50, fits=1)
    sampled = trial_mb(FAMILIES["lightgbm"], n_rows=1_000_000, n_folds=3, n_classes=2, width=50, fits=1,
                       n_scored=MAX_SCORED_ROWS)
    assert need(0.1) - sampled(0.1) == pytest.approx(900_000 * 50 * 4 / 2**20, rel=0.01)


def test_the_ensemble_is_chosen_on_the_scored_rows_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    n, y = 3_000, rng.integers(0, 2, 3_000)
    scored = np.sort(rng.choice(n, 900, replace=False))
    folds = [(np.setdiff1d(np.arange(n), part), part) for part in np.array_split(scored, 3)]
    oofs = {}
    for number in range(4):
        p = np.clip(0.5 + (y - 0.5) * rng.uniform(0.1, 0.6, n) + rng.normal(0, 0.25, n), 0.01, 0.99)
        p[np.setdiff1d(np.arange(n), scored)] = 0.0  # no prediction where no fold scores: as a search leaves them
        oofs[number] = np.column_stack([1 - p, p])
    metric = get_metric("roc_auc")
    seen: list[int] = []
    select = ensemble_module._select
    monkeypatch.setattr(ensemble_module, "_select",
                        lambda oofs, y, *rest, **options: seen.append(len(y)) or select(oofs, y, *rest, **options))
    found = select_ensemble(oofs, y, metric, folds=folds, nested=True)
    assert seen == [900]  # the selection reads the 900 scored rows, not the 3,000 (same blend, a tenth of the work)
    compact = [(np.empty(0, dtype=np.int64), np.searchsorted(scored, v)) for _, v in folds]
    alone = select_ensemble({k: o[scored] for k, o in oofs.items()}, y[scored], metric, folds=compact, nested=True)
    assert found is not None and alone is not None
    assert found.weights == alone.weights and found.score == alone.score
    assert found.nested_fold_scores == alone.nested_fold_scores
    np.testing.assert_array_equal(found.oof[scored], alone.oof)
    assert not found.oof[np.setdiff1d(np.arange(n), scored)].any()


def test_the_stack_learns_only_from_rows_with_out_of_fold_predictions(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, schema, X, y = search_data(_table(TaskType.BINARY, n=900), n_folds=3)
    monkeypatch.setattr(folds_module, "MAX_SCORED_ROWS", 300)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                                     families=("lightgbm", "linear", "extra_trees"), max_trials=4))
    scored = scored_rows(result.folds, len(y))
    assert scored is not None and len(scored) == 300
    for outcome in result.outcomes.values():  # predicted where scored, nothing elsewhere
        assert np.all(outcome.oof[scored].sum(axis=1) > 0.99) and not np.delete(outcome.oof, scored, axis=0).any()
    top = FAMILIES[TOP_FAMILY]
    seen: list[int] = []
    original = type(top).fit

    def fit(self: Any, model: Any, X_train: Any, y_train: Any, **kwargs: Any) -> Any:
        seen.append(len(y_train))
        return original(self, model, X_train, y_train, **kwargs)

    monkeypatch.setattr(type(top), "fit", fit)
    stack = fit_stack(X, y, spec, schema, result, Deadline(time.monotonic() + 60))
    assert stack is not None
    assert sorted(seen) == sorted(len(scored) - len(valid) for _, valid in result.folds)  # the other folds' rows


@pytest.mark.slow
def test_a_training_on_a_large_table_scores_its_sample_and_predicts_every_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _table(TaskType.MULTICLASS, n=1_200)
    spec, _, _, _ = search_data(frame, n_folds=3)
    monkeypatch.setattr(folds_module, "MAX_SCORED_ROWS", 450)  # 1,200 rows stand for a large table
    trained = train(frame, spec, budget=SearchBudget(time_budget_s=40, max_trials=6,
                                                     families=("lightgbm", "linear", "extra_trees")))
    assert any("scored on a sample of 450 of the 1,200 rows" in note for note in trained.notes)
    assert len(trained.y) == len(trained.oof) == 450  # the evaluation reads the scored rows
    assert np.allclose(np.asarray(trained.oof).sum(axis=1), 1.0)
    predicted = trained.estimator.predict_proba(to_model_frame(frame, trained.schema))
    assert predicted.shape == (1_200, 3) and np.allclose(predicted.sum(axis=1), 1.0)
