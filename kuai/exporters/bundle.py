"""The deployment bundle's guide and examples: ``README.md``, ``score.py``, ``score.js`` and ``package.json``.

They are written into a run's output folder beside ``model.onnx``, for the engineer who receives the
Export page's zip. The examples are real files in ``bundle_templates/``, copied as they are; they read
everything model-specific (input schema, classes, threshold) from the ONNX metadata, so one copy serves
every model. The README is rendered from ``bundle_templates/README.md.tmpl`` with the model card's values.
Every file name is fixed here: nothing the user typed (column, class or dataset names) becomes a path.
"""

from __future__ import annotations

import re
import shutil
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kuai.engine import write_atomically
from kuai.engine.read.dates import format_in_words
from kuai.engine.report.summary import left_out_by_reason
from kuai.exporters.card_schema import CardParity
from kuai.exporters.threshold_text import format_threshold, threshold_origin

TEMPLATES = Path(__file__).resolve().with_name("bundle_templates")
README_FILE = "README.md"
EXAMPLE_FILES = ("score.py", "score.js", "package.json", "package-lock.json")
BUNDLE_EXAMPLE_FILES = (README_FILE, *EXAMPLE_FILES)
MAX_SHOWN_CATEGORIES = 30
_TYPE_NAMES = {"numeric": "number", "categorical": "category", "boolean": "true/false", "datetime": "date/time"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~$])")
_ISO_DATES = "ISO 8601 (`2024-03-31`, `2024-03-31 14:30`)"
_EXAMPLE_DATE = datetime(2024, 3, 31, 14, 30, tzinfo=UTC)  # day above 12: shows the day/month order

__all__ = ["BUNDLE_EXAMPLE_FILES", "README_FILE", "render_readme", "write_bundle_examples", "write_readme"]


def write_bundle_examples(out_dir: Path, card: Mapping[str, Any]) -> list[Path]:
    """Write the README and copy the scoring examples into ``out_dir``; return the paths written."""
    paths = [write_readme(out_dir, card)]
    for name in EXAMPLE_FILES:
        target = out_dir / name
        shutil.copyfile(TEMPLATES / name, target)
        paths.append(target)
    return paths


def write_readme(out_dir: Path, card: Mapping[str, Any]) -> Path:
    """(Re)write ``README.md`` from the model card, e.g. after the decision threshold changed."""
    path = out_dir / README_FILE
    write_atomically(path, render_readme(card))
    return path


def render_readme(card: Mapping[str, Any]) -> str:
    template = string.Template((TEMPLATES / "README.md.tmpl").read_text(encoding="utf-8"))
    return template.substitute(_readme_values(card))


def _readme_values(card: Mapping[str, Any]) -> dict[str, str]:
    classes = [str(label) for label in card.get("classes") or []]
    schema = list(card.get("input_schema") or [])
    metric = card.get("metric") or {}
    versions = card.get("library_versions") or {}
    return {
        "headline": f"predicts {_code(card['target'])} ({_task_words(card)})",
        "prediction_text": _prediction_text(card, classes),
        "kuai_version": _plain(card.get("kuai_version", "")),
        "created_at": _plain(card.get("created_at", "")),
        "n_inputs": str(len(schema)),
        "input_rows": "\n".join(_input_row(column) for column in schema),
        "ignored_columns": _ignored_columns(card.get("dropped_columns") or {}),
        "outputs_text": _outputs_text(classes),
        "threshold_text": _threshold_text(card, classes),
        "metric_label": _plain(metric.get("label") or metric.get("name", "score")),
        "cv_score": _figure(card.get("cv_score")),
        "cv_std": _figure(card.get("cv_score_std")),
        "cv_folds": str(card.get("cv_folds", "?")),
        "n_rows": f"{int((card.get('data_fingerprint') or {}).get('n_rows', 0)):,}",
        "direction": "higher" if metric.get("greater_is_better", True) else "lower",
        "parity_text": _parity_text(card.get("parity") or {}, classes),
        "latency_text": _latency_text(card.get("latency") or {}),
        "proba_columns": " and `proba_<class>` for every class" if classes else "",
        "onnxruntime_version": _version(versions.get("onnxruntime")),
    }


def _task_words(card: Mapping[str, Any]) -> str:
    task = str(card.get("task", ""))
    return {"binary": "binary classification", "multiclass": "multiclass classification",
            "regression": "regression"}.get(task, _plain(task))


def _prediction_text(card: Mapping[str, Any], classes: list[str]) -> str:
    target = _code(card["target"])
    if classes:
        listed = _listing(classes)
        what = (f"It predicts which of {len(classes)} classes {target} takes ({listed}), with the probability of "
                "each." if len(classes) > 2 else
                f"It predicts whether {target} is {listed}, with the probability of each.")
    else:
        what = f"It predicts the value of {target}."
    model = card.get("model") or {}
    members = model.get("members") or {}
    if model.get("is_ensemble") and members:
        parts = ", ".join(f"{_code(name)} (weight {_figure(weight)})" for name, weight in members.items())
        how = f"The model is a weighted ensemble: {parts}."
    elif model.get("family") == "stack" and members:
        how = (f"The model is a stack: a LightGBM that reads the input columns and the predictions of "
               f"{', '.join(_code(name) for name in members)}, all inside the one ONNX file.")
    else:
        how = f"The model is {_code(model.get('name', '?'))} ({_plain(model.get('family') or 'model')})."
    return f"{what} {how}"


def _input_row(column: Mapping[str, Any]) -> str:
    kind = str(column.get("type", ""))
    return (f"| {_code(column['name'], table=True)} | {_TYPE_NAMES.get(kind, _plain(kind))} | "
            f"{_what_to_send(column, kind)} |")


