"""The Results page's evaluation and explanation charts, and the threshold a user picks for the export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kuai.exporters import CardLimits, format_threshold
from tests.app.helpers import new_app


def _charts(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _titled(at: Any, words: str) -> dict[str, Any]:
    matches = [c for c in _charts(at) if words in c["layout"].get("title", {}).get("text", "")]
    assert matches, [c["layout"].get("title", {}).get("text") for c in _charts(at)]
    return matches[0]


def _results_page(run_id: str) -> Any:
    at = new_app()
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("views/results.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _outputs(run_id: str) -> Path:
    from kuai.app.services.jobs import outputs_dir

    return outputs_dir(run_id)


def _texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def _metric(at: Any, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def _stored(run_id: str) -> tuple[np.ndarray, np.ndarray]:
    data = json.loads((_outputs(run_id) / "evaluation.json").read_text())
    return np.asarray(data["y"]), np.asarray(data["oof"])[:, 1]


@pytest.mark.slow
def test_threshold_slider_updates_precision_recall_and_the_matrix(finished_home: tuple[str, str]) -> None:
    run_id, _ = finished_home
    at = _results_page(run_id)
    slider = at.slider(key=f"threshold_{run_id}")
    assert slider.value == pytest.approx(0.5)  # the default recorded at training
    y, score = _stored(run_id)
    for threshold in (0.5, 0.2):
        at.slider(key=f"threshold_{run_id}").set_value(threshold).run()
        assert not at.exception
        called = score >= threshold
        tp, fp = int(np.sum(called & (y == 1))), int(np.sum(called & (y == 0)))
        fn, tn = int(np.sum(~called & (y == 1))), int(np.sum(~called & (y == 0)))
        assert _metric(at, "Precision") == f"{tp / (tp + fp):.1%}"
        assert _metric(at, "Recall") == f"{tp / (tp + fn):.1%}"
        matrix = _titled(at, f"Confusion matrix at threshold {threshold:.3f}")
        assert matrix["data"][0]["z"] == [[tn, fp], [fn, tp]]
    threshold_chart = _titled(at, "Precision and recall of 'yes' by threshold")
    assert threshold_chart["layout"]["shapes"][0]["x0"] == pytest.approx(0.2)


@pytest.mark.slow
def test_costs_pick_the_cheapest_threshold_and_it_is_recorded_for_export(finished_home: tuple[str, str]) -> None:
    import onnx

    run_id, _ = finished_home
    at = _results_page(run_id)
    at.number_input(key=f"cost_fp_{run_id}").set_value(1.0)
    at.number_input(key=f"cost_fn_{run_id}").set_value(6.0)
    at.button(key=f"pick_{run_id}").click().run()
    assert not at.exception
    y, score = _stored(run_id)
    costs = [np.sum((score >= t) & (y == 0)) + 6 * np.sum((score < t) & (y == 1))
             for t in np.concatenate([np.unique(score), [1.01]])]
    cheapest = min(costs) / len(y)
    assert _metric(at, "Cost per row") == f"{cheapest:.3f}"
    chosen = at.slider(key=f"threshold_{run_id}").value
    assert chosen < 0.5  # misses cost six times more: call more rows 'yes'
    at.button(key=f"save_threshold_{run_id}").click().run()
    assert not at.exception
    saved = json.loads((_outputs(run_id) / "threshold.json").read_text())
    assert saved["source"] == "costs" and round(saved["threshold"], 3) == pytest.approx(chosen)
    assert saved["expected_cost"] == pytest.approx(cheapest)
    card = json.loads((_outputs(run_id) / "model_card.json").read_text())
    assert card["decision_threshold"]["threshold"] == saved["threshold"]
    metadata = {p.key: p.value for p in onnx.load(str(_outputs(run_id) / "model.onnx")).metadata_props}
    assert float(metadata["kuai_threshold"]) == saved["threshold"] and "kuai_schema" in metadata
    shown = format_threshold(saved["threshold"])
    assert any(f"Recorded for the export: {shown}" in text for text in _texts(at.markdown))


@pytest.mark.slow
def test_beeswarm_dependence_calibration_segments_and_search_history(finished_home: tuple[str, str]) -> None:
    run_id, _ = finished_home
    at = _results_page(run_id)
    beeswarm = _titled(at, "Each row's SHAP value per column")
    assert beeswarm["data"][0]["type"] == "scattergl" and len(beeswarm["data"][0]["x"]) > 10
    picker = at.selectbox(key=f"dependence_{run_id}")
    column = picker.options[1]
    picker.set_value(column).run()
    assert not at.exception
    assert _titled(at, f"How '{column}' moves the prediction")["layout"]["xaxis"]["title"]["text"] == column
    calibration = _titled(at, "Calibration")
    assert all(0 <= v <= 1 for v in calibration["data"][0]["y"])
    segment = at.selectbox(key=f"segment_{run_id}")
    segment.set_value("contract").run()
    bars = _titled(at, "Error rate by 'contract'")["data"][0]
    assert len(bars["x"]) >= 2 and all(0 <= v <= 1 for v in bars["y"])
    assert _titled(at, "Search history")["data"]


@pytest.mark.slow
def test_two_models_compare_on_their_own_out_of_fold_predictions(finished_home: tuple[str, str]) -> None:
    from sklearn.metrics import roc_auc_score

    from kuai.app.components.labels import model_label

    run_id, _ = finished_home
    at = _results_page(run_id)
    with np.load(_outputs(run_id) / "oof_by_model.npz", allow_pickle=False) as stored:
        oofs = {name: stored[name] for name in stored.files}
    y, _ = _stored(run_id)
    picker = at.multiselect(key=f"compare_{run_id}")
    assert len(picker.value) == 2 and set(picker.options) <= {model_label(n) for n in oofs}
    first, second = picker.value  # the models' names; the options show their labels
    roc = _titled(at, "ROC curves of the compared models")
    for name in (first, second):
        trace = next(t for t in roc["data"] if t["name"].startswith(model_label(name)))
        assert f"AUC {roc_auc_score(y, oofs[name][:, 1]):.3f}" in trace["name"]
    side_by_side = at.dataframe[-1].value
    assert {model_label(first), model_label(second)} <= set(side_by_side.columns)


@pytest.mark.slow
def test_leaderboard_marks_the_recommended_model_and_filters_by_kind(finished_home: tuple[str, str]) -> None:
    from kuai.app.components.labels import model_label

    run_id, _ = finished_home
    at = _results_page(run_id)
    card = json.loads((_outputs(run_id) / "model_card.json").read_text())
    table = at.dataframe[0].value
    assert table["recommended"].sum() == 1
    assert table.loc[table["recommended"], "model"].item() == model_label(card["model"]["name"])
    assert "is recommended and exported" in at.success[0].value
    kinds = at.multiselect(key=f"families_{run_id}")
    dropped = next(k for k in kinds.value if k.startswith("Linear"))
    kinds.unselect(dropped).run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert len(shown) < len(table) and not shown["model"].str.startswith("Linear").any()


@pytest.mark.slow
def test_the_tradeoff_chart_joins_the_pareto_front_and_stars_the_exported_model(finished_home: tuple[str, str]) -> None:
    from kuai.app.components.labels import limits_text, model_label

    run_id, _ = finished_home
    at = _results_page(run_id)
    chart = _titled(at, "against prediction time")
    card = json.loads((_outputs(run_id) / "model_card.json").read_text())
    board = json.loads((_outputs(run_id) / "evaluation.json").read_text())["leaderboard"]
    models, front, star = chart["data"]
    assert sorted(models["text"]) == sorted(model_label(e["model"]) for e in board)
    speed = {model_label(e["model"]): e["predict_ms_per_1000_rows"] / 1000 for e in board}
    score = {model_label(e["model"]): e["score"] for e in board}
    for slower, faster in zip(front["text"][1:], front["text"][:-1], strict=True):  # each step: slower, better
        assert speed[slower] >= speed[faster] and score[slower] > score[faster]
    assert star["name"] == f"exported: {model_label(card['model']['name'])}"
    assert star["x"] == [pytest.approx(max(card["limits"]["estimated_ms_per_row"], 1e-6))]
    assert card["limits"]["met"] is None and not any("Your limits" in m.value for m in at.markdown)
    text = limits_text(CardLimits.model_validate({**card["limits"], "max_ms_per_row": 0.5, "max_size_mb": 2.0}))
    assert "at most 0.5 ms a row and at most 2 MB" in text and "measured as exported (ONNX)" in text


def _report_matrix(report: str) -> tuple[str, list[list[int]]]:
    """The report's confusion matrix at the threshold: the threshold in its title, and its counts."""
    title = re.search(r"Confusion matrix at threshold ([0-9.]+)", report)
    z = re.search(r'"z":\[\[(\d+),(\d+)\],\[(\d+),(\d+)\]\]', report)
    assert title and z, "the report draws no confusion matrix at a threshold"
    tn, fp, fn, tp = (int(v) for v in z.groups())
    return title.group(1), [[tn, fp], [fn, tp]]


