"""``evaluation.html``: a model checked on a file with known answers (``kuai evaluate``), one self-contained page
in the report's style: the plain summary, every metric of the task, and the report's evaluation charts."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from kuai.engine import atomic_path, get_metric
from kuai.engine.report.known_answers import KnownAnswers
from kuai.exporters.report import STYLE, evaluation_section

EVALUATION_PAGE = "evaluation.html"


def write_evaluation_page(known: KnownAnswers, path: Path, *, model_name: str, file_name: str,
                          card: Mapping[str, Any]) -> Path:
    rows = "".join(f"<tr><td>{html.escape(get_metric(name).label)}</td><td>{_shown(value)}</td></tr>"
                   for name, value in known.scores.items())
    notes = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in known.notes)
    section = evaluation_section(known.evaluation, card,
                                 measured_on=f"the rows of {file_name}, whose answers the model never saw",
                                 source=file_name)
    with atomic_path(path) as partial, partial.open("w", encoding="utf-8") as page:
        page.write(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Kuai evaluation — {html.escape(file_name)}</title><style>{STYLE}</style>
<script type="text/javascript">""")
        page.write(get_plotlyjs())
        page.write(f"""</script></head><body>
<h1>{html.escape(model_name)} checked on {html.escape(file_name)}</h1>
<p class="summary">{html.escape(known.summary)}</p>{notes}
<h2>Scores on these rows</h2><table><tr><th>metric</th><th>value</th></tr>{rows}</table>
{section}
</body></html>""")
    return path


def _shown(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "cannot be computed on these rows"
