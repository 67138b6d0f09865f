"""Plotly figures of a run: shared by ``report.html`` and the web app's Results page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from kuai.engine.types import Explanation, LeaderboardEntry

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


def leaderboard_figure(entries: list[LeaderboardEntry], metric_label: str, *, top: int = 25) -> go.Figure:
    """The best ``top`` models' cross-validated scores with their spread over folds."""
    entries = entries[:top]
    ordered = entries[::-1]
    fig = go.Figure(go.Bar(
        x=[e.score for e in ordered], y=[e.model for e in ordered], orientation="h",
        error_x={"type": "data", "array": [e.score_std for e in ordered]},
        marker_color=["#16a34a" if e.is_ensemble else "#64748b" for e in ordered]))
    fig.update_layout(title=f"Cross-validated {metric_label} of the best {len(entries)} models",
                      **{**_LAYOUT, "height": max(_LAYOUT["height"], 90 + 22 * len(entries))})
    fig.update_yaxes(tickmode="array", tickvals=[e.model for e in ordered])  # every model named, none skipped
    low = min(e.score - e.score_std for e in entries)
    high = max(e.score + e.score_std for e in entries)
    margin = 0.1 * (high - low) or 0.01
    fig.update_xaxes(range=[low - margin, high + margin])  # differences of 0.01 must show
    return fig


def tradeoff_figure(entries: list[LeaderboardEntry], metric_label: str, *, front: Sequence[str], chosen: str,
                    chosen_ms: float | None = None, max_ms_per_row: float | None = None) -> go.Figure:
    """Score against prediction time per row (log scale): every model, the ones no other beats on both joined
    (the Pareto front), the exported model marked (at ``chosen_ms``: a bagged model predicts with all its fold
    models), and the user's time limit as a line."""
    def ms(entry: LeaderboardEntry) -> float:
        return max(entry.predict_ms_per_1000_rows / 1000, 1e-6)

    by_name = {e.model: e for e in entries}
    fig = go.Figure(go.Scatter(
        x=[ms(e) for e in entries], y=[e.score for e in entries], mode="markers", name="models",
        text=[e.model for e in entries], marker={"color": "#94a3b8", "size": 8},
        hovertemplate="%{text}<br>%{x:.3g} ms a row<br>%{y:.4f}<extra></extra>"))
    on_front = [by_name[name] for name in front if name in by_name]
    fig.add_trace(go.Scatter(x=[ms(e) for e in on_front], y=[e.score for e in on_front], mode="lines+markers",
                             name="best for its speed", line={"color": "#2563eb", "shape": "hv"},
                             marker={"color": "#2563eb", "size": 9}, text=[e.model for e in on_front],
                             hovertemplate="%{text}<br>%{x:.3g} ms a row<br>%{y:.4f}<extra></extra>"))
    if chosen in by_name:
        x = max(chosen_ms, 1e-6) if chosen_ms is not None else ms(by_name[chosen])
        fig.add_trace(go.Scatter(x=[x], y=[by_name[chosen].score], mode="markers",
                                 name=f"exported: {chosen}", marker={"color": "#16a34a", "size": 16, "symbol": "star"},
                                 hoverinfo="skip"))
    if max_ms_per_row is not None:
        fig.add_vline(x=max_ms_per_row, line_dash="dash", line_color="#dc2626",
                      annotation_text=f"your limit: {max_ms_per_row:g} ms", annotation_position="top left")
    fig.update_layout(title=f"Cross-validated {metric_label} against prediction time", **_LAYOUT)
    fig.update_xaxes(type="log", title="prediction time per row, in a batch (ms, log scale)")
    fig.update_yaxes(title=metric_label)
    return fig


def permutation_figure(explanation: Explanation, *, top: int = 15) -> go.Figure:
    """Score lost when each column is shuffled on held-out rows, with the spread over shuffles."""
    items = list(explanation.permutation_importance.items())[:top][::-1]
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h", marker_color="#64748b",
                           error_x={"type": "data", "array": [explanation.permutation_std.get(k, 0.0)
                                                               for k, _ in items]}))
    fig.update_layout(title="Cross-check: score lost when the column is shuffled (held-out rows)",
                      xaxis_title="drop in score", **_LAYOUT)
    return fig


