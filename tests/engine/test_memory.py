"""Memory pre-flight: families that would not fit train on a sample of the rows, or are left out, and say so.

The machine's free memory is the one fake here (``available_memory_mb``); the searches, fits and refits are real.
"""

from __future__ import annotations

import gc
import importlib
import os
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kuai.engine.search.memory
from kuai.engine import prepare, refit_model, train
from kuai.engine.errors import BudgetError
from kuai.engine.models import FAMILIES, Deadline
from kuai.engine.search.memory import (
    GOAL_FROM_MB,
    MEMORY_GOAL,
    MIN_ROWS,
    fold_matrices_mb,
    import_detached,
    plan_memory,
    resident_mb,
    subsample_rows,
    trial_goal_mb,
    trial_mb,
)
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.types import SearchBudget
from kuai.exporters.model_card import build_model_card
from tests.engine.search_data import search_data

N_ROWS, N_FOLDS = 3000, 4
FAMILY_SET = ("lightgbm", "extra_trees")


def _table(n: int = N_ROWS, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.uniform(-2, 2, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    signal = x1 + np.sin(2 * x2) + (colour == "red") + rng.normal(0, 0.5, size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "outcome": np.where(signal > 0.5, "yes", "no")})


def _forest_need(share: float) -> float:
    """What the plan estimates for one extra-trees trial on this table (two folds side by side)."""
    return trial_mb(FAMILIES["extra_trees"], n_rows=N_ROWS, n_folds=N_FOLDS, n_classes=2, width=3, fits=2)(share)


def _plan(available_mb: float) -> dict[str, kuai.engine.search.memory.FamilyMemory]:
    return plan_memory([FAMILIES[f] for f in FAMILY_SET], n_rows=N_ROWS, n_folds=N_FOLDS, n_classes=2,
                       widths={"ordinal": 3, "onehot": 5}, parallel={"extra_trees": 2},
                       available_mb=available_mb)


def test_every_family_trains_on_all_rows_when_memory_is_plentiful() -> None:
    plans = _plan(available_mb=100_000)
    assert all(p.row_fraction == 1.0 and p.note == "" for p in plans.values())
    assert plans["extra_trees"].need_mb == pytest.approx(_forest_need(1.0), abs=0.1)
    assert plans["extra_trees"].need_mb > 10 * plans["lightgbm"].need_mb  # the trees dominate


def test_a_family_that_would_not_fit_gets_the_largest_whole_percent_of_rows_that_does() -> None:
    plans = _plan(available_mb=_forest_need(0.7) / kuai.engine.search.memory.MEMORY_SHARE)
    forest = plans["extra_trees"]
    assert forest.row_fraction == pytest.approx(0.7)
    assert _forest_need(0.71) > forest.allowed_mb >= _forest_need(0.7)
    assert "trained on 70% of the rows" in forest.note and "extra trees" in forest.note
    assert plans["lightgbm"].row_fraction == 1.0


def test_a_family_that_would_not_fit_on_a_thousand_rows_is_left_out() -> None:
    train_rows = N_ROWS * (N_FOLDS - 1) / N_FOLDS
    share = (MIN_ROWS - 10) / train_rows  # the share that fits holds fewer than MIN_ROWS rows
    forest = _plan(available_mb=_forest_need(share) / kuai.engine.search.memory.MEMORY_SHARE)["extra_trees"]
    assert forest.row_fraction == 0.0
    assert "was left out" in forest.note


BIG_ROWS, BIG_WIDTHS = 1_000_000, {"ordinal": 55, "onehot": 200}  # as the growth benchmark's million rows
ALL_FAMILIES = ("lightgbm", "catboost", "hist_gb", "extra_trees", "random_forest", "linear")


def _big_plan(goal_mb: float, *, n_rows: int = BIG_ROWS, n_folds: int = 3, widths: dict[str, int] = BIG_WIDTHS,
              available_mb: float = 100_000) -> dict[str, kuai.engine.search.memory.FamilyMemory]:
    return plan_memory([FAMILIES[f] for f in ALL_FAMILIES], n_rows=n_rows, n_folds=n_folds, n_classes=2,
                       widths=widths, parallel={}, available_mb=available_mb,  # type: ignore[arg-type]
                       n_scored=100_000, goal_mb=goal_mb)


def test_the_memory_goal_cuts_the_rows_of_a_family_whose_fold_matrices_would_pass_it() -> None:
    plans = _big_plan(goal_mb=512)
    linear = plans["linear"]
    matrices = fold_matrices_mb(n_rows=BIG_ROWS, n_folds=3, width=200, n_scored=100_000)
    assert matrices(linear.row_fraction) <= 512 < matrices(linear.row_fraction + 0.001)  # the largest that fits
    assert 0.2 < linear.row_fraction < 0.35
    assert linear.by_goal and linear.matrices_mb == pytest.approx(matrices(1.0))
    assert f"{MEMORY_GOAL:.0f} times the table's size in memory" in linear.note
    assert "within 512 MB" in linear.note and f"trained on {linear.row_fraction:.0%} of the rows" in linear.note
    assert f"would take about {matrices(1.0) / 1024:,.1f} GB" in linear.note  # the matrices, not the whole trial
    # the ordinal matrices of every row fit: the goal does not touch the boosters and forests
    assert all(plans[f].row_fraction == 1.0 and plans[f].note == "" for f in ALL_FAMILIES if f != "linear")
    assert _big_plan(goal_mb=float("inf"))["linear"].row_fraction == 1.0  # plenty of free memory, no goal


def test_the_goal_never_cuts_below_the_narrowest_encoding_on_every_row() -> None:
    """Twice the rows, or five folds: the ordinal matrices of every row pass 512 MB; the boosters keep every row
    (and with them stacking, which needs a LightGBM on every row), and the one-hot family gets as much as they take."""
    for n_rows, n_folds in ((2_000_000, 3), (1_000_000, 5)):
        plans = _big_plan(goal_mb=512, n_rows=n_rows, n_folds=n_folds)
        ordinal = fold_matrices_mb(n_rows=n_rows, n_folds=n_folds, width=55, n_scored=100_000)(1.0)
        assert ordinal > 512
        assert all(plans[f].row_fraction == 1.0 for f in ALL_FAMILIES if f != "linear")
        linear = plans["linear"]
        assert linear.by_goal and linear.allowed_mb == pytest.approx(ordinal)
        onehot = fold_matrices_mb(n_rows=n_rows, n_folds=n_folds, width=200, n_scored=100_000)
        assert onehot(linear.row_fraction) <= ordinal < onehot(linear.row_fraction + 0.001)


def test_the_goal_share_is_exact_so_a_tighter_goal_never_gives_more_rows() -> None:
    """Wide one-hot matrices whose scored rows alone nearly fill the goal: a share under 1 % still holds thousands
    of rows, and a tighter goal gives fewer rows, never all of them."""
    widths = {"ordinal": 10, "onehot": 1000}
    shares = [_big_plan(goal_mb=goal, n_rows=2_000_000, widths=widths)["linear"].row_fraction
              for goal in (560, 540, 520, 500)]
    assert all(0.0 < share < 0.02 for share in shares) and shares == sorted(shares, reverse=True)


def test_the_memory_goal_never_leaves_a_family_out_and_the_free_memory_still_bounds() -> None:
    # the scored rows' one-hot matrices alone (100,000 x 1,000 inputs: 381 MB) pass a goal of 300 MB: not applied
    plans = _big_plan(goal_mb=300, widths={"ordinal": 5, "onehot": 1000})
    assert plans["linear"].row_fraction == 1.0 and not plans["linear"].by_goal
    # where the free memory cuts deeper than the goal, the free memory's share and note stand
    tight = _big_plan(goal_mb=512, available_mb=2 * 700)["linear"]
    assert 0.0 < tight.row_fraction < _big_plan(goal_mb=512)["linear"].row_fraction
    assert not tight.by_goal and "is available" in tight.note


def test_the_goal_is_three_times_the_table_less_what_the_process_holds_and_the_predictions_to_come() -> None:
    table_mb = 1_000_000 * 50 * 8 / 2**20
    predictions_mb = 12 * 1_000_000 * 2 * 8 / 2**20  # twelve trials' out-of-fold predictions, two columns
    assert trial_goal_mb(1_000_000, 50, resident=300, n_outputs=2) == pytest.approx(
        MEMORY_GOAL * table_mb - 300 - predictions_mb)
    assert trial_goal_mb(1_000_000, 50, resident=2000) == 0.0  # plan_memory then gives the narrowest encoding
    assert _big_plan(goal_mb=0.0)["linear"].allowed_mb == pytest.approx(
        fold_matrices_mb(n_rows=BIG_ROWS, n_folds=3, width=55, n_scored=100_000)(1.0))
    # where three times the table is below GOAL_FROM_MB (the libraries alone take more), no bound
    assert MEMORY_GOAL * 100_000 * 50 * 8 / 2**20 < GOAL_FROM_MB
    assert trial_goal_mb(100_000, 50, resident=0) == float("inf")


def test_resident_memory_is_this_process_s() -> None:
    before = resident_mb()
    block = np.ones(64 * 2**20 // 8)  # 64 MB, touched
    assert resident_mb() - before >= 48
    del block


def test_a_stratified_sample_keeps_every_class_in_proportion() -> None:
    y = np.array([0] * 700 + [1] * 290 + [2] * 10 + [3])  # class 3 has one row
    positions = np.arange(len(y))[::-1].copy()
    sample = subsample_rows(positions, y, 0.3, seed=1, classification=True)
    assert np.all(np.diff(sample) > 0) and set(sample) <= set(positions)
    assert len(sample) == 300  # a class the sample missed (3) took the place of a common row: the size is kept
    counts = np.bincount(y[sample], minlength=4)
    assert abs(counts[0] - 210) <= 3 and abs(counts[1] - 87) <= 3 and counts[2] >= 2 and counts[3] == 1
    np.testing.assert_array_equal(sample, subsample_rows(positions, y, 0.3, seed=1, classification=True))
    assert not np.array_equal(sample, subsample_rows(positions, y, 0.3, seed=2, classification=True))
    assert subsample_rows(positions, y, 1.0, seed=1, classification=True) is positions


@pytest.fixture()
def short_of_memory(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def set_free(mb: float) -> None:
        monkeypatch.setattr(kuai.engine.search.memory, "available_memory_mb", lambda: mb)
    return set_free


def test_a_search_short_of_memory_fits_the_family_on_a_sample_and_scores_every_row(short_of_memory) -> None:  # type: ignore[no-untyped-def]
    short_of_memory(_forest_need(0.7) / kuai.engine.search.memory.MEMORY_SHARE)
    spec, schema, X, y = search_data(_table(), n_folds=N_FOLDS)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=FAMILY_SET, max_trials=6))
    forests = [o for o in result.outcomes.values() if o.family == "extra_trees"]
    boosters = [o for o in result.outcomes.values() if o.family == "lightgbm"]
    assert forests and boosters
    assert all(o.row_fraction == pytest.approx(0.7) for o in forests)
    assert all(o.row_fraction == 1.0 for o in boosters)
    for outcome in forests:
        assert np.all(outcome.oof.sum(axis=1) > 0.99)  # every row has its out-of-fold prediction
        kept = outcome.fold_models or outcome.first_fold  # a bag too big to export keeps its first fold only
        assert kept
        for (_, model), (train_rows, _) in zip(kept, result.folds[:len(kept)], strict=True):
            grown = model.estimators_[0].tree_.n_node_samples[0]  # extra trees: no bootstrap, all rows at the root
            assert grown == pytest.approx(0.7 * len(train_rows), abs=2)
    records = {r.number: r for r in result.trials}
    assert all(records[o.number].row_fraction == pytest.approx(0.7) for o in forests)
    assert result.memory["extra_trees"].row_fraction == pytest.approx(0.7)


def test_a_family_left_out_never_completes_a_trial_and_the_search_says_why(short_of_memory) -> None:  # type: ignore[no-untyped-def]
    short_of_memory(_forest_need(0.3) / kuai.engine.search.memory.MEMORY_SHARE)
    spec, schema, X, y = search_data(_table(), n_folds=N_FOLDS)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=FAMILY_SET, max_trials=12))
    assert result.memory["extra_trees"].row_fraction == 0.0
    assert result.outcomes and all(o.family == "lightgbm" for o in result.outcomes.values())
    assert result.trials[0].family == "lightgbm"  # its portfolio was not enqueued
    for record in result.trials:
        if record.family == "extra_trees":
            assert record.state == "pruned" and "was left out" in record.message


