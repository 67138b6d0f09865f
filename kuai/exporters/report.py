"""``report.html``: one self-contained page (plotly.js inline) that opens offline."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kuai.engine import Evaluation, TrainingResult, atomic_path, evaluate, get_metric, pareto_front
from kuai.engine.models.labels import model_label
from kuai.engine.report.evaluation_data import ConfusionMatrix
from kuai.engine.report.summary import left_out_by_reason, plain_summary, recommendation, with_model_labels
from kuai.exporters.card_schema import CardParity
from kuai.exporters.evaluation_figures import AtThreshold, evaluation_figures
from kuai.exporters.figures import (
    beeswarm_figure,
    importance_figure,
    leaderboard_figure,
    permutation_figure,
    row_explanation_figure,
    tradeoff_figure,
    words_figure,
)
from kuai.exporters.search_figures import optimization_history_figure
from kuai.exporters.threshold_text import format_threshold, threshold_origin

REPORT_FILE = "report.html"
EVALUATION_FILE = "evaluation.json"  # written beside it by the training: the out-of-fold predictions and evaluation
SECTION_START, SECTION_END = '<section id="kuai-evaluation">', "</section>"
logger = logging.getLogger(__name__)

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2rem auto;
padding:0 1rem;color:#0f172a}
h1{font-size:1.6rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e2e8f0}
table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{padding:.35rem .5rem;
border-bottom:1px solid #e2e8f0;text-align:left} th{background:#f8fafc}
.summary{background:#f0f9ff;border-left:4px solid #0284c7;padding:.8rem 1rem}
.note{color:#475569;font-size:.9rem}
"""


REPORT_MODELS = 15  # the report lists the best; leaderboard.csv holds them all


def write_report(result: TrainingResult, path: Path, *, dataset_name: str, card: dict[str, Any],
                 evaluation: Evaluation | None = None) -> Path:
    metric = get_metric(result.spec.metric)
    if evaluation is None:
        evaluation = evaluate(result.spec, result.y, result.oof, model_frame=result.model_frame, schema=result.schema)
    history = optimization_history_figure(result.trials, metric_label=metric.label,
                                          greater_is_better=metric.greater_is_better)
    recommended = html.escape(recommendation(result.leaderboard, result.model_name, result.spec.metric,
                                               (card.get("limits") or {}).get("note", "")))
    sections = [f"<h2>Leaderboard</h2><p>{recommended}</p>{_leaderboard_table(result, metric.label)}"
                f"{_html(leaderboard_figure(result.leaderboard, metric.label))}{_html(history) if history else ''}"]
    limits = card.get("limits") or {}
    if len(result.leaderboard) > 1:
        note = f"<p class='note'>{html.escape(limits['note'])}</p>" if limits.get("note") else ""
        sections.append(note + _html(tradeoff_figure(
            result.leaderboard, metric.label, front=pareto_front(result.leaderboard, result.spec.metric),
            chosen=result.model_name, chosen_ms=limits.get("estimated_ms_per_row"),
            max_ms_per_row=limits.get("max_ms_per_row"))))
    if result.explanation is not None:
        sections.append(_explanation_section(result))
    sections.append(evaluation_section(evaluation, card))
    sections.append(_data_section(result, card))
    body = "\n".join(sections)
    created = html.escape(str(card.get("created_at", "")))
    version = html.escape(str(card.get("kuai_version", "")))
    with atomic_path(path) as partial, partial.open("w", encoding="utf-8") as page:  # plotly.js alone is 4.6 MB
        page.write(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Kuai report — {html.escape(dataset_name)}</title><style>{STYLE}</style>
<script type="text/javascript">""")
        page.write(get_plotlyjs())
        page.write(f"""</script></head><body>
<h1>Kuai report: predicting '{html.escape(result.spec.target)}' in {html.escape(dataset_name)}</h1>
<p class="summary">{html.escape(plain_summary(result))}</p>
{body}
<p class="note">Created {created} by Kuai {version}.</p>
</body></html>""")
    return path


def evaluation_section(evaluation: Evaluation, card: Mapping[str, Any], *,
                       measured_on: str = "rows each model did not see during training (out-of-fold predictions)",
                       source: str = "out-of-fold") -> str:
    """'How good it is': the out-of-fold figures (or ``measured_on`` other rows), a binary model's at the decision
    threshold its card states."""
    entry = card.get("decision_threshold") or {}
    at_threshold = _at_threshold(evaluation, entry)
    note = ""
    if entry:
        positive = html.escape(str(entry.get("positive_class", "")))
        note = (f" Rows with a probability of '{positive}' of at least {format_threshold(float(entry['threshold']))}"
                f" are called '{positive}': the decision threshold, {html.escape(threshold_origin(entry))}.")
    figures = evaluation_figures(evaluation, at_threshold=at_threshold, source=source)
    return (f"{SECTION_START}<h2>How good it is</h2><p class='note'>Measured on {html.escape(measured_on)}."
            f"{note}</p>{''.join(_html(f) for f in figures)}{SECTION_END}")


def _at_threshold(evaluation: Evaluation, entry: Mapping[str, Any]) -> AtThreshold | None:
    counts = entry.get("out_of_fold") or {}
    table = evaluation.thresholds
    if table is None or not entry or not counts:
        return None
    tp, fp, fn, tn = (int(counts[k]) for k in ("true_positives", "false_positives", "false_negatives",
                                                "true_negatives"))
    matrix = ConfusionMatrix(labels=(table.negative_class, table.positive_class), counts=[[tn, fp], [fn, tp]])
    return AtThreshold(float(entry["threshold"]), matrix)


def rewrite_evaluation_section(path: Path, evaluation: Evaluation, card: Mapping[str, Any]) -> bool:
    """Redraw a written report's evaluation after the decision threshold changed; False if it has none to redraw."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(SECTION_START), -1
    if start >= 0:
        end = text.find(SECTION_END, start)
        end = end + len(SECTION_END) if end >= 0 else -1
    else:  # a report written before the section was marked
        start = text.find("<h2>How good it is</h2>")
        end = text.find("<h2>Data and export</h2>", start) if start >= 0 else -1
    if start < 0 or end < 0:
        logger.warning("%s: no evaluation section found; its threshold was not redrawn", path)
        return False
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text[:start] + evaluation_section(evaluation, card) + text[end:], encoding="utf-8")
    os.replace(partial, path)
    return True


