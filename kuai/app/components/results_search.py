"""Results page, search history: each trial's score and the best so far, and Optuna's parameter importances, rebuilt
from the run's trials and cached."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from kuai.app.components.labels import model_label
from kuai.app.components.results import RunResults
from kuai.engine import TrialRecord, TrialState
from kuai.exporters.search_figures import families_with_trials, optimization_history_figure, param_importance_figure


@st.cache_data(max_entries=16, show_spinner=False)
def _history(run_id: str, _trials: tuple[TrialRecord, ...], label: str, greater: bool) -> go.Figure | None:
    return optimization_history_figure(list(_trials), metric_label=label, greater_is_better=greater)


@st.cache_data(max_entries=32, show_spinner="Measuring which settings mattered…")
def _importances(run_id: str, _trials: tuple[TrialRecord, ...], family: str, greater: bool) -> go.Figure | None:
    return param_importance_figure(list(_trials), family=family, greater_is_better=greater)


def show_search_history(results: RunResults) -> None:
    if not results.trials:
        return
    metric = results.metric
    st.markdown("#### How the search went")
    n_complete = sum(t.state is TrialState.COMPLETE for t in results.trials)
    st.caption(f"{len(results.trials)} models were tried, {n_complete} finished (the rest were stopped early "
               "because they looked weaker, or the time ran out).")
    history = _history(results.run_id, results.trials, metric.label, metric.greater_is_better)
    if history is not None:
        st.plotly_chart(history, width="stretch")
    families = families_with_trials(list(results.trials))
    if not families:
        return
    family = st.selectbox("Which settings mattered, for the model type", families, format_func=model_label,
                          key=f"param_family_{results.run_id}")
    figure = _importances(results.run_id, results.trials, family, metric.greater_is_better)
    if figure is None:
        st.caption(f"Too few {model_label(family)} trials with different settings to say which setting mattered.")
    else:
        st.plotly_chart(figure, width="stretch")
