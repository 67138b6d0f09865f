#!/usr/bin/env python3
"""Score a CSV file with model.onnx, as `kuai predict` does, without Kuai.

    pip install onnxruntime numpy
    python score.py new_data.csv --out predictions.csv [--model model.onnx]

Writes one row per data row, in input order: ``prediction`` and, for a classifier,
``proba_<class>`` for every class. What the script needs to know about the model
(input columns with their types, categories and date formats, the classes, the decision
threshold) is read from the model's own metadata (``kuai_schema``, ``kuai_threshold``).

Reads a UTF-8 CSV with a header row, commas between fields and '.' as the decimal
point; extra columns are ignored and the column order does not matter. A date is read
in its column's format (that of the training data, e.g. ``%d/%m/%Y``), else as ISO 8601.
Values that cannot be read as their column's type are scored as missing and counted
on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

SCHEMA_KEY = "kuai_schema"
THRESHOLD_KEY = "kuai_threshold"
BATCH_ROWS = 10_000
BATCH_CELLS = 2_000_000  # rows x the longest cell: a text's words and characters are each a string in the graph
# Cells that mean "no value" (after trimming blanks), as Kuai reads them.
MISSING_VALUES = frozenset([
    "", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL", "Null",
    "nil", "<NA>", "#NA", "#N/A", "#N/A N/A", "?", "-", "--", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
    "#NULL!", "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#VALEUR!", "#REF", "#SPILL!", "#CALC!", "#NOM?", "#NOMBRE!",
    "#NUL!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#GETTING_DATA", "#UNKNOWN!", "#ERROR!", "Err:502",
    "Err:504", "n.v.", "N.V.", "k.A.", "k. A.",
])
NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
NUMBER_JUNK = re.compile(r"[,\s$€£¥%]")  # thousands separators, blanks, currency and percent signs
DATE = re.compile(r"^([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})"
                  r"(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?"
                  r"\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$", re.IGNORECASE)
DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MISSING_NUMBER = float("nan")
FLOAT32_OVERFLOW = 3.4028235677973366e38  # from here a number rounds to infinity in float32: missing, as in Kuai
UNREAD_EXAMPLES = 3


class ScoringError(ValueError):
    """Bad input: the message says what was found and what to do."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a CSV file with a model exported by Kuai.")
    parser.add_argument("data", type=Path, help="CSV file to score (UTF-8, comma-separated, header row)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the predictions (CSV)")
    parser.add_argument("--model", type=Path, default=Path(__file__).resolve().parent / "model.onnx",
                        help="the ONNX model (default: model.onnx beside this script)")
    arguments = parser.parse_args(argv)
    unread = UnreadCells()
    try:
        n_rows = score_file(arguments.model, arguments.data, arguments.out, unread)
    except (ScoringError, OSError, UnicodeDecodeError, csv.Error) as error:
        print(f"score.py: {error}", file=sys.stderr)
        return 2
    if unread.columns:
        print(f"score.py: {unread.note()}", file=sys.stderr)
    if unread.empty_rows:
        print(f"score.py: {unread.empty_note()}", file=sys.stderr)
    print(f"{n_rows:,} predictions -> {arguments.out}")
    return 0


def score_file(model_path: Path, data_path: Path, out_path: Path, unread: UnreadCells | None = None) -> int:
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
        for batch in read_batches(data_path, [column["name"] for column in columns], unread):
            outputs = dict(zip([o.name for o in session.get_outputs()],
                               session.run(None, build_feeds(batch, columns, unread)), strict=True))
            rows = output_rows(outputs, classes, threshold)
            check_row_count(len(batch), len(rows), out_path)
            writer.writerows(rows)
            n_rows += len(batch)
    return n_rows


def check_row_count(n_input: int, n_output: int, out_path: Path) -> None:
    """One prediction per input row, in order: never a file whose predictions would belong to other rows."""
    if n_input != n_output:
        raise ScoringError(f"[ROW_COUNT_MISMATCH] the model gave {n_output:,} predictions for {n_input:,} rows, so "
                           f"they would not line up with the input; {out_path} is incomplete: do not use it.")


