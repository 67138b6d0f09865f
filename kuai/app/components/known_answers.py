"""Predict page: a scored file that holds the answers (the model's target column) is also checked against them."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from kuai.app.components.labels import metric_label
from kuai.app.services.evaluate_file import check_known_answers, has_answers
from kuai.app.services.scoring import LoadedModel
from kuai.engine import EngineError
from kuai.exporters import ModelCard
from kuai.exporters.evaluation_figures import evaluation_figures


def show_known_answers(model: LoadedModel, frame: pd.DataFrame, predictions: pd.DataFrame, *,
                       card: ModelCard | None, file_name: str, key: str) -> None:
    """When ``frame`` has the answers: every metric of the task, the plain summary and the evaluation charts."""
    if not has_answers(model, frame):
        st.caption(f"To check the model on rows whose answers you know, upload a file that also has the column "
                   f"'{model.target}'.")
        return
    st.markdown("#### Checked on your file's known answers")
    try:
        known = check_known_answers(model, frame, predictions, card=card.to_dict() if card is not None else {},
                                    file_name=file_name)
    except EngineError as exc:
        st.error(f"The model cannot be checked on this file. {exc}")
        return
    st.info(known.summary, icon=":material/fact_check:")
    for note in known.notes:
        st.warning(note, icon=":material/warning:")
    columns = st.columns(len(known.scores))
    for column, (name, value) in zip(columns, known.scores.items(), strict=True):
        column.metric(metric_label(name), f"{value:.4f}" if math.isfinite(value) else "—")
    for number, figure in enumerate(evaluation_figures(known.evaluation, source=file_name)):
        st.plotly_chart(figure, width="stretch", key=f"{key}_{number}")
