"""The live region of a training run: progress, latest step, leaderboard, cancel; then the outcome."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from kuai.app.components.labels import literal_markdown, metric_label, model_label
from kuai.app.components.tables import final_leaderboard_entries, latest_event, live_leaderboard, metric_of_run
from kuai.app.services.jobs import cancel_job, job_state, running_count
from kuai.engine import TrialState, get_metric, with_model_labels
from kuai.storage import RunRecord, RunSummary, run_dir

ACTIVE = ("queued", "running")
_STAGE_WORDS = {
    "reading": "Reading the data", "profiling": "Checking the columns", "search": "Trying models",
    "trial": "Trying models", "ensemble": "Blending the best models", "refit": "Preparing the chosen model",
    "explain": "Working out which columns matter", "export": "Packaging the model", "done": "Finished",
}
_LEADERBOARD_FORMAT = {"rank": st.column_config.NumberColumn(format="%d")}


def show_run(run_id: str) -> None:
    record, events = job_state(run_id)
    config = record.config
    st.subheader(f"Training on {config.dataset_name or '?'} to predict '{config.target or '?'}'")
    st.caption(f"Run {run_id} · time budget {config.time_budget_s:.0f} s · "
               f"this page keeps working if you reload it or close the tab.")
    if record.status in ACTIVE:
        _live(run_id)
    else:
        _outcome(record, events)


def _elapsed(run_id: str, last: dict[str, Any] | None, budget: float) -> float:
    if last is None:
        return 0.0
    events_file = run_dir(run_id) / "events.jsonl"
    since_last = max(0.0, time.time() - events_file.stat().st_mtime) if events_file.exists() else 0.0
    return min(float(last.get("elapsed_s", 0.0)) + since_last, budget + 5.0)


@st.fragment(run_every=1.0)
def _live(run_id: str) -> None:
    record, events = job_state(run_id)
    if record.status not in ACTIVE:
        st.rerun()
    budget = float(record.config.time_budget_s)
    last = latest_event(events)
    if record.status == "queued" and running_count(exclude=run_id):
        st.info("Waiting for another training to finish: Kuai trains one at a time on this machine.",
                icon=":material/hourglass_top:")
    elif record.status == "queued":
        st.progress(0.0, text="**Starting** — preparing the training…")
    else:
        elapsed = _elapsed(run_id, last, budget)
        step = _STAGE_WORDS.get(str(last.get("stage")), "") if last else "Starting"
        detail = f" — {_describe(last)}" if last else ""
        left = budget - elapsed
        when = f"about {left:.0f} s left" if left >= 1 else "finishing up"
        st.progress(min(1.0, elapsed / budget), text=f"**{step}**{detail} · {elapsed:.0f} s of {budget:.0f} s, {when}")
    _trials_so_far(record, events)
    if st.button("Cancel training", key=f"cancel_{run_id}", icon=":material/stop_circle:"):
        cancel_job(run_id)
        st.rerun()


def _describe(event: dict[str, Any]) -> str:
    trial = event.get("data", {}).get("trial") if event.get("stage") == "trial" else None
    if not trial:
        return str(event.get("message", ""))
    name = model_label(f"{trial['family']}_{trial['number']}")
    if trial.get("state") == TrialState.COMPLETE and trial.get("score") is not None:
        return f"{name} scored {float(trial['score']):.3f}"
    return f"{name} stopped early"


def _trials_so_far(record: RunRecord, events: list[dict[str, Any]]) -> None:
    metric = metric_of_run(record.config, events)
    table = live_leaderboard(events, metric)
    tried = sum(1 for e in events if e.get("stage") == "trial")
    if not tried:
        st.markdown("**Leaderboard:** no model has finished yet; the first usually appears within seconds.")
        return
    stopped = tried - len(table)
    st.markdown(f"**Leaderboard so far:** {tried} model(s) tried" + (
        f", {stopped} stopped early (clearly weaker than the others, or out of time)" if stopped else "")
        + f". Scores are {metric_label(metric)} on rows each model had not seen; "
        f"{'higher' if _higher(metric) else 'lower'} is better.")
    if len(table):
        st.dataframe(table, hide_index=True, width="stretch", column_config=_LEADERBOARD_FORMAT)


def _higher(metric: str | None) -> bool:
    return get_metric(metric).greater_is_better if metric else True


def _outcome(record: RunRecord, events: list[dict[str, Any]]) -> None:
    if record.status == "finished":
        summary = record.summary or RunSummary()
        st.success(f"Training finished in {summary.wall_time_s or 0:.0f} s. Best model: "
                   f"**{model_label(summary.model)}** — {metric_label(summary.metric)} "
                   f"{summary.score or 0:.3f} ± {summary.score_std or 0:.3f} "
                   "on rows it had not seen during training.", icon=":material/check_circle:")
        entries = final_leaderboard_entries(events)
        early = next((e.get("message", "") for e in events if (e.get("data") or {}).get("stopped_early")), "")
        if early:  # it ended well before its budget: say why
            st.info(literal_markdown(with_model_labels(early, [e["model"] for e in entries], trials_only=True)),
                    icon=":material/verified:")
        st.page_link("views/results.py", label="See the results and explanations →", icon=":material/insights:",
                     query_params={"run": record.run_id})
        if entries:
            _final_board(entries, summary.metric)
    elif record.status == "cancelled":
        st.warning("This training was cancelled. Start a new one above when you are ready.",
                   icon=":material/stop_circle:")
        _trials_so_far(record, events)
    else:
        st.error(f"Training failed: {record.error or 'no reason recorded.'}", icon=":material/error:")
        st.caption("Check the choices on the Task page (target, task, metric) or give a longer time budget, "
                   "then start again.")


def _final_board(entries: list[dict[str, Any]], metric: str | None) -> None:
    rows = [{"rank": e["rank"], "model": model_label(e["model"]),
             metric_label(metric): e["score"], "± (spread over folds)": e["score_std"],
             "fit time (s)": e["fit_time_s"]} for e in entries]
    st.markdown("**Leaderboard**")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=_LEADERBOARD_FORMAT)
