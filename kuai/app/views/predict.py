"""Predict page: score a new table with a trained model and download the predictions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from kuai.app.components.known_answers import show_known_answers
from kuai.app.components.labels import decision_words
from kuai.app.components.pickers import pick_finished_run, results_of
from kuai.app.components.state import sync_url
from kuai.app.components.tables import join_predictions
from kuai.app.services.isolated import SCORING_READER, read_untrusted
from kuai.app.services.jobs import outputs_dir
from kuai.app.services.scoring import (
    LoadedModel,
    explain_prediction,
    load_model,
    neutralise_formulas,
    score_table,
)
from kuai.engine import EngineError, to_jsonable
from kuai.engine.naming import plain_number
from kuai.exporters import ExporterError, format_threshold, load_threshold, threshold_origin
from kuai.exporters.figures import row_explanation_figure
from kuai.storage import RunRecord

SHOWN_ROWS = 50


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def _model(path: str, stamp: float) -> LoadedModel | EngineError:
    """The model, opened in the scoring sandbox (one process per model, kept while it is cached: a call costs a few
    milliseconds more than in the server's own process); or why it cannot be used, kept too: a model that hangs is
    not waited for again at every re-run of the page."""
    try:
        return load_model(Path(path))
    except EngineError as exc:
        return exc


def model_of(record: RunRecord) -> LoadedModel:
    """The run's ONNX model; raises ``engine.SchemaError`` when it is missing, unreadable or hostile."""
    path = outputs_dir(record.run_id) / "model.onnx"
    loaded = _model(str(path), path.stat().st_mtime if path.exists() else 0.0)
    if isinstance(loaded, EngineError):
        raise type(loaded)(str(loaded.args[0]), code=loaded.code)
    return loaded


def read_upload(content: bytes) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read uploaded bytes to score them, with Kuai's reader, from a temporary file with a server-chosen name: every
    row of the table kept, in order; and the reader's notes (rows of missing values, lines that are not rows)."""
    with tempfile.TemporaryDirectory(prefix="kuai-predict-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        frame, dialect = read_untrusted(path, reader=SCORING_READER)  # in a child process with memory and time limits
        return frame, (dialect.notes if dialect is not None else ())


def labelling(record: RunRecord, model: LoadedModel) -> str:
    """Binary: the threshold the answers are labelled at, and who chose it ("" for other models)."""
    if model.threshold is None:
        return ""
    recorded = load_threshold(outputs_dir(record.run_id))
    same = recorded is not None and bool(np.isclose(recorded.threshold, model.threshold, rtol=0, atol=1e-12))
    origin = threshold_origin(to_jsonable(recorded)) if same else "as recorded in the model file"
    return decision_words(model.threshold, model.classes, origin)


def show_labelling(record: RunRecord) -> None:
    try:
        words = labelling(record, model_of(record))
    except (EngineError, ExporterError):
        return  # show_needed_columns says why the model cannot be loaded
    if words:
        st.info(words + " You can choose another threshold on the Results page.", icon=":material/tune:")


def _scored_key(record: RunRecord, uploaded: object) -> tuple[str, str, int]:
    path = outputs_dir(record.run_id) / "model.onnx"  # a new threshold rewrites it: score again
    return record.run_id, getattr(uploaded, "file_id", ""), path.stat().st_mtime_ns if path.exists() else 0


def score_upload(record: RunRecord, uploaded: object) -> pd.DataFrame | None:
    cache_key = _scored_key(record, uploaded)
    cached = st.session_state.get("predictions")
    if cached and cached[0] == cache_key:
        return cached[1]
    try:
        model = model_of(record)
        with st.spinner("Scoring…"):
            frame, reading = read_upload(uploaded.getvalue())  # type: ignore[attr-defined]
            scored = score_table(model, frame)
            joined = join_predictions(scored.predictions, frame)
    except (EngineError, ExporterError) as exc:
        st.error(f"'{getattr(uploaded, 'name', 'the file')}' cannot be scored. {exc}")
        return None
    st.session_state["predictions"] = (cache_key, joined)
    st.session_state["predictions_scored"] = (cache_key, frame, scored.predictions)
    st.session_state["predictions_notes"] = (cache_key, (*reading, *scored.notes))
    return joined


def show_needed_columns(record: RunRecord) -> None:
    try:
        model = model_of(record)
    except (EngineError, ExporterError) as exc:
        st.error(f"This run's model cannot be loaded. {exc}")
        return
    with st.expander(f"The file must have these {len(model.schema)} columns (others are ignored)"):
        st.dataframe(pd.DataFrame([{"column": c.name, "type": str(c.type)} for c in model.schema]),
                     hide_index=True, width="stretch")


def show_predictions(record: RunRecord, joined: pd.DataFrame) -> None:
    st.success(f"Scored {len(joined):,} rows. The first {min(SHOWN_ROWS, len(joined))} are shown; "
               "the download has all of them, in the same order as your file.")
    if "prediction" in joined.columns and any(c.startswith("proba_") for c in joined.columns):
        counts = joined["prediction"].value_counts()
        threshold = model_of(record).threshold
        at = f" (labelled at the threshold {format_threshold(threshold)})" if threshold is not None else ""
        st.caption("Predicted: " + ", ".join(f"'{label}' {count:,}" for label, count in counts.items())
                   + f"{at}. The proba_ columns hold the model's probability for each answer.")
    st.dataframe(joined.head(SHOWN_ROWS), hide_index=True, width="stretch")
    csv = neutralise_formulas(joined).to_csv(index=False).encode("utf-8")
    st.download_button("Download predictions (CSV)", data=csv, file_name=f"kuai-predictions-{record.run_id}.csv",
                       mime="text/csv", on_click="ignore", type="primary", icon=":material/download:")


def typical_rows(record: RunRecord) -> pd.DataFrame | None:
    """Training rows the run kept with its explanation: the background of a row's explanation."""
    results = results_of(record)
    explanation = results.explanation if results is not None else None
    if explanation is None or not explanation.sample_data:
        return None
    return pd.DataFrame(explanation.sample_data, columns=list(explanation.columns))


def show_why(model: LoadedModel, row: pd.DataFrame, background: pd.DataFrame, *, key: str) -> None:
    """The waterfall of one row's prediction, computed on the exported model itself."""
    try:
        with st.spinner("Explaining…"):
            explanation = explain_prediction(model, row, background)
    except (EngineError, ExporterError) as exc:
        st.error(f"This row cannot be explained. {exc}")
        return
    values = [_shown(row.iloc[0][c]) for c in explanation.columns]
    st.plotly_chart(row_explanation_figure(explanation, 0, row_values=values), width="stretch", key=key)
    towards = f"'{explanation.explained_class[0]}'" if explanation.explained_class[0] else "a higher value"
    st.caption(f"Each bar shows how much one column of this row moved the prediction towards {towards} (red) or "
               f"away from it (blue), starting from the average over typical training rows. {explanation.note}")


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "missing"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def show_row_explanations(record: RunRecord, joined: pd.DataFrame) -> None:
    background = typical_rows(record)
    if background is None:
        return
    st.markdown("#### Why did the model predict this?")
    shown = min(SHOWN_ROWS, len(joined))
    predicted = joined["prediction"].head(shown).tolist()
    row = st.selectbox(f"Pick one of the first {shown} rows", list(range(shown)), key=f"why_{record.run_id}",
                       format_func=lambda i: f"Row {i + 1}: predicted {predicted[i]}")
    show_why(model_of(record), joined.iloc[[row]], background, key=f"why_chart_{record.run_id}")


def show_typed_row(record: RunRecord) -> None:
    """Type a row in: a one-row table pre-filled with a typical training row, scored and explained."""
    background = typical_rows(record)
    try:
        model = model_of(record)
    except (EngineError, ExporterError):
        return
    if background is None:
        return
    st.markdown("#### Try a row of your own")
    st.caption("Change any value below (it starts as a row from the training data); the prediction and its "
               "explanation follow.")
    config = {c.name: st.column_config.SelectboxColumn(options=list(c.categories))
              for c in model.schema if c.categories}
    edited = st.data_editor(background.head(1), hide_index=True, width="stretch", num_rows="fixed",
                            column_config=config, key=f"typed_{record.run_id}")
    try:
        typed = score_table(model, edited)
    except (EngineError, ExporterError) as exc:
        st.error(f"This row cannot be scored. {exc}")
        return
    for note in typed.notes:
        st.warning(note, icon=":material/warning:")
    scored = typed.predictions
    prediction = scored["prediction"].iloc[0]
    probabilities = {c.removeprefix("proba_"): float(scored[c].iloc[0]) for c in scored.columns
                     if c.startswith("proba_")}
    detail = f" ({probabilities[str(prediction)]:.0%} chance)" if str(prediction) in probabilities else ""
    st.metric(f"Predicted {model.target}", f"{prediction if probabilities else plain_number(float(prediction))}"
              f"{detail}", help=labelling(record, model) or None)
    if model.threshold is not None:
        st.caption(f"Labelled at the threshold {format_threshold(model.threshold)} (see above).")
    show_why(model, edited, background, key=f"typed_chart_{record.run_id}")


def main() -> None:
    sync_url()
    st.title("Predict")
    st.caption("Score new rows with a trained model: upload a table with the same columns as the training data "
               "(the column you predicted may be missing; when it is there, Kuai also checks the model on those "
               "known answers).")
    record = pick_finished_run(key="predict_run")
    if record is None:
        return
    show_labelling(record)
    show_needed_columns(record)
    show_typed_row(record)
    st.markdown("#### Score a file")
    uploaded = st.file_uploader("Upload the rows to score (CSV, TSV, Parquet or gzip'd CSV)",
                                type=["csv", "tsv", "txt", "parquet", "gz"], key=f"predict_upload_{record.run_id}")
    if uploaded is None:
        return
    joined = score_upload(record, uploaded)
    if joined is not None:
        notes = st.session_state.get("predictions_notes")
        if notes and notes[0] == _scored_key(record, uploaded):
            for note in notes[1]:
                st.warning(note, icon=":material/warning:")
        show_predictions(record, joined)
        scored = st.session_state.get("predictions_scored")
        if scored and scored[0] == _scored_key(record, uploaded):
            results = results_of(record)
            show_known_answers(model_of(record), scored[1], scored[2], card=results.card if results else None,
                               file_name=getattr(uploaded, "name", "your file"), key=f"known_{record.run_id}")
        show_row_explanations(record, joined)


main()
