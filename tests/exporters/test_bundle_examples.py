"""The deployment bundle: its README, and score.py / score.js scoring exactly like `kuai predict`.

The slow tests take the model of each sample dataset (binary, regression, multiclass) that the session trained once
with a short budget (tests/conftest.py's sample_runs, shared with tests/cli/test_cli.py), unzip the Export page's zip
of each run, and score the sample data plus rows with missing values, unseen
categories, odd number and date formats and formula-like text three ways: `kuai predict`, `score.py` (with
this venv's Python) and `score.js` (after `npm ci` in the bundle; skipped, loudly, only without node/npm).
Day-first and month-name dates reuse the churn model, with those formats recorded in its schema as a training
on such dates records them (tests/exporters/test_bundle_dates.py checks the date parsers value by value).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from kuai.engine.read import NA_VALUES
from kuai.exporters import BUNDLE_EXAMPLE_FILES, format_threshold, render_readme, write_bundle_examples
from tests.conftest import SAMPLES, SampleRun

KUAI = str(Path(sys.executable).parent / "kuai")
CASES = {  # run id (letters only: it names a run folder) -> sample file
    "churn": "customer_churn.csv",
    "houses": "house_prices.csv",
    "machines": "machine_failure_type.csv",
}
PROBABILITY_TOLERANCE = 1e-5
NPM_TIMEOUT_S = 150
TRICKY = {  # cells each column type gets in the extra rows, cycled
    "numeric": [" 12.5 ", "NA", "#DIV/0!", "1,234.5", "", "1e3", "-", "n/a", "$45", "7 %", "abc", "1e400", "?",
                "-3.5", ".5", "+2"],
    "datetime": ["2023-01-05T10:30:00Z", "2023-01-05 10:30", "not a date", "", "2023-02-30",
                 "2023-01-05T23:30:00-05:00", "2023/01/05", "2024-03-01 01:00+02:00", "2020-02-29", "2023-1-5",
                 "2023-01-05T10:30:00.123Z", "NA", "2023-01-05 25:00", "2023-01-05T00:15:00+0100"],
    # no '1.0' here: the examples read it as the category '1' cell by cell, while `kuai predict` does so only
    # when the whole column holds numbers (these rows make it text)
    "categorical": ["never seen", "", "NULL", " {first} ", "{FIRST}", "=cmd()", "@x", "-", "k. A.", "{last}"],
    "boolean": ["true", "FALSE", "", "NA", "True", "false", "TRUE"],
}
DATE_FORMATS = {"signup_date": "%d/%m/%Y", "last_purchase": "%b %d %Y %I:%M%p"}  # the churn data's date columns


# ---- fast: the README and the files, from a made-up model card -------------------------------------------------

def _card(**changes: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "kuai_version": "0.1.0", "created_at": "2026-01-01T00:00:00+00:00", "task": "binary", "target": "churn",
        "classes": ["no", "yes"], "metric": {"name": "roc_auc", "label": "ROC AUC", "greater_is_better": True},
        "cv_score": 0.8123, "cv_score_std": 0.01, "cv_folds": 5,
        "model": {"name": "ensemble", "family": "ensemble", "is_ensemble": True,
                  "members": {"lightgbm_0": 0.6, "catboost_1": 0.4}},
        "input_schema": [
            {"name": "amount", "type": "numeric", "onnx_inputs": ["c00000"], "onnx_dtype": "float32"},
            {"name": "colour | shade", "type": "categorical", "onnx_inputs": ["c00001"], "onnx_dtype": "string",
             "categories": ["red", "`green`", "<script>alert(1)</script>", ""], "missing_value": ""},
            {"name": "signed\nup", "type": "datetime", "onnx_dtype": "float32",
             "onnx_inputs": [f"c00002__{p}" for p in ("year", "month", "day", "day_of_week", "hour")]},
            {"name": "many", "type": "categorical", "onnx_inputs": ["c00003"], "onnx_dtype": "string",
             "categories": [f"v{i}" for i in range(200)]},
        ],
        "dropped_columns": {"id": "id column: not used as a feature"},
        "parity": {"n_rows": 203, "max_abs_diff": 7e-8, "max_rel_diff": 7e-8, "labels_equal": True,
                   "passed": True, "tolerance": 1e-5},
        "latency": {"single_row_p50_ms": 0.07, "single_row_p99_ms": 0.25, "batch_rows": 203.0,
                    "batch_rows_per_s": 586378.0},
        "data_fingerprint": {"n_rows": 2000},
        "library_versions": {"onnxruntime": "1.31.1"},
        "decision_threshold": {"threshold": 0.3125, "positive_class": "yes", "source": "costs",
                               "cost_false_positive": 1.0, "cost_false_negative": 5.0},
    }
    return card | changes


def test_readme_states_the_columns_categories_threshold_and_figures() -> None:
    readme = render_readme(_card())
    assert "`amount`" in readme and "`many`" in readme
    assert "`colour \\| shade`" in readme, "a pipe in a name must not split the table row"
    assert "`signed up`" in readme, "a line break in a name must not break the table"
    assert "`` `green` ``" in readme and "`<script>alert(1)</script>`" in readme  # literal, inside code spans
    assert "<script>" not in readme.replace("`<script>alert(1)</script>`", "")
    assert "one of 200 categories" in readme and "`v29`" in readme and "`v30`" not in readme
    assert "Missing values were seen in training" in readme
    assert "**0.3125**" in readme and "a false alarm costs 1, a miss 5" in readme
    assert "`id` (id column: not used as a feature)" in readme
    assert "0.8123 ± 0.01" in readme and "5-fold" in readme and "2,000 rows" in readme
    assert "7.0e-08" in readme and "586,378 rows/s" in readme and "0.07 ms" in readme
    assert '"onnxruntime==1.31.1"' in readme and "python score.py" in readme and "node score.js" in readme
    assert "`lightgbm_0` (weight 0.6)" in readme


def test_readme_says_what_a_stack_reads() -> None:
    stacked = render_readme(_card(model={"name": "stack", "family": "stack", "is_ensemble": False,
                                         "members": {"catboost_3": 0.5, "linear_1": 0.5}}))
    assert "a stack: a LightGBM that reads the input columns and the predictions of `catboost_3`, `linear_1`" \
        in stacked
    assert "weight" not in stacked.split("The model is")[1].split(".")[0]


def test_readme_without_threshold_for_regression_and_multiclass() -> None:
    regression = render_readme(_card(task="regression", classes=[], decision_threshold=None))
    assert "None: the model predicts a value." in regression and "`variable`" in regression
    multiclass = render_readme(_card(task="multiclass", classes=["a", "b", "c"], decision_threshold=None))
    assert "the most probable class" in multiclass and "0 = `a`, 1 = `b`, 2 = `c`" in multiclass


def test_bundle_file_names_never_come_from_the_card(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    hostile = _card(target="../../escaped", classes=["../x", "/etc/passwd"],
                    library_versions={"onnxruntime": "1.0; rm -rf /"})
    written = write_bundle_examples(out, hostile)
    assert sorted(p.name for p in written) == sorted(BUNDLE_EXAMPLE_FILES)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["run", *BUNDLE_EXAMPLE_FILES])
    assert "rm -rf" not in (out / "README.md").read_text(encoding="utf-8")


def test_node_dependencies_are_pinned_and_locked() -> None:
    templates = Path(__file__).resolve().parents[2] / "kuai" / "exporters" / "bundle_templates"
    package = json.loads((templates / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((templates / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["onnxruntime-node"] and "csv-parse" in package["dependencies"]
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version, not {version!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, f"package-lock.json is stale: {name}"
    assert lock["packages"][""]["dependencies"] == package["dependencies"]


def test_the_examples_read_missing_values_as_kuai_does() -> None:
    templates = Path(__file__).resolve().parents[2] / "kuai" / "exporters" / "bundle_templates"
    score = _load_score_module(templates / "score.py")
    assert set(NA_VALUES) == set(score.MISSING_VALUES)
    script = (Path(score.__file__).with_name("score.js")).read_text(encoding="utf-8")
    assert all(f"'{value}'" in script for value in NA_VALUES), "score.js's MISSING_VALUES differ from Kuai's"


def test_the_export_zip_lists_the_examples() -> None:
    from kuai.app.components.results import BUNDLE_FILES

    assert set(BUNDLE_EXAMPLE_FILES) <= set(BUNDLE_FILES)


# ---- slow: real models, the Export page's zip, three scorers ---------------------------------------------------

@pytest.fixture(scope="module")
def bundles(sample_runs: dict[str, SampleRun], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Export page's zip of each sample run (trained once per session, tests/conftest.py), unzipped."""
    from kuai.app.components.results import bundle_zip

    root = tmp_path_factory.mktemp("bundles")
    unpacked = {}
    for run_id, sample in CASES.items():
        run = sample_runs[sample]
        assert run.run_id == run_id
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KUAI_HOME", str(run.home))
            archive = zipfile.ZipFile(io.BytesIO(bundle_zip(run_id)))
        unpacked[run_id] = root / run_id
        archive.extractall(unpacked[run_id])
    return unpacked


