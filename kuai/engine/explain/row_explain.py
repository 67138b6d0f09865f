"""SHAP values of any row for any model seen as a black box (the exported ONNX pipeline, for instance).

Permutation sampling of Shapley values (Štrumbelj and Kononenko, 2014), each
ordering taken with its reverse (antithetic sampling, as shap's
PermutationExplainer does): walking the columns in a random order, each one is
switched from the background rows' values to the row's, and the change of the
average output is that column's share. Every ordering telescopes from the
average output to the row's output, so the values add up exactly to
``f(row) - mean f(background)``. All orderings go to the model in one batch.

Not ``shap.PermutationExplainer`` itself: it compiles its numba kernels on first
use, about 10 s in every new process, which the Predict page cannot afford; and
its maskers hold numbers only, while this model takes raw text, category and
date columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from kuai.engine.types import Explanation

MAX_BACKGROUND = 50
MAX_ORDERS = 20
MAX_BATCH_ROWS = 200_000  # rows sent to the model per explained row


def explain_rows_black_box(
    predict: Callable[[pd.DataFrame], np.ndarray], rows: pd.DataFrame, background: pd.DataFrame, *,
    explained_class: Sequence[str] = (), output_space: str = "probability", model_name: str = "",
    seed: int = 0,
) -> Explanation:
    """Explain ``rows`` (raw columns) with ``predict(frame) -> one output per row``.

    ``background`` stands for "a typical row": up to 50 of its rows are used.
    ``explained_class`` names the class whose probability ``predict`` returns, per row ("" for regression).
    """
    columns = list(background.columns)
    background = background.head(MAX_BACKGROUND).reset_index(drop=True)
    rows = rows[columns].reset_index(drop=True)
    n_background, n_columns = len(background), len(columns)
    n_orders = 2 * max(1, min(MAX_ORDERS // 2, MAX_BATCH_ROWS // (2 * (n_columns + 1) * n_background)))
    rng = np.random.default_rng(seed)
    values = np.zeros((len(rows), n_columns))
    base = np.zeros(len(rows))
    for r in range(len(rows)):
        half = [rng.permutation(n_columns) for _ in range(n_orders // 2)]
        orders = half + [order[::-1] for order in half]
        # switched[o, k, j]: in ordering o after k steps, column j holds the row's value
        switched = np.zeros((n_orders, n_columns + 1, n_columns), dtype=bool)
        for o, order in enumerate(orders):
            for k, j in enumerate(order):
                switched[o, k + 1:, j] = True
        mixed = pd.DataFrame({
            c: np.where(np.repeat(switched[:, :, j], n_background, axis=1).reshape(-1), rows[c].iloc[r],
                        np.tile(background[c].to_numpy(dtype=object), n_orders * (n_columns + 1)))
            for j, c in enumerate(columns)}, columns=columns)
        outputs = np.asarray(predict(mixed), dtype=np.float64).reshape(n_orders, n_columns + 1, n_background)
        averages = outputs.mean(axis=2)  # ordering x step
        steps = np.diff(averages, axis=1)  # ordering x step: the change as the step's column switched
        for o, order in enumerate(orders):
            values[r, order] += steps[o]
        values[r] /= n_orders
        base[r] = averages[0, 0]
    sample_data = [[_plain(v) for v in row] for row in rows.itertuples(index=False)]
    return Explanation(
        columns=tuple(columns), importance=dict(zip(columns, np.abs(values).mean(axis=0).tolist(), strict=True)),
        sample_values=values.round(10).tolist(), base_values=base.tolist(), sample_index=list(range(len(rows))),
        explained_class=list(explained_class) or [""] * len(rows), explained_model=model_name,
        output_space=output_space, method="permutation sampling of Shapley values",
        note=(f"Sampled SHAP values of the exported model: {n_orders} column orderings against {n_background} "
              "typical rows from the training data."),
        sample_data=sample_data, n_rows=len(rows))


def _plain(value: object) -> float | str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return str(value)
