"""Plotly figures of an :class:`engine.Evaluation` (out-of-fold predictions): Results page and report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from kuai.engine.report.evaluation_data import ConfusionMatrix, Curve, Evaluation, SegmentError, ThresholdTable
from kuai.exporters.threshold_text import format_threshold

_LAYOUT: dict[str, Any] = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10), height=380)
_GREY = "#94a3b8"
_BLUE = "#2563eb"
_COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777")


def confusion_figure(confusion: ConfusionMatrix, *, rates: bool = False, title: str = "") -> go.Figure:
    """Counts (or each actual class's shares) with actual classes as rows."""
    labels = list(confusion.labels)
    counts = np.asarray(confusion.counts)
    shares = np.asarray(confusion.rates())
    z = (shares if rates else counts).tolist()
    text = [[f"{100 * s:.0f}%<br>({c:,})" if rates else f"{c:,}<br>({100 * s:.0f}%)"
             for c, s in zip(row_counts, row_shares, strict=True)]
            for row_counts, row_shares in zip(counts, shares, strict=True)]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, colorscale="Blues", text=text, texttemplate="%{text}",
                               showscale=False, hovertemplate="actual %{y}, predicted %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=title or f"Confusion matrix ({'shares of each actual class' if rates else 'rows'}, "
                      "out-of-fold)", xaxis_title="predicted", yaxis_title="actual", **_LAYOUT)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def roc_figure(curves: list[Curve], *, marker: tuple[float, float] | None = None, title: str = "") -> go.Figure:
    traces = [go.Scatter(x=c.x, y=c.y, mode="lines", name=f"{c.label} (AUC {c.area:.3f})",
                         line={"color": _COLOURS[i % len(_COLOURS)]}) for i, c in enumerate(curves)]
    traces.append(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dash", "color": _GREY}))
    fig = go.Figure(traces)
    _mark(fig, marker)
    title = title or (f"ROC curve (AUC {curves[0].area:.3f}, out-of-fold)" if len(curves) == 1
                      else "ROC curves, one class vs rest")
    fig.update_layout(title=title, xaxis_title="false positive rate", yaxis_title="true positive rate (recall)",
                      **_LAYOUT)
    return fig


def precision_recall_figure(curves: list[Curve], *, marker: tuple[float, float] | None = None,
                            title: str = "") -> go.Figure:
    fig = go.Figure([go.Scatter(x=c.x, y=c.y, mode="lines", name=f"{c.label} (AP {c.area:.3f})",
                                line={"color": _COLOURS[i % len(_COLOURS)]}) for i, c in enumerate(curves)])
    _mark(fig, marker)
    title = title or (f"Precision–recall curve (average precision {curves[0].area:.3f})" if len(curves) == 1
                      else "Precision–recall curves, one class vs rest")
    fig.update_layout(title=title, xaxis_title="recall", yaxis_title="precision", yaxis_range=[0, 1.02], **_LAYOUT)
    return fig


def calibration_figure(curves: list[Curve]) -> go.Figure:
    traces = [go.Scatter(x=c.x, y=c.y, mode="lines+markers", name=c.label, customdata=c.counts,
                         line={"color": _COLOURS[i % len(_COLOURS)]},
                         hovertemplate="predicted %{x:.2f}, observed %{y:.2f} (%{customdata} rows)<extra></extra>")
              for i, c in enumerate(curves)]
    traces.append(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                             line={"dash": "dash", "color": _GREY}))
    fig = go.Figure(traces)
    fig.update_layout(title="Calibration: predicted probability vs how often it happened",
                      xaxis_title="predicted probability (bin average)", yaxis_title="observed share", **_LAYOUT)
    return fig


def threshold_figure(table: ThresholdTable, *, threshold: float | None = None) -> go.Figure:
    """Precision and recall of the positive class as the threshold moves."""
    tp, fp, fn = (np.asarray(v, dtype=float) for v in (table.true_positives, table.false_positives,
                                                       table.false_negatives))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
    fig = go.Figure([go.Scatter(x=table.thresholds, y=precision, mode="lines", name="precision",
                                line={"color": _BLUE}),
                     go.Scatter(x=table.thresholds, y=recall, mode="lines", name="recall", line={"color": "#dc2626"})])
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dot", line_color="#0f172a")
    fig.update_layout(title=f"Precision and recall of '{table.positive_class}' by threshold",
                      xaxis_title=f"threshold on P('{table.positive_class}')", yaxis_title="share",
                      yaxis_range=[0, 1.02], **_LAYOUT)
    return fig


def predicted_vs_actual_figure(evaluation: Evaluation, *, title: str = "") -> go.Figure:
    actual, predicted = np.asarray(evaluation.actual), np.asarray(evaluation.predicted)
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    fig = go.Figure([go.Scattergl(x=actual, y=predicted, mode="markers", marker={"size": 4, "opacity": 0.5},
                                  name="rows"),
                     go.Scatter(x=[low, high], y=[low, high], mode="lines", name="perfect",
                                line={"dash": "dash", "color": _GREY})])
    fig.update_layout(title=title or f"Predicted vs actual (out-of-fold{_sampled(evaluation)})", xaxis_title="actual",
                      yaxis_title="predicted", **_LAYOUT)
    return fig


def residuals_figure(evaluation: Evaluation) -> go.Figure:
    actual, predicted = np.asarray(evaluation.actual), np.asarray(evaluation.predicted)
    fig = go.Figure(go.Scattergl(x=predicted, y=actual - predicted, mode="markers", name="rows",
                                 marker={"size": 4, "opacity": 0.5}))
    fig.add_hline(y=0, line_dash="dash", line_color=_GREY)
    fig.update_layout(title=f"Residuals (actual − predicted) vs predicted{_sampled(evaluation)}",
                      xaxis_title="predicted", yaxis_title="residual", **_LAYOUT)
    return fig


def segment_figure(column: str, segments: list[SegmentError], error_name: str) -> go.Figure:
    """The out-of-fold error within each segment of one column, with the row counts."""
    fig = go.Figure(go.Bar(x=[s.segment for s in segments], y=[s.error for s in segments], marker_color=_BLUE,
                           text=[f"{s.n_rows:,} rows" for s in segments], textposition="outside",
                           customdata=[s.bias if s.bias is not None else float("nan") for s in segments],
                           hovertemplate=f"%{{x}}: {error_name} %{{y:.4g}}" + (
                               ", bias %{customdata:.4g}" if segments and segments[0].bias is not None else "")
                           + "<extra></extra>"))
    fig.update_layout(title=f"{error_name.capitalize()} by '{column}' (out-of-fold)", xaxis_title=column,
                      yaxis_title=error_name, **_LAYOUT)
    fig.update_xaxes(type="category")
    return fig


@dataclass(frozen=True)
class AtThreshold:
    """A binary model's decision threshold and its out-of-fold confusion matrix (negative class first)."""

    threshold: float
    confusion: ConfusionMatrix

    def markers(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where the threshold sits on the ROC curve (false positive rate, recall) and the PR curve."""
        (tn, fp), (fn, tp) = self.confusion.counts
        recall = tp / max(1, tp + fn)
        return (fp / max(1, fp + tn), recall), (recall, tp / (tp + fp) if tp + fp else 1.0)


def evaluation_figures(evaluation: Evaluation, *, at_threshold: AtThreshold | None = None,
                       source: str = "out-of-fold") -> list[go.Figure]:
    """The standing set for the report: matrix, ROC, PR, calibration; or fit and residuals.

    ``at_threshold``: a binary model's matrix and markers are drawn at its decision threshold. ``source``: where the
    predictions come from, in the titles ("out-of-fold"; "your file" for ``kuai evaluate``)."""
    if evaluation.confusion is None:
        return [predicted_vs_actual_figure(evaluation, title=f"Predicted vs actual ({source}{_sampled(evaluation)})"),
                residuals_figure(evaluation)]
    roc_marker = pr_marker = None
    if at_threshold is None:
        figures = [confusion_figure(evaluation.confusion, title=f"Confusion matrix (rows, {source})")]
    else:
        title = f"Confusion matrix at threshold {format_threshold(at_threshold.threshold)} (rows, {source})"
        figures = [confusion_figure(at_threshold.confusion, title=title)]
        roc_marker, pr_marker = at_threshold.markers()
    if evaluation.roc:
        roc_title = f"ROC curve (AUC {evaluation.roc[0].area:.3f}, {source})" if len(evaluation.roc) == 1 else ""
        figures += [roc_figure(evaluation.roc, marker=roc_marker, title=roc_title),
                    precision_recall_figure(evaluation.precision_recall, marker=pr_marker),
                    calibration_figure(evaluation.calibration)]
    if evaluation.thresholds is not None:
        figures.append(threshold_figure(evaluation.thresholds,
                                        threshold=at_threshold.threshold if at_threshold else 0.5))
    return figures


def _mark(fig: go.Figure, marker: tuple[float, float] | None) -> None:
    if marker is not None:
        fig.add_trace(go.Scatter(x=[marker[0]], y=[marker[1]], mode="markers", name="chosen threshold",
                                 marker={"size": 12, "color": "#0f172a", "symbol": "x"}))


def _sampled(evaluation: Evaluation) -> str:
    shown = len(evaluation.actual)
    return f", {shown:,} of {evaluation.n_rows:,} rows" if shown < evaluation.n_rows else ""
