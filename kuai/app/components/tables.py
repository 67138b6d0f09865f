"""Tables the pages show, as pandas frames: leaderboards, runs, predictions. No streamlit here."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from kuai.app.components.labels import STATUS_LABELS, metric_label, model_label
from kuai.engine import LeaderboardEntry, TrialState, check_row_count, get_metric, rank_key
from kuai.storage import RunConfig, RunRecord, RunSummary, StudySummary

_METRIC_IN_MESSAGE = re.compile(r"metric (\w+)")


def metric_of_run(config: RunConfig, events: Sequence[dict[str, Any]]) -> str | None:
    """The run's metric: chosen in its config, else the one its 'profiling' event names."""
    if config.metric:
        return config.metric
    for event in events:
        if event.get("stage") == "profiling":
            match = _METRIC_IN_MESSAGE.search(str(event.get("message", "")))
            if match:
                return match.group(1)
    return None


def completed_trials(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    trials = [e.get("data", {}).get("trial") for e in events if e.get("stage") == "trial"]
    return [t for t in trials if t and t.get("state") == TrialState.COMPLETE and t.get("score") is not None]


def live_leaderboard(events: Sequence[dict[str, Any]], metric: str | None) -> pd.DataFrame:
    """Finished trials so far, best first in the metric's direction."""
    ranking = get_metric(metric or "roc_auc")  # no metric known yet: higher is better
    # equal scores as the final leaderboard ranks them: the steadier, then the smaller model first
    trials = sorted(completed_trials(events), key=lambda t: rank_key(
        ranking, float(t["score"]), float(t.get("score_std") or 0.0), t.get("size_kb")))
    rows = [{"rank": i + 1, "model": model_label(f"{t['family']}_{t['number']}"),
             metric_label(metric): t["score"], "± (spread over folds)": t.get("score_std"),
             "fit time (s)": t.get("fit_time_s"), "predict ms / 1,000 rows": t.get("predict_ms_per_1000_rows")}
            for i, t in enumerate(trials)]
    return pd.DataFrame(rows)


def leaderboard_table(entries: Sequence[LeaderboardEntry], metric: str) -> pd.DataFrame:
    rows = []
    for e in entries:
        rows.append({
            "rank": e.rank, "model": model_label(e.model), metric_label(metric): e.score,
            "± (spread over folds)": e.score_std, "fit time (s)": e.fit_time_s,
            "predict ms / 1,000 rows": e.predict_ms_per_1000_rows,
            "size (KB)": e.size_kb,
            "rows used": None if e.row_fraction >= 1.0 else f"{e.row_fraction:.1%}".replace(".0%", "%"),
            "blend of": _members_text(e),
            "settings": json.dumps(e.params.get("weights", e.params) if e.is_ensemble else e.params,
                                   default=str)})
    return pd.DataFrame(rows).dropna(axis="columns", how="all")


def _members_text(entry: LeaderboardEntry) -> str:
    """An ensemble's members with their weights; a stack's base models (its top model weighs them itself)."""
    if entry.is_ensemble:
        return ", ".join(f"{model_label(m)} ({w:.0%})" for m, w in entry.members.items())
    return ("stacks " + ", ".join(model_label(m) for m in entry.members)) if entry.members else ""


def comparison_table(entries: Sequence[LeaderboardEntry], metric: str) -> pd.DataFrame:
    """Models side by side: one column per model, one row per figure or setting."""
    columns: dict[str, dict[str, str]] = {}
    for e in entries:
        settings = {"blend of": _members_text(e)} if e.is_ensemble else {k: _setting(v) for k, v in e.params.items()}
        columns[model_label(e.model)] = {
            "rank": str(e.rank), metric_label(metric): f"{e.score:.4g} ± {e.score_std:.2g}",
            "fit time (s)": f"{e.fit_time_s:.2f}", "predict ms / 1,000 rows": f"{e.predict_ms_per_1000_rows:.2f}",
            "size (KB)": "" if e.size_kb is None else f"{e.size_kb:,.0f}", **settings}
    return pd.DataFrame(columns).fillna("—").rename_axis("").reset_index()


def _setting(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def latest_event(events: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    return events[-1] if events else None


def final_leaderboard_entries(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in reversed(events):
        if event.get("stage") == "refit" and event.get("data", {}).get("leaderboard"):
            return list(event["data"]["leaderboard"])
    return []


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def run_label(record: RunRecord) -> str:
    config, summary = record.config, record.summary
    text = f"{config.dataset_name or '?'} → {config.target or '?'} · {_when(record.created_at)}"
    if summary is not None and summary.score is not None:
        text += f" · {metric_label(summary.metric)} {summary.score:.3f}"
    return f"{text} · {STATUS_LABELS.get(record.status, record.status)} · run {record.run_id}"


def runs_table(records: Sequence[RunRecord]) -> pd.DataFrame:
    rows = []
    for r in records:
        summary = r.summary or RunSummary()
        rows.append({
            "run": r.run_id, "dataset": r.config.dataset_name, "predicts": r.config.target,
            "status": STATUS_LABELS.get(r.status, r.status), "started": _when(r.created_at),
            "best model": model_label(summary.model) if summary.model else "",
            "score": f"{metric_label(summary.metric)} {summary.score:.4f}" if summary.score is not None else "",
            "budget (s)": r.config.time_budget_s, "problem": r.error,
            "MLflow": TRACKING_LABELS.get(str((r.tracking or {}).get("state")), "")})
    return pd.DataFrame(rows)


TRACKING_LABELS = {"logged": "logged", "pending": "logging…", "failed": "not logged"}


def studies_table(studies: Sequence[StudySummary]) -> pd.DataFrame:
    """Shared studies: status, trials by state, and which worker (host:pid) ran how many."""
    rows = []
    for study in studies:
        states = study.trials_by_state
        workers = sorted(study.trials_by_worker.items(), key=lambda item: -item[1])
        rows.append({
            "study": study.name, "status": study.status, "finished trials": states.get("complete", 0),
            "best score": round(study.best_score, 4) if study.best_score is not None else None,
            "workers": ", ".join(f"{name} ({count})" for name, count in workers),
            "stopped early": states.get("pruned", 0), "failed": states.get("fail", 0),
            "running": states.get("running", 0), "dataset": study.data_name, "started": _when(study.created_at),
            "budget (s)": round(study.budget_s)})
    return pd.DataFrame(rows)


def join_predictions(predictions: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Predictions first, then the input columns (renamed if they clash), in input row order: one row per input row
    (a coded ``ROW_COUNT_MISMATCH`` otherwise: side by side, tables of different lengths would be padded silently)."""
    check_row_count(len(frame), len(predictions), "Scoring the file")
    inputs = frame.reset_index(drop=True)
    clashes = {c: f"{c} (input)" for c in inputs.columns if c in predictions.columns}
    return pd.concat([predictions.reset_index(drop=True), inputs.rename(columns=clashes)], axis=1)
