"""Black-box SHAP of single rows: exact on additive models, always adding up to the output, mixed column kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.explain.row_explain import explain_rows_black_box


def _background() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"amount": rng.normal(50, 10, 80), "colour": rng.choice(["red", "blue"], 80),
                         "visited": [f"2024-03-{1 + i % 28:02d}" for i in range(80)]})


def _additive(frame: pd.DataFrame) -> np.ndarray:
    day = pd.to_datetime(frame["visited"], format="%Y-%m-%d").dt.day.to_numpy()
    amount = pd.to_numeric(frame["amount"]).fillna(0).to_numpy()
    return 2 * amount + 5 * (frame["colour"] == "red").to_numpy() + 0.5 * day


def test_values_of_an_additive_model_are_each_columns_own_effect() -> None:
    background = _background()
    rows = pd.DataFrame({"amount": [70.0, None], "colour": ["red", "green"], "visited": ["2024-03-20", "2024-03-02"]})
    found = explain_rows_black_box(_additive, rows, background)
    used = background.head(50)
    expected = np.column_stack([
        2 * (rows["amount"].fillna(0).to_numpy()[:, None] - used["amount"].to_numpy()).mean(axis=1),
        5 * ((rows["colour"] == "red").to_numpy(float)[:, None]
             - (used["colour"] == "red").to_numpy(float)).mean(axis=1),
        0.5 * (np.array([20, 2])[:, None] - pd.to_datetime(used["visited"]).dt.day.to_numpy()).mean(axis=1)])
    np.testing.assert_allclose(found.sample_values, expected, atol=1e-9)
    assert found.columns == ("amount", "colour", "visited")
    assert found.sample_data[1] == [None, "green", "2024-03-02"]


def test_values_add_up_to_the_output_with_interactions() -> None:
    background = _background()

    def interacting(frame: pd.DataFrame) -> np.ndarray:
        amount = pd.to_numeric(frame["amount"]).to_numpy()
        return np.where(frame["colour"] == "red", amount**1.5, np.log(amount.clip(1)))

    rows = background.sample(5, random_state=1)
    found = explain_rows_black_box(interacting, rows, background, explained_class=["yes"] * 5)
    totals = np.sum(found.sample_values, axis=1) + np.asarray(found.base_values)
    np.testing.assert_allclose(totals, interacting(rows), rtol=1e-9)
    np.testing.assert_allclose(found.base_values, interacting(background.head(50)).mean(), rtol=1e-9)
    assert abs(found.importance["visited"]) < 1e-9  # a column the model ignores gets nothing
    assert found.explained_class == ["yes"] * 5
