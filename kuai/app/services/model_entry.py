"""What the MLflow side process needs to log and register a trained model: plain values (storage knows no engine)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kuai.engine import ColumnType, TrainingResult
from kuai.storage import ModelEntry, SignatureColumn


def mlflow_model_entry(result: TrainingResult, model_path: Path, dataset_name: str) -> ModelEntry:
    """What the tracking side process needs to log and register the model (plain values: storage knows no engine).

    The columns are all optional: a missing value, or a missing column, is handled as at training.
    """
    kinds = {ColumnType.NUMERIC: "double"}
    inputs = tuple(SignatureColumn(c.name, kinds.get(c.type, "string")) for c in result.schema)
    if result.spec.task.is_classification:
        outputs = (SignatureColumn("prediction", "string"),
                   *(SignatureColumn(f"proba_{c}", "double") for c in result.spec.classes))
    else:
        outputs = (SignatureColumn("prediction", "double"),)
    example: list[dict[str, Any]] = []
    if result.explanation is not None and result.explanation.sample_data:
        columns = result.explanation.columns
        example = [dict(zip(columns, row, strict=True)) for row in result.explanation.sample_data[:3]]
    return ModelEntry(onnx=str(model_path), name=registered_model_name(dataset_name, result.spec.target),
                      inputs=inputs, outputs=outputs, input_example=tuple(example))


def registered_model_name(dataset_name: str, target: str) -> str:
    """'kuai-<data>-<target>', in the characters MLflow accepts in names."""
    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.-")[:60] or "data"

    return f"kuai-{slug(Path(dataset_name).stem)}-{slug(target)}"
