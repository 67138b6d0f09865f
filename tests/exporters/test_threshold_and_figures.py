"""The decision threshold travels with the export; the Results figures are built from stored data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from kuai.engine import ThresholdChoice, TrialRecord, to_jsonable
from kuai.engine.types import Explanation
from kuai.exporters import THRESHOLD_METADATA_KEY, format_threshold, load_threshold, save_threshold, set_onnx_threshold
from kuai.exporters.figures import beeswarm_figure, dependence_figure
from kuai.exporters.search_figures import optimization_history_figure, param_importance_figure, rebuilt_study


def _tiny_onnx(path: Path) -> None:
    node = onnx.helper.make_node("Identity", ["x"], ["y"])
    graph = onnx.helper.make_graph([node], "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])
    model = onnx.helper.make_model(graph)
    entry = model.metadata_props.add()
    entry.key, entry.value = "kuai_schema", "{}"
    path.write_bytes(model.SerializeToString())


def test_saved_threshold_reaches_the_json_the_card_and_the_onnx_metadata(tmp_path: Path) -> None:
    _tiny_onnx(tmp_path / "model.onnx")
    (tmp_path / "model_card.json").write_text(json.dumps({"task": "binary", "classes": ["no", "yes"]}))
    graph_before = onnx.load(str(tmp_path / "model.onnx")).graph
    for threshold in (0.31, 0.27):  # saving twice replaces, never duplicates
        save_threshold(tmp_path, ThresholdChoice(threshold=threshold, positive_class="yes", source="costs",
                                                 cost_false_positive=1.0, cost_false_negative=4.0))
    assert load_threshold(tmp_path) == ThresholdChoice(threshold=0.27, positive_class="yes", source="costs",
                                                       cost_false_positive=1.0, cost_false_negative=4.0)
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["decision_threshold"]["threshold"] == 0.27 and card["task"] == "binary"
    model = onnx.load(str(tmp_path / "model.onnx"))
    metadata = [(p.key, p.value) for p in model.metadata_props]
    assert [v for k, v in metadata if k == THRESHOLD_METADATA_KEY] == ["0.27"]
    assert ("kuai_schema", "{}") in metadata
    assert model.graph == graph_before


def _binary_folder(folder: Path, *, marked: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A model folder as a training writes it: card, README, ONNX, evaluation.json and a report at 0.5."""
    from kuai.engine import ColumnType, TaskSpec, TaskType, evaluate, threshold_choice
    from kuai.exporters import decision_threshold_entry, write_readme
    from kuai.exporters.report import evaluation_section

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, 400), 0, 1).round(6)
    oof = np.column_stack([1 - score, score])
    spec = TaskSpec(target="churn", task=TaskType.BINARY, metric="roc_auc", features=("x",),
                    feature_types={"x": ColumnType.NUMERIC}, classes=("no", "yes"))
    evaluation = evaluate(spec, y, oof)
    (folder / "evaluation.json").write_text(json.dumps({"y": y.tolist(), "oof": oof.tolist(),
                                                        "evaluation": to_jsonable(evaluation)}))
    default = threshold_choice(y, score, 0.5, positive_class="yes", source="default")
    card = {"task": "binary", "target": "churn", "classes": ["no", "yes"], "input_schema": [],
            "decision_threshold": decision_threshold_entry(default)}
    (folder / "model_card.json").write_text(json.dumps(card))
    write_readme(folder, card)
    _tiny_onnx(folder / "model.onnx")
    section = evaluation_section(evaluation, card)
    if not marked:  # a report written before the section was marked
        section = section.removeprefix('<section id="kuai-evaluation">').removesuffix("</section>")
    (folder / "report.html").write_text(f"<html><body><h1>r</h1>{section}<h2>Data and export</h2><p>end</p>"
                                        "</body></html>")
    return y, score