def test_no_family_fitting_is_a_coded_error(short_of_memory) -> None:  # type: ignore[no-untyped-def]
    short_of_memory(0.001)
    spec, schema, X, y = search_data(_table(), n_folds=N_FOLDS)
    with pytest.raises(BudgetError) as raised:
        run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                   families=FAMILY_SET, max_trials=2))
    assert raised.value.code == "NOT_ENOUGH_MEMORY" and "lightgbm" in str(raised.value)


def test_training_short_of_memory_notes_the_sample_and_refits_on_the_same_share(short_of_memory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    short_of_memory(_forest_need(0.7) / kuai.engine.search.memory.MEMORY_SHARE)
    frame = _table()
    frame.to_csv(tmp_path / "data.csv", index=False)
    spec, _, _, _ = search_data(frame, n_folds=N_FOLDS)
    result = train(frame, spec, budget=SearchBudget(time_budget_s=40, max_trials=6, families=FAMILY_SET))
    assert [p.family for p in result.memory] == ["extra_trees"]
    assert result.memory[0].note in result.notes
    forests = [e for e in result.leaderboard if e.family == "extra_trees"]
    assert forests and all(e.row_fraction == pytest.approx(0.7) for e in forests)
    assert all(e.row_fraction == 1.0 for e in result.leaderboard if e.family == "lightgbm")
    card = build_model_card(result, parity={}, data_path=tmp_path / "data.csv", seed=0, time_budget_s=40).to_dict()
    assert [(m["family"], m["row_fraction"]) for m in card["memory"]] == [("extra_trees", pytest.approx(0.7))]
    assert card["memory"][0]["need_mb"] > card["memory"][0]["allowed_mb"] and card["memory"][0]["note"]
    assert card["model"]["row_fraction"] == next(e.row_fraction for e in result.leaderboard
                                                 if e.model == result.model_name)
    record = next(t for t in result.trials if t.family == "extra_trees" and t.state == "complete")
    refitted = refit_model(prepare(frame, spec), [(record, 1.0)])
    grown = refitted.named_steps["model"].estimators_[0].tree_.n_node_samples[0]
    assert grown == pytest.approx(0.7 * N_ROWS, abs=3)


KEEPS_ITS_IMPORT_ERROR = "try:\n    import kuai_no_such_module\nexcept ImportError as error:\n    KEPT = error\n"


def test_a_detached_import_does_not_keep_its_caller_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library that keeps the traceback of a failed optional import (SHAP does) kept, through the traceback's
    frames, every caller up the stack alive; imported lazily from inside a training, that was the whole training."""
    for name in ("keeps_error_plain", "keeps_error_detached"):
        (tmp_path / f"{name}.py").write_text(KEEPS_ITS_IMPORT_ERROR)
    monkeypatch.syspath_prepend(str(tmp_path))

    class Training:  # stands for the caller's large locals
        pass

    def caller(importer: Callable[[str], object], name: str) -> weakref.ref[Training]:
        training = Training()
        importer(name)
        return weakref.ref(training)

    try:
        plain = caller(importlib.import_module, "keeps_error_plain")
        detached = caller(import_detached, "keeps_error_detached")
        gc.collect()
        assert plain() is not None  # the trap is real: an import in the caller's thread pins the caller
        assert detached() is None
        assert import_detached("keeps_error_detached") is sys.modules["keeps_error_detached"]
    finally:
        for name in ("keeps_error_plain", "keeps_error_detached"):
            sys.modules.pop(name, None)


def test_a_detached_import_raises_in_the_caller() -> None:
    with pytest.raises(ModuleNotFoundError):
        import_detached("kuai_no_such_module")


TRAIN_AND_DROP = """
import dataclasses, gc, sys
import numpy as np, pandas as pd
from kuai.engine import SearchBudget, build_task_spec, profile_dataset, train
rng = np.random.default_rng(0)
frame = pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400)})
frame["outcome"] = np.where(frame.x1 + rng.normal(0, 0.5, size=400) > 0.6, "yes", "no")  # about 1 in 4: weights != 1
spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
spec = dataclasses.replace(spec, class_weight="balanced")
assert "shap" not in sys.modules  # imported inside the training, where the trap was
# extra trees fitted with class weights (covers that are not row counts): explained through the SHAP package
result = train(frame, spec, budget=SearchBudget(time_budget_s=6.0, families=("extra_trees",)))
assert result.explanation is not None and "shap" in sys.modules  # SHAP was imported inside the training
del result
gc.collect()
alive = sorted({type(o).__name__ for o in gc.get_objects()
                if type(o).__name__ in ("TrainingResult", "Prepared", "SearchResult", "TrialOutcome")})
