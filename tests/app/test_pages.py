"""The pages, run headless with AppTest through the router, against a real home folder."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest

from kuai.storage import load_choices
from tests.app.helpers import CHURN, TRAIN_BUDGET_S, new_app, wait_for_job

PAGES = ("views/data.py", "views/task.py", "views/train.py", "views/results.py", "views/predict.py",
         "views/export.py", "views/runs.py")


def _texts(elements) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e.value) for e in elements]


def _no_exception(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]


# --- Data -----------------------------------------------------------------------------------------------------------

def test_data_page_lists_samples_and_profiles_churn(home: Path) -> None:
    from kuai.storage import list_datasets

    at = new_app().run()
    _no_exception(at)
    picker = at.selectbox(key="data_picker")
    names = {r.display_name for r in list_datasets()}
    assert {"customer_churn.csv", "house_prices.csv", "machine_failure_type.csv"} <= names
    assert any("customer_churn.csv" in label for label in picker.options)

    churn = next(r for r in list_datasets() if r.display_name == "customer_churn.csv")
    picker.set_value(churn.dataset_id)
    at.run()
    _no_exception(at)
    assert at.query_params["dataset"] == churn.dataset_id
    assert at.session_state["dataset_id"] == churn.dataset_id
    assert {m.label: m.value for m in at.metric}["Rows"] == "2,000"
    types = dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["type"], strict=True))
    assert types["customer_id"] == "id"
    assert types["churn"] == "boolean"
    assert types["signup_date"] == "datetime"
    assert types["contract"] == "categorical"
    assert types["monthly_charges"] == "numeric"
    reasons = dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["why"], strict=True))
    assert "identifier" in reasons["customer_id"]
    preview = at.dataframe[0].value
    assert len(preview) == 50 and "customer_id" in preview.columns


def test_data_page_type_change_reaches_the_task_page(churn_id: str) -> None:
    at = new_app()
    at.query_params["dataset"] = churn_id
    at.run()
    at.session_state[f"types_{churn_id}"] = {"edited_rows": {9: {"type": "categorical"}}, "added_rows": [],
                                              "deleted_rows": []}
    at.run()
    _no_exception(at)
    assert any("support_calls" in text and "categorical" in text for text in _texts(at.info))
    assert load_choices(churn_id).type_overrides == {"support_calls": "categorical"}
    at.switch_page("views/train.py").run()
    _no_exception(at)
    assert any("type changes:** 1" in text for text in _texts(at.markdown))


def test_upload_of_a_good_file_selects_it(home: Path) -> None:
    at = new_app().run()
    at.file_uploader(key="data_uploader").set_value(("ward.csv", b"age,ward,readmitted\n" + b"".join(
        f"{20 + i % 30},{'ABC'[i % 3]},{'yes' if i % 4 == 0 else 'no'}\n".encode() for i in range(60)), "text/csv"))
    at.run()
    _no_exception(at)
    assert not at.error
    assert any(s.value == "ward.csv" for s in at.subheader)
    types = dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["type"], strict=True))
    assert types == {"age": "numeric", "ward": "categorical", "readmitted": "boolean"}
    assert at.query_params["dataset"] == at.session_state["dataset_id"]
    assert not list(home.rglob("ward*")), "the user's file name must never become a path"


@pytest.mark.parametrize(("content", "code"), [
    (b"", "[EMPTY_FILE]"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "[BINARY_FILE]"),
])
def test_upload_of_a_bad_file_shows_a_coded_error(home: Path, content: bytes, code: str) -> None:
    at = new_app().run()
    at.file_uploader(key="data_uploader").set_value(("broken.csv", content, "text/csv"))
    at.run()
    _no_exception(at)
    errors = _texts(at.error)
    assert len(errors) == 1 and code in errors[0] and "broken.csv" in errors[0]
    assert "Traceback" not in errors[0]
    assert "dataset" not in at.query_params


# --- Task and Train (no training) -----------------------------------------------------------------------------------

def test_task_page_suggests_churn_binary_and_roc_auc(churn_id: str) -> None:
    at = new_app()
    at.query_params["dataset"] = churn_id
    at.run()
    at.switch_page("views/task.py").run()
    _no_exception(at)
    assert at.selectbox(key=f"target_{churn_id}").value == "churn"
    assert at.selectbox(key=f"task_{churn_id}_churn").value == "binary"
    assert at.selectbox(key=f"metric_{churn_id}_churn_binary").value == "roc_auc"
    captions = " ".join(_texts(at.caption))
    assert "Kuai suggests **churn**" in captions and "usual name" in captions
    assert "satisfaction" in captions  # a runner-up candidate
    assert "two distinct values" in captions
    assert "5-fold stratified" in captions and "from a 240 s budget (Train page), 8 folds" in captions
    checks = at.dataframe[0].value
    assert "ID_COLUMN" in set(checks["code"]) and "customer_id" in set(checks["column"])
    assert {"what Kuai found", "what to do"} <= set(checks.columns)


@pytest.mark.parametrize(("sample", "target", "task", "metric"), [
    ("house_prices.csv", "price", "regression", "rmse"),
    ("machine_failure_type.csv", "failure_type", "multiclass", "log_loss"),
])
def test_task_page_on_the_other_samples(home: Path, sample: str, target: str, task: str, metric: str) -> None:
    from kuai.storage import store_dataset_file

    dataset_id = store_dataset_file(CHURN.parent / sample).dataset_id
    at = new_app()
    at.query_params["dataset"] = dataset_id
    at.run()
    at.switch_page("views/task.py").run()
    _no_exception(at)
    assert at.selectbox(key=f"target_{dataset_id}").value == target
    assert at.selectbox(key=f"task_{dataset_id}_{target}").value == task
    assert at.selectbox(key=f"metric_{dataset_id}_{target}_{task}").value == metric


def test_task_choices_reach_the_train_page(churn_id: str) -> None:
    at = new_app()
    at.query_params["dataset"] = churn_id
    at.run()
    at.switch_page("views/task.py").run()
    at.selectbox(key=f"metric_{churn_id}_churn_binary").set_value("pr_auc")
    at.run()
    _no_exception(at)
    at.switch_page("views/train.py").run()
    _no_exception(at)
    plan = " ".join(_texts(at.markdown))
    assert "**predict:** churn" in plan and "PR AUC" in plan
    assert at.number_input(key="budget").value == 60 and at.number_input(key="budget").min == 10
    assert [b.label for b in at.button] == ["Start training"]


def test_an_impossible_target_is_explained_not_raised(churn_id: str) -> None:
    at = new_app()
    at.query_params["dataset"] = churn_id
    at.run()
    at.switch_page("views/task.py").run()
    at.selectbox(key=f"target_{churn_id}").set_value("customer_id")
    at.run()
    _no_exception(at)
    assert at.error, "choosing an identifier as target must show a reason"
    assert all("Traceback" not in e for e in _texts(at.error))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_guides_a_new_user_without_errors(home: Path, page: str) -> None:
    at = new_app().run()
    at.switch_page(page).run()
    _no_exception(at)
    assert not at.error
    if page != "views/data.py":
        assert at.info, "an empty page must say what to do first"


def test_a_run_in_the_url_that_this_home_does_not_hold_is_said(home: Path, reliability) -> None:  # type: ignore[no-untyped-def]
    """`/?run=../../../etc/passwd` or an unknown id: nothing read, and once the page said nothing at all."""
    for value in ("../../../etc/passwd", "nonexistent123", "x" * 300 + "*_[a](b)"):
        at = new_app()
        at.query_params["run"] = value
        at.run()
        _no_exception(at)
        warnings = " ".join(_texts(at.warning))
        reliability.bad_input("coded" if "No run '" in warnings else "crash")
        assert "in this Kuai home" in warnings and "run" not in at.query_params
        assert "root:" not in warnings and len(warnings) < 400  # nothing read; the value clipped
    assert "\\.\\./" in " ".join(_texts(new_app_with_run("../x").warning))  # escaped, not Markdown


def new_app_with_run(value: str):  # type: ignore[no-untyped-def]
    at = new_app()
    at.query_params["run"] = value
    return at.run()


# --- With a finished run --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_train_page_reattaches_to_the_run_in_the_url(finished_home: tuple[str, str]) -> None:
    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/train.py").run()
    _no_exception(at)
    success = " ".join(_texts(at.success))
    assert "Training finished" in success and "ROC AUC" in success
    board = at.dataframe[-1].value
    assert len(board) >= 1 and "ROC AUC" in board.columns
    assert board["ROC AUC"].is_monotonic_decreasing


@pytest.mark.slow
def test_results_page_shows_summary_leaderboard_explanations_and_report(finished_home: tuple[str, str]) -> None:
    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/results.py").run()
    _no_exception(at)
    assert not at.error
    assert any("On rows it had not seen" in text for text in _texts(at.info))
    board = at.dataframe[0].value
    assert {"rank", "model", "ROC AUC", "± (spread over folds)", "fit time (s)", "predict ms / 1,000 rows",
            "settings"} <= set(board.columns)
    assert list(board["rank"]) == list(range(1, len(board) + 1))
    assert "lightgbm_" not in " ".join(board["model"])  # plain names, not internal ones
    assert [d.label for d in at.download_button] == ["Download the full report (HTML)"]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    kinds = [[trace["type"] for trace in chart["data"]] for chart in charts]
    # the leaderboard, score against prediction time (models, front, exported), importance, one row
    assert kinds[:3] == [["bar"], ["scatter", "scatter", "scatter"], ["bar"]] and ["waterfall"] in kinds
    assert ["heatmap"] in kinds and ["scatter", "scatter", "scatter"] in kinds[3:]  # confusion matrix, ROC curve
    titles = " | ".join(c["layout"]["title"]["text"] for c in charts)
    assert "Cross-validated" in titles and "Confusion matrix" in titles and "against prediction time" in titles
    assert any("chance" in text and "on average" in text.lower() for text in _texts(at.caption))
    row_picker = at.selectbox(key=f"row_{run_id}")
    assert "actual churn" in row_picker.options[0]
    original_row = at.dataframe[1].value
    assert len(original_row) == 1 and "customer_id" in original_row.columns
    row_picker.set_value(3)
    at.run()
    _no_exception(at)


@pytest.mark.slow
def test_export_page_shows_the_model_card_and_a_zip(finished_home: tuple[str, str]) -> None:
    from kuai.app.components.results import bundle_zip

    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/export.py").run()
    _no_exception(at)
    assert [d.label for d in at.download_button] == ["Download the model package (zip)"]
    assert any("Faithful export" in s for s in _texts(at.success))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Predicts"] == "churn" and "ROC AUC (cross-validated)" in metrics
    schema = at.dataframe[0].value
    assert "contract" in set(schema["column"]) and "customer_id" not in set(schema["column"])
    names = zipfile.ZipFile(io.BytesIO(bundle_zip(run_id))).namelist()
    assert sorted(names) == ["README.md", "leaderboard.csv", "model.onnx", "model_card.json", "package-lock.json",
                             "package.json", "report.html", "score.js", "score.py", "threshold.json"]


@pytest.mark.slow
def test_export_page_prepares_another_leaderboard_model_in_the_background(finished_home: tuple[str, str]) -> None:
    from kuai.app.components.labels import model_label
    from kuai.app.services.exports import export_state

    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/export.py").run()
    _no_exception(at)
    picker = at.selectbox(key=f"export_model_{run_id}")
    chosen = picker.value  # the recommended model comes first
    assert picker.options[0] == f"{model_label(chosen)} (recommended)"
    name = next(n for n in _kept_models(run_id) if n != chosen)
    picker.set_value(name).run()
    _no_exception(at)
    assert not at.download_button and any("has not been exported yet" in t for t in _texts(at.info))
    at.button(key=f"prepare_{run_id}_{name}").click().run()
    _no_exception(at)
    deadline = time.monotonic() + 120
    while export_state(run_id, name, "?").status == "running" and time.monotonic() < deadline:
        time.sleep(1)
    assert export_state(run_id, name, "?").status == "ready", export_state(run_id, name, "?").message
    at.run()
    _no_exception(at)
    assert [d.label for d in at.download_button] == ["Download the model package (zip)"]
    assert any("Faithful export" in s for s in _texts(at.success))
    card = json.loads((export_state(run_id, name, "?").folder / "model_card.json").read_text())
    assert card["model"]["name"] == name and card["parity"]["passed"]


def _kept_models(run_id: str) -> list[str]:
    from kuai.app.services.exports import exportable_models
    from kuai.app.services.jobs import outputs_dir

    return exportable_models(outputs_dir(run_id))


def _waterfall_total(at) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    """The last row-explanation chart's title and where its bars end (base plus every contribution)."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    chart = [c for c in charts if c["layout"]["title"]["text"].startswith("Why this row")][-1]
    x = chart["data"][0]["x"]
    return chart["layout"]["title"]["text"], float(sum(x))


