"""The report's notes name the models as its leaderboard table does."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from kuai.exporters.report import _data_section


def test_the_reports_notes_use_the_leaderboards_names() -> None:
    result = SimpleNamespace(
        spec=SimpleNamespace(dropped={"id": "an identifier"}), y=np.zeros(10), n_training_rows=10, schema=(1, 2),
        leaderboard=[SimpleNamespace(model="catboost_3"), SimpleNamespace(model="ensemble")],
        notes=["The search stopped: catboost_3 scored 1.", "The ensemble leaves out <b>x</b>."])
    html = _data_section(result, {"parity": {"max_abs_diff": 1e-7, "n_rows": 5, "passed": True}})  # type: ignore[arg-type]
    assert "<li>The search stopped: CatBoost (boosted trees) #3 scored 1.</li>" in html
    assert "<li>The ensemble leaves out &lt;b&gt;x&lt;/b&gt;.</li>" in html  # a word, and escaped
