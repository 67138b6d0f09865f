"""What the user picked, kept in the tab (``st.session_state``) and in the URL (``st.query_params``).

``st.session_state`` dies with the tab and the sidebar clears the URL's query
string, so each page reads the URL first, then the tab, and writes both back:
a reload or a link keeps the dataset and the run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from storage import RunRecord, get_dataset, load_run

DATASET_PARAM = "dataset"
RUN_PARAM = "run"


def _dataset_exists(dataset_id: str) -> bool:
    try:
        get_dataset(dataset_id)
    except (KeyError, OSError, ValueError, TypeError):
        return False
    return True


def _run_exists(run_id: str) -> bool:
    try:
        load_run(run_id)
    except (KeyError, OSError, ValueError, TypeError):
        return False
    return True


def current_dataset_id() -> str | None:
    for candidate in (st.query_params.get(DATASET_PARAM), st.session_state.get("dataset_id")):
        if candidate and _dataset_exists(candidate):
            remember_dataset(candidate)
            return str(candidate)
    return None


def remember_dataset(dataset_id: str) -> None:
    st.session_state["dataset_id"] = dataset_id
    if st.query_params.get(DATASET_PARAM) != dataset_id:
        st.query_params[DATASET_PARAM] = dataset_id


def current_run_id() -> str | None:
    for candidate in (st.query_params.get(RUN_PARAM), st.session_state.get("run_id")):
        if candidate and _run_exists(candidate):
            remember_run(candidate)
            return str(candidate)
    return None


def remember_run(run_id: str) -> None:
    st.session_state["run_id"] = run_id
    if st.query_params.get(RUN_PARAM) != run_id:
        st.query_params[RUN_PARAM] = run_id


def run_dataset(record: RunRecord) -> str | None:
    """Open the dataset a run was trained on (a link to a run carries its data along)."""
    dataset_id = str(record.config.get("dataset_id", ""))
    if dataset_id and _dataset_exists(dataset_id):
        remember_dataset(dataset_id)
        return dataset_id
    return None


def sync_url() -> None:
    """Put the tab's dataset and run back into the URL after the sidebar cleared it."""
    current_dataset_id()
    current_run_id()


def setup(dataset_id: str) -> dict[str, Any]:
    """The target, task, metric and type changes chosen for one dataset in this tab."""
    all_setups: dict[str, dict[str, Any]] = st.session_state.setdefault("setup", {})
    return all_setups.setdefault(dataset_id, {"type_overrides": {}})


def type_overrides(dataset_id: str) -> dict[str, str]:
    overrides: dict[str, str] = setup(dataset_id).setdefault("type_overrides", {})
    return overrides


def chosen_fixes(dataset_id: str) -> list[dict[str, Any]]:
    """The one-click fixes of the checks the user applied to this dataset (CheckFix as JSON)."""
    fixes: list[dict[str, Any]] = setup(dataset_id).setdefault("fixes", [])
    return fixes
