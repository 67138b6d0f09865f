"""Fold models kept on disk during the search: read back as fitted, refused if changed, deleted when dropped."""

from __future__ import annotations

import errno
import gc
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from kuai.engine import SearchBudget, TaskType, train
from kuai.engine.metrics import get_metric
from kuai.engine.models import Deadline
from kuai.engine.search.fold_spill import FoldSpill, SpilledModels, SpillError
from kuai.engine.search.optimize import SearchInputs, held_out_model, predict_output, run_search
from kuai.engine.search.trials import by_score
from kuai.engine.select.bagging import bagged_model
from tests.engine.search_data import search_data


def _fold_models(n: int = 3) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + rng.normal(0, 0.5, 120) > 0).astype(int)
    models = []
    for k in range(n):
        rows = np.arange(120) % n != k
        prep = StandardScaler().fit(X[rows])
        models.append((prep, LogisticRegression(C=0.1 * (k + 1)).fit(prep.transform(X[rows]), y[rows])))
    return X, models


def _files(spill: FoldSpill) -> list[Path]:
    return sorted(spill.folder.iterdir())


def test_spilled_fold_models_read_back_as_fitted(tmp_path: Path) -> None:
    X, models = _fold_models()
    spill = FoldSpill(tmp_path)
    spilled = spill.spill(models)
    assert isinstance(spilled, SpilledModels) and len(spilled) == 3
    assert spill.folder.parent == tmp_path and (spill.folder.stat().st_mode & 0o777) == 0o700
    assert len(_files(spill)) == 3
    for (prep, model), (read_prep, read_model) in zip(models, spilled, strict=True):
        np.testing.assert_array_equal(model.predict_proba(prep.transform(X)),
                                      read_model.predict_proba(read_prep.transform(X)))
    assert spilled[1][1].C == pytest.approx(0.2)
    assert spill.spill(spilled) is spilled  # already on disk: nothing written twice
    assert len(_files(spill)) == 3


class _Planted:
    """What a hostile file would hold: unpickling it creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_changed_file_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    _, models = _fold_models()
    spill = FoldSpill(tmp_path / "run")
    spilled = spill.spill(models)
    marker = tmp_path / "unpickled"
    _files(spill)[1].write_bytes(pickle.dumps(_Planted(marker)))
    with pytest.raises(SpillError, match="changed"):
        spilled[1]
    assert not marker.exists()
    assert spilled[0][1].C == pytest.approx(0.1)  # the others still read back
    _files(spill)[2].unlink()
    with pytest.raises(SpillError, match="could not be read"):
        spilled[2]


def test_files_go_with_the_last_holder_and_the_folder_with_the_spill(tmp_path: Path) -> None:
    _, models = _fold_models()
    spill = FoldSpill(tmp_path)
    spilled = spill.spill(models)
    first = spilled[:1]  # a bag dropped but for its first fold (permutation importance's held-out model)
    paths = _files(spill)
    del spilled
    gc.collect()
    assert [p.exists() for p in paths] == [True, False, False]
    assert first[0][1].C == pytest.approx(0.1)
    del first
    gc.collect()
    assert _files(spill) == []
    spill.spill(models)
    spill.close()
    assert not spill.folder.exists()


def test_a_full_disk_keeps_the_models_in_memory_and_ends_the_spilling(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _, models = _fold_models()
    spill = FoldSpill(tmp_path)
    real = Path.write_bytes
    writes: list[Path] = []

    def filling(self: Path, data: bytes) -> int:
        writes.append(self)
        if len(writes) == 2:  # the second file: half written, then the disk is full
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    assert spill.spill(models) is models
    gc.collect()
    assert _files(spill) == []  # neither the whole first file nor the half second one is left
    assert spill.stopped and spill.spill(models) is models and len(writes) == 2  # no more tries


def test_a_nearly_full_disk_is_left_to_the_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    _, models = _fold_models()
    spill = FoldSpill(tmp_path)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage._replace(free=FoldSpill.HEADROOM_MB * 2**20))
    assert spill.spill(models) is models and _files(spill) == [] and spill.stopped


def test_unreadable_fold_models_are_refitted_and_the_training_goes_on(mixed_frame: pd.DataFrame, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.engine.search.fold_spill import _SpilledFile

    def gone(self: _SpilledFile) -> Any:
        raise SpillError(f"A fold model kept on disk could not be read back ({self.path.name}).")

    monkeypatch.setattr(_SpilledFile, "load", gone)
    frame = mixed_frame.drop(columns=["id"], errors="ignore")
    spec = search_data(frame, n_folds=3)[0]
    result = train(frame, spec, budget=SearchBudget(time_budget_s=20, families=("lightgbm", "linear")),
                   spill_folder=tmp_path)
    assert result.bagged_folds == 0 and any("could not be read back" in note for note in result.notes)
    assert result.explanation is not None and result.explanation.importance  # SHAP on the refitted model
    assert result.estimator.predict_proba(result.model_frame).shape == (len(frame), 2)


def test_the_search_spills_what_it_keeps_and_bags_from_it(mixed_frame: pd.DataFrame, tmp_path: Path) -> None:
    spec, schema, X, y = search_data(mixed_frame, n_folds=3)
    spill = FoldSpill(tmp_path)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 30),
                                     max_trials=4, families=("lightgbm", "linear"), spill=spill))
    kept = [o for o in by_score(result.outcomes.values(), get_metric(spec.metric)) if o.fold_models]
    assert kept and all(isinstance(o.fold_models, SpilledModels) for o in kept)
    assert len(_files(spill)) == sum(len(o.fold_models or ()) for o in kept)
    best = kept[0]
    valid = result.folds[0][1]
    held_out = held_out_model(result, {best.number: 1.0}, spec)
    assert held_out is not None
    np.testing.assert_allclose(held_out.predict(X.iloc[valid]), best.oof[valid], atol=1e-6)
    bag = bagged_model([(best, 1.0)], spec)
    for pipeline, (_, rows) in zip(bag.estimators_, result.folds, strict=True):
        np.testing.assert_allclose(predict_output(pipeline, X.iloc[rows], spec), best.oof[rows], atol=1e-6)


def test_a_training_leaves_no_spilled_files(mixed_frame: pd.DataFrame, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    frame = mixed_frame.drop(columns=["id"], errors="ignore")
    spec = search_data(frame, n_folds=3)[0]
    spilled: list[Any] = []
    real = FoldSpill.spill

    def counted(self: FoldSpill, models: Any) -> Any:
        spilled.append(real(self, models))
        return spilled[-1]

    monkeypatch.setattr(FoldSpill, "spill", counted)
    result = train(frame, spec, budget=SearchBudget(time_budget_s=20, families=("lightgbm", "linear")),
                   spill_folder=tmp_path)
    assert any(isinstance(s, SpilledModels) for s in spilled)  # the fold models did go to disk
    assert spec.task is TaskType.BINARY and result.bagged_folds > 0  # bagged from fold models read back from disk
    proba = result.estimator.predict_proba(result.model_frame)
    assert proba.shape == (len(frame), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(tmp_path.iterdir()) == []
