"""Runs page: every training on this machine, with links to follow or open each one, and cancelling."""

from __future__ import annotations

import streamlit as st

from kuai.app.components.labels import literal_markdown
from kuai.app.components.live import ACTIVE
from kuai.app.components.state import current_run_id, remember_run, sync_url
from kuai.app.components.tables import run_label, runs_table, studies_table
from kuai.app.services.jobs import cancel_job, resumable, resume_job
from kuai.app.services.scaleout import configured_scale_out, shared_studies
from kuai.engine import EngineError
from kuai.storage import RunRecord, list_runs, redact

PICKER = "runs_picker"


def show_table(records: list[RunRecord]) -> None:
    table = runs_table(records)
    links = [f"run={r.run_id}&dataset={r.config.dataset_id}" for r in records]
    table["progress"] = [f"./train?{link}" for link in links]
    table["results"] = [f"./results?{link}" if r.status == "finished" else None
                        for r, link in zip(records, links, strict=True)]
    st.dataframe(table, hide_index=True, width="stretch", column_order=["progress", "results", *table.columns[:-2]],
                 placeholder="",
                 column_config={"problem": st.column_config.TextColumn(width="large"),
                                "budget (s)": st.column_config.NumberColumn(format="%d"),
                                "MLflow": st.column_config.TextColumn(help="whether the run was logged to MLflow; "
                                                                     "open the run below for why it was not"),
                                "progress": st.column_config.LinkColumn("open", display_text="training"),
                                "results": st.column_config.LinkColumn("", display_text="results")})


def open_run(records: list[RunRecord]) -> None:
    by_id = {r.run_id: r for r in records}
    if st.session_state.get(PICKER) not in by_id:
        current = current_run_id()
        st.session_state[PICKER] = current if current in by_id else records[0].run_id
    chosen = by_id[st.selectbox("Open a run", list(by_id), key=PICKER, format_func=lambda i: run_label(by_id[i]))]
    remember_run(chosen.run_id)
    progress, results, cancel = st.columns(3)
    with progress:
        st.page_link("views/train.py", label="Show it on the Train page", icon=":material/model_training:",
                     query_params={"run": chosen.run_id})
    with results:
        if chosen.status == "finished":
            st.page_link("views/results.py", label="Open its results", icon=":material/insights:",
                         query_params={"run": chosen.run_id})
    with cancel:
        if chosen.status in ACTIVE and st.button("Cancel this run", key=f"cancel_{chosen.run_id}",
                                                 icon=":material/stop_circle:"):
            cancel_job(chosen.run_id)
            st.rerun()
        if resumable(chosen) and st.button("Resume this run", key=f"resume_{chosen.run_id}", type="primary",
                                           icon=":material/play_circle:",
                                           help="Continue the search with the models it had finished, for what "
                                                "was left of its time budget"):
            resume_job(chosen.run_id)
            st.rerun()
    show_tracking(chosen)


def show_tracking(record: RunRecord) -> None:
    """What became of the run's MLflow logging, when it is news: not logged (why, what to do), still going, or
    Kuai's store repaired on the way. Its outputs are complete either way."""
    tracking = record.tracking or {}
    for note in tracking.get("notes") or ():
        st.info(literal_markdown(str(note)), icon=":material/build:")
    if tracking.get("state") == "failed":
        code = literal_markdown(f"[{tracking.get('code') or 'TRACKING_FAILED'}]")
        st.warning(f"**Not logged to MLflow** {code}: "
                   f"{literal_markdown(str(tracking.get('reason')))}. The training's outputs are complete. "
                   f"{literal_markdown(str(tracking.get('action')))}", icon=":material/cloud_off:")
    elif tracking.get("state") == "pending":
        st.info("Still being logged to MLflow, in the background; what becomes of it will be written to "
                f"{literal_markdown(str(tracking.get('status_file')))}.", icon=":material/cloud_upload:")


def show_shared_studies() -> None:
    """The studies on the shared storage (KUAI_STORAGE): every machine's, with their workers."""
    scale = configured_scale_out()
    if scale is None:
        return
    st.subheader("Studies on the shared storage")
    st.caption(f"{redact(scale.storage_url)} · shared folder {scale.shared_root}. Join a searching study from "
               "any machine with `kuai worker --storage URL --shared DIR`.")
    try:
        studies = shared_studies(scale)
    except EngineError as exc:
        st.error(f"The shared storage cannot be read: {exc}")
        return
    except Exception as exc:  # a database error of any kind must not take the page down
        st.error(f"The shared storage cannot be read right now ({type(exc).__name__}); try again shortly.")
        return
    if not studies:
        st.info("No study on the shared storage yet.")
        return
    st.dataframe(studies_table(studies), hide_index=True, width="stretch",
                 column_config={"workers": st.column_config.TextColumn(width="large")})


def main() -> None:
    sync_url()
    st.title("All runs")
    show_shared_studies()
    records = list_runs()
    if not records:
        st.info("No training on this machine yet. Pick data, choose what to predict and start one on the Train page.")
        st.page_link("views/data.py", label="Go to Data →", icon=":material/table_view:")
        return
    show_table(records)
    open_run(records)


main()
