"""`kuai predict` on hostile model files (docs/reliability.md, models): broken metadata is refused with BAD_MODEL, a
graph that loops or allocates without bound is stopped in the scoring sandbox (SCORING_TIMEOUT, SCORING_MEMORY),
always one coded line on stderr; values the data holds but the model cannot read are scored as missing and said
in one note. Hand-built graphs (tests/services/hostile_models.py): no training."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pandas as pd
import pytest

import kuai.app.cli as cli_module
from tests.services import hostile_models as hostile

KUAI = str(Path(sys.executable).parent / "kuai")
Run = Callable[..., tuple[int, list[str]]]


@pytest.fixture()
def kuai(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``kuai ARGS`` in this process (a child process costs seconds of imports): exit code and stderr lines."""
    monkeypatch.setattr(cli_module, "_configure_logging", lambda: None)  # the test's own logging stays

    def run(*args: str) -> tuple[int, list[str]]:
        code = cli_module.main(list(args))
        return code, capsys.readouterr().err.splitlines()

    return run


@pytest.fixture()
def rows(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    pd.DataFrame({"x": [1.5, 2.0, -1.0], "when": ["2024-01-02", "2024-03-04", "2023-12-31"],
                  "colour": ["red", "blue", "red"]}).to_csv(path, index=False)
    return path


def _columns(**changes: Any) -> list[dict[str, Any]]:
    """The hand-built model's input schema with the first column changed."""
    return [{**hostile.COLUMNS[0], **changes}, *hostile.COLUMNS[1:]]


BROKEN_METADATA: dict[str, tuple[Callable[[], onnx.ModelProto], Any, str | None, str]] = {
    # name: (graph, kuai_schema, kuai_threshold, what the message must say)
    "not_json": (hostile.regression, "{'task': 'regression',", None, "'kuai_schema' is not valid JSON"),
    "a_list": (hostile.regression, "[1, 2, 3]", None, "'kuai_schema' is not a JSON object"),
    "missing_keys": (hostile.regression, {"task": "regression", "target": "y"}, None, "its classes are missing"),
    "schema_not_a_list": (hostile.regression, {**hostile.schema(), "input_schema": {"x": "numeric"}}, None,
                          "its input schema is not a list of columns"),
    "wrong_types": (hostile.regression, {**hostile.schema(), "target": 7, "classes": "yes,no"}, None,
                    "its target is not text"),
    "unknown_column_type": (hostile.regression, hostile.schema(columns=_columns(type="money")), None,
                            "'money', not one of"),
    "inputs_not_a_list": (hostile.regression, hostile.schema(columns=_columns(onnx_inputs="c00000")), None,
                          "the graph inputs of column 1 of its input schema are not a list."),
    "classes_do_not_match_the_graph": (hostile.classifier, hostile.schema("multiclass", ["a", "b", "c"]), None,
                                       "names 3 classes but its graph gives probabilities for 2"),
    "binary_with_three_classes": (hostile.classifier, hostile.schema("binary", ["a", "b", "c"]), None,
                                  "binary but it names 3 classes"),
    "input_the_graph_lacks": (hostile.regression, hostile.schema(columns=_columns(onnx_inputs=["c00009"])), None,
                              "names 'c00009' (column 'x'), which the graph does not take"),
    "date_with_one_input": (hostile.regression, hostile.schema(columns=[
        hostile.COLUMNS[0], {**hostile.COLUMNS[1], "onnx_inputs": hostile.DATE_INPUTS[:1]}, hostile.COLUMNS[2]]),
        None, "datetime but has 1 graph inputs, not 5"),
    "threshold_not_a_number": (hostile.classifier, hostile.schema("binary", ["no", "yes"]), "half",
                               "threshold 'half' is not a number"),
    "threshold_above_one": (hostile.classifier, hostile.schema("binary", ["no", "yes"]), "1.5",
                            "not a probability between 0 and 1"),
}


@pytest.mark.parametrize("variant", list(BROKEN_METADATA))
def test_broken_metadata_is_refused_with_one_coded_line(variant: str, kuai: Run, rows: Path, tmp_path: Path,
                                                        reliability: Any) -> None:
    graph, metadata, threshold, said = BROKEN_METADATA[variant]
    model = hostile.save(graph(), tmp_path / "model.onnx", metadata, threshold)
    code, stderr = kuai("predict", str(model), str(rows), "--out", str(tmp_path / "p.csv"))
    refused = code == 2 and len(stderr) == 1 and stderr[0].startswith("kuai: error [BAD_MODEL]")
    reliability.bad_input("coded" if refused else "crash")
    assert refused, stderr
    assert said in stderr[0] and "'model.onnx'" in stderr[0]
    assert not (tmp_path / "p.csv").exists()


def test_the_well_formed_hand_built_models_score(kuai: Run, rows: Path, tmp_path: Path) -> None:
    """The graphs behind the broken variants are sound: only their metadata is what is refused."""
    for graph, metadata in ((hostile.regression, hostile.schema()),
                            (hostile.classifier, hostile.schema("binary", ["no", "yes"]))):
        model = hostile.save(graph(), tmp_path / "model.onnx", metadata, "0.3")
        out = tmp_path / f"{metadata['task']}.csv"
        code, stderr = kuai("predict", str(model), str(rows), "--out", str(out))
        assert code == 0 and stderr == []
        assert len(pd.read_csv(out)) == 3


def _external_data(path: Path) -> Path:
    model = hostile.regression()
    weight = onnx.numpy_helper.from_array(np.ones(1, dtype=np.float32), "w")
    weight.ClearField("raw_data")
    weight.data_location = onnx.TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", "4")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    model.graph.initializer.append(weight)
    (path.parent / "weights.bin").write_bytes(np.ones(1, dtype=np.float32).tobytes())
    return hostile.save(model, path, hostile.schema())


def test_a_pickle_renamed_onnx_and_external_data_stay_refused(kuai: Run, rows: Path, tmp_path: Path,
                                                               reliability: Any) -> None:
    planted = tmp_path / "unpickled"
    pickled = tmp_path / "model.onnx"
    pickled.write_bytes(pickle.dumps({"planted": str(planted)}))
    for model, expected in ((pickled, "BAD_MODEL"), (_external_data(tmp_path / "external.onnx"), "EXTERNAL_DATA")):
        code, stderr = kuai("predict", str(model), str(rows), "--out", str(tmp_path / "p.csv"))
        refused = code == 2 and len(stderr) == 1 and f"[{expected}]" in stderr[0]
        reliability.bad_input("coded" if refused else "crash")
        assert refused, stderr
    assert not planted.exists() and not (tmp_path / "p.csv").exists()


def test_a_graph_that_loops_for_ever_is_stopped_within_the_limit(rows: Path, tmp_path: Path,
                                                                  reliability: Any) -> None:
    """The real command, in its own process: one coded line on stderr and nothing of ONNX Runtime's own."""
    model = hostile.save(hostile.endless_loop(only_when_positive=False), tmp_path / "loop.onnx", hostile.schema())
    env = dict(os.environ, KUAI_SCORING_TIMEOUT_S="2")
    started = time.monotonic()
    result = subprocess.run([KUAI, "predict", str(model), str(rows), "--out", str(tmp_path / "p.csv")],
                            capture_output=True, text=True, env=env, timeout=120)
    stderr = result.stderr.splitlines()
    stopped = result.returncode == 2 and len(stderr) == 1 and "[SCORING_TIMEOUT]" in stderr[0]
    reliability.bad_input("coded" if stopped else "crash")
    assert stopped, result.stderr
    assert "KUAI_SCORING_TIMEOUT_S" in stderr[0] and "2 s" in stderr[0]
    assert time.monotonic() - started < 60  # the interpreter's imports, then at most the limit
    assert not (tmp_path / "p.csv").exists()


def test_a_graph_that_allocates_without_bound_is_stopped(kuai: Run, rows: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, reliability: Any) -> None:
    monkeypatch.setenv("KUAI_SCORING_MEMORY_MB", "2048")
    model = hostile.save(hostile.unbounded_allocation(), tmp_path / "alloc.onnx", hostile.schema())
    started = time.monotonic()
    code, stderr = kuai("predict", str(model), str(rows), "--out", str(tmp_path / "p.csv"))
    stopped = code == 2 and len(stderr) == 1 and stderr[0].startswith("kuai: error [SCORING_MEMORY]")
    reliability.bad_input("coded" if stopped else "crash")
    assert stopped, stderr
    assert "2,048 MB" in stderr[0] and "KUAI_SCORING_MEMORY_MB" in stderr[0]
    assert time.monotonic() - started < 30


def test_unreadable_values_are_scored_as_missing_and_noted(kuai: Run, tmp_path: Path, reliability: Any) -> None:
    """Text in a numeric column, infinities, numbers beyond float32 and dates that do not parse: one row out per row
    in, in order, and one note on stderr that counts them per column and reason; so are dates in another layout than
    the column's recorded format (read on their own: a guess)."""
    n_rows = 300
    x = np.arange(n_rows, dtype=float).astype(object)
    x[10:40] = "abc"
    x[50:55] = "inf"
    x[60:62] = "-inf"
    x[70:75] = None  # missing: not counted
    x[80:82] = ["1e308", "-1e308"]  # a legal double, beyond float32: missing, not infinite nor clipped
    when = np.array(["2024-01-02"] * n_rows, dtype=object)
    when[100:112] = "sometime in May"
    when[120] = "NA"  # a missing-value marker: read as missing, counted by the reader (it could be a value)
    when[130:134] = "05.03.2024"  # not ISO 8601, the column's format: read on its own, month-first
    data = tmp_path / "rows.csv"
    pd.DataFrame({"x": x, "when": when, "colour": "red"}).to_csv(data, index=False)
    columns = [{**column, "date_format": "ISO8601"} if column["name"] == "when" else column
               for column in hostile.COLUMNS]
    model = hostile.save(hostile.regression(), tmp_path / "model.onnx", hostile.schema(columns=columns))  # = x or 0
    code, stderr = kuai("predict", str(model), str(data), "--out", str(tmp_path / "p.csv"))
    assert code == 0 and len(stderr) == 2, stderr
    assert stderr[0] == "note: 'when': 1 cell read as missing: 'NA' (1)"
    note = stderr[1]
    assert note.startswith("note: Some values were not used as given.")
    assert "'x': 30 values are not numbers (e.g. 'abc'); treated as missing" in note
    assert "'x': 7 values are infinite (e.g. 'inf', '-inf'); treated as missing" in note
    assert "'x': 2 values are beyond ±3.4e38, the range of the model's float32 inputs (e.g. '1e308', '-1e308')" in note
    assert "'when': 12 values are not dates Kuai can read (e.g. 'sometime in May'); treated as missing" in note
    assert ("'when': 4 values do not fit the column's date format (ISO 8601, YYYY-MM-DD) (e.g. '05.03.2024'); each "
            "read on its own") in note
    predictions = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    readable = np.array(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=float)
    readable[(np.abs(readable) > 3.5e38) | np.isinf(readable) | np.isnan(readable)] = 0  # missing: the model's 0
    assert len(predictions) == n_rows
    np.testing.assert_array_equal(predictions, readable)  # in order; the unusable ones scored as missing
    for _ in range(5):  # text in a numeric column, infinities, beyond float32, unparseable dates, another layout
        reliability.bad_input("read")
        reliability.guess(told=True)
