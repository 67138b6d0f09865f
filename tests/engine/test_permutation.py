"""Permutation importance on a held-out fold: informative columns first, time box respected."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from engine import build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame
from engine.explain import explain_model
from engine.models import FAMILIES
from engine.permutation import permutation_importance_by_column, with_permutation_importance
from engine.preprocessing import build_preprocessor


def _setup(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    frame = mixed_frame.copy()
    frame["noise"] = np.random.default_rng(3).normal(size=len(frame))
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["outcome"], spec)
    family = FAMILIES["linear"]
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding="onehot", scale=True)),
                         ("model", family.build({"linear__C": 1.0}, spec.task, seed=0))]).fit(X, y)
    return spec, schema, X, y, pipeline


def test_informative_columns_lose_more_score_than_noise(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y, pipeline = _setup(mixed_frame)
    importance, spread, note = permutation_importance_by_column(pipeline, X, y, spec=spec, schema=schema)
    assert set(importance) == {c.name for c in schema}
    assert list(importance)[:2] == ["amount", "colour"] or set(list(importance)[:2]) == {"amount", "colour"}
    assert importance["amount"] > 0.05 > abs(importance["noise"])
    assert all(value >= 0 for value in spread.values())
    assert "held-out rows" in note and "ROC AUC" in note


def test_permutation_is_skipped_when_the_refit_would_not_fit_the_budget(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y, pipeline = _setup(mixed_frame)
    explanation = explain_model(pipeline, X, spec=spec, schema=schema, model_name="linear_0", sample_size=20)
    skipped = with_permutation_importance(explanation, pipeline, X, y, spec=spec, schema=schema, fit_time_s=10.0,
                                          time_budget_s=5.0)
    assert skipped.permutation_importance == {} and "skipped" in skipped.permutation_note
    done = with_permutation_importance(explanation, pipeline, X, y, spec=spec, schema=schema, fit_time_s=0.01,
                                       time_budget_s=20.0)
    assert done.permutation_importance and done.sample_values == explanation.sample_values