def _html(figure: go.Figure) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False))


def _explanation_section(result: TrainingResult) -> str:
    explanation = result.explanation
    assert explanation is not None
    figures = [importance_figure(explanation)]
    if explanation.permutation_importance:
        figures.append(permutation_figure(explanation))
    if explanation.sample_data:
        figures.append(beeswarm_figure(explanation))
    figures += [words_figure(explanation, column) for column, words in explanation.words.items() if words]
    note = html.escape(" ".join(n for n in (explanation.note, explanation.permutation_note) if n))
    return ("<h2>What drives the predictions</h2><p class='note'>SHAP values show how much each column "
            "moves a prediction away from the average. Columns are your original ones; encoded parts "
            f"are added back together. {note}</p>{''.join(_html(f) for f in figures)}"
            f"<p class='note'>One example row (row {explanation.sample_index[0] + 1} of the data):</p>"
            f"{_html(row_explanation_figure(explanation, 0))}")


def _leaderboard_table(result: TrainingResult, metric_label: str) -> str:
    rows = []
    shown = [e for e in result.leaderboard[:REPORT_MODELS]]
    shown += [e for e in result.leaderboard if e.model == result.model_name and e not in shown]
    for entry in shown:
        chosen = " ✔ exported" if entry.model == result.model_name else ""
        members = ", ".join(f"{model_label(m)} ({w:.0%})" for m, w in entry.members.items())
        size = "" if entry.size_kb is None else f"{entry.size_kb:,.0f}"
        rows.append(
            f"<tr><td>{entry.rank}</td><td>{html.escape(model_label(entry.model))}{chosen}</td>"
            f"<td>{entry.score:.4f} ± {entry.score_std:.4f}</td><td>{entry.fit_time_s:.2f}</td>"
            f"<td>{entry.predict_ms_per_1000_rows:.1f}</td><td>{size}</td><td>{html.escape(members)}</td></tr>")
    more = len(result.leaderboard) - len(shown)
    rest = f"<p class='note'>{more} more models are listed in leaderboard.csv.</p>" if more > 0 else ""
    return (f"<table><tr><th>rank</th><th>model</th><th>{metric_label} (CV mean ± std)</th>"
            "<th>fit time (s)</th><th>predict ms / 1,000 rows</th><th>size (KB)</th><th>blend of</th></tr>"
            + "".join(rows) + "</table>" + rest)


def _data_section(result: TrainingResult, card: dict[str, Any]) -> str:
    dropped = "".join(f"<li><b>{html.escape(', '.join(names))}</b>{_more(len(names), n)}: {html.escape(reason)}</li>"
                      for reason, names, n in left_out_by_reason(result.spec.dropped))
    models = [e.model for e in result.leaderboard]  # the notes name trials as the table above does
    notes = "".join(f"<li>{html.escape(with_model_labels(n, models, trials_only=True))}</li>" for n in result.notes)
    parity, classification = card.get("parity", {}), bool(card.get("classes"))
    return (f"<h2>Data and export</h2><p>{result.n_training_rows:,} rows with a target, {len(result.schema)} columns "
            f"used.</p><ul>{dropped}</ul>{f'<ul>{notes}</ul>' if notes else ''}"
            f"<p class='note'>ONNX parity with the in-memory model on {parity.get('n_rows', 0)} rows: "
            f"{html.escape(CardParity.model_validate(dict(parity)).words(classification=classification))} "
            f"({'passed' if parity.get('passed') else 'FAILED'}).</p>")


def _more(listed: int, total: int) -> str:
    return f" and {total - listed:,} more" if total > listed else ""
