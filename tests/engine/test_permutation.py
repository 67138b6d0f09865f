"""Permutation importance on a held-out fold: informative columns first, all parts of a column shuffled together."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from kuai.engine import build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame
from kuai.engine.explain.permutation import permutation_importance_by_column, permutation_outcome
from kuai.engine.explain.shap_values import explain_model
from kuai.engine.models import FAMILIES
from kuai.engine.models.preprocessing import build_preprocessor
from kuai.engine.search.optimize import HeldOutModel, predict_output


def _setup(mixed_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    frame = mixed_frame.copy()
    frame["noise"] = np.random.default_rng(3).normal(size=len(frame))
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["outcome"], spec)
    train, held = np.arange(0, 300), np.arange(300, len(X))
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding="onehot", scale=True)),
                         ("model", FAMILIES["linear"].build({"linear__C": 1.0}, spec.task, seed=0))])
    pipeline.fit(X.iloc[train], y[train])
    held_out = HeldOutModel(predict=lambda rows: predict_output(pipeline, rows, spec), rows=held,
                            description="the last 100 rows")
    return spec, schema, X, y, pipeline, held_out


def test_informative_columns_lose_more_score_than_noise(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y, _, held_out = _setup(mixed_frame)
    importance, spread, note = permutation_importance_by_column(held_out, X, y, spec=spec, schema=schema)
    assert set(importance) == {c.name for c in schema}
    assert set(list(importance)[:2]) == {"amount", "colour"}
    assert importance["amount"] > 0.05 > abs(importance["noise"])
    assert all(value >= 0 for value in spread.values())
    assert "100 held-out rows" in note and "ROC AUC" in note and "the last 100 rows" in note


def test_a_date_column_is_shuffled_as_one(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y, _, held_out = _setup(mixed_frame)
    seen: list[pd.DataFrame] = []

    def spying(rows: pd.DataFrame) -> np.ndarray:
        seen.append(rows)
        return held_out.predict(rows)

    date = next(c for c in schema if c.name == "visited")
    assert len(date.model_inputs) > 1
    permutation_importance_by_column(HeldOutModel(spying, held_out.rows, "x"), X, y, spec=spec, schema=schema)
    parts = list(date.model_inputs)
    original = X.iloc[held_out.rows][parts].to_numpy()
    shuffled = [frame[parts].to_numpy() for frame in seen if not np.array_equal(frame[parts].to_numpy(), original)]
    assert shuffled, "the date's parts were never shuffled"
    rows_of_original = {tuple(r) for r in np.nan_to_num(original, nan=-1)}
    for matrix in shuffled:  # each shuffled row is a whole original date, never a mix of two dates
        assert {tuple(r) for r in np.nan_to_num(matrix, nan=-1)} <= rows_of_original


def test_permutation_is_skipped_without_a_held_out_model_or_time(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y, pipeline, held_out = _setup(mixed_frame)
    explanation = explain_model(pipeline, X, spec=spec, schema=schema, model_name="linear_0", sample_size=20)
    missing = permutation_outcome(None, X, y, spec=spec, schema=schema, time_budget_s=20.0).applied_to(explanation)
    assert missing.permutation_importance == {} and "skipped" in missing.permutation_note
    no_time = permutation_outcome(held_out, X, y, spec=spec, schema=schema, time_budget_s=0.0).applied_to(explanation)
    assert no_time.permutation_importance == {} and "skipped" in no_time.permutation_note
    done = permutation_outcome(held_out, X, y, spec=spec, schema=schema, time_budget_s=20.0).applied_to(explanation)
    assert done.permutation_importance and done.sample_values == explanation.sample_values


def test_shuffling_the_transformed_blocks_gives_the_same_losses_as_shuffling_the_rows(
        mixed_frame: pd.DataFrame) -> None:
    """The held-out blend reorders the rows of the blocks a column feeds instead of transforming every column again
    for every shuffle (a text's TF-IDF was most of the time): the losses are those of shuffling the frame's rows."""
    from kuai.engine.search.trials import blend_held_out

    spec, schema, X, y, pipeline, plain = _setup(mixed_frame)
    fast = blend_held_out([(1.0, (pipeline[0], pipeline[-1]))], plain.rows, spec, "the last 100 rows")
    assert fast.shuffled is not None
    expected = permutation_importance_by_column(plain, X, y, spec=spec, schema=schema, seed=4)
    found = permutation_importance_by_column(fast, X, y, spec=spec, schema=schema, seed=4)
    assert list(found[0]) == list(expected[0])
    for name, loss in expected[0].items():
        assert abs(found[0][name] - loss) < 1e-6, name
    assert any(abs(loss) > 0.01 for loss in expected[0].values())  # the check is not among zeros
