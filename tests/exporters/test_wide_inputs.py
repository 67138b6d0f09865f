"""skl2onnx's walks made linear for models over thousands of inputs give skl2onnx's own answers."""

from __future__ import annotations

from types import SimpleNamespace

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from kuai.engine.models.preprocessing import build_preprocessor
from kuai.engine.types import ColumnType, InputColumn, TaskType
from kuai.exporters import check_parity, register_converters, to_onnx_model
from kuai.exporters._wide_inputs import _original, fast_column_indices, names_without_scalars


def test_the_column_lookup_answers_as_skl2onnx() -> None:
    register_converters()
    inputs = [SimpleNamespace(raw_name=name) for name in ("a", "b", "a", "c")]
    for wanted in (["c", "a", "b", "a"], ["b"], []):
        assert fast_column_indices(wanted, inputs, True) == _original["get_column_indices"](wanted, inputs, True)


def _pipeline(n_inputs: int) -> tuple[Pipeline, tuple[InputColumn, ...], pd.DataFrame]:
    rng = np.random.default_rng(0)
    schema = tuple(InputColumn(f"x{i}", f"c{i:05d}", ColumnType.NUMERIC, (f"c{i:05d}",)) for i in range(n_inputs))
    X = pd.DataFrame(rng.normal(size=(120, n_inputs)).astype(np.float32), columns=[c.safe_name for c in schema])
    y = (X.iloc[:, 0] + X.iloc[:, 1] > 0).astype(int).to_numpy()
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding="ordinal", scale=False)),
                         ("model", lgb.LGBMClassifier(n_estimators=10, verbose=-1))]).fit(X, y)
    return pipeline, schema, X


def test_the_model_walk_finds_the_same_models_without_the_lists_of_names() -> None:
    register_converters()
    pipeline, _, _ = _pipeline(30)
    models = {name: id(obj) for name, obj in _original["enumerate_model_names"](pipeline)
              if not isinstance(obj, (str, int, float))}
    assert {name: id(obj) for name, obj in names_without_scalars(pipeline)} == models


def test_a_model_over_two_thousand_inputs_converts_with_parity() -> None:
    pipeline, schema, X = _pipeline(2_000)  # the time it takes: benchmarks/wide_data.py, docs/search.md
    model = to_onnx_model(pipeline, schema, TaskType.BINARY)
    assert len(model.graph.input) == 2_000
    assert check_parity(pipeline, model, X.head(50), TaskType.BINARY).passed
