"""The user's choices are kept with the dataset, not in the tab: a reload, a new tab or a restart of the app finds
them in force (and not offered again), and a training started afterwards uses them.

Each "reload" is a new AppTest: a new session whose ``st.session_state`` is empty, as after a reload or in a new
tab. No worker is started: the Train page's button records the run (its config is what the worker trains with,
through ``options_for_run``), and the data the training would see is rebuilt without training.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import new_app


def _texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def _page(dataset_id: str | None, page: str) -> AppTest:
    """A fresh session (a reload, or a new tab with the page's URL) on ``page``."""
    at = new_app()
    if dataset_id is not None:
        at.query_params["dataset"] = dataset_id
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, words: str) -> Any:
    matches = [b for b in at.button if words.lower() in b.label.lower()]
    assert matches, [b.label for b in at.button]
    return matches[0]


def _check_codes(at: AppTest) -> set[str]:
    tables = [t.value for t in at.dataframe if "code" in t.value.columns]
    return set(tables[0]["code"]) if tables else set()


@pytest.fixture()
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Train page records its run but starts no training process."""
    monkeypatch.setattr("kuai.app.services.jobs._spawn", lambda run_id, resume=False: None)


def _start_training(dataset_id: str) -> dict[str, Any]:
    """A new session's Train page starts a training; the run's config, as the worker reads it."""
    from kuai.storage import load_run

    at = _page(dataset_id, "views/train.py")
    _button(at, "Start training").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return load_run(at.query_params["run"]).config.to_dict()


def _trained_on(config: dict[str, Any]) -> tuple[Any, Any]:
    """The rows and the task spec the training of this run would use (no training)."""
    from kuai.app.processes.run_worker import options_for_run
    from kuai.app.services.training import frame_and_spec
    from kuai.engine import read_table
    from kuai.storage import RunConfig

    options = options_for_run("checked", RunConfig.from_dict(config))
    frame, spec, _ = frame_and_spec(read_table(options.data_path), options)
    return frame, spec


def test_a_fix_is_kept_after_a_reload_not_offered_again_and_trained_with(messy_id: str, no_worker: None) -> None:
    at = _page(messy_id, "views/task.py")
    assert "DUPLICATE_ROWS" in _check_codes(at)
    repeated = _button(at, "repeated")
    label = repeated.label
    n_repeated = int(re.search(r"\d+", label).group())  # type: ignore[union-attr]
    repeated.click().run()
    at = _page(messy_id, "views/task.py")  # reload: this session knows nothing of the click
    assert "DUPLICATE_ROWS" not in _check_codes(at)
    assert label not in [b.label for b in at.button], "an applied fix must not be offered again"
    assert any(label in text for text in _texts(at.markdown)) and "Undo" in [b.label for b in at.button]
    config = _start_training(messy_id)
    assert [fix["action"] for fix in config["fixes"]] == ["drop_duplicate_rows"]
    frame, _ = _trained_on(config)
    assert len(frame) == 312 - n_repeated
    _button(_page(messy_id, "views/task.py"), "Undo").click().run()
    at = _page(messy_id, "views/task.py")  # the undo is kept too
    assert "DUPLICATE_ROWS" in _check_codes(at) and label in [b.label for b in at.button]
    assert "Undo" not in [b.label for b in at.button]
    assert _start_training(messy_id)["fixes"] == []


def test_type_changes_and_exclusions_are_kept_and_trained_with(messy_id: str, no_worker: None) -> None:
    at = _page(messy_id, "views/data.py")
    age_row = list(at.data_editor[0].value["column"]).index("age")
    at.session_state[f"types_{messy_id}"] = {"edited_rows": {age_row: {"type": "categorical"}}, "added_rows": [],
                                              "deleted_rows": []}
    at.run()
    at.switch_page("views/task.py").run()
    _button(at, "discharge_code").click().run()
    at = _page(messy_id, "views/data.py")  # a new session
    types = dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["type"], strict=True))
    why = dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["why"], strict=True))
    assert types["age"] == "categorical" and why["age"].startswith("changed by you")
    assert any("**age** → categorical" in text for text in _texts(at.info))
    at.switch_page("views/task.py").run()
    assert "TARGET_LEAKAGE" not in _check_codes(at)
    assert any("discharge_code (excluded by you" in text for text in _texts(at.caption))
    config = _start_training(messy_id)
    assert config["type_overrides"] == {"age": "categorical"}
    assert [(f["action"], f["columns"]) for f in config["fixes"]] == [("exclude_column", ["discharge_code"])]
    _, spec = _trained_on(config)
    assert "discharge_code" not in spec.features and str(spec.feature_types["age"]) == "categorical"


def test_target_task_metric_and_training_options_are_kept_after_a_restart(churn_id: str, no_worker: None) -> None:
    import streamlit as st

    at = _page(churn_id, "views/task.py")
    at.selectbox(key=f"target_{churn_id}").set_value("contract").run()
    at.selectbox(key=f"metric_{churn_id}_contract_multiclass").set_value("balanced_accuracy").run()
    at.switch_page("views/train.py").run()
    at.number_input(key="budget").set_value(30).run()
    at.number_input(key="seed").set_value(7).run()
    at.number_input(key="max_size_mb").set_value(5.0).run()
    at.toggle(key="class_weight_balanced").set_value(True).run()
    assert not at.exception
    st.cache_data.clear()  # a restart of the app: nothing cached, nothing in any session
    st.cache_resource.clear()
    at = _page(None, "views/data.py")  # a new tab without the dataset in its URL: the user picks it again
    at.selectbox(key="data_picker").set_value(churn_id).run()
    at.switch_page("views/task.py").run()
    assert at.selectbox(key=f"target_{churn_id}").value == "contract"
    assert at.selectbox(key=f"task_{churn_id}_contract").value == "multiclass"
    assert at.selectbox(key=f"metric_{churn_id}_contract_multiclass").value == "balanced_accuracy"
    at.switch_page("views/train.py").run()
    assert at.number_input(key="budget").value == 30 and at.number_input(key="seed").value == 7
    assert at.number_input(key="max_size_mb").value == 5.0 and at.toggle(key="class_weight_balanced").value
    config = _start_training(churn_id)
    assert {k: config[k] for k in ("target", "task", "metric", "time_budget_s", "seed", "max_size_mb",
                                   "max_latency_ms", "class_weight")} == {
        "target": "contract", "task": "multiclass", "metric": "balanced_accuracy", "time_budget_s": 30.0,
        "seed": 7, "max_size_mb": 5.0, "max_latency_ms": None, "class_weight": "balanced"}


def test_a_task_chosen_for_one_target_does_not_follow_another(churn_id: str, no_worker: None) -> None:
    at = _page(churn_id, "views/task.py")
    at.selectbox(key=f"metric_{churn_id}_churn_binary").set_value("accuracy").run()
    at.selectbox(key=f"target_{churn_id}").set_value("contract").run()
    at = _page(churn_id, "views/task.py")
    assert at.selectbox(key=f"metric_{churn_id}_contract_multiclass").value == "log_loss"  # Kuai's, for contract
    at.selectbox(key=f"target_{churn_id}").set_value("churn").run()
    at = _page(churn_id, "views/task.py")
    assert at.selectbox(key=f"metric_{churn_id}_churn_binary").value == "accuracy"  # the user's, for churn
    assert _start_training(churn_id)["metric"] == "accuracy"


def test_a_damaged_choices_file_is_set_aside_and_the_user_told(churn_id: str, home: Path, reliability: Any) -> None:
    from kuai.storage import update_choices

    update_choices(churn_id, target="contract")
    stored = home / "datasets" / "choices" / f"{churn_id}.json"
    stored.write_text('{"target": "contract", "fixes": 12')  # cut short by a crash of another tool
    at = new_app()
    at.query_params["dataset"] = churn_id
    at.run()  # the Data page is the first to read the choices: it tells
    warnings = _texts(at.warning)
    assert any("could not be read" in w and ".damaged-" in w for w in warnings), warnings
    at.switch_page("views/task.py").run()
    assert at.selectbox(key=f"target_{churn_id}").value == "churn"  # Kuai's suggestion again, and said so
    kept = list(stored.parent.glob(f"{churn_id}.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text().startswith('{"target"')
    reliability.guess(told=any("could not be read" in w for w in warnings))  # back to Kuai's suggestions
    reliability.user_files_checked(lost=0 if kept else 1)  # the user's earlier choices are kept aside
