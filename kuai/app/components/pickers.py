"""Choosing a finished run (Results, Predict, Export) and loading its outputs once."""

from __future__ import annotations

import streamlit as st

from kuai.app.components.results import ResultsMissing, RunResults, load_results, results_stamp
from kuai.app.components.state import current_run_id, remember_run
from kuai.app.components.tables import run_label
from kuai.app.services.jobs import outputs_dir
from kuai.storage import RunRecord, list_runs


def finished_runs() -> list[RunRecord]:
    return [r for r in list_runs() if r.status == "finished"]


def pick_finished_run(*, key: str) -> RunRecord | None:
    """A run picker defaulting to the run in the URL (or this tab), else the latest finished one."""
    runs = finished_runs()
    if not runs:
        st.info("No training has finished yet. Start one on the Train page; its results appear here.")
        st.page_link("views/train.py", label="Go to Train →", icon=":material/model_training:")
        return None
    by_id = {r.run_id: r for r in runs}
    current = current_run_id()
    if st.session_state.get(key) not in by_id:
        st.session_state[key] = current if current in by_id else runs[0].run_id
    chosen = st.selectbox("Training run", list(by_id), key=key, format_func=lambda i: run_label(by_id[i]))
    remember_run(chosen)
    return by_id[chosen]


@st.cache_data(max_entries=8, show_spinner="Loading the results…")
def _cached_results(run_id: str, folder: str, stamp: float) -> RunResults:
    return load_results(run_id)


def results_of(record: RunRecord) -> RunResults | None:
    folder = outputs_dir(record.run_id)
    try:
        return _cached_results(record.run_id, str(folder), results_stamp(folder))
    except ResultsMissing as exc:
        st.error(f"[RESULTS_MISSING] The results of run {record.run_id} cannot be shown: {exc}")
        return None
