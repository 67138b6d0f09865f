"""Property: any column names (unicode, emoji, `",:{}[]`, spaces beside underscores, 250+ characters, paths)
survive LightGBM, the ONNX export with its parity check, and MLflow's key rules; the originals stay in the schema."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.pipeline import Pipeline

from kuai.engine import build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame
from kuai.engine.models import FAMILIES
from kuai.engine.models.preprocessing import build_preprocessor
from kuai.exporters import check_parity, register_converters, to_onnx_model
from kuai.storage import safe_key

HOSTILE = st.sampled_from(['a b', 'a_b', '",:{}[]', "名前", "😀 score", "x" * 300, "../etc/passwd", "/abs",
                           "Unnamed: 0", "a\tb", "1", "class", "label", "=cmd|' /c calc'!A1"])
NAMES = st.one_of(HOSTILE, st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                   min_size=1, max_size=30).filter(lambda s: s.strip() != ""))
MLFLOW_KEY = re.compile(r"^[/\w.\- :]*$")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAMES, min_size=3, max_size=3, unique_by=lambda s: s.strip()))
def test_hostile_names_survive_lightgbm_onnx_and_mlflow(names: list[str]) -> None:
    rng = np.random.default_rng(0)
    n = 200
    signal = rng.normal(size=n)
    frame = pd.DataFrame({names[0]: signal.round(3), names[1]: rng.choice(["p", "q", "r"], n),
                          names[2]: rng.normal(size=n).round(3),
                          "outcome": np.where(signal + rng.normal(0, 0.5, n) > 0, "yes", "no")})
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
    schema = build_input_schema(frame, spec)
    assert {c.name for c in schema} == set(names)  # the user's names, as given, in the schema
    X, y = to_model_frame(frame, schema), encode_target(frame["outcome"], spec)
    family = FAMILIES["lightgbm"]
    params = family.with_iterations(family.default_configs(_shape(len(y), len(schema)))[0], 20)
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding=family.encoding, scale=family.scale)),
                         ("model", family.build(params, spec.task, seed=0))]).fit(X, y)
    register_converters()
    report = check_parity(pipeline, to_onnx_model(pipeline, schema, spec.task), X, spec.task)
    assert report.passed, report
    for name in names:  # MLflow: keys of the allowed characters, under 250
        key = safe_key(f"feature.{name}")
        assert MLFLOW_KEY.match(key) and 0 < len(key) <= 250


def _shape(n_rows: int, n_columns: int):  # type: ignore[no-untyped-def]
    from kuai.engine.models import DataShape

    return DataShape(n_rows, n_columns, 2)
