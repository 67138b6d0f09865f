"""How the rows are cut for validation forward in time: one bar per fold, what it learns from and what it is
scored on (the Task page)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

_LAYOUT: dict[str, Any] = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10))
_LEARN, _SCORE = "#94a3b8", "#2563eb"


def time_folds_figure(times: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]], *, column: str,
                      dates: bool) -> go.Figure:
    """``times``: each row's place in time (seconds since 1970 for dates); ``folds``: (learned from, scored on)."""
    def shown(value: float) -> Any:
        return pd.Timestamp(value, unit="s") if dates else value

    fig = go.Figure()
    for number, (train, valid) in enumerate(folds, start=1):
        learned, scored = times[train], times[valid]
        name = f"fold {number}"
        for kept, colour, label in ((learned, _LEARN, "learns from"), (scored, _SCORE, "scored on")):
            kept = kept[~np.isnan(kept)]
            if len(kept) == 0:
                continue
            low, high = shown(float(kept.min())), shown(float(kept.max()))
            fig.add_trace(go.Scatter(x=[low, high], y=[name, name], mode="lines", line={"color": colour, "width": 14},
                                     name=label, legendgroup=label, showlegend=number == 1,
                                     hovertemplate=f"{label}: %{{x}} ({len(kept):,} rows)<extra>{name}</extra>"))
    fig.update_layout(title=f"Validation forward in time by '{column}'", xaxis_title=column,
                      height=90 + 34 * len(folds), **_LAYOUT)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig
