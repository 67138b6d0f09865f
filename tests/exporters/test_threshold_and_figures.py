"""The decision threshold travels with the export; the Results figures are built from stored data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from engine import ThresholdChoice, TrialRecord
from engine.types import Explanation
from exporters import THRESHOLD_METADATA_KEY, load_threshold, save_threshold, set_onnx_threshold
from exporters.figures import beeswarm_figure, dependence_figure
from exporters.search_figures import optimization_history_figure, param_importance_figure, rebuilt_study


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
              "from engine import TrialRecord\n"
              "from exporters.search_figures import optimization_history_figure\n"
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