def _report_matrix(report: str) -> tuple[str, list[list[int]]]:
    """The report's confusion matrix: its title and its counts (actual rows, predicted columns)."""
    title = re.search(r"Confusion matrix at threshold ([0-9.]+)", report)
    z = re.search(r'"z":\[\[(\d+),(\d+)\],\[(\d+),(\d+)\]\]', report)
    assert title and z, "no confusion matrix at a threshold in the report"
    tn, fp, fn, tp = (int(v) for v in z.groups())
    return title.group(1), [[tn, fp], [fn, tp]]


@pytest.mark.parametrize("marked", [True, False])
def test_a_chosen_threshold_is_stated_and_drawn_by_every_file(tmp_path: Path, marked: bool) -> None:
    y, score = _binary_folder(tmp_path, marked=marked)
    assert _report_matrix((tmp_path / "report.html").read_text())[0] == "0.500"
    save_threshold(tmp_path, ThresholdChoice(threshold=0.181, positive_class="yes", source="chosen"))
    called = score >= 0.181
    tp, fp = int(np.sum(called & (y == 1))), int(np.sum(called & (y == 0)))
    fn, tn = int(np.sum(~called & (y == 1))), int(np.sum(~called & (y == 0)))
    recorded = json.loads((tmp_path / "threshold.json").read_text())
    assert recorded["threshold"] == 0.181 and recorded["confusion"] == [tp, fp, fn, tn]
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["decision_threshold"]["threshold"] == 0.181
    assert card["decision_threshold"]["out_of_fold"] == {"true_positives": tp, "false_positives": fp,
                                                         "false_negatives": fn, "true_negatives": tn}
    readme = (tmp_path / "README.md").read_text()
    assert "**0.181**" in readme and "chosen on the Results page" in readme
    report = (tmp_path / "report.html").read_text()
    assert _report_matrix(report) == ("0.181", [[tn, fp], [fn, tp]])
    assert "at least 0.181 are called 'yes': the decision threshold, chosen on the Results page" in report
    assert report.count("<h2>How good it is</h2>") == 1 and report.endswith("<p>end</p></body></html>")
    metadata = {p.key: p.value for p in onnx.load(str(tmp_path / "model.onnx")).metadata_props}
    assert float(metadata[THRESHOLD_METADATA_KEY]) == 0.181


def test_a_threshold_picked_from_costs_keeps_its_exact_value_everywhere(tmp_path: Path) -> None:
    from kuai.engine import best_threshold

    y, score = _binary_folder(tmp_path)
    choice = best_threshold(y, score, cost_false_positive=1.0, cost_false_negative=6.0, positive_class="yes")
    save_threshold(tmp_path, choice)
    shown = format_threshold(choice.threshold)
    assert float(shown) == pytest.approx(choice.threshold, rel=1e-5)  # not rounded to the slider's 0.001
    assert f"**{shown}**" in (tmp_path / "README.md").read_text()
    report = (tmp_path / "report.html").read_text()
    assert _report_matrix(report)[0] == shown and "a false alarm costs 1, a miss 6" in report
    assert load_threshold(tmp_path) == choice


def test_set_onnx_threshold_on_a_model_in_memory() -> None:
    model = onnx.ModelProto()
    set_onnx_threshold(model, 0.5)
    set_onnx_threshold(model, 0.125)
    assert [(p.key, p.value) for p in model.metadata_props] == [(THRESHOLD_METADATA_KEY, "0.125")]


def test_load_threshold_of_a_folder_without_one(tmp_path: Path) -> None:
    assert load_threshold(tmp_path) is None


def _explanation() -> Explanation:
    rng = np.random.default_rng(0)
    amounts = rng.normal(50, 10, 30)
    colours = rng.choice(["red", "blue"], 30)
    values = np.column_stack([(amounts - 50) / 10, np.where(colours == "red", 1.0, -1.0)])
    return Explanation(columns=("amount", "colour"), importance={"colour": 1.0, "amount": 0.8},
                       sample_values=values.tolist(), base_values=[0.0] * 30, sample_index=list(range(30)),
                       explained_class=["yes"] * 30, explained_model="m", output_space="log-odds", method="x",
                       sample_data=[[float(a) if i else None, str(c)] for i, (a, c) in
                                    enumerate(zip(amounts, colours, strict=True))])