def _what_to_send(column: Mapping[str, Any], kind: str) -> str:
    if kind == "numeric":
        return "a number"
    if kind == "datetime":
        return _date_to_send(str(column.get("date_format") or ""))
    if kind == "text":
        return "any text: the model reads its words (as written: case counts)."
    if "categories" not in column:
        return "a value"
    categories = [str(c) for c in column["categories"]]
    known = [_code(c, table=True) for c in categories if c][:MAX_SHOWN_CATEGORIES]
    missing = " Missing values were seen in training." if "" in categories else ""
    n_known = sum(1 for c in categories if c)
    if n_known > len(known):
        return (f"one of {n_known:,} categories seen in training, e.g. {', '.join(known)}, … "
                f"(all of them are in `model_card.json`).{missing}")
    booleans = " (`true`/`false` are read as `True`/`False`)" if kind == "boolean" else ""
    return f"one of {', '.join(known)}{booleans}.{missing}" if known else f"any text.{missing}"


def _date_to_send(date_format: str) -> str:
    """The column's format (that of its training data, which the examples read as `kuai predict` does), or ISO."""
    if "%" in date_format:
        try:
            example = f", e.g. {_code(_EXAMPLE_DATE.strftime(date_format), table=True)}"
        except ValueError:
            example = ""
        return (f"a date written {_code(format_in_words(date_format), table=True)} (format "
                f"{_code(date_format, table=True)}{example}), or {_ISO_DATES}")
    if date_format.startswith("mixed"):
        order = "day-first" if date_format == "mixed-dayfirst" else "month-first"
        return (f"a date or date-time, {_ISO_DATES}. The training data wrote it several ways: `kuai predict` reads "
                f"each value on its own ({order} where ambiguous), the examples read ISO 8601 only.")
    return f"a date or date-time, {_ISO_DATES}"


def _ignored_columns(dropped: Mapping[str, Any]) -> str:
    if not dropped:
        return ""
    listed = "; ".join(", ".join(_code(name) for name in names) + (f" and {n - len(names):,} more" if n > len(names)
                                                                     else "") + f" ({_plain(reason)})"
                       for reason, names, n in left_out_by_reason(dropped))
    return f"Columns of the training data the model does not use: {listed}."


def _outputs_text(classes: list[str]) -> str:
    if not classes:
        return "`variable`: float32 `[N, 1]`, the predicted value."
    order = ", ".join(f"{index} = {_code(label)}" for index, label in enumerate(classes))
    return ("`label`: int64 `[N]`, the index of the most probable class; `probabilities`: float32 "
            f"`[N, {len(classes)}]`, one column per class. Class order: {order}.")


def _threshold_text(card: Mapping[str, Any], classes: list[str]) -> str:
    if not classes:
        return "None: the model predicts a value."
    entry = card.get("decision_threshold")
    if len(classes) != 2 or not entry:
        return "None: the prediction is the most probable class (the ONNX `label` output)."
    positive, negative = _code(classes[1]), _code(classes[0])
    threshold = format_threshold(float(entry["threshold"]))
    text = (f"A row is predicted {positive} when the probability of {positive} is at least **{threshold}**, "
            f"otherwise {negative} ({_plain(threshold_origin(entry))}")
    return (text + "). The threshold is stored in `model.onnx` (metadata `kuai_threshold`) and `threshold.json`; "
            "both scripts read it from `model.onnx`. The ONNX `label` output does not apply it: it is the most "
            "probable class.")


def _parity_text(parity: Mapping[str, Any], classes: list[str]) -> str:
    if not parity:
        return "not checked."
    figure = CardParity.model_validate(dict(parity)).words(classification=bool(classes))
    labels = "; the same predicted classes" if classes and parity.get("labels_equal") else ""
    verdict = "passed" if parity.get("passed") else "**did not pass**"
    return (f"{verdict}. ONNX Runtime scored {int(parity.get('n_rows', 0)):,} rows (training rows, plus rows with "
            f"every value missing, unseen categories and extreme numbers) like the trained model: {figure} "
            f"(tolerance {_figure(parity.get('tolerance'))}){labels}.")


def _latency_text(latency: Mapping[str, Any]) -> str:
    if not latency:
        return "not measured."
    return (f"{_figure(latency.get('single_row_p50_ms'))} ms for one row (median), "
            f"{_figure(latency.get('single_row_p99_ms'))} ms at the 99th percentile; "
            f"{float(latency.get('batch_rows_per_s', 0)):,.0f} rows/s in a batch of "
            f"{int(latency.get('batch_rows', 0)):,} rows.")


def _listing(labels: list[str]) -> str:
    shown = [_code(label) for label in labels[:MAX_SHOWN_CATEGORIES]]
    more = f" and {len(labels) - len(shown):,} more" if len(labels) > len(shown) else ""
    if len(shown) == 2 and not more:
        return f"{shown[0]} or {shown[1]}"
    return ", ".join(shown) + more


def _version(value: Any) -> str:
    """A pip-installable version for the README's command; a safe floor when the card has none."""
    text = str(value or "")
    return text if re.fullmatch(r"[0-9][0-9A-Za-z.+-]*", text) else "1.20"


def _figure(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return "?"


def _code(text: Any, *, table: bool = False) -> str:
    """``text`` as a Markdown code span, whatever backticks, pipes or line breaks it holds."""
    body = " ".join(str(text).splitlines()) if str(text) else "(empty)"
    if table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{padding}{body}{padding}{fence}"


def _plain(text: Any) -> str:
    """``text`` as literal Markdown text: special characters escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))
