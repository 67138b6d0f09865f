#!/usr/bin/env python3
"""Score a CSV file with model.onnx, as `kuai predict` does, without Kuai.

    pip install onnxruntime numpy
    python score.py new_data.csv --out predictions.csv [--model model.onnx]

Writes one row per data row, in input order: ``prediction`` and, for a classifier,
``proba_<class>`` for every class. What the script needs to know about the model
(input columns with their types and categories, the classes, the decision threshold)
is read from the model's own metadata (``kuai_schema``, ``kuai_threshold``).

Reads a UTF-8 CSV with a header row, commas between fields and '.' as the decimal
point; extra columns are ignored and the column order does not matter.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

SCHEMA_KEY = "kuai_schema"
THRESHOLD_KEY = "kuai_threshold"
BATCH_ROWS = 10_000
# Cells that mean "no value" (after trimming blanks), as Kuai reads them.
MISSING_VALUES = frozenset([
    "", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL", "Null",
    "nil", "<NA>", "#NA", "#N/A", "#N/A N/A", "?", "-", "--", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
    "#NULL!", "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#VALEUR!", "#REF", "n.v.", "N.V.", "k.A.", "k. A.",
])
NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
NUMBER_JUNK = re.compile(r"[,\s$€£¥%]")  # thousands separators, blanks, currency and percent signs
DATE = re.compile(r"^([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})"
                  r"(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?"
                  r"\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$", re.IGNORECASE)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MISSING_NUMBER = float("nan")


class ScoringError(ValueError):
    """Bad input: the message says what was found and what to do."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a CSV file with a model exported by Kuai.")
    parser.add_argument("data", type=Path, help="CSV file to score (UTF-8, comma-separated, header row)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the predictions (CSV)")
    parser.add_argument("--model", type=Path, default=Path(__file__).resolve().parent / "model.onnx",
                        help="the ONNX model (default: model.onnx beside this script)")
    arguments = parser.parse_args(argv)
    try:
        n_rows = score_file(arguments.model, arguments.data, arguments.out)
    except (ScoringError, OSError, UnicodeDecodeError, csv.Error) as error:
        print(f"score.py: {error}", file=sys.stderr)
        return 2
    print(f"{n_rows:,} predictions -> {arguments.out}")
    return 0


def score_file(model_path: Path, data_path: Path, out_path: Path) -> int:
    try:
        session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types for missing and damaged files
        raise ScoringError(f"ONNX Runtime cannot load {model_path}: {error}") from error
    metadata = session.get_modelmeta().custom_metadata_map
    if SCHEMA_KEY not in metadata:
        raise ScoringError(f"{model_path} carries no '{SCHEMA_KEY}' metadata: it was not exported by Kuai.")
    schema = json.loads(metadata[SCHEMA_KEY])
    classes = [str(label) for label in schema["classes"]]
    threshold = float(metadata[THRESHOLD_KEY]) if THRESHOLD_KEY in metadata and len(classes) == 2 else None
    columns = schema["input_schema"]
    n_rows = 0
    with out_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([safe_cell(name) for name in ["prediction", *[f"proba_{label}" for label in classes]]])
        for batch in read_batches(data_path, [column["name"] for column in columns]):
            outputs = dict(zip([o.name for o in session.get_outputs()],
                               session.run(None, build_feeds(batch, columns)), strict=True))
            writer.writerows(output_rows(outputs, classes, threshold))
            n_rows += len(batch)
    return n_rows