@pytest.mark.slow
def test_predict_page_explains_a_typed_row_and_a_scored_row_on_the_exported_model(
        finished_home: tuple[str, str]) -> None:
    import pandas as pd

    from kuai.app.services.jobs import outputs_dir
    from kuai.app.services.scoring import load_model, predict_frame

    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/predict.py").run()
    _no_exception(at)
    explanation = json.loads((outputs_dir(run_id) / "explanation.json").read_text())
    typed = pd.DataFrame(explanation["sample_data"][:1], columns=explanation["columns"])
    model = load_model(outputs_dir(run_id))
    expected = float(predict_frame(model, typed)["proba_yes"].iloc[0])
    title, total = _waterfall_total(at)
    assert total == pytest.approx(expected, abs=1e-5)  # the bars end at the exported model's probability
    assert f"{expected:.0%} chance of 'yes'" in title
    uploader = at.file_uploader(key=f"predict_upload_{run_id}")
    uploader.set_value(("new_customers.csv", CHURN.read_bytes(), "text/csv"))
    at.run()
    _no_exception(at)
    at.selectbox(key=f"why_{run_id}").set_value(3).run()
    _no_exception(at)
    scored = predict_frame(model, pd.read_csv(CHURN).iloc[[3]])
    title, total = _waterfall_total(at)
    assert total == pytest.approx(float(scored["proba_yes"].iloc[0]), abs=1e-5)


