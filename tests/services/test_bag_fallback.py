"""A bagged model whose ONNX graph misses the parity tolerance is refitted on all rows and exported that way."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai import engine
from kuai.app.services.outputs import refitted_instead
from kuai.engine import SearchBudget


def test_a_bagged_model_is_refitted_on_all_rows_when_asked() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    frame["outcome"] = np.where(frame["x1"] + 0.3 * rng.normal(size=300) > 0, "yes", "no")
    profile = engine.profile_dataset(frame)
    spec = engine.build_task_spec(frame, profile.columns, target="outcome", n_folds=3)
    bagged = engine.train(frame, spec, budget=SearchBudget(time_budget_s=20, max_trials=3, families=("lightgbm",)))
    assert bagged.bagged_folds == 3
    refitted = refitted_instead(bagged)
    assert refitted.bagged_folds == 0 and refitted.model_name == bagged.model_name
    assert "refitted on all rows" in refitted.notes[-1]
    members = getattr(refitted.estimator, "estimators_", [refitted.estimator])
    assert len(members) == len(bagged.estimator.estimators_) // 3  # one refitted pipeline per member
    proba = refitted.estimator.predict_proba(bagged.model_frame)
    assert proba.shape == (300, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert not np.allclose(proba, bagged.estimator.predict_proba(bagged.model_frame))  # another model


def test_a_large_tables_fallback_says_it_learned_from_the_scored_rows_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kuai.engine.search import folds

    monkeypatch.setattr(folds, "MAX_SCORED_ROWS", 120)  # 300 rows stand for a large table: 120 of them scored
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    frame["outcome"] = np.where(frame["x1"] + 0.3 * rng.normal(size=300) > 0, "yes", "no")
    spec = engine.build_task_spec(frame, engine.profile_dataset(frame).columns, target="outcome", n_folds=3)
    bagged = engine.train(frame, spec, budget=SearchBudget(time_budget_s=20, max_trials=2, families=("lightgbm",)))
    assert bagged.n_training_rows == 300 and len(bagged.y) == 120
    refitted = refitted_instead(bagged)
    assert "refitted on the 120 rows the cross-validation scored (of the 300" in refitted.notes[-1]
