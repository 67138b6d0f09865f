"""Results page: summary, leaderboard, what the model relies on, one row explained, evaluation charts."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app.components.data import load_frame
from app.components.labels import model_label
from app.components.pickers import pick_finished_run, results_of
from app.components.results import RunResults, explained_rows, in_plain_units, row_outputs
from app.components.state import sync_url
from app.components.tables import leaderboard_table
from engine import EngineError
from exporters.figures import evaluation_figures, importance_figure, leaderboard_figure, row_explanation_figure


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


def show_importance(results: RunResults) -> None:
    explanation = results.explanation
    st.markdown("#### What the model relies on")
    if explanation is None:
        st.info("No explanation was computed for this model.")
        return
    st.caption("The longer the bar, the more that column moves the model's predictions on average "
               "(SHAP values). It shows what the model uses, not what causes the outcome.")
    if explanation.note:
        st.caption(f"Note: {explanation.note}")
    st.plotly_chart(importance_figure(explanation), width="stretch")


def show_row(results: RunResults, dataset_id: str) -> None:
    explanation = results.explanation
    if explanation is None or not explanation.sample_values:
        return
    st.markdown("#### Why the model predicted what it did for one row")
    try:
        _, frame = load_frame(dataset_id)
    except (EngineError, KeyError, OSError):
        frame = None
    rows = explained_rows(frame, results) if frame is not None else None
    count = len(explanation.sample_values)
    labels = {i: f"Row {explanation.sample_index[i] + 1} of the data" for i in range(count)}
    if rows is not None and len(rows) == count:
        target = results.spec.target
        labels = {i: f"{labels[i]} — actual {target}: {rows.iloc[i][target]}" for i in range(count)}
    choice = st.selectbox(f"Pick one of the {count} explained rows", list(range(count)),
                          format_func=labels.__getitem__, key=f"row_{results.run_id}")
    values: list[str] = []
    if rows is not None and len(rows) == count:
        original = rows.iloc[[choice]]
        st.dataframe(original, hide_index=True, width="stretch")
        values = [str(original.iloc[0][c]) if c in original.columns else "" for c in explanation.columns]
    st.plotly_chart(row_explanation_figure(explanation, choice, row_values=values), width="stretch")
    explained_class = explanation.explained_class[choice]
    towards = f"'{explained_class}'" if explained_class else "a higher value"
    average, this_row = (in_plain_units(v, explanation.output_space) for v in row_outputs(explanation, choice))
    of_class = f" of '{explained_class}'" if explained_class else ""
    outputs = (f"On average the model gives {average}{of_class}; for this row, {this_row}{of_class}. "
               if average and this_row else "")
    st.caption(f"{outputs}Each bar shows how much one column of this row pushed the prediction towards {towards} "
               f"(red) or away from it (blue), on the model's internal scale ({explanation.output_space}).")


def show_evaluation(results: RunResults) -> None:
    st.markdown("#### How well it does on rows it had not seen")
    figures = evaluation_figures(results.spec, results.y, results.oof)
    columns = st.columns(len(figures))
    for column, figure in zip(columns, figures, strict=True):
        column.plotly_chart(figure, width="stretch")


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
    show_row(results, str(record.config.get("dataset_id", "")))
    show_evaluation(results)


main()