@pytest.mark.slow
def test_predict_page_scores_an_upload_and_refuses_missing_columns(finished_home: tuple[str, str]) -> None:
    run_id, _ = finished_home
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/predict.py").run()
    _no_exception(at)
    uploader = at.file_uploader(key=f"predict_upload_{run_id}")
    assert not at.warning
    content = CHURN.read_bytes().replace(b",month-to-month,", b",monthly plan,", 3)
    uploader.set_value(("new_customers.csv", content, "text/csv"))
    at.run()
    _no_exception(at)
    warnings = _texts(at.warning)
    assert len(warnings) == 1 and "'contract': 'monthly plan' (3 rows)" in warnings[0]
    shown = at.dataframe[-1].value
    assert list(shown.columns[:3]) == ["prediction", "proba_no", "proba_yes"]
    assert "customer_id" in shown.columns and len(shown) == 50
    assert [d.label for d in at.download_button] == ["Download predictions (CSV)"]
    import pandas as pd

    unreadable = pd.read_csv(CHURN).astype({"tenure_months": object})
    unreadable.loc[:4, "tenure_months"] = "abc"  # text in a numeric column: scored as missing, and said
    at.file_uploader(key=f"predict_upload_{run_id}").set_value(
        ("text_in_numbers.csv", unreadable.to_csv(index=False).encode(), "text/csv"))
    at.run()
    _no_exception(at)
    warnings = _texts(at.warning)
    assert len(warnings) == 1 and "'tenure_months': 5 values are not numbers (e.g. 'abc')" in warnings[0]
    assert len(at.dataframe[-1].value) == 50
    at.file_uploader(key=f"predict_upload_{run_id}").set_value(("wrong.csv", b"a,b\n1,2\n3,4\n", "text/csv"))
    at.run()
    _no_exception(at)
    errors = _texts(at.error)
    assert len(errors) == 1 and "[MISSING_COLUMNS]" in errors[0] and "wrong.csv" in errors[0]