def read_batches(path: Path, names: list[str], unread: UnreadCells | None = None) -> Iterator[list[list[str]]]:
    """The cells of the named columns, ``BATCH_ROWS`` rows at a time (fewer when a text is long: ``BATCH_CELLS``),
    one row per row of the file (as ``kuai predict``
    reads it: a row with no value, or a copy of the header row, is a row of missing values; a blank line is no row)."""
    csv.field_size_limit(2**31 - 1)  # a long text is one cell (Python's csv refuses cells over 128 KB by default)
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
        longest = 0  # the batch's longest cell
        n_rows = 0
        for row in reader:
            if not row or (len(header) > 1 and len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            n_rows += 1
            if [cell.strip() for cell in row] == header:
                row = [""] * len(header)
            if unread is not None and all(cell.strip() in MISSING_VALUES for cell in row):
                unread.empty_rows.append(n_rows)
            cells = [row[i].strip() if i < len(row) else "" for i in wanted]
            width = max(longest, max((len(cell) for cell in cells), default=0))
            if batch and (len(batch) + 1) * width > BATCH_CELLS:  # this row would make the batch too wide
                yield batch
                batch, width = [], max((len(cell) for cell in cells), default=0)
            batch.append(cells)
            longest = width
            if len(batch) == BATCH_ROWS:
                yield batch
                batch, longest = [], 0
        if batch:
            yield batch


def build_feeds(batch: list[list[str]], columns: list[dict[str, Any]],
                unread: UnreadCells | None = None) -> dict[str, np.ndarray]:
    """One ``[N, 1]`` tensor per model input: float32 numbers (NaN when missing), strings ('' when missing).

    ``unread`` counts the cells that hold a value their column could not read (scored as missing).
    """
    feeds: dict[str, np.ndarray] = {}
    for position, column in enumerate(columns):
        cells = [row[position] for row in batch]
        inputs = column["onnx_inputs"]
        if column["type"] == "datetime":
            parts = [date_parts(cell, column.get("date_format") or "") for cell in cells]
            for name in inputs:
                part = name.rsplit("__", 1)[1]
                feeds[name] = np.array([p[part] for p in parts], dtype=np.float32).reshape(-1, 1)
            read = [p["year"] for p in parts]
        elif column["onnx_dtype"] == "string":
            known = frozenset(column.get("categories", []))
            feeds[inputs[0]] = np.array([category(cell, known) for cell in cells], dtype=object).reshape(-1, 1)
            continue
        else:
            read = [number(cell) for cell in cells]
            feeds[inputs[0]] = np.array(read, dtype=np.float32).reshape(-1, 1)
        if unread is not None:
            unread.add(column, cells, read)
    return feeds


class UnreadCells:
    """Per column, the cells that hold a value (not a missing-value marker) the column could not read."""

    def __init__(self) -> None:
        self.columns: dict[str, dict[str, Any]] = {}  # name -> how it is read, count, examples
        self.empty_rows: list[int] = []  # rows (1-based, as the predictions) with no value, or copies of the header

    def add(self, column: dict[str, Any], cells: list[str], read: list[float]) -> None:
        for cell, value in zip(cells, read, strict=True):
            if math.isnan(value) and cell not in MISSING_VALUES:
                entry = self.columns.setdefault(column["name"], {"how": _how_read(column), "n": 0, "examples": []})
                entry["n"] += 1
                if len(entry["examples"]) < UNREAD_EXAMPLES and cell not in entry["examples"]:
                    entry["examples"].append(cell)

    def note(self) -> str:
        """One line, the same in both examples."""
        parts = []
        for name, entry in self.columns.items():
            shown = ", ".join(f"'{cell}'" for cell in entry["examples"])
            parts.append(f"'{name}' ({entry['how']}): {entry['n']:,} row(s), e.g. {shown}")
        return (f"values that could not be read as their column's type were scored as missing: {'; '.join(parts)}."
                " Write them as README.md says if they should count.")


    def empty_note(self) -> str:
        """The rows with no value at all (or copies of the header row), scored as rows of missing values."""
        rows = self.empty_rows
        shown = ", ".join(str(n) for n in rows[:UNREAD_EXAMPLES]) + (" ..." if len(rows) > UNREAD_EXAMPLES else "")
        return (f"{len(rows):,} row(s) have no value at all (rows {shown}): scored as rows of missing values, "
                "so that every row keeps its prediction.")


def _how_read(column: dict[str, Any]) -> str:
    if column["type"] != "datetime":
        return "a number"
    date_format = column.get("date_format") or ""
    return f"a date, {date_format} or ISO 8601" if "%" in date_format else "a date, ISO 8601"


def number(cell: str) -> float:
    """'1,234.5', '$12', '7 %' read as numbers; anything else, infinities and numbers beyond float32's range
    (about ±3.4e38, which the model's float32 inputs cannot hold) as missing."""
    text = NUMBER_JUNK.sub("", cell)
    if cell in MISSING_VALUES or not NUMBER.match(text):
        return MISSING_NUMBER
    value = float(text)
    return value if abs(value) < FLOAT32_OVERFLOW else MISSING_NUMBER


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


def date_parts(cell: str, date_format: str = "") -> dict[str, float]:
    """The date as year, month, day, day_of_week (Monday = 0) and hour, in UTC; NaN when it is not a date.

    ``date_format``: the column's format in the model's schema (a strftime format such as '%d/%m/%Y', the one
    of the training data); a date it does not fit is read as ISO 8601. Without one ('', 'ISO8601', or 'mixed'
    for a column written several ways) dates are read as ISO 8601 only.
    """
    stamp = None if cell in MISSING_VALUES else formatted_date(cell, date_format) or iso_date(cell)
    if stamp is None:
        return dict.fromkeys(DATE_PARTS, MISSING_NUMBER)
    return {"year": stamp.year, "month": stamp.month, "day": stamp.day, "day_of_week": stamp.weekday(),
            "hour": stamp.hour}


def formatted_date(cell: str, date_format: str) -> datetime | None:
    """The date in a strftime format, as ``datetime.strptime`` reads it (an offset converted to UTC)."""
    if "%" not in date_format:
        return None
    try:
        stamp = datetime.strptime(cell, date_format)
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)  # noqa: UP017 (datetime.UTC: 3.11+)
    except (ValueError, OverflowError, re.error):  # another layout, not a real date (30/02/2023), a broken format
        return None
    return stamp


def iso_date(cell: str) -> datetime | None:
    """ISO 8601 date or date-time (an offset is converted to UTC)."""
    match = DATE.match(cell)
    if match is None:
        return None
    year, _, month, day, hour, minute, second, offset = match.groups()
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        if offset and offset.upper() != "Z":
            digits = offset[1:].replace(":", "")
            shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            stamp = stamp - shift if offset[0] == "+" else stamp + shift
    except (ValueError, OverflowError):  # not a real date or time, e.g. 2023-02-30 or 25:00
        return None
    return stamp


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
