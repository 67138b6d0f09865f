"""A plain-language summary of a trained model, written from its numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.metrics import get_metric
from engine.naming import model_label, plain_number

if TYPE_CHECKING:
    from engine.automl import TrainingResult


def plain_summary(result: TrainingResult) -> str:
    spec, y, oof = result.spec, result.y, result.oof
    best = next(e for e in result.leaderboard if e.model == result.model_name)
    metric = get_metric(spec.metric)
    parts = []
    if spec.task.is_classification:
        accuracy = float(np.mean(np.argmax(oof, axis=1) == y))
        counts = np.bincount(y, minlength=len(spec.classes))
        majority = spec.classes[int(np.argmax(counts))]
        baseline = float(counts.max() / counts.sum())
        parts.append(f"On rows it had not seen, the model picks the right class {accuracy:.0%} of the time; "
                     f"always guessing '{majority}' would be right {baseline:.0%} of the time.")
    else:
        rmse = float(np.sqrt(np.mean((y - oof) ** 2)))
        spread = float(np.std(y))
        r2 = 1 - rmse**2 / spread**2 if spread > 0 else 0.0
        parts.append(f"On rows it had not seen, the model's typical error is {plain_number(rmse)} "
                     f"(predicting the average every time: {plain_number(spread)}); it explains {max(r2, 0):.0%} "
                     f"of the variation in '{spec.target}'.")
    score = f"{best.score:.4f} ± {best.score_std:.4f}" if abs(best.score) < 10 else (
        f"{plain_number(best.score)} ± {plain_number(best.score_std)}")
    parts.append(f"Cross-validated {metric.label}: {score} ({model_label(result.model_name)}).")
    if result.explanation is not None:
        top = list(result.explanation.importance)[:3]
        if top:
            quoted = ", ".join(f"'{c}'" for c in top[:-1]) + (f" and '{top[-1]}'" if len(top) > 1 else f"'{top[0]}'")
            parts.append(f"It relies most on {quoted}.")
    return " ".join(parts)
