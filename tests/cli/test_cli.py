"""The `kuai` CLI contract (docs/product.md), end to end on the sample datasets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLE_BUDGET_S, SAMPLES, SampleRun

KUAI = str(Path(sys.executable).parent / "kuai")
BUDGET = SAMPLE_BUDGET_S  # the sample runs' budget
CASES = {
    "customer_churn.csv": ("churn", ["no", "yes"]),
    "machine_failure_type.csv": ("failure_type", ["none", "overheat", "power", "wear"]),
    "house_prices.csv": ("price", []),
}


def kuai(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KUAI_HOME=str(home))
    return subprocess.run([KUAI, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def trained(sample_runs: dict[str, SampleRun]) -> dict[str, tuple[Path, float]]:
    """Each sample dataset trained once per session (tests/conftest.py): the output folder and the wall time."""
    return {name: (sample_runs[name].out, sample_runs[name].wall_s) for name in CASES}


def test_profile_json_contract(home: Path) -> None:
    result = kuai("profile", str(SAMPLES / "customer_churn.csv"), "--json", home=home)
    assert result.returncode == 0, result.stderr
    profile = json.loads(result.stdout)
    assert {"n_rows", "n_columns", "columns", "target", "task", "metric", "warnings"} <= set(profile)
    assert profile["n_rows"] == 2000 and profile["n_columns"] == 13
    column = profile["columns"][0]
    assert {"name", "type", "missing_fraction", "n_unique", "reason"} <= set(column)
    assert profile["target"]["suggested"] == "churn" and profile["target"]["candidates"][0] == "churn"
    assert profile["task"] == "binary" and profile["metric"] == "roc_auc"
    assert all({"code", "column", "message"} <= set(w) for w in profile["warnings"])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_train_writes_the_contract_files_within_budget(name: str, trained: dict[str, tuple[Path, float]]) -> None:
    out, wall = trained[name]
    for file in ("model.onnx", "model_card.json", "leaderboard.csv", "report.html"):
        assert (out / file).stat().st_size > 0, file
    assert wall <= BUDGET + max(5.0, 0.1 * BUDGET), f"train took {wall:.1f}s for a {BUDGET}s budget"
    board = pd.read_csv(out / "leaderboard.csv")
    assert list(board.columns) == ["rank", "model", "score", "score_std", "fit_time_s", "predict_ms_per_1000_rows",
                                   "params"]
    assert board["rank"].tolist() == list(range(1, len(board) + 1))
    card = json.loads((out / "model_card.json").read_text())
    assert card["target"] == CASES[name][0] and card["classes"] == CASES[name][1]
    figure = "max_rel_diff"  # the deciding figure on every row: probabilities, or relative on regression values
    assert card["parity"]["passed"] and card["parity"][figure] <= 1e-5 and card["parity"]["n_extreme_rows"] == 3
    assert card["parity"]["labels_equal"]
    assert {c["name"] for c in card["input_schema"]} and card["data_fingerprint"]["sha256"]
    report = (out / "report.html").read_text()
    assert "<script" in report and "Leaderboard" in report
    assert "<script src=" not in report, "report.html must open offline (plotly.js inline)"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_predict_scores_in_input_order(name: str, trained: dict[str, tuple[Path, float]], home: Path,
                                       tmp_path: Path) -> None:
    out, _ = trained[name]
    target, classes = CASES[name]
    data = pd.read_csv(SAMPLES / name)
    shuffled = data.sample(frac=1.0, random_state=1).assign(extra_column="ignored")
    source = tmp_path / "new.csv"
    shuffled.to_csv(source, index=False)
    result = kuai("predict", str(out), str(source), "--out", str(tmp_path / "p.csv"), home=home)
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert len(predictions) == len(shuffled)
    assert list(predictions.columns) == ["prediction", *[f"proba_{c}" for c in classes]]
    truth = shuffled[target].to_numpy()
    if classes:
        probabilities = predictions[[f"proba_{c}" for c in classes]].to_numpy()
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
        known = pd.notna(truth)
        accuracy = float(np.mean(predictions["prediction"].to_numpy()[known] == truth[known].astype(str)))
        majority = float(pd.Series(truth[known]).value_counts(normalize=True).iloc[0])
        assert accuracy > majority, "the model must beat always guessing the majority class"
    else:
        error = np.sqrt(np.mean((predictions["prediction"].to_numpy() - truth) ** 2))
        assert error < np.std(truth) * 0.7
    lone = kuai("predict", str(out / "model.onnx"), str(source), "--out", str(tmp_path / "q.csv"), home=home)
    assert lone.returncode == 0, lone.stderr
    assert pd.read_csv(tmp_path / "q.csv", keep_default_na=False).equals(predictions)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_the_scoring_sandbox_predicts_as_onnx_runtime_in_process(name: str,
                                                                 trained: dict[str, tuple[Path, float]]) -> None:
    """The model opened and scored in a child process answers exactly as a session in this process (as Kuai scored
    before the sandbox), notes included."""
    from dataclasses import replace

    from kuai import engine
    from kuai.app.services.scoring import load_model, score_table
    from kuai.exporters import OnnxScorer

    out, _ = trained[name]
    data = engine.read_table(SAMPLES / name)
    model = load_model(out)
    try:
        sandboxed = score_table(model, data)
    finally:
        model.close()
    in_process = score_table(replace(model, scorer=OnnxScorer(out / "model.onnx")), data)
    pd.testing.assert_frame_equal(sandboxed.predictions, in_process.predictions)
    assert sandboxed.notes == in_process.notes


@pytest.mark.slow
def test_training_is_an_mlflow_run(sample_runs: dict[str, SampleRun]) -> None:
    import mlflow

    out, home = sample_runs["customer_churn.csv"].out, sample_runs["customer_churn.csv"].home
    receipt = out / "mlflow_spool.done"
    deadline = time.monotonic() + 60
    while not receipt.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    payload = json.loads(receipt.read_text())
    assert payload["ok"], payload
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    run = client.get_run(payload["mlflow_run_id"])
    assert run.data.params["target"] == "churn"
    assert 0.5 < run.data.metrics["cv_score"] <= 1.0
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"model.onnx", "model_card.json", "leaderboard.csv", "report.html"} <= artifacts


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "EMPTY_FILE"), (b"\x89PNG\r\n\x1a\n\x00\x00", "BINARY_FILE")],
)
def test_bad_data_exits_2_with_one_coded_line(content: bytes, code: str, home: Path, tmp_path: Path,
                                              reliability: Any) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    for command in (["profile", str(bad)], ["train", str(bad), "--time-budget", "5", "--out", str(tmp_path / "o")]):
        result = kuai(*command, home=home)
        reliability.bad_input("coded" if result.returncode == 2 and f"[{code}]" in result.stderr else "crash")
        assert result.returncode == 2
        assert f"[{code}]" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_header_only_file_is_profiled_and_refused_for_training(home: Path, tmp_path: Path,
                                                                 reliability: Any) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"id,age,ward\n")
    profiled = kuai("profile", str(empty), home=home)
    assert profiled.returncode == 0 and profiled.stdout.startswith("0 rows × 3 columns")
    assert "read: the file has a header but no rows" in profiled.stdout
    trained = kuai("train", str(empty), "--time-budget", "5", "--out", str(tmp_path / "o"), home=home)
    reliability.bad_input("coded" if trained.returncode == 2 and "[HEADER_ONLY]" in trained.stderr else "crash")
    assert trained.returncode == 2 and len(trained.stderr.strip().splitlines()) == 1
    assert "[HEADER_ONLY]" in trained.stderr and "Traceback" not in trained.stderr


def test_reading_options_reach_profile_and_train(home: Path, tmp_path: Path) -> None:
    """A file whose header takes two rows, read with --header-rows 1: the second row is data; the JSON says what
    was used; a bad value is a usage error."""
    data = tmp_path / "grouped.csv"
    data.write_text("Region,Population,,Households,\n,2010,2020,2010,2020\n" + "".join(
        f"R{i},{100 + i},{120 + i},{40 + i},{45 + i}\n" for i in range(30)))
    guessed = json.loads(kuai("profile", str(data), "--json", home=home).stdout)
    assert guessed["reading"]["header_rows"] == 2 and guessed["n_rows"] == 30
    given = kuai("profile", str(data), "--json", "--header-rows", "1", "--delimiter", "comma", home=home)
    assert given.returncode == 0, given.stderr
    payload = json.loads(given.stdout)
    assert payload["reading"]["header_rows"] == 1 and payload["n_rows"] == 31
    assert any("read with your settings: header rows 1, delimiter ','" in n for n in payload["reading"]["notes"])
    bad = kuai("profile", str(data), "--encoding", "klingon", home=home)
    assert bad.returncode == 2 and bad.stderr.startswith("kuai: error [USAGE]: argument --encoding")


def test_usage_errors_exit_2(home: Path, tmp_path: Path) -> None:
    assert kuai("train", str(SAMPLES / "customer_churn.csv"), home=home).returncode == 2  # no --out
    unknown = kuai("train", str(SAMPLES / "customer_churn.csv"), "--target", "nope", "--time-budget", "5",
                   "--out", str(tmp_path / "o"), home=home)
    assert unknown.returncode == 2 and "[UNKNOWN_TARGET]" in unknown.stderr
    metric = kuai("train", str(SAMPLES / "customer_churn.csv"), "--metric", "rmse", "--time-budget", "5",
                  "--out", str(tmp_path / "o"), home=home)
    assert metric.returncode == 2 and "[BAD_METRIC]" in metric.stderr


@pytest.mark.slow
def test_predict_reads_the_file_as_told(trained: dict[str, tuple[Path, float]], home: Path, tmp_path: Path) -> None:
    """Two lines above the header that look like a header themselves (as many fields): only --skip-rows tells
    them apart; with it, one prediction per data row."""
    out, _ = trained["customer_churn.csv"]
    data = pd.read_csv(SAMPLES / "customer_churn.csv").head(40)
    junk = ",".join(["exported"] * data.shape[1])
    source = tmp_path / "new.csv"
    source.write_text(f"{junk}\n{junk}\n" + data.to_csv(index=False))
    told = kuai("predict", str(out), str(source), "--skip-rows", "2", "--out", str(tmp_path / "p.csv"), home=home)
    assert told.returncode == 0, told.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == len(data)


@pytest.mark.slow
def test_predict_with_missing_columns_is_a_clear_error(trained: dict[str, tuple[Path, float]], home: Path,
                                                       tmp_path: Path) -> None:
    out, _ = trained["customer_churn.csv"]
    partial = pd.read_csv(SAMPLES / "customer_churn.csv").drop(columns=["contract", "tenure_months"])
    partial.to_csv(tmp_path / "partial.csv", index=False)
    result = kuai("predict", str(out), str(tmp_path / "partial.csv"), "--out", str(tmp_path / "p.csv"), home=home)
    assert result.returncode == 2
    assert "[MISSING_COLUMNS]" in result.stderr and "'contract'" in result.stderr
    assert not (tmp_path / "p.csv").exists()


def test_app_refuses_a_public_bind_without_the_explicit_flag(home: Path) -> None:
    result = kuai("app", "--host", "0.0.0.0", "--port", "8765", home=home, timeout=30)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "authenticat" in result.stderr


def test_app_command_is_secure_by_default() -> None:
    from kuai.app.services.launcher import streamlit_command

    command = streamlit_command(host="127.0.0.1", port=8501)
    settings = dict(zip(command[5::2], command[6::2], strict=False))
    assert settings["--server.address"] == "127.0.0.1"
    assert settings["--server.enableXsrfProtection"] == "true"
    assert int(settings["--server.maxUploadSize"]) <= 200
    assert settings["--server.headless"] == "true"  # no browser unless asked for


def test_kuai_app_opens_the_browser_only_where_there_is_a_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """``kuai app`` opens the browser (Streamlit does, once it listens) unless ``--no-browser``; a session without a
    screen never tries (Python's fallback would start a text browser in the terminal)."""
    from kuai.app.cli_arguments import build_parser
    from kuai.app.services import launcher

    started: list[list[str]] = []
    monkeypatch.setattr(launcher.os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.setattr(launcher, "copy_samples", lambda folder: None)
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    from tests.servers import free_port

    port = free_port()
    for display, no_browser, headless in [("", False, "true"), (":0", False, "false"), (":0", True, "true")]:
        monkeypatch.setenv("DISPLAY", display)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        arguments = build_parser().parse_args(["app", "--port", str(port), *(["--no-browser"] if no_browser else [])])
        assert launcher.launch_app(host=arguments.host, port=arguments.port, allow_remote=False,
                                   open_browser=not arguments.no_browser) == 0
        command = started.pop()
        assert command[command.index("--server.headless") + 1] == headless, (display, no_browser)


def test_profile_json_is_strict_json_with_infinities(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "inf.csv"
    data.write_text("x,y\n1,a\ninf,b\n3,a\n-inf,b\n5,a\n")
    result = kuai("profile", str(data), "--json", home=home)
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


def test_unwritable_out_is_bad_input(home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = kuai("train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "5", "--out", str(blocker / "o"),
                  home=home)
    assert result.returncode == 2 and "[BAD_OUTPUT_DIR]" in result.stderr


def test_predict_refuses_a_file_that_is_not_a_kuai_model(home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"this is not an onnx model")
    result = kuai("predict", str(fake), str(SAMPLES / "customer_churn.csv"), "--out", str(tmp_path / "p.csv"),
                  home=home)
    assert result.returncode == 2 and "[BAD_MODEL]" in result.stderr and "Traceback" not in result.stderr


def _messy_patients(path: Path) -> Path:
    """A semicolon file with a title line, repeated rows and a column that gives the outcome away."""
    rng = np.random.default_rng(5)
    n = 400
    outcome = rng.choice(["yes", "no"], n)
    frame = pd.DataFrame({"age": rng.integers(20, 90, n), "bmi": rng.normal(27, 4, n).round(1),
                          "ward": rng.choice(["A", "B", "C"], n),
                          "discharge_code": np.where(outcome == "yes", "R1", "H0"), "readmitted": outcome})
    frame = pd.concat([frame, frame.head(20)], ignore_index=True)
    path.write_text("Ward export 2024\n" + frame.to_csv(index=False, sep=";"), encoding="utf-8")
    return path


def test_profile_json_shows_reading_notes_and_fixes(home: Path, tmp_path: Path) -> None:
    done = kuai("profile", str(_messy_patients(tmp_path / "p.csv")), "--json", home=home)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["reading"]["delimiter"] == ";"
    assert any("above the header" in note for note in payload["reading"]["notes"])
    assert payload["target"]["suggested"] == "readmitted"
    assert len(payload["target"]["candidate_reasons"]) == len(payload["target"]["candidates"])
    fixes = {w["code"]: w["fix"] for w in payload["warnings"]}
    assert fixes["TARGET_LEAKAGE"]["action"] == "exclude_column"
    assert fixes["TARGET_LEAKAGE"]["columns"] == ["discharge_code"]
    assert fixes["DUPLICATE_ROWS"]["action"] == "drop_duplicate_rows"
    assert payload["n_folds"] >= 2 and payload["validation_reason"]


def test_bad_type_override_is_a_usage_error(home: Path, tmp_path: Path) -> None:
    done = kuai("profile", str(_messy_patients(tmp_path / "p.csv")), "--type", "age=number", home=home)
    assert done.returncode == 2
    assert "[USAGE]" in done.stderr and "age=number" in done.stderr and "Traceback" not in done.stderr


def test_train_takes_type_overrides_exclusions_and_suggested_fixes(home: Path, tmp_path: Path) -> None:
    out, data = tmp_path / "out", _messy_patients(tmp_path / "p.csv")
    unique_rows = len(pd.read_csv(data, sep=";", skiprows=1).drop_duplicates())
    done = kuai("train", str(data), "--time-budget", "10", "--out", str(out), "--families", "mlp,linear",
                "--type", "age=categorical", "--exclude", "bmi", "--apply-fixes", home=home)
    assert done.returncode == 0, done.stderr
    trials = json.loads((out / "trials.json").read_text())
    assert "mlp" in {t["family"] for t in trials} <= {"mlp", "linear"}  # only the families asked for, in their order
    card = json.loads((out / "model_card.json").read_text())
    inputs = {column["name"]: column for column in card["input_schema"]}
    assert "bmi" not in inputs and "discharge_code" not in inputs
    assert inputs["age"]["type"] == "categorical"
    choices = card["your_choices"]
    assert choices["type_overrides"] == {"age": "categorical"} and choices["excluded_columns"] == ["bmi"]
    assert choices["families"] == ["mlp", "linear"]
    assert {fix["action"] for fix in choices["fixes"]} >= {"exclude_column", "drop_duplicate_rows"}
    assert card["data_fingerprint"]["n_rows"] == unique_rows < 420  # the repeated rows were dropped


def test_train_exports_the_closest_model_when_none_is_within_the_limits(home: Path, tmp_path: Path) -> None:
    bad = kuai("train", str(SAMPLES / "customer_churn.csv"), "--out", str(tmp_path / "bad"), "--max-size-mb", "-1",
               home=home)
    assert bad.returncode == 2 and "[USAGE]" in bad.stderr and "--max-size-mb" in bad.stderr
    out = tmp_path / "out"
    # 30 s: two models or more to choose the fastest from, on a slow machine too (at 20 s one finished on CI's)
    done = kuai("train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "30", "--out", str(out),
                "--max-latency-ms", "0.000001", home=home)
    assert done.returncode == 0, done.stderr
    card = json.loads((out / "model_card.json").read_text())
    limits = card["limits"]
    assert limits["max_ms_per_row"] == 1e-6 and limits["max_size_mb"] is None and limits["met"] is False
    assert limits["note"].startswith("No model is within the limits") and limits["note"] in card["notes"]
    assert not card["model"]["is_ensemble"] and card["model"]["bagged_folds"] == 0  # one model, refitted
    assert limits["onnx_ms_per_row"] > 0 and limits["onnx_size_mb"] == pytest.approx(
        (out / "model.onnx").stat().st_size / 2**20)
    board = pd.read_csv(out / "leaderboard.csv")
    singles = board[~board["model"].str.startswith("ensemble")]
    assert len(singles) >= 2
    chosen = singles.loc[singles["model"] == card["model"]["name"], "predict_ms_per_1000_rows"]
    assert chosen.iloc[0] == singles["predict_ms_per_1000_rows"].min()  # the fastest single model
    saved = json.loads((out / "training_options.json").read_text())  # a resume keeps the limits
    assert saved["limits"] == {"max_ms_per_row": 1e-6, "max_size_mb": None}
    assert "against prediction time" in (out / "report.html").read_text()


@pytest.mark.slow
@pytest.mark.slow
def test_a_second_training_on_similar_data_starts_from_the_first_ones_best_models(
        sample_runs: dict[str, SampleRun], tmp_path: Path) -> None:
    """The first training is the session's churn run (tests/conftest.py): the only one its home has seen."""
    home, first = sample_runs["customer_churn.csv"].home, sample_runs["customer_churn.csv"].out
    second, fresh = tmp_path / "second", tmp_path / "fresh"
    args = ("train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "8", "--out")
    learned = [json.loads(line) for line in (home / "experience.jsonl").read_text().splitlines()]
    assert len(learned) == 1 and learned[0]["run"] == str(first.resolve()) and learned[0]["configs"]
    assert learned[0]["traits"]["n_rows"] == 2000 and learned[0]["traits"]["task"] == "binary"
    done = kuai(*args, str(second), home=home)
    assert done.returncode == 0 and "started from the" in done.stdout
    card = json.loads((second / "model_card.json").read_text())
    assert card["warm_start"]["run"] == str(first.resolve())
    assert any(note.startswith("The search started") for note in card["notes"])
    trial = json.loads((second / "trials.json").read_text())[0]
    assert {"family": trial["family"], **trial["params"]} == learned[0]["configs"][0]
    alone = kuai(*args, str(fresh), "--ignore-past-runs", home=home)
    assert alone.returncode == 0 and "started from the" not in alone.stdout
    assert json.loads((fresh / "model_card.json").read_text())["warm_start"] is None


def test_predict_applies_the_recorded_decision_threshold(trained: dict[str, tuple[Path, float]], home: Path,
                                                         tmp_path: Path) -> None:
    import shutil

    from kuai.engine import ThresholdChoice
    from kuai.exporters import save_threshold

    out = tmp_path / "model"
    shutil.copytree(trained["customer_churn.csv"][0], out)
    data = str(SAMPLES / "customer_churn.csv")
    assert kuai("predict", str(out), data, "--out", str(tmp_path / "plain.csv"), home=home).returncode == 0
    # a threshold the model's own probabilities cross (a weak model on a busy machine may never reach 0.8)
    threshold = round(float(pd.read_csv(tmp_path / "plain.csv")["proba_yes"].quantile(0.9)), 4)
    save_threshold(out, ThresholdChoice(threshold=threshold, positive_class="yes", source="chosen"))
    result = kuai("predict", str(out / "model.onnx"), data, "--out", str(tmp_path / "p.csv"), home=home)
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    called_yes = predictions["prediction"] == "yes"
    assert called_yes.equals(predictions["proba_yes"] >= threshold)
    assert 0 < called_yes.sum() != (predictions["proba_yes"] >= 0.5).sum()


@pytest.mark.parametrize("name", ["customer_churn.csv", "machine_failure_type.csv"])  # regression: as binary
def test_export_refits_another_leaderboard_model_with_its_own_card_and_parity(
        name: str, trained: dict[str, tuple[Path, float]], home: Path, tmp_path: Path) -> None:
    out, _ = trained[name]
    board = pd.read_csv(out / "leaderboard.csv")
    chosen = json.loads((out / "model_card.json").read_text())["model"]["name"]
    # the best model that was not exported (a stack is exported by its training only: its fold models are not kept,
    # and the export refuses it by name); if the budget left only one, its refit reproduces it (unless bagged)
    other = next((m for m in board["model"] if m not in (chosen, "stack")), chosen)
    result = kuai("export", str(out), "--model", other, home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    folder = out / "models" / other
    card = json.loads((folder / "model_card.json").read_text())
    assert card["model"]["name"] == other and card["parity"]["passed"]
    assert card["cv_score"] == pytest.approx(float(board.loc[board["model"] == other, "score"].iloc[0]), rel=1e-4)
    assert {"model.onnx", "report.html", "README.md", "score.py"} <= {p.name for p in folder.iterdir()}
    data = SAMPLES / name
    for model, file in ((out, "chosen.csv"), (folder, "other.csv")):
        assert kuai("predict", str(model), str(data), "--out", str(tmp_path / file), home=home).returncode == 0
    chosen_p, other_p = pd.read_csv(tmp_path / "chosen.csv"), pd.read_csv(tmp_path / "other.csv")
    target, classes = CASES[name]
    actual = pd.read_csv(data)[target]
    column = f"proba_{classes[-1]}" if classes else "prediction"
    bagged = json.loads((out / "model_card.json").read_text())["model"]["bagged_folds"]
    if other == chosen and not bagged:
        np.testing.assert_allclose(other_p[column], chosen_p[column], rtol=1e-6, atol=1e-6)
    elif other != chosen:  # a different model, and a sensible one
        assert not np.allclose(chosen_p[column], other_p[column])
    # else: training exported the model bagged from its fold models; the export refits it on all rows
    if classes:
        assert (other_p["prediction"].astype(str) == actual.astype(str)).mean() > 0.6
    else:
        assert np.corrcoef(other_p["prediction"], actual)[0, 1] > 0.8


def test_export_refuses_an_unknown_model_and_changed_data(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "churn.csv"
    data.write_bytes((SAMPLES / "customer_churn.csv").read_bytes())
    out = tmp_path / "run"
    assert kuai("train", str(data), "--time-budget", "6", "--out", str(out), home=home).returncode == 0
    unknown = kuai("export", str(out), "--model", "../../etc", home=home)
    assert unknown.returncode == 2 and "[UNKNOWN_MODEL]" in unknown.stderr
    stack = kuai("export", str(out), "--model", "stack", home=home)  # on a leaderboard, never kept for export
    assert stack.returncode == 2 and "[UNKNOWN_MODEL]" in stack.stderr and "by its training only" in stack.stderr
    assert not (out / "models").exists()
    data.write_bytes(data.read_bytes() + b"\n")  # any change: the rows may differ
    model = pd.read_csv(out / "leaderboard.csv")["model"].iloc[-1]
    changed = kuai("export", str(out), "--model", model, home=home)
    assert changed.returncode == 2 and "[DATA_CHANGED]" in changed.stderr


def _finished_trials(database: Path) -> dict[int, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="kuai", storage=f"sqlite:///{database}")
    return {t.number: float(t.user_attrs["score"]) for t in study.trials if t.state.name == "COMPLETE"}


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["search", "refit", "export"])
def test_a_killed_training_resumes_with_every_finished_trial(kill_at: str, home: Path, tmp_path: Path,
                                                             reliability: Any) -> None:
    """SIGKILL during a trial, during the refit or during the export; `train --resume` loses no finished trial."""
    import signal
    import sqlite3

    out = tmp_path / "run"
    process = subprocess.Popen([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "24",
                                "--out", str(out)], env=dict(os.environ, KUAI_HOME=str(home)), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    database = out / "optuna.db"
    assert process.stdout is not None
    for line in process.stdout:  # progress lines: "[  12.3s] refit     Preparing …"
        if kill_at == "search":
            try:
                with sqlite3.connect(database) as connection:
                    done = connection.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
            except sqlite3.Error:
                done = 0
            if done >= 2:  # on a slow machine a 24 s training finishes three or four trials in all
                break
        elif f"] {kill_at} " in line:
            break
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL
    before = _finished_trials(database)
    assert len(before) >= 2 and not (out / "model_card.json").exists()

    started = time.monotonic()
    resumed = kuai("train", "--resume", str(out), home=home)
    wall = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    left = float(resumed.stdout.split("with ")[1].split(" s left")[0])
    assert 10 <= left < 24 and wall <= left + max(5.0, 0.1 * left) + 3.0  # + interpreter start-up
    trials = {t["number"]: t for t in json.loads((out / "trials.json").read_text())}
    lost = [n for n in before if n not in trials or trials[n]["state"] != "complete"]
    reliability.kill_point(resumed=not lost, lost_trials=len(lost))
    assert lost == [], f"finished trials lost by the kill: {lost}"
    assert all(trials[n]["score"] == pytest.approx(score) for n, score in before.items())
    import optuna

    study = optuna.load_study(study_name="kuai", storage=f"sqlite:///{database}")
    assert not [t for t in study.trials if t.state.name == "RUNNING"]  # the killed trial was failed, not left
    card = json.loads((out / "model_card.json").read_text())
    assert card["parity"]["passed"] and (out / "model.onnx").is_file()


def test_resume_of_a_folder_without_a_training_is_bad_input(home: Path, tmp_path: Path) -> None:
    result = kuai("train", "--resume", str(tmp_path), home=home)
    assert result.returncode == 2 and "[NOTHING_TO_RESUME]" in result.stderr
    assert kuai("train", "--out", str(tmp_path), home=home).returncode == 2  # no DATA, no --resume


def test_a_training_writes_only_names_kuai_may_replace(trained: dict[str, tuple[Path, float]]) -> None:
    """``--overwrite`` removes Kuai's own outputs by name (kuai.storage.output_folder.KUAI_OUTPUTS): every entry a real
    training leaves must be one of them, or a later --overwrite would refuse the folder as holding user files."""
    from kuai.storage import is_kuai_output

    for out, _ in trained.values():
        assert [p.name for p in out.iterdir() if not is_kuai_output(p.name)] == []


@pytest.mark.parametrize("argv", [
    ["train", "data.csv", "--target", "y", "--out", "o", "--time-bud", "30"],  # not --time-budget
    ["train", "data.csv", "--tar", "y", "--out", "o"],
    ["predict", "model", "data.csv", "--out", "p.csv", "--over"],
    ["profile", "data.csv", "--targ", "y"],
    ["--vers"],
])
def test_abbreviated_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str],
                                              reliability: Any) -> None:
    """No option is guessed from a prefix, in the main parser or any sub-command's."""
    from kuai.app.cli import build_parser

    with pytest.raises(SystemExit) as ended:
        build_parser().parse_args(argv)
    assert ended.value.code == 2
    assert "[USAGE]" in capsys.readouterr().err
    reliability.bad_input("coded")
