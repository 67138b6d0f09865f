"""What a Kuai ONNX file says about itself, checked before it is used to score.

``kuai_schema`` (written by ``kuai.app.services.outputs.embed_schema``: task, target, classes, input schema) is
validated
by pydantic against the shape Kuai writes, ``kuai_threshold`` (``kuai.exporters.threshold``) must be a probability, and
both must agree with the graph ONNX Runtime opened: every input the schema names is one the graph takes (of the
type Kuai feeds), every input the graph takes is named, and a classifier's probabilities have one column per class.
A file that fails any of these is refused with ``BAD_MODEL`` and what is wrong, before any row is scored.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuai.app.services.sandbox import GraphPort, ModelError
from kuai.app.services.scoring import SCHEMA_METADATA_KEY
from kuai.engine import ColumnType, InputColumn, TaskType
from kuai.engine.models.preprocessing import DATE_PARTS
from kuai.exporters import THRESHOLD_METADATA_KEY

FIX = "Score with the model.onnx that Kuai wrote, unchanged (kuai train or kuai export writes a new one)."
_NOUNS = {"task": "task", "target": "target", "classes": "classes", "input_schema": "input schema", "name": "name",
          "type": "type", "onnx_inputs": "graph inputs", "categories": "categories"}
_ITEMS = {"classes": ("class", "classes"), "input_schema": ("column", "columns"),
          "onnx_inputs": ("graph input", "graph inputs"), "categories": ("category", "categories")}
_PLURAL = {"classes", "onnx_inputs", "categories"}
_FEED_TYPES = {True: "tensor(string)", False: "tensor(float)"}  # is_string -> what Kuai feeds


class _Column(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")
    name: str
    type: ColumnType
    onnx_inputs: list[str] = Field(min_length=1)
    categories: list[str] = []
    date_format: str = Field(default="", max_length=64)  # none recorded (older models): dates read as before


class _Schema(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")
    task: TaskType
    target: str
    classes: list[str]
    input_schema: list[_Column] = Field(min_length=1)


@dataclass(frozen=True)
class ModelMetadata:
    task: str
    target: str
    classes: tuple[str, ...]
    schema: tuple[InputColumn, ...]
    threshold: float | None  # binary: P(classes[1]) at or above it is a positive call


def read_metadata(metadata: Mapping[str, str], *, inputs: Sequence[GraphPort], outputs: Sequence[GraphPort],
                  file_name: str) -> ModelMetadata:
    """The model's task, classes, input schema and threshold, checked; ``BAD_MODEL`` saying what is wrong."""
    if SCHEMA_METADATA_KEY not in metadata:
        raise ModelError(f"'{file_name}' was not written by Kuai: it carries no input schema.",
                         code="NOT_A_KUAI_MODEL")
    try:
        parsed = _Schema.model_validate_json(metadata[SCHEMA_METADATA_KEY], strict=True)
    except ValidationError as error:
        raise _bad(file_name, "; ".join(_problem(e) for e in error.errors(include_url=False)[:3])) from None
    problems = [*_task_problems(parsed), *_column_problems(parsed.input_schema)]
    if not problems:  # the graph is checked against a schema that makes sense by itself
        problems = [*_input_problems(parsed.input_schema, inputs), *_output_problems(parsed, outputs)]
    threshold, threshold_problem = _threshold(metadata.get(THRESHOLD_METADATA_KEY))
    problems += [threshold_problem] if threshold_problem else []
    if problems:
        raise _bad(file_name, "; ".join(problems[:3]))
    return ModelMetadata(task=parsed.task.value, target=parsed.target, classes=tuple(parsed.classes),
                         schema=tuple(_input_column(c) for c in parsed.input_schema),
                         threshold=threshold if len(parsed.classes) == 2 else None)


def _bad(file_name: str, problems: str) -> ModelError:
    return ModelError(f"'{file_name}' carries broken Kuai metadata: {problems}. {FIX}", code="BAD_MODEL")


def _input_column(column: _Column) -> InputColumn:
    inputs = tuple(column.onnx_inputs)
    safe = inputs[0].split("__")[0] if column.type is ColumnType.DATETIME else inputs[0]
    return InputColumn(name=column.name, safe_name=safe, type=column.type, model_inputs=inputs,
                       categories=tuple(column.categories), date_format=column.date_format)


