"""Data page: pick a stored dataset or upload one, preview it, and check each column's type."""

from __future__ import annotations

import streamlit as st

from kuai.app.components.data import (
    dataset_label,
    load_frame,
    load_profile,
    reading_choice,
    reading_found,
    reading_notes,
)
from kuai.app.components.distributions import distributions_for
from kuai.app.components.profile_view import type_editor
from kuai.app.components.reading import adjust_reading
from kuai.app.components.state import (
    change_choices,
    current_dataset_id,
    remember_dataset,
    show_choice_notes,
    sync_url,
    type_overrides,
)
from kuai.engine import EngineError
from kuai.storage import list_datasets, store_dataset

PICKER, UPLOADER = "data_picker", "data_uploader"
UPLOAD_TYPES = ["csv", "tsv", "txt", "parquet", "gz", "xlsx"]


def _on_upload() -> None:
    """Store the uploaded bytes under a server-chosen name and select them."""
    uploaded = st.session_state.get(UPLOADER)
    st.session_state.pop("upload_error", None)
    if uploaded is None:
        return
    record = store_dataset(uploaded, uploaded.name)
    try:
        load_frame(record.dataset_id)
    except EngineError as exc:
        st.session_state["upload_error"] = (uploaded.name, str(exc), record.dataset_id)
        st.session_state.setdefault("unreadable", set()).add(record.dataset_id)
        return
    st.session_state.get("unreadable", set()).discard(record.dataset_id)
    remember_dataset(record.dataset_id)
    st.session_state[PICKER] = record.dataset_id


def _on_pick() -> None:
    remember_dataset(st.session_state[PICKER])


def choose_dataset() -> str | None:
    if "upload_error" in st.session_state:
        _pick_once_readable(st.session_state["upload_error"][2])
    left, right = st.columns(2, gap="large")
    with right:
        st.file_uploader("…or upload your own table (CSV, TSV, Parquet, gzip'd CSV or Excel)", type=UPLOAD_TYPES,
                         key=UPLOADER, on_change=_on_upload,
                         help="The file is stored in Kuai's home folder on this machine; nothing leaves it.")
    current = current_dataset_id()
    unreadable = st.session_state.get("unreadable", set())
    records = {r.dataset_id: r for r in list_datasets() if r.dataset_id not in unreadable or r.dataset_id == current}
    with left:
        if not records:
            st.info("No datasets yet: upload one on the right.")
            return current
        if st.session_state.get(PICKER) not in records:
            st.session_state[PICKER] = current if current in records else None
        st.selectbox("Pick a dataset you already have (the samples are ready to try)", list(records), key=PICKER,
                     format_func=lambda i: dataset_label(records[i]), on_change=_on_pick,
                     placeholder="Choose a dataset…")
    if "upload_error" in st.session_state:
        _show_upload_error(*st.session_state["upload_error"])
    return current_dataset_id()


def _pick_once_readable(dataset_id: str) -> None:
    """An upload that could not be read, read again with the user's settings: picked once it reads."""
    if not reading_choice(dataset_id):
        return
    try:
        load_frame(dataset_id)
    except EngineError as exc:
        name, _, _ = st.session_state["upload_error"]
        st.session_state["upload_error"] = (name, str(exc), dataset_id)
        return
    del st.session_state["upload_error"]
    st.session_state.get("unreadable", set()).discard(dataset_id)
    remember_dataset(dataset_id)
    st.session_state[PICKER] = dataset_id


def _show_upload_error(name: str, message: str, dataset_id: str) -> None:
    """The upload's error, and how to read the file otherwise (``adjust_reading``)."""
    st.error(f"'{name}' could not be read. {message}")
    adjust_reading(dataset_id, None, failed=True)


def show_dataset(dataset_id: str) -> None:
    try:
        record, frame = load_frame(dataset_id)
    except EngineError as exc:
        st.error(f"This dataset cannot be read. {exc}")
        if reading_choice(dataset_id):  # read with the user's settings: let them change those
            adjust_reading(dataset_id, None, failed=True)
        return
    st.subheader(record.display_name)
    rows, columns, size = st.columns(3)
    rows.metric("Rows", f"{len(frame):,}")
    columns.metric("Columns", f"{len(frame.columns):,}")
    size.metric("File size", f"{record.n_bytes / 1024:,.0f} KB")
    notes = reading_notes(dataset_id)
    if notes:
        st.caption("How Kuai read the file: " + "; ".join(notes) + ".")
    adjust_reading(dataset_id, reading_found(dataset_id))
    if frame.empty:
        st.warning("The file has a header but no rows: its columns are shown below, but there is nothing to train "
                   "on. Add rows to the file and upload it again.")
    with st.expander("First 50 rows", expanded=False):
        st.dataframe(frame.head(50), width="stretch", hide_index=True)
    show_columns(dataset_id)


def show_columns(dataset_id: str) -> None:
    st.markdown("#### What each column holds")
    st.caption("Kuai guessed a type for every column and says why. If a guess is wrong, pick another type "
               "in the **type ✏️** column. Columns of type *id* or *constant* are not used for learning; of a "
               "*text* column, the model reads the words.")
    overrides = type_overrides(dataset_id)
    detected = load_profile(dataset_id)
    for note in detected.notes:  # a wide table: the columns typed by rule
        st.info(note)
    chosen = type_editor(detected, overrides, key=f"types_{dataset_id}",
                         distributions=distributions_for(dataset_id, detected, overrides))
    if chosen != overrides:
        change_choices(dataset_id, type_overrides=chosen)
        overrides = type_overrides(dataset_id)
    show_choice_notes()
    if overrides:
        st.info("Your changes (kept for this dataset, also after a reload or a restart): "
                + ", ".join(f"**{name}** → {kind}" for name, kind in overrides.items()))
    st.page_link("views/task.py", label="Next: choose what to predict →", icon=":material/target:")


def main() -> None:
    sync_url()
    st.title("Your data")
    st.caption("Kuai learns from a table: each row is one example (a patient, a machine, a customer), and one "
               "column holds what you want to predict.")
    dataset_id = choose_dataset()
    if dataset_id is None:
        st.info("Pick a sample dataset or upload a file to begin.")
        return
    show_dataset(dataset_id)


main()
