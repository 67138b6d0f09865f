"""Predict page: score a new table with a trained model and download the predictions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import engine
from app.components.pickers import pick_finished_run
from app.components.state import sync_url
from app.components.tables import join_predictions
from app.services.jobs import outputs_dir
from app.services.scoring import LoadedModel, load_model, neutralise_formulas, predict_frame
from engine import EngineError
from exporters import ExporterError
from storage import RunRecord

SHOWN_ROWS = 50


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def _model(path: str, stamp: float) -> LoadedModel:
    return load_model(Path(path))


def model_of(record: RunRecord) -> LoadedModel:
    """The run's ONNX model; raises ``engine.SchemaError`` when it is missing or unreadable."""
    path = outputs_dir(record.run_id) / "model.onnx"
    return _model(str(path), path.stat().st_mtime if path.exists() else 0.0)


def read_upload(content: bytes) -> pd.DataFrame:
    """Read uploaded bytes with Kuai's reader, from a temporary file with a server-chosen name."""
    with tempfile.TemporaryDirectory(prefix="kuai-predict-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        return engine.read_table(path)


def score_upload(record: RunRecord, uploaded: object) -> pd.DataFrame | None:
    cache_key = (record.run_id, getattr(uploaded, "file_id", ""))
    cached = st.session_state.get("predictions")
    if cached and cached[0] == cache_key:
        return cached[1]
    try:
        model = model_of(record)
        with st.spinner("Scoring…"):
            frame = read_upload(uploaded.getvalue())  # type: ignore[attr-defined]
            joined = join_predictions(predict_frame(model, frame), frame)
    except (EngineError, ExporterError) as exc:
        st.error(f"'{getattr(uploaded, 'name', 'the file')}' cannot be scored. {exc}")
        return None
    st.session_state["predictions"] = (cache_key, joined)
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
        st.caption("Predicted: " + ", ".join(f"'{label}' {count:,}" for label, count in counts.items())
                   + ". The proba_ columns hold the model's probability for each answer.")
    st.dataframe(joined.head(SHOWN_ROWS), hide_index=True, width="stretch")
    csv = neutralise_formulas(joined).to_csv(index=False).encode("utf-8")
    st.download_button("Download predictions (CSV)", data=csv, file_name=f"kuai-predictions-{record.run_id}.csv",
                       mime="text/csv", on_click="ignore", type="primary", icon=":material/download:")


def main() -> None:
    sync_url()
    st.title("Predict")
    st.caption("Score new rows with a trained model: upload a table with the same columns as the training data "
               "(the column you predicted may be missing).")
    record = pick_finished_run(key="predict_run")
    if record is None:
        return
    show_needed_columns(record)
    uploaded = st.file_uploader("Upload the rows to score (CSV, TSV, Parquet or gzip'd CSV)",
                                type=["csv", "tsv", "txt", "parquet", "gz"], key=f"predict_upload_{record.run_id}")
    if uploaded is None:
        return
    joined = score_upload(record, uploaded)
    if joined is not None:
        show_predictions(record, joined)


main()