@pytest.fixture(scope="module")
def tricky_data(bundles: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample file, then rows with tricky cells in every input column; rows with no value at the start, in the
    middle and at the end (``EMPTY_ROWS``)."""
    folder = tmp_path_factory.mktemp("data")
    files = {}
    for run_id, sample in CASES.items():
        with (SAMPLES / sample).open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        card = json.loads((bundles[run_id] / "model_card.json").read_text(encoding="utf-8"))
        extra = [list(row) for row in rows[:16]]
        for offset, column in enumerate(card["input_schema"]):
            cells = TRICKY[column["type"]]
            known = [c for c in column.get("categories", []) if c] or ["x"]
            for k, row in enumerate(extra):
                cell = cells[(k + offset) % len(cells)]
                row[header.index(column["name"])] = cell.format(first=known[0], FIRST=known[0].upper(),
                                                                last=known[-1])
        files[run_id] = folder / f"{run_id}.csv"
        empty, half = [""] * len(header), len(rows) // 2
        with files[run_id].open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, empty, *rows[:half], empty, *rows[half:], *extra, empty, empty])
    return files


def empty_rows(data: Path) -> list[int]:
    """The rows of ``tricky_data`` with no value, numbered from 1 as the predictions are."""
    return [n for n, row in enumerate(_read(data)[1:], start=1) if not any(row)]


@pytest.fixture(scope="module")
def reference(bundles: dict[str, Path], tricky_data: dict[str, Path],
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`kuai predict`'s output for every case."""
    folder = tmp_path_factory.mktemp("reference")
    outputs = {}
    for run_id, bundle in bundles.items():
        outputs[run_id] = folder / f"{run_id}.csv"
        _run([KUAI, "predict", str(bundle), str(tricky_data[run_id]), "--out", str(outputs[run_id])], cwd=folder)
    return outputs


@pytest.fixture(scope="module")
def node_bundles(bundles: dict[str, Path], request: pytest.FixtureRequest) -> Iterator[dict[str, Path]]:
    """The bundles with `npm ci` done (once, in the binary model's folder; the others link to its node_modules)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("!!! score.js NOT TESTED: `node` and `npm` are not on PATH. Install Node.js 20 or newer to "
                    "test the Node.js example of the deployment bundle. !!!")
    pytest_cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    cache = pytest_cache.mkdir("npm-cache") if pytest_cache else Path.home() / ".cache" / "kuai-npm"
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip", npm_config_cache=str(cache),
               npm_config_update_notifier="false")
    first = bundles["churn"]
    _run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=first, env=env, timeout=NPM_TIMEOUT_S)
    for bundle in bundles.values():
        if bundle != first:
            assert (bundle / "package-lock.json").read_bytes() == (first / "package-lock.json").read_bytes()
            (bundle / "node_modules").symlink_to(first / "node_modules", target_is_directory=True)
    yield bundles
    for bundle in bundles.values():
        if bundle != first:
            (bundle / "node_modules").unlink()
    shutil.rmtree(first / "node_modules")  # ~300 MB: do not leave it in pytest's kept temporary folders


@pytest.mark.slow
@pytest.mark.parametrize("run_id", list(CASES))
def test_the_zip_holds_the_examples_and_a_readme_naming_every_column(run_id: str, bundles: dict[str, Path]) -> None:
    bundle = bundles[run_id]
    assert set(BUNDLE_EXAMPLE_FILES) <= {p.name for p in bundle.iterdir()}
    card = json.loads((bundle / "model_card.json").read_text(encoding="utf-8"))
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert f"predicts `{card['target']}`" in readme
    for column in card["input_schema"]:
        assert f"`{column['name']}`" in readme, column["name"]
    if card["task"] == "binary":
        assert f"**{format_threshold(card['decision_threshold']['threshold'])}**" in readme
    else:
        assert "**0." not in readme.split("## Decision threshold")[1].split("##")[0]


@pytest.mark.slow
@pytest.mark.parametrize("run_id", list(CASES))
def test_score_py_matches_kuai_predict(run_id: str, bundles: dict[str, Path], tricky_data: dict[str, Path],
                                       reference: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "py.csv"
    python = _run([sys.executable, "score.py", str(tricky_data[run_id]), "--out", str(out)], cwd=bundles[run_id])
    _assert_same_predictions(out, reference[run_id])
    n_rows = len(_read(tricky_data[run_id])) - 1  # the rows with no value have their predictions too, and are said
    empty = empty_rows(tricky_data[run_id])
    assert len(empty) == 4 and empty[0] == 1 and empty[-2:] == [n_rows - 1, n_rows]
    assert len(_read(out)) - 1 == n_rows == len(_read(reference[run_id])) - 1
    assert f"4 row(s) have no value at all (rows {', '.join(map(str, empty[:3]))} ...)" in python.stderr
    predicted = _read(out)[1:]
    assert len({tuple(predicted[n - 1]) for n in empty}) == 1  # the same row of missing values, the same answer


@pytest.mark.slow
def test_score_py_builds_the_tensors_kuai_builds(bundles: dict[str, Path], tricky_data: dict[str, Path]) -> None:
    """Input by input, not only the outputs: a model may happen to ignore a column that is read wrongly."""
    from kuai.app.services.scoring import load_model
    from kuai.engine import read_table, to_model_frame
    from kuai.exporters import onnx_feeds

    for run_id, bundle in bundles.items():
        score = _load_score_module(bundle / "score.py")
        model = load_model(bundle)
        frame = read_table(tricky_data[run_id], scoring=True)  # every row, the empty one included
        expected = onnx_feeds(to_model_frame(frame, model.schema), model.schema)
        columns = json.loads((bundle / "model_card.json").read_text(encoding="utf-8"))["input_schema"]
        batches = list(score.read_batches(tricky_data[run_id], [c["name"] for c in columns]))
        assert len(batches) == 1
        feeds = score.build_feeds(batches[0], columns)
        assert set(feeds) == set(expected)
        for name, values in expected.items():
            if values.dtype == object:
                assert feeds[name].ravel().tolist() == values.ravel().tolist(), (run_id, name)
            else:
                np.testing.assert_array_equal(feeds[name], values, err_msg=f"{run_id} {name}")


@pytest.mark.slow
def test_a_changed_threshold_reaches_the_readme_and_both_scorers(bundles: dict[str, Path], tmp_path: Path) -> None:
    from kuai.engine import ThresholdChoice
    from kuai.exporters import save_threshold

    bundle = tmp_path / "churn"
    shutil.copytree(bundles["churn"], bundle, ignore=shutil.ignore_patterns("node_modules"))
    save_threshold(bundle, ThresholdChoice(threshold=0.2, positive_class="yes", source="chosen"))
    assert "**0.200**" in (bundle / "README.md").read_text(encoding="utf-8")
    data = SAMPLES / CASES["churn"]
    _run([KUAI, "predict", str(bundle), str(data), "--out", str(tmp_path / "kuai.csv")], cwd=tmp_path)
    _run([sys.executable, "score.py", str(data), "--out", str(tmp_path / "py.csv")], cwd=bundle)
    _assert_same_predictions(tmp_path / "py.csv", tmp_path / "kuai.csv")
    calls = [row[0] for row in _read(tmp_path / "py.csv")[1:]]
    probabilities = [float(row[2]) for row in _read(tmp_path / "py.csv")[1:]]
    assert calls == ["yes" if p >= 0.2 else "no" for p in probabilities]


@pytest.fixture(scope="module")
def formula_bundle(bundles: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The churn bundle with class names a spreadsheet would run as formulas."""
    import onnx

    bundle = tmp_path_factory.mktemp("formula") / "bundle"
    shutil.copytree(bundles["churn"], bundle, ignore=shutil.ignore_patterns("node_modules"))
    model = onnx.load(str(bundle / "model.onnx"))
    for entry in model.metadata_props:
        if entry.key == "kuai_schema":
            schema = json.loads(entry.value)
            schema["classes"] = ['=HYPERLINK("http://x")', "@SUM(1)"]
            entry.value = json.dumps(schema)
    (bundle / "model.onnx").write_bytes(model.SerializeToString())
    return bundle


@pytest.mark.slow
def test_score_py_neutralises_formulas_like_kuai_predict(formula_bundle: Path, tmp_path: Path) -> None:
    data = SAMPLES / CASES["churn"]
    _run([KUAI, "predict", str(formula_bundle), str(data), "--out", str(tmp_path / "kuai.csv")], cwd=tmp_path)
    _run([sys.executable, "score.py", str(data), "--out", str(tmp_path / "py.csv")], cwd=formula_bundle)
    _assert_same_predictions(tmp_path / "py.csv", tmp_path / "kuai.csv")
    rows = _read(tmp_path / "py.csv")
    assert rows[0] == ["prediction", 'proba_=HYPERLINK("http://x")', "proba_@SUM(1)"]
    assert {row[0] for row in rows[1:]} <= {'\'=HYPERLINK("http://x")', "'@SUM(1)"}


@pytest.mark.slow
@pytest.mark.parametrize("run_id", list(CASES))
def test_score_js_matches_kuai_predict_and_score_py(run_id: str, node_bundles: dict[str, Path],
                                                    tricky_data: dict[str, Path], reference: dict[str, Path],
                                                    tmp_path: Path) -> None:
    bundle = node_bundles[run_id]
    _run(["node", "score.js", str(tricky_data[run_id]), "--out", str(tmp_path / "js.csv")], cwd=bundle)
    _run([sys.executable, "score.py", str(tricky_data[run_id]), "--out", str(tmp_path / "py.csv")], cwd=bundle)
    _assert_same_predictions(tmp_path / "js.csv", reference[run_id])
    assert (tmp_path / "js.csv").read_bytes() == (tmp_path / "py.csv").read_bytes(), "score.js and score.py differ"


@pytest.mark.slow
def test_score_js_neutralises_formulas_and_refuses_missing_columns(node_bundles: dict[str, Path],
                                                                   formula_bundle: Path, tmp_path: Path) -> None:
    data = SAMPLES / CASES["churn"]
    (formula_bundle / "node_modules").symlink_to(node_bundles["churn"] / "node_modules", target_is_directory=True)
    try:
        _run(["node", "score.js", str(data), "--out", str(tmp_path / "js.csv")], cwd=formula_bundle)
        _run([sys.executable, "score.py", str(data), "--out", str(tmp_path / "py.csv")], cwd=formula_bundle)
        assert (tmp_path / "js.csv").read_bytes() == (tmp_path / "py.csv").read_bytes()
        assert _read(tmp_path / "js.csv")[1][0].startswith("'")
        partial = tmp_path / "partial.csv"
        partial.write_text("contract,region\nmonth-to-month,west\n", encoding="utf-8")
        for command in (["node", "score.js"], [sys.executable, "score.py"]):
            result = subprocess.run([*command, str(partial), "--out", str(tmp_path / "x.csv")], cwd=formula_bundle,
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 2 and "lacks 9 column(s)" in result.stderr and "'tenure_months'" in \
                result.stderr, (command, result.stderr)
    finally:
        (formula_bundle / "node_modules").unlink()


@pytest.mark.slow
def test_score_js_gives_each_row_its_prediction_in_order(node_bundles: dict[str, Path], tmp_path: Path) -> None:
    """Rows with no value at the start, in the middle and at the end keep their places; a model that gives one
    prediction fewer is refused (ROW_COUNT_MISMATCH). The hand-built models of tests/services/test_row_alignment.py
    predict the row's x: each prediction shows which row it belongs to (score.py and `kuai predict`: there)."""
    from tests.services import hostile_models as hostile
    from tests.services.test_row_alignment import COLUMNS, EXPECTED, write_holes

    data = write_holes(tmp_path / "holes.csv")
    for name, graph in (("aligned", hostile.regression()), ("short", hostile.drops_first_row())):
        bundle = tmp_path / name
        bundle.mkdir()
        hostile.save(graph, bundle / "model.onnx", hostile.schema(columns=COLUMNS))
        shutil.copyfile(node_bundles["churn"] / "score.js", bundle / "score.js")
        (bundle / "node_modules").symlink_to(node_bundles["churn"] / "node_modules", target_is_directory=True)
        result = subprocess.run(["node", "score.js", str(data), "--out", str(tmp_path / f"{name}.csv")], cwd=bundle,
                                capture_output=True, text=True, timeout=60)
        (bundle / "node_modules").unlink()
        if name == "aligned":
            assert result.returncode == 0, result.stderr
            assert [float(row[0]) for row in _read(tmp_path / "aligned.csv")[1:]] == EXPECTED
            assert "5 row(s) have no value at all (rows 1, 2, 6 ...)" in result.stderr
        else:
            assert result.returncode == 2, result.stderr
            assert "[ROW_COUNT_MISMATCH] the model gave 11 predictions for 12 rows" in result.stderr


@pytest.fixture(scope="module")
def dated_bundle(bundles: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The churn bundle as if trained on day-first and month-name dates: the same model, with DATE_FORMATS recorded
    in model.onnx's schema and the model card, and the README written again from the card."""
    import onnx

    from kuai.exporters import write_readme

    bundle = tmp_path_factory.mktemp("dated") / "bundle"
    shutil.copytree(bundles["churn"], bundle, ignore=shutil.ignore_patterns("node_modules"))
    model = onnx.load(str(bundle / "model.onnx"))
    for entry in model.metadata_props:
        if entry.key == "kuai_schema":
            entry.value = json.dumps(_with_date_formats(json.loads(entry.value)))
    (bundle / "model.onnx").write_bytes(model.SerializeToString())
    card = _with_date_formats(json.loads((bundle / "model_card.json").read_text(encoding="utf-8")))
    (bundle / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    write_readme(bundle, card)
    return bundle


@pytest.fixture(scope="module")
def dated_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The churn sample with its (ISO) dates written in DATE_FORMATS, then rows of awkward dates that `kuai
    predict` and the examples read alike (in the format, ISO 8601, not dates at all), then an empty row."""
    from tests.exporters.test_bundle_dates import SAME_AS_KUAI

    with (SAMPLES / CASES["churn"]).open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    for name, date_format in DATE_FORMATS.items():
        position = header.index(name)
        for row in rows:
            row[position] = datetime.fromisoformat(row[position]).strftime(date_format) if row[position] else ""
    extra = [list(row) for row in rows[:16]]
    for name, date_format in DATE_FORMATS.items():
        cells = [*SAME_AS_KUAI[date_format], "", "NA"]
        for k, row in enumerate(extra):
            row[header.index(name)] = cells[k % len(cells)]
    path = tmp_path_factory.mktemp("dated-data") / "churn_dated.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows, *extra, [""] * len(header)])
    return path


@pytest.mark.slow
def test_score_py_reads_dates_in_the_training_format_as_kuai_predict(dated_bundle: Path, dated_data: Path,
                                                                     reference: dict[str, Path],
                                                                     tricky_data: dict[str, Path], tmp_path: Path,
                                                                     reliability) -> None:
    from kuai.app.services.scoring import load_model
    from kuai.engine import read_table, to_model_frame
    from kuai.exporters import onnx_feeds

    readme = (dated_bundle / "README.md").read_text(encoding="utf-8")
    assert "`DD/MM/YYYY` (format `%d/%m/%Y`" in readme and "(format `%b %d %Y %I:%M%p`" in readme
    _run([KUAI, "predict", str(dated_bundle), str(dated_data), "--out", str(tmp_path / "kuai.csv")], cwd=tmp_path)
    n_sample = len(_read(SAMPLES / CASES["churn"])) - 1
    header, *predicted = _read(reference["churn"])  # the sample's rows, without the rows with no value among them
    iso = [row for row, cells in zip(predicted, _read(tricky_data["churn"])[1:], strict=True) if any(cells)]
    assert _read(tmp_path / "kuai.csv")[: n_sample + 1] == [header, *iso[:n_sample]], \
        "the same dates written day-first / with month names must score as their ISO form does"
    python = _run([sys.executable, "score.py", str(dated_data), "--out", str(tmp_path / "py.csv")], cwd=dated_bundle)
    _assert_same_predictions(tmp_path / "py.csv", tmp_path / "kuai.csv")
    assert "'signup_date' (a date, %d/%m/%Y or ISO 8601): " in python.stderr  # 'not a date', '29/02/2023', ...
    score, model = _load_score_module(dated_bundle / "score.py"), load_model(dated_bundle)
    expected = onnx_feeds(to_model_frame(read_table(dated_data, scoring=True), model.schema), model.schema)
    columns = json.loads((dated_bundle / "model_card.json").read_text(encoding="utf-8"))["input_schema"]
    feeds = score.build_feeds(next(score.read_batches(dated_data, [c["name"] for c in columns])), columns)
    for name, values in expected.items():
        if values.dtype != object:
            np.testing.assert_array_equal(feeds[name], values, err_msg=name)
    reliability.bad_input("read")


@pytest.mark.slow
def test_score_js_reads_dates_in_the_training_format_as_score_py(node_bundles: dict[str, Path], dated_bundle: Path,
                                                                 dated_data: Path, tmp_path: Path) -> None:
    (dated_bundle / "node_modules").symlink_to(node_bundles["churn"] / "node_modules", target_is_directory=True)
    try:
        node = _run(["node", "score.js", str(dated_data), "--out", str(tmp_path / "js.csv")], cwd=dated_bundle)
        python = _run([sys.executable, "score.py", str(dated_data), "--out", str(tmp_path / "py.csv")],
                      cwd=dated_bundle)
    finally:
        (dated_bundle / "node_modules").unlink()
    assert (tmp_path / "js.csv").read_bytes() == (tmp_path / "py.csv").read_bytes(), "score.js and score.py differ"
    assert "signup_date" in node.stderr and node.stderr.replace("score.js:", "score.py:") == python.stderr


# ---- helpers -------------------------------------------------------------------------------------------------

def _with_date_formats(card: dict[str, Any]) -> dict[str, Any]:
    for entry in card["input_schema"]:
        if entry["name"] in DATE_FORMATS:
            entry["date_format"] = DATE_FORMATS[entry["name"]]
    return card


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command[:2])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _assert_same_predictions(ours: Path, theirs: Path) -> None:
    """Same header and row count, identical labels, numbers within the tolerance."""
    mine, reference = _read(ours), _read(theirs)
    assert mine[0] == reference[0]
    assert len(mine) == len(reference)
    is_regression = mine[0] == ["prediction"]
    numbers_from = 0 if is_regression else 1
    if not is_regression:
        assert [row[0] for row in mine] == [row[0] for row in reference]
    got = np.array([[float(cell) for cell in row[numbers_from:]] for row in mine[1:]])
    expected = np.array([[float(cell) for cell in row[numbers_from:]] for row in reference[1:]])
    if is_regression:
        np.testing.assert_allclose(got, expected, rtol=PROBABILITY_TOLERANCE)
    else:
        np.testing.assert_allclose(got, expected, atol=PROBABILITY_TOLERANCE, rtol=0)


def _load_score_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bundle_score_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_score_py_scores_long_texts_in_smaller_batches(tmp_path: Path) -> None:
    """ONNX Runtime's Tokenizer makes each row of a batch as wide as its longest text (a string per character for
    character grams): a batch holds at most ``BATCH_CELLS`` rows x longest cell, and every row is still read once,
    in order."""
    score = _load_score_module(Path(__file__).parents[2] / "kuai" / "exporters" / "bundle_templates" / "score.py")
    data = tmp_path / "notes.csv"
    rows = [f"{i},short note {i}" for i in range(30)]
    rows[7] = "7," + "x" * (score.BATCH_CELLS // 4)  # one long text: four rows per batch from here
    data.write_text("id,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    batches = list(score.read_batches(data, ["id", "note"]))
    assert [row[0] for batch in batches for row in batch] == [str(i) for i in range(30)]
    longest = [max(len(cell) for row in batch for cell in row) for batch in batches]
    assert all(len(batch) * width <= score.BATCH_CELLS for batch, width in zip(batches, longest, strict=True))
    assert [len(batch) for batch in batches][:2] == [7, 4]  # the long text starts a batch of four
