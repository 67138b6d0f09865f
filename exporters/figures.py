"""Plotly figures of a run: shared by ``report.html`` and the web app's Results page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from sklearn import metrics as sk

from engine.types import Explanation, LeaderboardEntry, TaskSpec

MAX_POINTS = 5000
_LAYOUT: dict[str, Any] = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10), height=380)


def importance_figure(explanation: Explanation, *, top: int = 15) -> go.Figure:
    items = list(explanation.importance.items())[:top][::-1]
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h",
                           marker_color="#2563eb"))
    fig.update_layout(title=f"What the model relies on (mean |SHAP|, {explanation.output_space})",
                      xaxis_title="average impact on the prediction", **_LAYOUT)
    return fig


def row_explanation_figure(explanation: Explanation, row: int, *, row_values: Sequence[str] = (),
                           top: int = 12) -> go.Figure:
    """A waterfall: from the model's average output to this row's output, one column at a time."""
    contributions = np.asarray(explanation.sample_values[row])
    order = np.argsort(-np.abs(contributions))[:top]
    rest = float(contributions.sum() - contributions[order].sum())
    labels = [_with_value(explanation.columns[i], row_values, i) for i in order]
    values = [float(contributions[i]) for i in order]
    if len(contributions) > top:
        labels.append(f"{len(contributions) - top} other columns")
        values.append(rest)
    base = explanation.base_values[row]
    fig = go.Figure(go.Waterfall(
        orientation="h", measure=["absolute", *["relative"] * len(values), "total"],
        y=["average prediction", *labels, "this row"], x=[base, *values, 0.0],
        connector={"line": {"color": "#94a3b8"}},
        increasing={"marker": {"color": "#dc2626"}}, decreasing={"marker": {"color": "#2563eb"}},
    ))
    fig.update_layout(title=_row_title(explanation, row, base + float(contributions.sum())), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def _row_title(explanation: Explanation, row: int, output: float) -> str:
    label = explanation.explained_class[row]
    if explanation.output_space == "log-odds":
        probability = 1.0 / (1.0 + np.exp(-output))
        return f"Why this row gets a {probability:.0%} chance of '{label}' (contributions in log-odds)"
    if explanation.output_space == "probability":
        return f"Why this row gets a {output:.0%} chance of '{label}'"
    if label:
        return f"Why this row leans towards class '{label}' (contributions to its {explanation.output_space})"
    return f"Why this row is predicted {output:,.4g}"


def _with_value(name: str, row_values: Sequence[str], index: int) -> str:
    return f"{name} = {row_values[index]}" if index < len(row_values) else name


def leaderboard_figure(entries: list[LeaderboardEntry], metric_label: str) -> go.Figure:
    ordered = entries[::-1]
    fig = go.Figure(go.Bar(
        x=[e.score for e in ordered], y=[e.model for e in ordered], orientation="h",
        error_x={"type": "data", "array": [e.score_std for e in ordered]},
        marker_color=["#16a34a" if e.is_ensemble else "#64748b" for e in ordered]))
    fig.update_layout(title=f"Cross-validated {metric_label} by model", **_LAYOUT)
    low = min(e.score - e.score_std for e in entries)
    high = max(e.score + e.score_std for e in entries)
    margin = 0.1 * (high - low) or 0.01
    fig.update_xaxes(range=[low - margin, high + margin])  # differences of 0.01 must show
    return fig


def evaluation_figures(spec: TaskSpec, y: np.ndarray, oof: np.ndarray) -> list[go.Figure]:
    """Out-of-fold evaluation: confusion matrix and ROC (classification), fit and residuals (regression)."""
    if not spec.task.is_classification:
        return _regression_figures(y, oof)
    figures = [_confusion_figure(spec, y, oof)]
    if oof.shape[1] == 2:
        fpr, tpr, _ = sk.roc_curve(y, oof[:, 1])
        roc = go.Figure([go.Scatter(x=fpr, y=tpr, mode="lines", name="model", line={"color": "#2563eb"}),
                         go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                                    line={"dash": "dash", "color": "#94a3b8"})])
        roc.update_layout(title=f"ROC curve (AUC {sk.roc_auc_score(y, oof[:, 1]):.3f}, out-of-fold)",
                          xaxis_title="false positive rate", yaxis_title="true positive rate", **_LAYOUT)
        figures.append(roc)
    return figures


def _confusion_figure(spec: TaskSpec, y: np.ndarray, oof: np.ndarray) -> go.Figure:
    predicted = np.argmax(oof, axis=1)
    matrix = sk.confusion_matrix(y, predicted, labels=np.arange(len(spec.classes)))
    labels = list(spec.classes)
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", text=matrix,
                               texttemplate="%{text}", showscale=False))
    fig.update_layout(title="Confusion matrix (out-of-fold rows)", xaxis_title="predicted",
                      yaxis_title="actual", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def _regression_figures(y: np.ndarray, predicted: np.ndarray) -> list[go.Figure]:
    if len(y) > MAX_POINTS:  # a readable, light chart: a fixed random sample of the rows
        keep = np.random.default_rng(0).choice(len(y), MAX_POINTS, replace=False)
        y, predicted = y[keep], predicted[keep]
    low, high = float(min(y.min(), predicted.min())), float(max(y.max(), predicted.max()))
    fit = go.Figure([go.Scattergl(x=y, y=predicted, mode="markers", marker={"size": 4, "opacity": 0.5},
                                  name="rows"),
                     go.Scatter(x=[low, high], y=[low, high], mode="lines", name="perfect",
                                line={"dash": "dash", "color": "#94a3b8"})])
    fit.update_layout(title="Predicted vs actual (out-of-fold)", xaxis_title="actual",
                      yaxis_title="predicted", **_LAYOUT)
    residuals = go.Figure(go.Scattergl(x=predicted, y=y - predicted, mode="markers",
                                       marker={"size": 4, "opacity": 0.5}))
    residuals.add_hline(y=0, line_dash="dash", line_color="#94a3b8")
    residuals.update_layout(title="Residuals (actual − predicted) vs predicted", xaxis_title="predicted",
                            yaxis_title="residual", **_LAYOUT)
    return [fit, residuals]