def beeswarm_figure(explanation: Explanation, *, top: int = 12, seed: int = 0) -> go.Figure:
    """One dot per explained row and column: its SHAP value, coloured from low (blue) to high (red) value."""
    columns = list(explanation.importance)[:top]
    index_of = {name: i for i, name in enumerate(explanation.columns)}
    values = np.asarray(explanation.sample_values)
    rng = np.random.default_rng(seed)
    xs: list[float] = []
    ys: list[float] = []
    colours: list[float] = []
    hover: list[str] = []
    for position, name in enumerate(columns[::-1]):
        column = index_of[name]
        shap_values = values[:, column]
        raw = [row[column] for row in explanation.sample_data] if explanation.sample_data else [None] * len(values)
        xs.extend(shap_values.tolist())
        ys.extend((position + rng.uniform(-0.3, 0.3, len(shap_values))).tolist())
        colours.extend(_colour_scale(raw, shap_values))
        hover.extend(f"{name} = {'missing' if v is None else v}<br>SHAP {s:+.3g}" for v, s in zip(raw, shap_values,
                                                                                               strict=True))
    fig = go.Figure(go.Scattergl(
        x=xs, y=ys, mode="markers", text=hover, hovertemplate="%{text}<extra></extra>",
        marker={"size": 5, "color": colours, "colorscale": [[0, "#2563eb"], [1, "#dc2626"]], "cmin": 0, "cmax": 1,
                "opacity": 0.7, "colorbar": {"title": "value", "tickvals": [0, 1], "ticktext": ["low", "high"]}}))
    fig.add_vline(x=0, line_color="#94a3b8")
    fig.update_layout(title=f"Each row's SHAP value per column ({len(values)} rows, {explanation.output_space})",
                      xaxis_title="impact on the prediction", **{**_LAYOUT, "height": max(380, 40 * len(columns))})
    fig.update_yaxes(tickvals=list(range(len(columns))), ticktext=columns[::-1], range=[-0.6, len(columns) - 0.4])
    return fig


def _colour_scale(raw: Sequence[float | str | None], shap_values: np.ndarray) -> list[float]:
    """Numbers scaled to 0..1; categories ranked by their mean SHAP value; missing at 0.5."""
    numbers = [v for v in raw if isinstance(v, (int, float))]
    if numbers and len(numbers) == sum(v is not None for v in raw):
        low, high = min(numbers), max(numbers)
        return [0.5 if v is None else (float(v) - low) / (high - low) if high > low else 0.5 for v in raw]
    labels = sorted({str(v) for v in raw if v is not None},
                    key=lambda label: float(np.mean([s for v, s in zip(raw, shap_values, strict=True)
                                                     if str(v) == label])))
    rank = {label: i / max(1, len(labels) - 1) for i, label in enumerate(labels)}
    return [0.5 if v is None else rank[str(v)] for v in raw]


def dependence_figure(explanation: Explanation, column: str) -> go.Figure:
    """How one column's value moves its SHAP value, one dot per explained row."""
    position = explanation.columns.index(column)
    shap_values = np.asarray(explanation.sample_values)[:, position]
    raw = [row[position] for row in explanation.sample_data]
    shown = [i for i, v in enumerate(raw) if v is not None]
    is_number = all(isinstance(raw[i], (int, float)) for i in shown)
    fig = go.Figure(go.Scatter(
        x=[raw[i] for i in shown], y=shap_values[shown], mode="markers", name="rows",
        marker={"size": 6, "opacity": 0.6, "color": "#2563eb"},
        hovertemplate=f"{column} = %{{x}}<br>SHAP %{{y:+.3g}}<extra></extra>"))
    fig.add_hline(y=0, line_color="#94a3b8")
    missing = len(raw) - len(shown)
    fig.update_layout(title=f"How '{column}' moves the prediction ({explanation.output_space})"
                      + (f"; {missing} rows with it missing not shown" if missing else ""),
                      xaxis_title=column, yaxis_title=f"SHAP value of '{column}'", **_LAYOUT)
    if not is_number:
        fig.update_xaxes(type="category" if not _looks_like_dates(raw, shown) else "date")
    return fig


def _looks_like_dates(raw: Sequence[float | str | None], shown: list[int]) -> bool:
    return bool(shown) and all(isinstance(raw[i], str) and len(str(raw[i])) == 16 and str(raw[i])[4] == "-"
                               for i in shown[:20])


def words_figure(explanation: Explanation, column: str) -> go.Figure:
    """A text column's words that move the prediction most: their mean SHAP value in the rows that hold them."""
    items = list(explanation.words.get(column, []))[::-1]
    fig = go.Figure(go.Bar(x=[float(effect) for _, effect in items], y=[str(word) for word, _ in items],
                           orientation="h", marker_color=["#16a34a" if effect > 0 else "#dc2626"
                                                          for _, effect in items],
                           hovertemplate="'%{y}': %{x:+.3g} where it appears<extra></extra>"))
    fig.add_vline(x=0, line_color="#94a3b8")
    fig.update_layout(title=f"The words of '{column}' that move the prediction most ({explanation.output_space})",
                      xaxis_title="average push where the word appears (SHAP)", **_LAYOUT)
    return fig