print("alive:" + ",".join(alive))
"""


@pytest.mark.slow
def test_nothing_of_a_training_outlives_its_result() -> None:
    """In a fresh interpreter (SHAP not yet imported): once the caller drops the result, the training is gone —
    the main process then waits for the MLflow side process without the training's memory."""
    done = subprocess.run([sys.executable, "-c", TRAIN_AND_DROP], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "alive:"


ARENAS_SCRIPT = """
import ctypes, sys, threading
from kuai.engine.search.memory import limit_heap_arenas
if sys.argv[1] == "limited":
    limit_heap_arenas(1)
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
barrier = threading.Barrier(4)
def work():
    barrier.wait()  # all four allocate at once: glibc gives contending threads arenas of their own
    for _ in range(2000):
        libc.malloc(256)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
report = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(report))
libc.fclose(ctypes.c_void_p(report))
print(open(sys.argv[2]).read().count("<heap nr="))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's arenas")
def test_threads_share_one_heap_once_arenas_are_limited(tmp_path: Path) -> None:
    counts = {}
    for mode in ("default", "limited"):
        done = subprocess.run([sys.executable, "-c", ARENAS_SCRIPT, mode, str(tmp_path / f"{mode}.xml")],
                              capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
        assert done.returncode == 0, done.stderr[-2000:]
        counts[mode] = int(done.stdout.strip())
    assert counts["limited"] < counts["default"]
    assert counts["limited"] <= 2  # the main heap, and one an import's thread may have made before the limit


def test_catboost_allocator_gets_small_arenas_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.engine.search.memory import CATBOOST_ARENA_RESERVE, small_catboost_arenas

    monkeypatch.delenv("MIMALLOC_ARENA_RESERVE", raising=False)
    small_catboost_arenas()
    assert os.environ["MIMALLOC_ARENA_RESERVE"] == CATBOOST_ARENA_RESERVE
    monkeypatch.setenv("MIMALLOC_ARENA_RESERVE", "64MiB")
    small_catboost_arenas()
    assert os.environ["MIMALLOC_ARENA_RESERVE"] == "64MiB"


def test_a_training_process_passes_the_small_arenas_on_to_its_children() -> None:
    """`kuai train` sets it before CatBoost is loaded; the export's process and the side process inherit it."""
    script = ("import os, subprocess, sys\n"
              "from kuai.app.services.limits import prepare_training_process\n"
              "prepare_training_process()\n"
              "assert 'catboost' not in sys.modules\n"
              "print(subprocess.run([sys.executable, '-c', 'import os; print(os.environ[\"MIMALLOC_ARENA_RESERVE\"])'],"
              " capture_output=True, text=True).stdout.strip())\n")
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_ARENA_RESERVE"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "4MiB"