def test_beeswarm_colours_follow_the_values() -> None:
    explanation = _explanation()
    trace = beeswarm_figure(explanation).data[0]
    colours = np.asarray(trace.marker.color, dtype=float)
    assert len(trace.x) == 60  # 30 rows x 2 columns
    amount, colour = colours[:30], colours[30:]  # least important column drawn first (bottom)
    high = int(np.argmax([row[0] if row[0] is not None else -np.inf for row in explanation.sample_data]))
    assert amount[high] == 1.0 and amount[0] == 0.5  # highest value red, missing grey-middle
    reds = [i for i, row in enumerate(explanation.sample_data) if row[1] == "red"]
    assert set(colour[reds]) == {1.0}  # the category with the higher SHAP values at the red end


def test_dependence_plots_categories_on_a_category_axis() -> None:
    figure = dependence_figure(_explanation(), "colour")
    assert figure.layout.xaxis.type == "category" and set(figure.data[0].x) == {"red", "blue"}
    numeric = dependence_figure(_explanation(), "amount")
    assert len(numeric.data[0].x) == 29 and "1 rows with it missing" in numeric.layout.title.text


def _trials() -> list[TrialRecord]:
    rng = np.random.default_rng(0)
    trials = []
    for number in range(12):
        leaves = int(rng.integers(8, 64))
        rate = float(rng.uniform(0.01, 0.3))
        trials.append(TrialRecord(number=number, family="lightgbm",
                                  params={"lightgbm__num_leaves": leaves, "lightgbm__learning_rate": rate},
                                  score=0.7 + rate, score_std=0.01, fit_time_s=0.1, predict_ms_per_1000_rows=1.0,
                                  state="complete"))
    trials.append(TrialRecord(number=12, family="linear", params={"linear__C": 1.0}, score=0.6, score_std=0.0,
                              fit_time_s=0.1, predict_ms_per_1000_rows=1.0, state="complete"))
    trials.append(TrialRecord(number=13, family="linear", params={"linear__C": 2.0}, score=None, score_std=None,
                              fit_time_s=0.1, predict_ms_per_1000_rows=1.0, state="pruned"))
    return trials


def test_rebuilt_study_keeps_completed_trials_in_the_metric_units() -> None:
    study = rebuilt_study(_trials(), greater_is_better=True)
    assert len(study.trials) == 13 and study.best_value == pytest.approx(max(t.score or 0 for t in _trials()))
    assert study.best_trial.params["family"] == "lightgbm"


def test_the_search_history_does_not_bring_matplotlib_into_the_export() -> None:
    """The report draws the history in the export's process: optuna.visualization would import matplotlib there."""
    script = ("import sys\n"
              "from kuai.engine import TrialRecord\n"
              "from kuai.exporters.search_figures import optimization_history_figure\n"
              "t = TrialRecord(number=0, family='linear', params={}, score=0.5, score_std=0.0, fit_time_s=0.1, "
              "predict_ms_per_1000_rows=1.0, state='complete')\n"
              "assert optimization_history_figure([t], metric_label='AUC', greater_is_better=True) is not None\n"
              "print(sorted(m for m in ('matplotlib', 'optuna.visualization') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_optuna_figures_from_trials() -> None:
    history = optimization_history_figure(_trials(), metric_label="ROC AUC", greater_is_better=True)
    assert history is not None and len(history.data[0].x) == 13
    scores = [t.score for t in _trials() if t.state == "complete"]
    assert list(history.data[1].y) == pytest.approx(np.maximum.accumulate(scores).tolist())  # the best so far
    lower = optimization_history_figure(_trials(), metric_label="RMSE", greater_is_better=False)
    assert lower is not None and lower.data[1].y[-1] == pytest.approx(min(scores))
    importances = param_importance_figure(_trials(), family="lightgbm", greater_is_better=True)
    assert importances is not None
    names = list(importances.data[0].y)
    assert set(names) == {"num_leaves", "learning_rate"} and names[-1] == "learning_rate"  # the score follows it
    assert param_importance_figure(_trials(), family="linear", greater_is_better=True) is None  # one trial
