"""Results page, explanations: SHAP importance beside permutation importance, beeswarm, dependence, one row."""

from __future__ import annotations

import streamlit as st

from kuai.app.components.data import load_frame
from kuai.app.components.results import RunResults, explained_rows, in_plain_units, row_outputs
from kuai.engine import EngineError, Explanation
from kuai.exporters.figures import (
    beeswarm_figure,
    dependence_figure,
    importance_figure,
    permutation_figure,
    row_explanation_figure,
    words_figure,
)


def show_importance(results: RunResults) -> None:
    explanation = results.explanation
    st.markdown("#### What the model relies on")
    if explanation is None:
        st.info("No explanation was computed for this model.")
        return
    sampled = (f" Computed on {len(explanation.sample_values):,} of {explanation.n_rows:,} rows."
               if explanation.n_rows > len(explanation.sample_values) else "")
    st.caption("The longer the bar, the more that column moves the model's predictions on average "
               f"(SHAP values). It shows what the model uses, not what causes the outcome.{sampled}")
    if explanation.note:
        st.caption(f"Note: {explanation.note}")
    if not explanation.permutation_importance:
        st.plotly_chart(importance_figure(explanation), width="stretch")
        if explanation.permutation_note:
            st.caption(explanation.permutation_note)
        return
    left, right = st.columns(2)
    left.plotly_chart(importance_figure(explanation), width="stretch")
    right.plotly_chart(permutation_figure(explanation), width="stretch")
    right.caption(f"A second opinion that does not use SHAP: {explanation.permutation_note}")


def show_beeswarm_and_dependence(results: RunResults) -> None:
    explanation = results.explanation
    if explanation is None or not explanation.sample_data:
        return
    st.markdown("#### How each column pushes individual predictions")
    st.plotly_chart(beeswarm_figure(explanation), width="stretch")
    st.caption("One dot per explained row. Right of the line: that column pushed this row's prediction up; "
               "red dots are rows with a high value of the column, blue ones a low value.")
    for text_column, words in explanation.words.items():
        if words:
            st.plotly_chart(words_figure(explanation, text_column), width="stretch")
            st.caption(f"'{text_column}' is free text: the model reads its words. {_words_direction(explanation)}")
    numbers_and_categories = [name for name in explanation.importance if name not in explanation.words]
    if not numbers_and_categories:
        return
    column = st.selectbox("Show how one column's value changes its effect", numbers_and_categories,
                          key=f"dependence_{results.run_id}")
    st.plotly_chart(dependence_figure(explanation, column), width="stretch")


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


def _words_direction(explanation: Explanation) -> str:
    """What green and red mean: towards the one class every row is explained for (binary), the class predicted
    for each row (multiclass), or a higher value (regression)."""
    classes = set(explanation.explained_class) - {""}
    if len(classes) == 1:
        towards = f"towards '{next(iter(classes))}'"
    elif classes:
        towards = "towards the class the model predicts for the row"
    else:
        towards = "up"
    return f"Green words push the prediction {towards} in the rows that hold them; red ones push it away."
