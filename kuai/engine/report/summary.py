"""A plain-language summary of a trained model, written from its numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from kuai.engine.metrics import get_metric
from kuai.engine.models.labels import model_label
from kuai.engine.naming import plain_number

if TYPE_CHECKING:
    from kuai.engine.results import TrainingResult
    from kuai.engine.types import LeaderboardEntry, TaskSpec

DOMINANT_SHARE = 0.5  # one column carrying half of all SHAP importance deserves a second look
FEW_ROWS = 300


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
    score = f"{_score(best.score)} ± {_score(best.score_std)}"
    parts.append(f"Cross-validated {metric.label}: {score} ({model_label(result.model_name)}).")
    if result.holdout is not None and np.isfinite(result.holdout.score):
        parts.append(f"On the holdout ({result.holdout.how}, kept out of the whole search): "
                     f"{_score(result.holdout.score)}.")
    elif len(result.leaderboard) > 1:
        parts.append(selection_note(len(result.leaderboard)))
    if result.explanation is not None:
        top = list(result.explanation.importance)[:3]
        if top:
            quoted = ", ".join(f"'{c}'" for c in top[:-1]) + (f" and '{top[-1]}'" if len(top) > 1 else f"'{top[0]}'")
            parts.append(f"It relies most on {quoted}.")
    found = caveats(result)
    if found:
        parts.append("Caveats: " + " ".join(found))
    return " ".join(parts)


def selection_note(n_models: int) -> str:
    """What the chosen model's cross-validated score is worth: it also chose the model (benchmarks/
    estimate_optimism.py measured such scores against test sets of the shared datasets)."""
    return (f"That score also chose it among {n_models:,} models: on public datasets such a score was close to the "
            "score on new rows on average, but a few percent off either way on any one of them; a holdout (the Train "
            "page, --holdout) checks the model on rows no choice saw.")


def caveats(result: TrainingResult) -> list[str]:
    """What a careful reader should know before trusting the numbers, in plain words."""
    spec, found = result.spec, []
    if result.n_training_rows < FEW_ROWS:
        found.append(f"Only {result.n_training_rows:,} rows had a target, so the scores are uncertain "
                     "(see the ± spread over folds).")
    if spec.task.is_classification:
        counts = np.bincount(result.y, minlength=len(spec.classes))
        rarest = int(np.argmin(counts))
        if counts[rarest] / counts.sum() < 0.05:
            scored = " scored" if len(result.y) < result.n_training_rows else ""  # a large table's sample, time folds
            found.append(f"Class '{spec.classes[rarest]}' is rare ({counts[rarest]:,} of {counts.sum():,} rows"
                         f"{scored}); the model sees few examples of it.")
    importance = result.explanation.importance if result.explanation is not None else {}
    total = sum(importance.values())
    if importance and total > 0:
        top, value = next(iter(importance.items()))
        if value / total >= DOMINANT_SHARE and len(importance) > 1:
            found.append(f"'{top}' alone carries {value / total:.0%} of what the model relies on: check that it "
                         "is known at the time of prediction and is not a consequence of the outcome.")
    found.extend(_disagreements(result))
    dropped = {c: r for c, r in spec.dropped.items() if c != spec.target}
    if len(dropped) > 3:
        found.append(f"{len(dropped)} columns were left out, among them "
                     + ", ".join(f"'{c}' ({r})" for c, r in list(dropped.items())[:3]) + ".")
    else:
        found.extend(f"'{column}' was left out ({reason})." for column, reason in dropped.items())
    models = [e.model for e in result.leaderboard]
    found.extend(with_model_labels(note, models, trials_only=True) for note in result.notes)
    return found


def _disagreements(result: TrainingResult) -> list[str]:
    """Columns SHAP ranks near the top that the shuffle test finds nearly useless: usually overlapping columns."""
    explanation = result.explanation
    if explanation is None or not explanation.permutation_importance or len(explanation.importance) < 4:
        return []
    shuffled = list(explanation.permutation_importance)
    half = (len(shuffled) + 1) // 2  # the lower half of the shuffle ranking
    odd = [c for c in list(explanation.importance)[:3] if c in shuffled and shuffled.index(c) >= half]
    if not odd:
        return []
    quoted = " and ".join(f"'{c}'" for c in odd)
    return [f"SHAP ranks {quoted} near the top, but shuffling {'it' if len(odd) == 1 else 'them'} on held-out rows "
            "costs little: such a column usually carries the same information as another one, and the model "
            "trades credit between them. Read the two importance charts together."]


def recommendation(leaderboard: list[LeaderboardEntry] | tuple[LeaderboardEntry, ...], chosen: str,
                   metric_name: str, limits_note: str = "") -> str:
    """Why the exported model is recommended, and a simpler one when it scores within the noise.

    ``limits_note``: what the user's limits on time and size decided (the card's ``limits`` note), if any."""
    metric = get_metric(metric_name)
    by_name = {e.model: e for e in leaderboard}
    best = by_name[chosen]
    if limits_note and leaderboard and leaderboard[0].model != chosen:
        why = f"{model_label(chosen)} is exported: {with_model_labels(limits_note, (e.model for e in leaderboard))}"
    elif leaderboard and leaderboard[0].model != chosen:
        why = (f"{model_label(chosen)} is recommended and exported: {model_label(leaderboard[0].model)} scored "
               "higher but could not be bagged or refitted within the time budget.")
    else:
        why = (f"{model_label(chosen)} is recommended and exported: it has the best {metric.label} on rows it had "
               "not seen.")
    fast = [e for e in leaderboard if e.model != chosen and not e.is_ensemble and e.family != "stack"
            and abs(e.score - best.score) <= best.score_std
            and e.predict_ms_per_1000_rows * 3 <= best.predict_ms_per_1000_rows]
    if fast:
        simple = min(fast, key=lambda e: metric.loss(e.score))
        why += (f" {model_label(simple.model)} scores within the spread over folds ({_score(simple.score)} vs "
                f"{_score(best.score)} ± {_score(best.score_std)}) and predicts "
                f"{best.predict_ms_per_1000_rows / max(simple.predict_ms_per_1000_rows, 1e-9):.0f}× faster; "
                "prefer it if speed or simplicity matters.")
    return why


def with_model_labels(text: str, models: Iterable[str], trials_only: bool = False) -> str:
    """The note with model names as the user sees them (lightgbm_3 -> LightGBM (boosted trees) #3).

    ``trials_only``: "ensemble" and "stack" stay words (a training's notes say "the ensemble leaves out ...")."""
    for model in sorted(models, key=len, reverse=True):
        if trials_only and not re.search(r"_\d+$", model):
            continue
        text = re.sub(rf"\b{re.escape(model)}\b", model_label(model), text)
    return text


def _score(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 10 else plain_number(value)


def no_better_note(spec: TaskSpec, y: np.ndarray, score: float, score_std: float) -> str:
    """A note when a model's cross-validated ``score`` is no better, within its spread over the folds, than always
    predicting the most common class (its share of the rows, as probabilities) or the mean; else ""."""
    metric = get_metric(spec.metric)
    if spec.task.is_classification:
        counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(spec.classes))
        shares = counts / max(1, counts.sum())
        constant = np.tile(shares, (len(y), 1))
        what = f"the most common class ('{spec.classes[int(np.argmax(counts))]}', {shares.max():.0%} of the rows)"
    else:
        constant = np.full(len(y), float(np.mean(y)))
        what = f"the mean of '{spec.target}' ({plain_number(float(np.mean(y)))})"
    baseline = metric.compute(y, constant)
    if not np.isfinite(baseline) or metric.loss(score) < metric.loss(baseline) - score_std:
        return ""
    return (f"The model does no better than always predicting {what}: its cross-validated {metric.label}, "
            f"{_score(score)} ± {_score(score_std)}, is within its spread over the folds of what that constant "
            f"prediction scores ({_score(baseline)}). The columns, as given, do not predict '{spec.target}' on these "
            f"{len(y):,} rows: add rows or more telling columns before relying on it.")


def left_out_by_reason(dropped: Mapping[str, str], *,
                       shown: int = 10) -> list[tuple[str, tuple[str, ...], int]]:
    """The columns left out, grouped by reason in order of first appearance: the reason, its first ``shown``
    columns and how many it has (a wide table leaves thousands out for one reason)."""
    groups: dict[str, list[str]] = {}
    for column, reason in dropped.items():
        groups.setdefault(reason, []).append(column)
    return [(reason, tuple(columns[:shown]), len(columns)) for reason, columns in groups.items()]
