"""The MLflow spool: a finished (or failed) training's run, as the side process logs it (``kuai.storage.tracking``).

The training writes it (``write_spool``) as ``mlflow_spool.json`` beside its outputs; the side process, ``kuai track``
and a later training's replay read it back. A spool waits on disk until it is logged, so every spool an earlier
version of Kuai wrote still reads: its JSON keys and values are these fields' names and values, in this order, with
``model`` left out when there is none (a failed run):

    {"tracking_uri": "sqlite:///…/mlflow.db", "own_store": true, "run_name": "churn.csv", "status": "finished",
     "params": {…}, "metrics": {…}, "tags": {…}, "artifacts": ["/…/model.onnx", …],
     "model": {"onnx": "/…/model.onnx", "name": "kuai-churn-churned", "inputs": [{"name": …, "type": …}, …],
               "outputs": […], "input_example": [{…}, …]}}

Standard library only: the tracking's status module (``kuai.storage.tracking_status``) reads it without Kuai's
dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SpoolStatus = Literal["finished", "failed"]


@dataclass(frozen=True)
class SignatureColumn:
    """One column of the registered model's signature, in MLflow's types ("double", "string")."""

    name: str
    type: str


@dataclass(frozen=True, kw_only=True)
class ModelEntry:
    """What the side process needs to log and register the exported model (plain values: storage knows no engine)."""

    onnx: str  # the model file's absolute path
    name: str  # the registered model's name
    inputs: tuple[SignatureColumn, ...]  # all optional: a missing value, or column, is handled as at training
    outputs: tuple[SignatureColumn, ...]
    input_example: tuple[Mapping[str, Any], ...] = ()  # a few rows of the original columns

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelEntry:
        def columns(key: str) -> tuple[SignatureColumn, ...]:
            return tuple(SignatureColumn(str(c["name"]), str(c["type"])) for c in data[key])

        return cls(onnx=str(data["onnx"]), name=str(data["name"]), inputs=columns("inputs"),
                   outputs=columns("outputs"), input_example=tuple(data.get("input_example") or ()))


@dataclass(frozen=True, kw_only=True)
class Spool:
    """One run for MLflow: its parameters, metrics, tags, artifact files and, when it finished, its model.

    ``tracking_uri`` and ``own_store`` say where it is logged; ``write_spool`` sets them to where the training logs
    (``own_store``: Kuai's own store in the home folder, which Kuai may repair, not one the user chose)."""

    tracking_uri: str = ""
    own_store: bool = False
    run_name: str | None = None
    status: SpoolStatus = "finished"
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float | None] = field(default_factory=dict)  # None: not measured, not logged
    tags: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    model: ModelEntry | None = None  # None: a failed run, nothing to register

    def to_json(self) -> str:
        data = asdict(self)
        if self.model is None:
            del data["model"]
        return json.dumps(data, default=str)

    @classmethod
    def from_json(cls, text: str) -> Spool:
        """The spool in ``text``; ``ValueError`` when it is not one (cut short by a kill, edited by hand). Missing
        keys take their defaults, as the side process has always read them."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("A spool is a JSON object.")
        try:
            return cls(tracking_uri=str(data.get("tracking_uri", "")), own_store=bool(data.get("own_store")),
                       run_name=data.get("run_name"), status="failed" if data.get("status") == "failed" else "finished",
                       params=dict(data.get("params") or {}), metrics=dict(data.get("metrics") or {}),
                       tags=dict(data.get("tags") or {}), artifacts=tuple(map(str, data.get("artifacts") or ())),
                       model=ModelEntry.from_dict(data["model"]) if data.get("model") else None)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"Not a spool: {type(exc).__name__}: {exc}") from exc


def read_spool(path: Path) -> Spool:
    """The spool at ``path``; ``OSError`` when it cannot be read, ``ValueError`` when it is not a spool."""
    return Spool.from_json(path.read_text())
