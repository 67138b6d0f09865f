"""The search tests' data: the seeded mixed table as a spec, schema, model inputs and encoded target."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kuai.engine import build_input_schema, build_task_spec, encode_target, profile_dataset, to_model_frame


def search_data(frame: pd.DataFrame, n_folds: int) -> tuple[Any, Any, pd.DataFrame, Any]:
    profile = profile_dataset(frame)
    spec = build_task_spec(frame, profile.columns, target="outcome", n_folds=n_folds)
    schema = build_input_schema(frame, spec)
    return spec, schema, to_model_frame(frame, schema), encode_target(frame["outcome"], spec)
