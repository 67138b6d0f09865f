"""Export page: the model card's highlights and one zip with everything needed to deploy the model."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kuai.app.components.labels import TASK_LABELS, TASK_SHORT, decision_words, model_label, short_model_label
from kuai.app.components.pickers import pick_finished_run, results_of
from kuai.app.components.results import BUNDLE_FILES, bundle_zip
from kuai.app.components.state import sync_url
from kuai.app.services.exports import ExportState, export_state, exportable_models, start_export
from kuai.app.services.jobs import outputs_dir
from kuai.engine.naming import plain_number
from kuai.engine.report.summary import left_out_by_reason
from kuai.exporters import ModelCard, threshold_origin


def _score(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 10 else plain_number(value)


def show_highlights(card: ModelCard) -> None:
    metric, parity = card.metric, card.parity
    task, model, score = st.columns(3)
    task.metric("Predicts", card.target, help=TASK_LABELS.get(card.task, ""),
                delta=TASK_SHORT.get(card.task, card.task), delta_color="off", delta_arrow="off")
    name = card.model.name
    model.metric("Model", short_model_label(name), help=model_label(name))
    score.metric(f"{metric.label} (cross-validated)",
                 _score(float(card.cv_score)), help=f"± {card.cv_score_std:.4f} "
                 f"over {card.cv_folds if card.cv_folds is not None else '?'} folds; "
                 f"{'higher' if metric.greater_is_better else 'lower'} is better")
    n_rows = parity.n_rows if parity.n_rows is not None else "?"
    figure = parity.words(classification=card.is_classification)
    if parity.passed:
        st.success(f"Faithful export: on {n_rows} rows (training rows, and rows with every value missing, unseen "
                   f"categories and extreme numbers) the ONNX file gives the same answers as the trained model "
                   f"({figure}; allowed {parity.tolerance:.0e}).", icon=":material/verified:")
    else:
        st.error(f"Parity check failed: on {n_rows} rows the ONNX file differs from the trained model ({figure}; "
                 f"allowed {parity.tolerance:.0e}). Do not deploy it without checking.", icon=":material/error:")


def show_threshold(card: ModelCard) -> None:
    """Binary: the decision threshold the package carries, and where it was chosen."""
    entry, classes = card.decision_threshold, card.classes
    if not entry or len(classes) != 2:
        return
    st.info(decision_words(float(entry["threshold"]), classes, threshold_origin(entry)) + " The package applies it "
            "everywhere: model.onnx (metadata kuai_threshold, read by score.py and score.js), threshold.json, "
            "model_card.json, README.md and report.html. Choose another on the Results page.", icon=":material/tune:")


def show_schema(card: ModelCard) -> None:
    st.markdown("#### What the model takes")
    rows = [{"column": c["name"], "type": c["type"], "sent as": c.get("onnx_dtype", ""),
             "known values": ", ".join(map(str, c.get("categories", [])[:8]))
             + (" …" if len(c.get("categories", [])) > 8 else "")} for c in card.input_schema]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height="content" if len(rows) <= 40 else "auto")
    dropped = card.dropped_columns
    if dropped:
        st.caption("Not used: " + "; ".join(", ".join(names) + (f" and {n - len(names):,} more" if n > len(names)
                                                                else "") + f" ({why})"
                                            for why, names, n in left_out_by_reason(dropped)) + ".")
    st.caption("It returns: " + "; ".join(card.onnx_outputs) + ".")


def show_latency(card: ModelCard) -> None:
    latency = card.measured_latency
    if latency is None:
        return
    st.markdown("#### How fast it answers (ONNX Runtime on this machine)")
    single, p99, batch = st.columns(3)
    single.metric("One row, typical", f"{latency.single_row_p50_ms:.2f} ms")
    p99.metric("One row, slowest 1 %", f"{latency.single_row_p99_ms:.2f} ms")
    batch.metric("Many rows", f"{latency.batch_rows_per_s:,.0f} rows/s")


def main() -> None:
    sync_url()
    st.title("Export the model")
    st.caption("One file, model.onnx, holds the whole model (data preparation included). ONNX Runtime runs it "
               "from Python, C#, Java, C++ or JavaScript without Kuai.")
    record = pick_finished_run(key="export_run")
    if record is None:
        return
    results = results_of(record)
    if results is None:
        return
    model = pick_model(record.run_id, results.model_name)
    state = export_state(record.run_id, model, results.model_name)
    if state.status != "ready":
        show_preparation(record.run_id, model, results.model_name, state)
        return
    card = results.card if state.folder == results.out_dir else ModelCard.read(state.folder)
    st.download_button("Download the model package (zip)", data=lambda: bundle_zip(record.run_id, state.folder),
                       file_name=f"kuai-model-{record.run_id}-{model}.zip", mime="application/zip", type="primary",
                       icon=":material/download:", on_click="ignore",
                       help="Contains " + ", ".join(BUNDLE_FILES) + ".")
    show_highlights(card)
    show_threshold(card)
    show_schema(card)
    show_latency(card)
    with st.expander("The full model card (model_card.json)"):
        st.json(card.to_dict(), expanded=False)


def pick_model(run_id: str, chosen: str) -> str:
    """The recommended model, or any other the run kept; each exports to its own folder."""
    others = [m for m in exportable_models(outputs_dir(run_id)) if m != chosen]
    if not others:
        return chosen
    return str(st.selectbox("Model to export", [chosen, *others], key=f"export_model_{run_id}",
                            format_func=lambda m: f"{model_label(m)}{' (recommended)' if m == chosen else ''}",
                            help="Any model on the leaderboard's top list can be exported: Kuai refits it on all "
                                 "rows (the recommended model may instead average its cross-validation models), "
                                 "checks the ONNX file and writes its own card."))


def show_preparation(run_id: str, model: str, chosen: str, state: ExportState) -> None:
    if state.status == "failed":
        st.error(f"Preparing {model_label(model)} failed. {state.message}")
    if state.status in ("none", "failed"):
        st.info(f"{model_label(model)} has not been exported yet: Kuai refits it on all rows, converts it to ONNX, "
                "checks it and writes its card. This takes about as long as its fit, plus a few seconds.")
        if st.button("Prepare this model for export", key=f"prepare_{run_id}_{model}", type="primary"):
            start_export(run_id, model)
            st.rerun()
        return
    _wait_for_export(run_id, model, chosen)


@st.fragment(run_every=2.0)
def _wait_for_export(run_id: str, model: str, chosen: str) -> None:
    st.info(f"Preparing {model_label(model)}: refitting, converting and checking…", icon=":material/hourglass_top:")
    if export_state(run_id, model, chosen).status != "running":
        st.rerun(scope="app")


main()
