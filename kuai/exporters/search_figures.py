"""The search history from a run's trial records (``trials.json``), and Optuna's parameter importances.

The history is drawn with plotly directly: ``optuna.visualization`` imports matplotlib, PIL and fontTools
(~40 MB resident) before it draws anything, and the report is written in the export's process, whose memory peak it
would raise. For ``plot_param_importances`` (the app's Search page), an in-memory Optuna study is rebuilt from the
records so that any run (from the CLI too, whose study lived in memory) can show it; parameter ranges are taken
from the values tried.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import optuna
import plotly.graph_objects as go

from kuai.engine.models.labels import model_label
from kuai.engine.types import TrialRecord, TrialState

logger = logging.getLogger(__name__)
_LAYOUT: dict[str, Any] = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10), height=380)


def rebuilt_study(trials: list[TrialRecord], *, greater_is_better: bool, family: str | None = None) -> optuna.Study:
    """Completed trials (of one family, when given) as an in-memory study scored in the metric's own units."""
    chosen = [t for t in trials if t.state is TrialState.COMPLETE and t.score is not None
              and (family is None or t.family == family)]
    params_of = [{**({"family": t.family} if family is None else {}),
                  **{k.removeprefix(f"{t.family}__"): v for k, v in t.params.items()}} for t in chosen]
    distributions = _distributions(params_of)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize" if greater_is_better else "minimize")
    for record, params in zip(chosen, params_of, strict=True):
        study.add_trial(optuna.trial.create_trial(
            params=params, distributions={k: distributions[k] for k in params}, value=float(record.score or 0.0)))
    return study


def _distributions(params_of: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, list[Any]] = {}
    for params in params_of:
        for name, value in params.items():
            values.setdefault(name, []).append(value)
    distributions: dict[str, Any] = {}
    for name, seen in values.items():
        if all(isinstance(v, bool) or isinstance(v, str) or v is None for v in seen):
            distributions[name] = optuna.distributions.CategoricalDistribution(sorted(set(seen), key=str))
        elif all(isinstance(v, int) for v in seen):
            distributions[name] = optuna.distributions.IntDistribution(min(seen), max(seen))
        else:
            distributions[name] = optuna.distributions.FloatDistribution(float(min(seen)), float(max(seen)))
    return distributions


def optimization_history_figure(trials: list[TrialRecord], *, metric_label: str,
                                greater_is_better: bool) -> go.Figure | None:
    """Each completed trial's score by trial number, and the best so far (as Optuna's ``plot_optimization_history``
    draws them); None without completed trials."""
    done = sorted((t for t in trials if t.state is TrialState.COMPLETE and t.score is not None), key=lambda t: t.number)
    if not done:
        return None
    scores = np.array([float(t.score or 0.0) for t in done])
    best = np.maximum.accumulate(scores) if greater_is_better else np.minimum.accumulate(scores)
    numbers = [t.number for t in done]
    fig = go.Figure([
        go.Scatter(x=numbers, y=scores, mode="markers", name=metric_label,
                   text=[model_label(t.family) for t in done],
                   hovertemplate="trial %{x}: %{text}<br>%{y:.4g}<extra></extra>"),
        go.Scatter(x=numbers, y=best, mode="lines", name="Best so far", line=dict(shape="hv")),
    ])
    fig.update_layout(title=f"Search history: {metric_label} of each model tried", xaxis_title="trial",
                      yaxis_title=metric_label, **_LAYOUT)
    return fig


def param_importance_figure(trials: list[TrialRecord], *, family: str, greater_is_better: bool) -> go.Figure | None:
    """Optuna's ``plot_param_importances`` over one family's trials; None when they cannot say (too few trials)."""
    study = rebuilt_study(trials, greater_is_better=greater_is_better, family=family)
    varied = {name for t in study.trials for name in t.params
              if len({str(s.params.get(name)) for s in study.trials}) > 1}
    if len(study.trials) < 3 or not varied:
        return None
    from optuna.visualization import plot_param_importances  # matplotlib comes with it: only where this is drawn

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig = plot_param_importances(study, params=sorted(varied))
    except (ValueError, RuntimeError):
        logger.info("parameter importances unavailable for %s", family, exc_info=True)
        return None
    fig.update_layout(title=f"Which settings of {model_label(family)} mattered most (Optuna, {len(study.trials)} "
                            "trials)", **_LAYOUT)
    return fig


def families_with_trials(trials: list[TrialRecord]) -> list[str]:
    """Families with completed trials, most trials first."""
    counts: dict[str, int] = {}
    for record in trials:
        if record.state is TrialState.COMPLETE:
            counts[record.family] = counts.get(record.family, 0) + 1
    return sorted(counts, key=lambda name: -counts[name])
