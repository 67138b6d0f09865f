"""Results page, evaluation: confusion matrix, curves, calibration, the threshold; fit and errors by segment."""

from __future__ import annotations

import numpy as np
import streamlit as st

from kuai.app.components.results import RunResults, read_card
from kuai.engine import ThresholdChoice, best_threshold, threshold_choice, to_jsonable
from kuai.engine.report.evaluation_data import ConfusionMatrix, ThresholdTable
from kuai.exporters import (
    format_threshold,
    load_threshold,
    recorded_threshold,
    save_threshold,
    sync_threshold,
    threshold_origin,
)
from kuai.exporters.evaluation_figures import (
    calibration_figure,
    confusion_figure,
    precision_recall_figure,
    predicted_vs_actual_figure,
    residuals_figure,
    roc_figure,
    segment_figure,
    threshold_figure,
)


def show_evaluation(results: RunResults) -> None:
    st.markdown("#### How well it does on rows it had not seen")
    if results.spec.time:
        st.caption(f"Every chart uses out-of-fold predictions: each of the {results.evaluation.n_rows:,} rows scored "
                   f"was predicted by a model trained on earlier rows only (by '{results.spec.time}'); the earliest "
                   "period was only learned from.")
    else:
        st.caption(f"Every chart uses out-of-fold predictions: each of the {results.evaluation.n_rows:,} rows was "
                   "predicted by a model trained without it.")
    evaluation = results.evaluation
    if evaluation.thresholds is not None:
        show_threshold(results)
    elif evaluation.confusion is not None:
        rates = st.toggle("Show shares of each actual class instead of row counts", key=f"rates_{results.run_id}")
        st.plotly_chart(confusion_figure(evaluation.confusion, rates=rates), width="stretch")
    else:
        left, right = st.columns(2)
        left.plotly_chart(predicted_vs_actual_figure(evaluation), width="stretch")
        right.plotly_chart(residuals_figure(evaluation), width="stretch")
    if evaluation.roc and evaluation.thresholds is None:
        left, right = st.columns(2)
        left.plotly_chart(roc_figure(evaluation.roc), width="stretch")
        right.plotly_chart(precision_recall_figure(evaluation.precision_recall), width="stretch")
    if evaluation.calibration:
        st.plotly_chart(calibration_figure(evaluation.calibration), width="stretch")
        st.caption("A well-calibrated model's dots lie on the dashed line: of the rows it gives 30 %, about 30 % "
                   "really are that class.")
    show_segments(results)


def show_segments(results: RunResults) -> None:
    segments = results.evaluation.segments
    if not segments:
        return
    explanation = results.explanation
    ordered = [c for c in (explanation.importance if explanation else {}) if c in segments]
    ordered += [c for c in segments if c not in ordered]
    column = st.selectbox("Where does it go wrong? Error by segment of a column", ordered,
                          key=f"segment_{results.run_id}")
    st.plotly_chart(segment_figure(column, segments[column], results.evaluation.error_name), width="stretch")
    if results.evaluation.segments_note:
        st.caption(results.evaluation.segments_note)


def _slider_key(results: RunResults) -> str:
    return f"threshold_{results.run_id}"


def _apply_costs(results: RunResults) -> None:
    """Button callback: the cost-minimising threshold goes into the slider (and its exact value is kept).

    The costs are read from the widgets' state at click time, not bound when the button was drawn.
    """
    table = results.evaluation.thresholds
    assert table is not None
    cost_fp = float(st.session_state[f"cost_fp_{results.run_id}"])
    cost_fn = float(st.session_state[f"cost_fn_{results.run_id}"])
    choice = best_threshold(results.y, results.oof[:, 1], cost_false_positive=cost_fp, cost_false_negative=cost_fn,
                            positive_class=table.positive_class)
    st.session_state[_slider_key(results)] = round(choice.threshold, 3)
    st.session_state[f"threshold_exact_{results.run_id}"] = choice


def show_threshold(results: RunResults) -> None:
    """Binary: a slider for the threshold, costs that pick it, and the figures at the chosen threshold."""
    table = results.evaluation.thresholds
    assert table is not None
    positive, negative = table.positive_class, table.negative_class
    st.markdown(f"##### When should the model say '{positive}'?")
    saved = recorded_choice(results)
    _start_at(results, saved)
    left, middle, right = st.columns([2, 2, 1.4], vertical_alignment="bottom")
    cost_fp = left.number_input(f"Cost of a false alarm (says '{positive}', is '{negative}')", min_value=0.0,
                                step=1.0, key=f"cost_fp_{results.run_id}")
    cost_fn = middle.number_input(f"Cost of a miss (says '{negative}', is '{positive}')", min_value=0.0,
                                  step=1.0, key=f"cost_fn_{results.run_id}")
    right.button("Pick the cheapest threshold", key=f"pick_{results.run_id}", on_click=_apply_costs,
                 args=(results,), icon=":material/calculate:")
    value = st.slider(f"Threshold: rows with a probability of '{positive}' at least this are called '{positive}'",
                      min_value=0.0, max_value=1.0, step=0.001, format="%.3f", key=_slider_key(results))
    choice = _current_choice(results, value, cost_fp, cost_fn)
    _show_choice(results, table, choice, saved)


