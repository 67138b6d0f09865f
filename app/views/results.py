"""Results page: summary, leaderboard, search history, what the model relies on, one row explained, evaluation."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app.components.labels import model_label
from app.components.pickers import pick_finished_run, results_of
from app.components.results import RunResults
from app.components.results_evaluation import show_evaluation
from app.components.results_explain import show_beeswarm_and_dependence, show_importance, show_row
from app.components.results_search import show_search_history
from app.components.state import sync_url
from app.components.tables import leaderboard_table
from exporters.figures import leaderboard_figure


def show_leaderboard(results: RunResults) -> None:
    st.markdown("#### Leaderboard")
    st.caption(f"Every model Kuai kept, best first. Scores are {results.metric.label} on rows each model had not "
               f"seen (cross-validation, {results.spec.n_folds} folds); "
               f"{'higher' if results.metric.greater_is_better else 'lower'} is better. "
               f"The exported model is **{model_label(results.model_name)}**.")
    st.dataframe(leaderboard_table(results.leaderboard, results.spec.metric), hide_index=True, width="stretch",
                 placeholder="",
                 column_config={"rank": st.column_config.NumberColumn(format="%d"),
                                "settings": st.column_config.TextColumn(width="large")})
    relabelled = [replace(e, model=model_label(e.model)) for e in results.leaderboard]
    st.plotly_chart(leaderboard_figure(relabelled, results.metric.label), width="stretch")


def main() -> None:
    sync_url()
    st.title("Results")
    record = pick_finished_run(key="results_run")
    if record is None:
        return
    results = results_of(record)
    if results is None:
        return
    st.info(f"**In plain words:** {results.summary}", icon=":material/lightbulb:")
    report = results.out_dir / "report.html"
    if report.is_file():
        st.download_button("Download the full report (HTML)", data=report.read_bytes,
                           file_name=f"kuai-report-{record.run_id}.html", mime="text/html", on_click="ignore",
                           icon=":material/description:")
    show_leaderboard(results)
    show_importance(results)
    show_beeswarm_and_dependence(results)
    show_row(results, str(record.config.get("dataset_id", "")))
    show_evaluation(results)
    show_search_history(results)


main()