def read_batches(path: Path, names: list[str]) -> Iterator[list[list[str]]]:
    """The cells of the named columns, ``BATCH_ROWS`` rows at a time; rows with no value at all are skipped."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        if not header:
            raise ScoringError(f"{path} is empty: it needs a header row.")
        positions: dict[str, int] = {}
        for position, name in enumerate(header):
            positions.setdefault(name, position)
        missing = [name for name in names if name not in positions]
        if missing:
            shown = ", ".join(repr(name) for name in missing[:10])
            raise ScoringError(f"The data lacks {len(missing)} column(s) the model needs: {shown}.")
        wanted = [positions[name] for name in names]
        batch: list[list[str]] = []
        for row in reader:
            if all(cell.strip() in MISSING_VALUES for cell in row):
                continue
            batch.append([row[i].strip() if i < len(row) else "" for i in wanted])
            if len(batch) == BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch


def build_feeds(batch: list[list[str]], columns: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """One ``[N, 1]`` tensor per model input: float32 numbers (NaN when missing), strings ('' when missing)."""
    feeds: dict[str, np.ndarray] = {}
    for position, column in enumerate(columns):
        cells = [row[position] for row in batch]
        inputs = column["onnx_inputs"]
        if column["type"] == "datetime":
            parts = [date_parts(cell) for cell in cells]
            for name in inputs:
                part = name.rsplit("__", 1)[1]
                feeds[name] = np.array([p[part] for p in parts], dtype=np.float32).reshape(-1, 1)
        elif column["onnx_dtype"] == "string":
            known = frozenset(column.get("categories", []))
            feeds[inputs[0]] = np.array([category(cell, known) for cell in cells], dtype=object).reshape(-1, 1)
        else:
            feeds[inputs[0]] = np.array([number(cell) for cell in cells], dtype=np.float32).reshape(-1, 1)
    return feeds


def number(cell: str) -> float:
    """'1,234.5', '$12', '7 %' read as numbers; anything else, and infinities, as missing."""
    text = NUMBER_JUNK.sub("", cell)
    if cell in MISSING_VALUES or not NUMBER.match(text):
        return MISSING_NUMBER
    value = float(text)
    return value if math.isfinite(value) else MISSING_NUMBER


def category(cell: str, known: frozenset[str]) -> str:
    """The category as the model learnt it: 'true' -> 'True', '2.0' -> '2'; '' when missing."""
    if cell in MISSING_VALUES:
        return ""
    if cell in known:
        return cell
    for candidate in (_boolean_label(cell), _number_label(cell)):
        if candidate is not None and candidate in known:
            return candidate
    return cell  # a category the model never saw: it is scored as unknown


def _boolean_label(cell: str) -> str | None:
    return {"true": "True", "false": "False"}.get(cell.lower())


def _number_label(cell: str) -> str | None:
    if not NUMBER.match(cell):
        return None
    value = float(cell)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def date_parts(cell: str) -> dict[str, float]:
    """ISO 8601 date or date-time (an offset is converted to UTC) as year, month, day, day_of_week, hour."""
    match = DATE.match(cell)
    if cell in MISSING_VALUES or match is None:
        return dict.fromkeys(("year", "month", "day", "day_of_week", "hour"), MISSING_NUMBER)
    year, _, month, day, hour, minute, second, offset = match.groups()
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        if offset and offset.upper() != "Z":
            digits = offset[1:].replace(":", "")
            shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            stamp = stamp - shift if offset[0] == "+" else stamp + shift
    except (ValueError, OverflowError):  # not a real date or time, e.g. 2023-02-30 or 25:00
        return dict.fromkeys(("year", "month", "day", "day_of_week", "hour"), MISSING_NUMBER)
    return {"year": stamp.year, "month": stamp.month, "day": stamp.day, "day_of_week": stamp.weekday(),
            "hour": stamp.hour}


def output_rows(outputs: dict[str, Any], classes: list[str], threshold: float | None) -> list[list[str]]:
    """``prediction`` and ``proba_<class>`` cells, with the decision threshold applied as `kuai predict` does."""
    if not classes:
        return [[number_text(value)] for value in np.asarray(outputs["variable"], dtype=np.float64).reshape(-1)]
    probabilities = np.asarray(outputs["probabilities"], dtype=np.float64)
    if threshold is not None:  # binary: P(classes[1]) at or above the threshold is a positive call
        indices = (probabilities[:, 1] >= threshold).astype(int)
    else:
        indices = np.asarray(outputs["label"]).reshape(-1).astype(int)
    return [[safe_cell(classes[index]), *[number_text(p) for p in row]]
            for index, row in zip(indices, probabilities, strict=True)]


def number_text(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def safe_cell(text: str) -> str:
    """Quote text a spreadsheet would run as a formula ('=cmd', '@SUM(...)'); numbers stay as they are."""
    if text.startswith(FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


if __name__ == "__main__":
    sys.exit(main())