def _task_problems(parsed: _Schema) -> list[str]:
    n_classes = len(parsed.classes)
    problems = []
    if parsed.task is TaskType.REGRESSION and n_classes:
        problems.append(f"its task is regression but it names {n_classes} classes")
    elif parsed.task is TaskType.BINARY and n_classes != 2:
        problems.append(f"its task is binary but it names {n_classes} classes, not 2")
    elif parsed.task is TaskType.MULTICLASS and n_classes < 2:
        problems.append(f"its task is multiclass but it names {n_classes} classes")
    repeated = [label for label, count in Counter(parsed.classes).items() if count > 1]
    if repeated:
        problems.append(f"its classes name '{repeated[0]}' more than once")
    return problems


def _column_problems(columns: Sequence[_Column]) -> list[str]:
    problems = []
    for position, column in enumerate(columns, start=1):
        wanted = len(DATE_PARTS) if column.type is ColumnType.DATETIME else 1
        if len(column.onnx_inputs) != wanted:
            problems.append(f"column {position} ('{column.name}') of its input schema is {column.type} but has "
                            f"{len(column.onnx_inputs)} graph inputs, not {wanted}")
    names = Counter(name for column in columns for name in column.onnx_inputs)
    problems += [f"its input schema names the graph input '{name}' twice" for name, n in names.items() if n > 1][:1]
    return problems


def _input_problems(columns: Sequence[_Column], inputs: Sequence[GraphPort]) -> list[str]:
    graph = {port.name: port.type for port in inputs}
    problems = []
    for column in columns:
        for name in column.onnx_inputs:
            fed = _FEED_TYPES[column.type.is_string]
            if name not in graph:
                problems.append(f"its input schema names '{name}' (column '{column.name}'), which the graph "
                                "does not take")
            elif graph[name] != fed:
                problems.append(f"the graph takes '{name}' (column '{column.name}') as {graph[name]}, not the "
                                f"{fed} Kuai feeds it")
    named = {name for column in columns for name in column.onnx_inputs}
    problems += [f"the graph takes '{name}', which its input schema does not name" for name in graph
                 if name not in named]
    return problems


def _output_problems(parsed: _Schema, outputs: Sequence[GraphPort]) -> list[str]:
    by_name = {port.name: port for port in outputs}
    if not parsed.task.is_classification:
        if "probabilities" in by_name or not outputs:
            return ["its task is regression but its graph does not output one predicted value"]
        return []
    probabilities = by_name.get("probabilities")
    if probabilities is None:
        return [f"its task is {parsed.task.value} but its graph has no 'probabilities' output"]
    width = probabilities.shape[1] if len(probabilities.shape) == 2 else None
    if width is not None and width != len(parsed.classes):
        return [f"it names {len(parsed.classes)} classes but its graph gives probabilities for {width}"]
    return []


def _threshold(text: str | None) -> tuple[float | None, str]:
    """The decision threshold, or a problem with it."""
    if text is None:
        return None, ""
    try:
        value = float(text)
    except ValueError:
        return None, f"its decision threshold '{text[:40]}' is not a number"
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        return None, f"its decision threshold {text[:40]} is not a probability between 0 and 1"
    return value, ""


def _problem(error: Mapping[str, Any]) -> str:
    """One pydantic error in words: 'its input schema is not a list of columns'."""
    location = tuple(error["loc"])
    kind = error["type"]
    if kind == "json_invalid":
        return f"'{SCHEMA_METADATA_KEY}' is not valid JSON ({error.get('ctx', {}).get('error', '')})"
    where = _where(location)
    last = next((part for part in reversed(location) if isinstance(part, str)), "")
    given = repr(error.get("input"))
    given = given if len(given) <= 40 else given[:37] + "..."
    what = {"missing": "missing",
            "list_type": f"not a list of {_ITEMS[last][1]}" if last in _ITEMS and len(location) == 1
            else "not a list",
            "model_type": "not an object", "dict_type": "not an object", "string_type": "not text",
            "too_short": "empty",
            "enum": f"{given}, not one of {error.get('ctx', {}).get('expected', '')}"}.get(kind)
    if location == () and kind == "model_type":
        return f"'{SCHEMA_METADATA_KEY}' is not a JSON object"
    verb = "are" if location and location[-1] in _PLURAL else "is"
    return f"{where} {verb} {what or 'wrong (' + str(error['msg']) + ')'}"


def _where(location: tuple[Any, ...]) -> str:
    phrase, parent = "", ""
    for part in location:
        if isinstance(part, int):
            phrase = f"{_ITEMS.get(parent, ('item', 'items'))[0]} {part + 1} of {phrase}"
        else:
            noun = _NOUNS.get(part, f"'{part}'")
            phrase = f"its {noun}" if not phrase else f"the {noun} of {phrase}"
            parent = part
    return phrase or "it"
