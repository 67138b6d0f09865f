"""Kuai's web app: the router only. Each page lives in app/views/."""

from __future__ import annotations

import streamlit as st

from kuai.app import PROJECT_FOLDER
from kuai.storage import copy_samples, home_dir

SAMPLES = PROJECT_FOLDER / "sample_data"


@st.cache_resource(show_spinner=False)
def _samples_ready(home: str) -> int:
    """Store the bundled samples once per server and home folder, so they are ready to pick."""
    return len(copy_samples(SAMPLES)) if SAMPLES.is_dir() else 0


st.set_page_config(page_title="Kuai", layout="wide")
_samples_ready(str(home_dir()))
st.navigation([
    st.Page("views/data.py", title="1 · Data", icon=":material/table_view:", url_path="data", default=True),
    st.Page("views/task.py", title="2 · Task", icon=":material/target:", url_path="task"),
    st.Page("views/train.py", title="3 · Train", icon=":material/model_training:", url_path="train"),
    st.Page("views/results.py", title="4 · Results", icon=":material/insights:", url_path="results"),
    st.Page("views/predict.py", title="5 · Predict", icon=":material/batch_prediction:", url_path="predict"),
    st.Page("views/export.py", title="6 · Export", icon=":material/download:", url_path="export"),
    st.Page("views/runs.py", title="All runs", icon=":material/history:", url_path="runs"),
]).run()
