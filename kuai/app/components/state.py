"""What the user picked: the dataset and run in the URL (``st.query_params``) and the tab, the choices in storage.

``st.session_state`` dies with the tab and the sidebar clears the URL's query
string, so each page reads the URL first, then the tab, and writes both back:
a reload or a link keeps the dataset and the run. Everything the user chose for a
dataset (types, fixes, target, task, metric, training options) lives in the home
folder (``storage.load_choices``): the pages show the stored choice in each widget
and store a change from the widget's callback, so a reload, a new tab or a restart
of the app finds it again.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from kuai.engine import ColumnType, FixAction, TaskType, clip
from kuai.storage import DatasetChoices, RunRecord, get_dataset, load_choices, load_run, update_choices

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
    dataset_id = record.config.dataset_id
    if dataset_id and _dataset_exists(dataset_id):
        remember_dataset(dataset_id)
        return dataset_id
    return None


def sync_url() -> None:
    """Put the tab's dataset and run back into the URL after the sidebar cleared it; a run or dataset in the URL
    that this Kuai home does not hold (a mistyped or foreign link, a path) is said on the page, not ignored."""
    say_unknown_url_items()
    current_dataset_id()
    current_run_id()


def say_unknown_url_items() -> None:
    """A warning for each ``?run=`` / ``?dataset=`` value that names nothing here (nothing is read for it), shown
    clipped and escaped; the value is then dropped from the URL."""
    for param, what, exists in ((RUN_PARAM, "run", _run_exists), (DATASET_PARAM, "dataset", _dataset_exists)):
        value = st.query_params.get(param)
        if value and not exists(value):
            st.warning(f"No {what} '{markdown_literal(clip(str(value), 60))}' in this Kuai home: the link may be "
                       f"mistyped or come from another Kuai. Pick a {what} in the sidebar.")
            del st.query_params[param]


def markdown_literal(text: str) -> str:
    """``text`` shown as it is by Streamlit's Markdown (its special characters escaped; HTML is never rendered)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def choices(dataset_id: str) -> DatasetChoices:
    """What the user chose for this dataset, as stored in the home folder (shared by every tab, kept across
    reloads and restarts); a damaged file's note is shown once in this tab."""
    stored = load_choices(dataset_id)
    if stored.note:
        st.session_state.setdefault("choices_notes", []).append(stored.note)
    return stored


def change_choices(dataset_id: str, **changes: Any) -> None:
    """Store changed choices at once (widget callbacks call this); a failed write is told, not swallowed."""
    try:
        update_choices(dataset_id, **changes)
    except OSError as exc:
        st.session_state.setdefault("choices_notes", []).append(
            f"Your change could not be saved ({exc.strerror or exc}); it is lost after a reload. Free disk space "
            "in Kuai's home folder and make it again.")


def show_choice_notes() -> None:
    """What went wrong while reading or saving the user's choices, once."""
    for note in st.session_state.pop("choices_notes", []):
        st.warning(note, icon=":material/warning:")


def type_overrides(dataset_id: str) -> dict[str, str]:
    """The column types the user changed (column -> type); stored entries that are no type are left out."""
    known = {t.value for t in ColumnType}
    return {name: kind for name, kind in choices(dataset_id).type_overrides.items() if kind in known}


def chosen_fixes(dataset_id: str) -> list[dict[str, Any]]:
    """The one-click fixes of the checks the user applied to this dataset (CheckFix as JSON), in force now."""
    known = {a.value for a in FixAction}
    return [fix for fix in choices(dataset_id).fixes if fix.get("action") in known]


def stored_task(stored: DatasetChoices, target: str) -> str | None:
    """The task the user chose for this target (None: Kuai's, from the data)."""
    known = {t.value for t in TaskType}
    return stored.task if stored.task_for == target and stored.task in known else None


def stored_metric(stored: DatasetChoices, target: str, task: str | None) -> str | None:
    """The metric the user chose for this target and task (None: Kuai's)."""
    return stored.metric if task and stored.metric_for == (target, task) else None


def stored_group(stored: DatasetChoices, target: str) -> str | None:
    """The group column the user chose for this target ("": none; None: Kuai's choice)."""
    return stored.group if stored.group_for == target else None


def stored_time(stored: DatasetChoices, target: str) -> str | None:
    """The column the user chose to validate forward in time along, for this target (None: none)."""
    return stored.time if stored.time_for == target else None


def show_stored(key: str, value: Any) -> None:
    """Put a stored choice into widget ``key`` before it is drawn: storage holds the choice, not the tab."""
    st.session_state[key] = value
