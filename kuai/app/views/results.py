"""Results page: summary, leaderboard, search history, what the model relies on, one row explained, evaluation."""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from kuai.app.components.labels import family_label, limits_text, literal_markdown, model_label
from kuai.app.components.pickers import pick_finished_run, results_of
from kuai.app.components.results import RunResults
from kuai.app.components.results_compare import show_comparison
from kuai.app.components.results_evaluation import show_evaluation
from kuai.app.components.results_explain import show_beeswarm_and_dependence, show_importance, show_row
from kuai.app.components.results_search import show_search_history
from kuai.app.components.state import sync_url
from kuai.app.components.tables import leaderboard_table
from kuai.engine import folds_in_words, pareto_front, recommendation
from kuai.exporters import CardLimits
from kuai.exporters.figures import leaderboard_figure, tradeoff_figure


def show_holdout(results: RunResults) -> None:
    """The chosen model's score on the rows kept out of the whole search, when the training kept some."""
    holdout = results.card.holdout
    if holdout is None:
        return
    score = holdout.get("score")
    figure = f"{score:.4f}" if isinstance(score, float) and math.isfinite(score) else "cannot be computed"
    st.info(f"On the holdout — {holdout.get('how')}, kept out of the whole search — {results.model_name} scores "
            f"**{figure}** ({results.metric.label}); its cross-validated score was the best of many, so this one is "
            "the unbiased check." + (f" {holdout['note']}" if holdout.get("note") else ""),
            icon=":material/fact_check:")


def show_leaderboard(results: RunResults) -> None:
    st.markdown("#### Leaderboard")
    st.caption(f"Every model Kuai kept, best first. Scores are {results.metric.label} on rows each model had not "
               f"seen ({folds_in_words(results.spec)}); "
               f"{'higher' if results.metric.greater_is_better else 'lower'} is better. "
               "Click a column's header to sort by it.")
    st.success(recommendation(results.leaderboard, results.model_name, results.spec.metric,
                              results.card.limits.note if results.card.limits is not None else ""),
               icon=":material/recommend:")
    show_holdout(results)  # without one, the plain summary above says what the cross-validated score is worth
    families = sorted({family_label(e.family) for e in results.leaderboard})
    shown = st.multiselect("Show these kinds of model", families, default=families,
                           key=f"families_{results.run_id}") if len(families) > 1 else families
    entries = [e for e in results.leaderboard if family_label(e.family) in shown]
    table = leaderboard_table(entries, results.spec.metric)
    if not table.empty:
        table.insert(1, "recommended", [e.model == results.model_name for e in entries])
    st.dataframe(table, hide_index=True, width="stretch", placeholder="",
                 column_config={"rank": st.column_config.NumberColumn(format="%d"),
                                "recommended": st.column_config.CheckboxColumn(width="small"),
                                "fit time (s)": st.column_config.NumberColumn(format="%.2f"),
                                "predict ms / 1,000 rows": st.column_config.NumberColumn(format="%.1f"),
                                "size (KB)": st.column_config.NumberColumn(format="%.0f"),
                                "settings": st.column_config.TextColumn(width="large")})
    for plan in results.card.memory:  # families sampled or left out for lack of memory, or for the memory goal
        st.warning(plan["note"], icon=":material/memory:")
    relabelled = [replace(e, model=model_label(e.model)) for e in entries]
    if relabelled:
        st.plotly_chart(leaderboard_figure(relabelled, results.metric.label), width="stretch")


def show_tradeoff(results: RunResults) -> None:
    """Score against prediction time (the Pareto view), with the limits set in expert mode and whether they held."""
    limits = results.card.limits or CardLimits()
    if len(results.leaderboard) < 2 and limits.met is not False:
        return
    st.markdown("#### Score against prediction speed")
    st.caption("Each dot is a model; the blue line joins those no other model beats on both score and speed. "
               "Times are one model's, measured while predicting its held-out rows; the star is the exported "
               "model, which counts each of its fold models when it is bagged.")
    if limits.any:
        st.markdown(limits_text(limits))
        if limits.met is False:
            st.warning(limits.note or "The exported model, as measured, is not within your limits.",
                       icon=":material/speed:")
        elif limits.note:
            st.caption(limits.note)
    relabelled = [replace(e, model=model_label(e.model)) for e in results.leaderboard]
    front = [model_label(name) for name in pareto_front(list(results.leaderboard), results.spec.metric)]
    st.plotly_chart(tradeoff_figure(relabelled, results.metric.label, front=front,
                                    chosen=model_label(results.model_name),
                                    chosen_ms=limits.estimated_ms_per_row,
                                    max_ms_per_row=limits.max_ms_per_row), width="stretch")


def main() -> None:
    sync_url()
    st.title("Results")
    record = pick_finished_run(key="results_run")
    if record is None:
        return
    results = results_of(record)
    if results is None:
        return
    st.info(f"**In plain words:** {literal_markdown(results.summary)}", icon=":material/lightbulb:")
    report = results.out_dir / "report.html"
    if report.is_file():
        st.download_button("Download the full report (HTML)", data=report.read_bytes,
                           file_name=f"kuai-report-{record.run_id}.html", mime="text/html", on_click="ignore",
                           icon=":material/description:")
    show_leaderboard(results)
    show_tradeoff(results)
    show_importance(results)
    show_beeswarm_and_dependence(results)
    show_row(results, record.config.dataset_id)
    show_evaluation(results)
    show_comparison(results)
    show_search_history(results)


main()
