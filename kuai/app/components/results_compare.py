"""Results page, comparison: two leaderboard models side by side on their out-of-fold predictions."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from kuai.app.components.labels import model_label
from kuai.app.components.results import RunResults
from kuai.app.components.tables import comparison_table
from kuai.engine import Evaluation, evaluate
from kuai.exporters.evaluation_figures import (
    calibration_figure,
    confusion_figure,
    precision_recall_figure,
    predicted_vs_actual_figure,
    roc_figure,
)


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluation(_results: RunResults, run_id: str, model: str) -> Evaluation:
    """One kept model's evaluation (run_id and model are the cache key)."""
    assert _results.model_oofs is not None
    return evaluate(_results.spec, _results.y, _results.model_oofs[model], seed=_results.spec.seed)


def show_comparison(results: RunResults) -> None:
    oofs = results.model_oofs or {}
    names = [e.model for e in results.leaderboard if e.model in oofs]
    if len(names) < 2:
        return
    st.markdown("#### Compare two models")
    st.caption(f"The {len(names)} best models kept their out-of-fold predictions; pick two to see where they differ.")
    default = [results.model_name, next(n for n in names if n != results.model_name)]
    chosen = st.multiselect("Models to compare", names, default=default, max_selections=2, format_func=model_label,
                            key=f"compare_{results.run_id}")
    if not chosen:
        return
    by_name = {e.model: e for e in results.leaderboard}
    st.dataframe(comparison_table([by_name[n] for n in chosen], results.spec.metric), hide_index=True,
                 width="stretch")
    evaluations = {n: _evaluation(results, results.run_id, n) for n in chosen}
    if results.spec.task.is_classification and len(results.spec.classes) == 2:
        roc = [replace(e.roc[0], label=model_label(n)) for n, e in evaluations.items()]
        pr = [replace(e.precision_recall[0], label=model_label(n)) for n, e in evaluations.items()]
        left, right = st.columns(2)
        left.plotly_chart(roc_figure(roc, title="ROC curves of the compared models"), width="stretch",
                          key=f"compare_roc_{results.run_id}")
        right.plotly_chart(precision_recall_figure(pr, title="Precision–recall of the compared models"),
                           width="stretch", key=f"compare_pr_{results.run_id}")
        calibration = [replace(e.calibration[0], label=model_label(n)) for n, e in evaluations.items() if e.calibration]
        if calibration:
            st.plotly_chart(calibration_figure(calibration), width="stretch", key=f"compare_cal_{results.run_id}")
        return
    columns = st.columns(len(chosen))
    for column, (name, evaluation) in zip(columns, evaluations.items(), strict=True):
        title = model_label(name)
        if evaluation.confusion is not None:
            figure = confusion_figure(evaluation.confusion, rates=True, title=f"{title}: shares of each actual class")
        else:
            figure = predicted_vs_actual_figure(evaluation, title=f"{title}: predicted vs actual")
        column.plotly_chart(figure, width="stretch", key=f"compare_{name}_{results.run_id}")
