"""``training_options.json``: the options a training ran with, read back by a resume, an export and the workers."""

from __future__ import annotations

import json
from pathlib import Path

from kuai.app.services.options import TrainOptions, load_options, options_dict, save_options
from kuai.engine import CheckFix, ColumnType, FixAction, Limits, TaskType


def _options(tmp_path: Path) -> TrainOptions:
    return TrainOptions(data_path=tmp_path / "data.csv", target="churn", task=TaskType.BINARY, metric="roc_auc",
                        time_budget_s=90.0, seed=3, type_overrides={"zip": ColumnType.CATEGORICAL},
                        families=("lightgbm", "linear"), excluded=("id",), n_folds=4, display_name="churn.csv",
                        fixes=(CheckFix(FixAction.EXCLUDE_COLUMN, "Leave out 'id'", columns=("id",)),),
                        limits=Limits(max_ms_per_row=2.0), class_weight="balanced", use_past_runs=False,
                        date_formats={"joined": "%Y-%m-%d"}, keep_label_variants=True)


def test_a_written_options_file_reads_back_to_the_same_options_and_file(tmp_path: Path) -> None:
    options = _options(tmp_path)
    path = tmp_path / "training_options.json"
    save_options(options, path)
    text = path.read_text()
    assert load_options(path) == options
    assert json.dumps(options_dict(load_options(path)), indent=2) == text  # byte for byte


def test_an_options_file_of_an_earlier_version_reads_with_defaults(tmp_path: Path) -> None:
    older = {"data_path": str(tmp_path / "data.csv"), "target": "churn", "task": "binary", "metric": None,
             "time_budget_s": 60.0, "seed": 0}  # before families, fixes, limits, class weights, dates ...
    path = tmp_path / "training_options.json"
    path.write_text(json.dumps(older))
    options = load_options(path)
    assert options == TrainOptions(data_path=tmp_path / "data.csv", target="churn", task=TaskType.BINARY)
    assert options.use_past_runs and options.limits == Limits() and options.fixes == ()