def test_predict_upload_keeps_every_row_and_names_those_with_no_value(reliability) -> None:  # type: ignore[no-untyped-def]
    """The Predict page reads an upload as `kuai predict` does: one prediction per row, a row of only delimiters
    scored as missing values and named in a note (the notes are shown as warnings beside the predictions)."""
    from kuai.app.views.predict import read_upload

    frame, notes = read_upload(b"age,ward\n54,A\n,\n61,B\n\n47,C\n")
    assert frame["age"].isna().tolist() == [False, True, False, False]
    assert any("1 row has no value at all (row 2 of the data)" in note for note in notes), notes
    assert any("skipped 1 blank line between rows (line 5)" in note for note in notes), notes
    reliability.guess(told=True)


def _logged(run_id: str, within_s: float = 60.0):  # type: ignore[no-untyped-def]
    """The run's record once its MLflow logging has ended (the worker may have recorded it as still going)."""
    from kuai.storage import list_runs

    deadline = time.monotonic() + within_s
    record = next(r for r in list_runs() if r.run_id == run_id)
    while record.tracking.get("state") == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        record = next(r for r in list_runs() if r.run_id == run_id)
    return record


@pytest.mark.slow
def test_runs_page_lists_runs_and_cancels_a_queued_one(finished_home: tuple[str, str]) -> None:
    from kuai.storage import RunConfig, create_run, load_run

    run_id, dataset_id = finished_home
    queued = create_run(RunConfig(dataset_id=dataset_id, dataset_name="customer_churn.csv", target="churn",
                                  time_budget_s=30.0))
    at = new_app().run()
    at.switch_page("views/runs.py").run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert {run_id, queued.run_id} <= set(table["run"])
    assert {"finished", "waiting"} <= set(table["status"])
    finished = _logged(run_id)  # the worker's record says what became of its MLflow logging
    assert finished.tracking["state"] == "logged" and finished.tracking["mlflow_run_id"]
    assert finished.tracking["status_file"].endswith("outputs/mlflow_spool.done")
    at.selectbox(key="runs_picker").set_value(queued.run_id)
    at.run()
    at.button(key=f"cancel_{queued.run_id}").click()
    at.run()
    _no_exception(at)
    assert load_run(queued.run_id).status == "cancelled"