def recorded_choice(results: RunResults) -> ThresholdChoice | None:
    """The threshold recorded for the export (``threshold.json``); the files that state it are brought in line
    first if they disagree with it (a save cut short)."""
    saved = load_threshold(results.out_dir)
    if saved is not None and recorded_threshold(read_card(results.out_dir)) != saved.threshold:
        sync_threshold(results.out_dir, evaluation=results.evaluation)
    return saved


def _start_at(results: RunResults, saved: ThresholdChoice | None) -> None:
    """A new tab (or a reload) starts at the recorded threshold and the costs it was chosen with."""
    defaults = {_slider_key(results): round(saved.threshold, 3) if saved else 0.5,
                f"cost_fp_{results.run_id}": (saved.cost_false_positive if saved else None) or 1.0,
                f"cost_fn_{results.run_id}": (saved.cost_false_negative if saved else None) or 1.0}
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if saved is not None and saved.source == "costs" and f"threshold_exact_{results.run_id}" not in st.session_state:
        st.session_state[f"threshold_exact_{results.run_id}"] = saved  # the exact value, not the slider's rounding


def _current_choice(results: RunResults, value: float, cost_fp: float, cost_fn: float) -> ThresholdChoice:
    exact: ThresholdChoice | None = st.session_state.get(f"threshold_exact_{results.run_id}")
    use_exact = (exact is not None and round(exact.threshold, 3) == round(value, 3)
                 and (exact.cost_false_positive, exact.cost_false_negative) == (cost_fp, cost_fn))
    threshold = exact.threshold if use_exact and exact is not None else value
    table = results.evaluation.thresholds
    assert table is not None
    return threshold_choice(results.y, results.oof[:, 1], threshold, positive_class=table.positive_class,
                            source="costs" if use_exact else "chosen", cost_false_positive=cost_fp,
                            cost_false_negative=cost_fn)


def _show_choice(results: RunResults, table: ThresholdTable, choice: ThresholdChoice,
                 saved: ThresholdChoice | None) -> None:
    assert choice.confusion is not None
    tp, fp, fn, tn = choice.confusion
    columns = st.columns(4)
    columns[0].metric("Precision", "–" if choice.precision is None else f"{choice.precision:.1%}",
                      help=f"Of the rows called '{table.positive_class}', the share that really are.")
    columns[1].metric("Recall", "–" if choice.recall is None else f"{choice.recall:.1%}",
                      help=f"Of the rows that really are '{table.positive_class}', the share it finds.")
    columns[2].metric(f"Called '{table.positive_class}'", f"{tp + fp:,} of {tp + fp + fn + tn:,}")
    columns[3].metric("Cost per row", f"{choice.expected_cost:.3f}" if choice.expected_cost is not None else "–",
                      help="False alarms × their cost + misses × their cost, divided by the rows.")
    matrix = ConfusionMatrix(labels=(table.negative_class, table.positive_class), counts=[[tn, fp], [fn, tp]])
    fpr = fp / max(1, fp + tn)
    left, right = st.columns(2)
    title = f"Confusion matrix at threshold {format_threshold(choice.threshold)}"
    left.plotly_chart(confusion_figure(matrix, title=title), width="stretch")
    right.plotly_chart(threshold_figure(table, threshold=choice.threshold), width="stretch")
    left, right = st.columns(2)
    recall = choice.recall or 0.0
    left.plotly_chart(roc_figure(results.evaluation.roc, marker=(fpr, recall)), width="stretch")
    right.plotly_chart(precision_recall_figure(results.evaluation.precision_recall,
                                               marker=(recall, choice.precision if choice.precision else 1.0)),
                       width="stretch")
    _save_controls(results, choice, saved)


def _save_controls(results: RunResults, choice: ThresholdChoice, saved: ThresholdChoice | None) -> None:
    if saved is None:
        st.caption("No threshold is recorded for the export yet.")
    else:
        st.markdown(f"**Recorded for the export: {format_threshold(saved.threshold)}** "
                    f"({threshold_origin(to_jsonable(saved))}). The Predict page labels rows with it, and the "
                    "exported files state it: threshold.json, model_card.json (decision_threshold), model.onnx "
                    "(metadata kuai_threshold, which score.py and score.js apply), README.md and report.html. "
                    "The ONNX 'label' output stays the most probable class.")
    unchanged = saved is not None and bool(np.isclose(saved.threshold, choice.threshold, rtol=0, atol=1e-12))
    if not unchanged:
        st.warning(f"The figures above are at {format_threshold(choice.threshold)}; the export and the Predict page "
                   f"use {format_threshold(saved.threshold) if saved else 'the most probable answer'} until you "
                   "record the new one.", icon=":material/info:")
    st.button(f"Use {format_threshold(choice.threshold)} in the export", key=f"save_threshold_{results.run_id}",
              disabled=unchanged, icon=":material/save:", on_click=_record, args=(results, choice))


def _record(results: RunResults, choice: ThresholdChoice) -> None:
    save_threshold(results.out_dir, choice, evaluation=results.evaluation)