@pytest.mark.slow
def test_one_chosen_threshold_is_the_one_every_file_and_page_shows(finished_home: tuple[str, str]) -> None:
    """0.181 chosen on the Results page: threshold.json, the card, the README, report.html (its text and its
    confusion matrix), model.onnx, a new session's Results, Predict and Export pages all say and use 0.181."""
    import onnx
    import pandas as pd

    from tests.app.helpers import CHURN

    run_id, _ = finished_home
    out = _outputs(run_id)
    at = _results_page(run_id)
    at.slider(key=f"threshold_{run_id}").set_value(0.181).run()
    assert any("The figures above are at 0.181" in w for w in _texts(at.warning))  # not recorded yet: said so
    at.button(key=f"save_threshold_{run_id}").click().run()
    assert not at.exception
    y, score = _stored(run_id)
    called = score >= 0.181
    tp, fp = int(np.sum(called & (y == 1))), int(np.sum(called & (y == 0)))
    fn, tn = int(np.sum(~called & (y == 1))), int(np.sum(~called & (y == 0)))
    assert json.loads((out / "threshold.json").read_text())["threshold"] == 0.181
    card = json.loads((out / "model_card.json").read_text())
    assert card["decision_threshold"]["threshold"] == 0.181 and card["decision_threshold"]["source"] == "chosen"
    assert "**0.181**" in (out / "README.md").read_text()
    report = (out / "report.html").read_text()
    assert _report_matrix(report) == ("0.181", [[tn, fp], [fn, tp]])
    assert "at least 0.181 are called 'yes': the decision threshold, chosen on the Results page" in report
    metadata = {p.key: p.value for p in onnx.load(str(out / "model.onnx")).metadata_props}
    assert float(metadata["kuai_threshold"]) == 0.181

    at = _results_page(run_id)  # a new session
    assert at.slider(key=f"threshold_{run_id}").value == pytest.approx(0.181) and not at.warning
    assert any("Recorded for the export: 0.181" in m for m in _texts(at.markdown))
    assert _titled(at, "Confusion matrix at threshold 0.181")["data"][0]["z"] == [[tn, fp], [fn, tp]]

    at.switch_page("views/predict.py").run()
    assert not at.exception
    said = " ".join(_texts(at.info))
    assert "Labelled at the threshold **0.181**, chosen on the Results page" in said
    at.file_uploader(key=f"predict_upload_{run_id}").set_value(("new.csv", CHURN.read_bytes(), "text/csv")).run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert (shown["prediction"] == np.where(shown["proba_yes"] >= 0.181, "yes", "no")).all()
    assert pd.Series(shown["proba_yes"] < 0.5).any() and (shown["prediction"] == "yes").sum() > 0
    assert any("labelled at the threshold 0.181" in c for c in _texts(at.caption))

    at.switch_page("views/export.py").run()
    assert any("Labelled at the threshold **0.181**, chosen on the Results page" in i for i in _texts(at.info))
