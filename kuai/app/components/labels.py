"""Plain-language names for what Kuai shows: column types, tasks, metrics, model families."""

from __future__ import annotations

import re

from kuai.engine import family_label, get_metric, model_label, short_model_label
from kuai.exporters.card_schema import CardLimits
from kuai.exporters.threshold_text import format_threshold

__all__ = ["family_label", "model_label", "short_model_label", "literal_markdown"]  # the families' own, for the views

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~$])")
_WORD_JOINER = "\u2060"  # invisible: after a ':', it keeps Streamlit from reading ':material/x:' as an icon


def literal_markdown(text: str) -> str:
    """``text`` shown as written by Streamlit's markdown (column names may hold '_', '*', '$' or ':')."""
    return _MARKDOWN.sub(r"\\\1", text).replace(":", ":" + _WORD_JOINER)


TYPE_HELP = {
    "numeric": "numbers (age, price, temperature)",
    "categorical": "a few repeated labels (region, contract type)",
    "boolean": "two values (yes/no, true/false)",
    "datetime": "dates or times",
    "text": "free text — the model reads its words",
    "id": "an identifier (patient number, serial number) — not used for learning",
    "constant": "the same value everywhere — not used for learning",
}

TASK_LABELS = {
    "binary": "One of two outcomes (binary classification)",
    "multiclass": "One of several categories (multiclass classification)",
    "regression": "A number (regression)",
}

METRIC_HELP = {
    "roc_auc": "how well the model ranks positive cases above negative ones: 1 is perfect, 0.5 is a coin toss",
    "pr_auc": "precision-recall area: suited when one outcome is rare; 1 is perfect",
    "log_loss": "how confident and correct the predicted probabilities are; lower is better",
    "accuracy": "the share of rows predicted correctly",
    "balanced_accuracy": "accuracy averaged over the classes, so a rare class counts as much as a common one",
    "rmse": "the typical size of an error, in the target's own units; lower is better",
    "mae": "the average size of an error, in the target's own units; lower is better",
    "r2": "the share of the variation the model explains: 1 is perfect, 0 is no better than the average",
}


STATUS_LABELS = {
    "queued": "waiting",
    "running": "training",
    "finished": "finished",
    "failed": "failed",
    "cancelled": "cancelled",
}


def metric_label(name: str | None) -> str:
    if not name:
        return "score"
    try:
        return get_metric(name).label
    except KeyError:
        return name


def metric_direction(name: str | None) -> str:
    try:
        return "higher is better" if get_metric(name or "").greater_is_better else "lower is better"
    except KeyError:
        return ""


TASK_SHORT = {"binary": "one of two outcomes", "multiclass": "one of several categories", "regression": "a number"}


def limits_text(limits: CardLimits) -> str:
    """The model card's limits entry in words: what the user asked, what the exported model costs."""
    asked = " and ".join(part for part in (
        f"at most {limits.max_ms_per_row:g} ms a row" if limits.max_ms_per_row is not None else "",
        f"at most {limits.max_size_mb:g} MB" if limits.max_size_mb is not None else "") if part)
    measured = ""
    if limits.onnx_ms_per_row is not None:
        measured = (f"; measured as exported (ONNX): {limits.onnx_ms_per_row:.3g} ms a row, "
                    f"{limits.onnx_size_mb:.2g} MB")
    return (f"**Your limits:** {asked}. **Exported model:** estimated {limits.estimated_ms_per_row:.3g} ms a row"
            + (f", {limits.estimated_size_mb:.2g} MB" if limits.estimated_size_mb is not None else "")
            + measured + ".")


def decision_words(threshold: float, classes: tuple[str, ...] | list[str], origin: str) -> str:
    """How a binary model's answers are labelled (Markdown): at which threshold, chosen by whom."""
    shown = format_threshold(threshold)
    negative, positive = (literal_markdown(f"'{label}'") for label in classes[:2])
    return (f"Labelled at the threshold **{shown}**, {origin}: a row is called {positive} when its probability of "
            f"{positive} is at least {shown}, otherwise {negative}.")
