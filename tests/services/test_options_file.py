"""``training_options.json``: the options a training ran with, read back by a resume, an export and the workers."""

from __future__ import annotations

import json
from pathlib import Path

from kuai.app.services.options import TrainOptions, load_options, options_dict, save_options
from kuai.engine import CheckFix, ColumnType, FixAction, Limits, ReadingOptions, TaskType


def _options(tmp_path: Path) -> TrainOptions:
    return TrainOptions(data_path=tmp_path / "data.csv", target="churn", task=TaskType.BINARY, metric="roc_auc",
                        time_budget_s=90.0, seed=3, type_overrides={"zip": ColumnType.CATEGORICAL},
                        families=("lightgbm", "linear"), excluded=("id",), n_folds=4, display_name="churn.csv",
                        fixes=(CheckFix(FixAction.EXCLUDE_COLUMN, "Leave out 'id'", columns=("id",)),),
                        limits=Limits(max_ms_per_row=2.0), class_weight="balanced", use_past_runs=False,
                        date_formats={"joined": "%Y-%m-%d"}, keep_label_variants=True,
                        reading=ReadingOptions(header_rows=2, skip_rows=1, delimiter=";", encoding="cp932"))


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
    # written before grouped validation: rows folded one by one, as then (not Kuai's choice of a group today)
    assert options == TrainOptions(data_path=tmp_path / "data.csv", target="churn", task=TaskType.BINARY, group="")
    assert options.use_past_runs and options.limits == Limits() and options.fixes == ()
    assert options.reading == ReadingOptions()  # Kuai's own reading


def test_a_run_of_the_app_reads_its_file_as_the_data_page_set(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kuai.app.processes.run_worker import options_for_run
    from kuai.storage import RunConfig, store_dataset

    monkeypatch.setenv("KUAI_HOME", str(tmp_path / "home"))
    record = store_dataset(b"a;b\nx;1\n", "t.csv")
    options = options_for_run("r1", RunConfig(dataset_id=record.dataset_id, dataset_name="t.csv", target="b",
                                              time_budget_s=30, reading={"header_rows": 1, "delimiter": ";"}))
    assert options.reading == ReadingOptions(header_rows=1, delimiter=";")