@pytest.mark.slow
def test_train_page_starts_a_run_and_follows_it_to_the_end(messy_id: str) -> None:
    """Choices made in one session (an exclusion, two fixes of rows, the budget, expert options) are those a
    training started from a new session (a reload, a new tab) uses: stored with the dataset, not in the tab."""
    import pandas as pd

    from kuai.storage import get_dataset, list_runs

    at = new_app()
    at.query_params["dataset"] = messy_id
    at.run()
    at.switch_page("views/task.py").run()
    for words in ("discharge_code", "repeated", "without"):  # leave the leak out, repeated and unlabelled rows
        next(b for b in at.button if words in b.label).click().run()
        _no_exception(at)
    at.switch_page("views/train.py").run()
    at.number_input(key="budget").set_value(10).run()
    at.number_input(key="max_latency_ms").set_value(0.0001).run()  # expert mode: no model is this fast
    at.toggle(key="class_weight_balanced").set_value(True).run()
    at.multiselect(key="families").set_value(["lightgbm", "mlp"]).run()  # the perceptron only when chosen
    _no_exception(at)
    at = new_app()  # a reload: nothing of the session above is left
    at.query_params["dataset"] = messy_id
    at.run()
    at.switch_page("views/train.py").run()
    assert any("fixes applied:** 3" in text for text in _texts(at.markdown))
    next(b for b in at.button if b.label == "Start training").click().run()
    _no_exception(at)
    run_id = at.query_params["run"]
    assert [r.run_id for r in list_runs()] == [run_id]
    config = list_runs()[0].config.to_dict()
    assert config["time_budget_s"] == 10.0 and config["metric"] == "roc_auc" and len(config["fixes"]) == 3
    assert config["max_latency_ms"] == 0.0001 and config["max_size_mb"] is None
    assert config["class_weight"] == "balanced" and config["families"] == ["lightgbm", "mlp"]
    saw_progress = False
    deadline = time.monotonic() + TRAIN_BUDGET_S + 60
    while time.monotonic() < deadline and not at.success:
        time.sleep(1.0)
        at.run()
        _no_exception(at)
        saw_progress = saw_progress or bool(at.get("progress"))
    assert saw_progress, "the live region showed no progress bar while the job ran"
    assert any("Training finished" in s for s in _texts(at.success)), (_texts(at.error), _texts(at.info))
    from kuai.app.services.jobs import outputs_dir

    card = json.loads((outputs_dir(run_id) / "model_card.json").read_text())
    limits = card["limits"]
    assert limits["max_ms_per_row"] == 0.0001 and limits["met"] is False  # the worker trained within the limit
    assert card["your_choices"]["class_weight"] == "balanced"
    assert card["your_choices"]["families"] == ["lightgbm", "mlp"]
    assert {f["action"] for f in card["your_choices"]["fixes"]} == {
        "exclude_column", "drop_duplicate_rows", "drop_missing_target_rows"}
    assert "discharge_code" not in {c["name"] for c in card["input_schema"]}
    rows = pd.read_csv(get_dataset(messy_id).path).drop_duplicates().dropna(subset=["readmitted"])
    assert card["data_fingerprint"]["n_rows"] == len(rows)  # trained on the fixed rows


def test_one_click_fixes_apply_reach_training_and_undo(messy_id: str) -> None:
    at = new_app()
    at.query_params["dataset"] = messy_id
    at.run()
    at.switch_page("views/task.py").run()
    _no_exception(at)
    assert at.selectbox(key=f"target_{messy_id}").value == "readmitted"
    codes = set(at.dataframe[0].value["code"])
    assert {"TARGET_LEAKAGE", "DUPLICATE_ROWS", "MISSING_TARGET"} <= codes
    leak = next(b for b in at.button if "discharge_code" in b.label)
    leak.click().run()
    _no_exception(at)
    duplicates = next(b for b in at.button if "duplicate" in b.label.lower() or "repeat" in b.label.lower())
    duplicates.click().run()
    _no_exception(at)
    next(b for b in at.button if b.label.startswith("Remove") and "without" in b.label).click().run()
    _no_exception(at)
    assert not at.error, _texts(at.error)
    fixes = load_choices(messy_id).fixes
    assert {fix["action"] for fix in fixes} == {"exclude_column", "drop_duplicate_rows", "drop_missing_target_rows"}
    assert next(f for f in fixes if f["action"] == "drop_missing_target_rows")["for_target"] == "readmitted"
    codes = set(at.dataframe[0].value["code"]) if at.dataframe else set()
    assert not codes & {"TARGET_LEAKAGE", "DUPLICATE_ROWS", "MISSING_TARGET"}
    plan = " ".join(_texts(at.caption))
    assert "discharge_code" in plan and "excluded by you" in plan
    at.switch_page("views/train.py").run()
    _no_exception(at)
    assert any("fixes applied:** 3" in text for text in _texts(at.markdown))
    at.switch_page("views/task.py").run()
    next(b for b in at.button if b.label == "Undo").click().run()
    _no_exception(at)
    assert len(load_choices(messy_id).fixes) == 2
    assert "TARGET_LEAKAGE" in set(at.dataframe[0].value["code"])


@pytest.mark.slow
def test_a_training_that_stops_at_a_perfect_score_says_why_on_the_train_page(home: Path, tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from kuai.app.services.jobs import start_job
    from kuai.storage import RunConfig, store_dataset_file

    rng = np.random.default_rng(5)
    signal = rng.normal(size=300)
    path = tmp_path / "separable.csv"
    pd.DataFrame({"signal": signal.round(3), "noise": rng.normal(size=300).round(3),
                  "outcome": np.where(signal > 0, "yes", "no")}).to_csv(path, index=False)
    dataset = store_dataset_file(path)
    budget = 120.0
    run = start_job(RunConfig(dataset_id=dataset.dataset_id, dataset_name=dataset.display_name, target="outcome",
                              task="binary", metric="roc_auc", time_budget_s=budget, seed=0))
    record = wait_for_job(run.run_id, budget + 60)
    assert record.status == "finished", record.error
    assert float(record.summary.wall_time_s) < budget / 2  # it did not search to the end of its budget
    at = new_app()
    at.query_params["run"] = run.run_id
    at.run()
    at.switch_page("views/train.py").run()
    _no_exception(at)
    assert any("Training finished" in s for s in _texts(at.success))
    why = [s for s in _texts(at.info) if "The search stopped with" in s]
    assert len(why) == 1 and "the best possible ROC AUC" in why[0], _texts(at.info)
    shown = re.sub(r"\\(.)", r"\1", why[0]).replace("\u2060", "")  # as the reader sees it
    assert re.search(r"\) #\d+", shown) and not re.search(r"[a-z]_\d+", shown), shown  # "… (boosted trees) #0"
