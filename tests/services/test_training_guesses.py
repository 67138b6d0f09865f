"""A training's data path (``frame_and_spec``): the user's choices for dates, labels and a repeated name."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from kuai import engine
from kuai.app.services.options import TrainOptions, options_dict, options_from_dict
from kuai.app.services.training import frame_and_spec


def _data(path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 120
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    answer = rng.choice(["yes", "Yes", "no"], n, p=[0.5, 0.2, 0.3])
    pd.DataFrame({"visit": stamps.strftime("%d/%m/%Y"), "y": answer, "x": rng.normal(size=n).round(3),
                  "y ": answer}).to_csv(path, index=False)  # a second 'y' once the reader strips the name
    return path


def test_the_spec_keeps_the_merge_the_formats_and_the_target_the_user_named(tmp_path: Path) -> None:
    data = _data(tmp_path / "visits.csv")
    options = TrainOptions(data_path=data, target="y.0", date_formats={"visit": "%d/%m/%Y"})
    read = engine.read_table(data)
    frame, spec, _ = frame_and_spec(read, options)
    assert spec.target == "y" and engine.target_reference(read, spec.target) == "y.0"
    assert spec.label_variants == {"Yes": "yes"} and set(spec.classes) == {"yes", "no"}
    assert any("merged" in note for note in spec.notes) and any("you set" in note for note in spec.notes)
    assert spec.date_formats == {"visit": "%d/%m/%Y"}
    assert set(frame["y"].dropna()) == {"yes", "no"}
    picked = frame_and_spec(read, replace(options, target="y", target_is_column=True))[1]  # the app's list
    assert picked.target == "y"
    kept = frame_and_spec(read, replace(options, target="y.1", keep_label_variants=True))[1]
    assert kept.target == "y.1" and len(kept.classes) == 3 and not kept.label_variants
    again = options_from_dict(options_dict(replace(options, keep_label_variants=True)))
    assert again.date_formats == {"visit": "%d/%m/%Y"} and again.keep_label_variants


def test_fewer_folds_set_by_a_fix_are_told_and_the_users_own_are_not(tmp_path: Path, reliability) -> None:
    data = _data(tmp_path / "visits.csv")
    fix = engine.CheckFix(engine.FixAction.SET_FOLDS, "Use 3 folds", amount=3)
    read = engine.read_table(data)
    _, spec, notes = frame_and_spec(read, TrainOptions(data_path=data, target="x", fixes=(fix,)))
    assert spec.n_folds == 3
    assert "Cross-validation uses 3 folds instead of 5, set by the fix 'Use 3 folds': the data has too few rows, or " \
           "too rare a class, for 5." in notes
    _, spec, notes = frame_and_spec(read, TrainOptions(data_path=data, target="x", n_folds=3))
    assert spec.n_folds == 3 and not any("folds" in note for note in notes)  # asked for: no guess
    reliability.guess(told=True)


def test_a_training_of_a_long_budget_gets_the_folds_of_its_budget_and_a_refit_the_same(tmp_path: Path) -> None:
    """The budget reaches the spec: 5 folds at 60 s, 8 at 300 s (with its note), the user's own number either way;
    a later refit of the run builds its spec from the same options, so from the same budget."""
    data = _data(tmp_path / "visits.csv")
    read = engine.read_table(data)
    short = TrainOptions(data_path=data, target="x", time_budget_s=60)
    assert frame_and_spec(read, short)[1].n_folds == 5
    long = frame_and_spec(read, replace(short, time_budget_s=300))[1]
    assert long.n_folds == 8 and any("8 folds rather than 5" in note for note in long.notes)
    assert frame_and_spec(read, replace(short, time_budget_s=300, n_folds=5))[1].n_folds == 5
    again = options_from_dict(options_dict(replace(short, time_budget_s=300)))
    assert frame_and_spec(read, again)[1].n_folds == 8


def test_a_resume_with_less_than_the_long_budget_left_keeps_the_folds_it_was_planned_with(tmp_path: Path) -> None:
    """A resume's budget is what was left; its spec, and so its data fingerprint, is built from the budget the
    training was planned with: a 300 s training stopped after 200 s resumes on 8 folds, not 5 (which its
    fingerprint would refuse as changed data)."""
    import json
    import time

    import optuna

    from kuai.app.services.options import OPTIONS_FILE, STATE_FILE, resume_options, save_options

    data = _data(tmp_path / "visits.csv")
    read = engine.read_table(data)
    planned = TrainOptions(data_path=data, target="x", time_budget_s=300)
    out = tmp_path / "run"
    out.mkdir()
    save_options(planned, out / OPTIONS_FILE)
    (out / STATE_FILE).write_text(json.dumps({"started_at": time.time() - 200, "time_budget_s": 300}))
    study = optuna.create_study(study_name="kuai", storage=f"sqlite:///{out.resolve() / 'optuna.db'}")
    study.add_trial(optuna.trial.create_trial(value=0.5))  # a trial finished now: 200 s of the 300 were used
    resumed = resume_options(out)
    assert resumed.time_budget_s < 240 and resumed.resume
    frame, spec, _ = frame_and_spec(read, planned)
    again_frame, again, _ = frame_and_spec(read, resumed)
    assert spec.n_folds == again.n_folds == 8
    assert engine.data_fingerprint(again_frame, again) == engine.data_fingerprint(frame, spec)


def test_the_planned_budget_reaches_the_search_child() -> None:
    """``kuai train`` runs its search in a child process that reads the options back from JSON: a resume's planned
    budget must cross that boundary, or the child builds 5 folds where the training had 8 (the blind test's
    DATA_CHANGED on --resume)."""
    import json

    from kuai.app.processes.search import options_from_json
    from kuai.app.processes.train import child_options

    resumed = TrainOptions(data_path=Path("data.csv"), time_budget_s=120, planned_budget_s=300, resume=True)
    again = options_from_json(json.loads(json.dumps(child_options(resumed))))
    assert again.planned_budget_s == 300 and again.time_budget_s == 120 and again.resume


class _Stop(Exception):
    pass


def test_the_table_as_read_is_let_go_before_the_search(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The search holds the model frame only: on a million rows the table as read is 435 MB more."""
    import gc
    import weakref

    from kuai.app.services import training

    data = _data(tmp_path / "visits.csv")
    read_tables: list[weakref.ref[pd.DataFrame]] = []
    reader = training.read_table_within_limits

    def read_and_watch(*args, **kwargs):  # type: ignore[no-untyped-def]
        frame, dialect = reader(*args, **kwargs)
        read_tables.append(weakref.ref(frame))
        return frame, dialect

    alive: list[bool] = []

    def search(prepared: engine.Prepared, **_: object) -> None:
        gc.collect()
        alive.append(read_tables[0]() is not None)
        assert len(prepared.index) == len(prepared.y) > 0
        raise _Stop

    monkeypatch.setattr(training, "read_table_within_limits", read_and_watch)
    monkeypatch.setattr(training.engine, "train_prepared", search)
    options = TrainOptions(data_path=data, target="x", time_budget_s=10)
    (tmp_path / "out").mkdir()
    try:
        training._train(options, time.monotonic(), None, lambda: False, tmp_path / "out")
    except _Stop:
        pass
    assert alive == [False]


def test_the_target_task_and_metric_kuai_chose_are_said_with_their_reasons(tmp_path: Path, reliability) -> None:
    """`kuai train` printed "Target 'target', binary, metric roc_auc" and no reason, where `kuai profile` gives one
    for each (a blind tester's find); what the user set is no guess and gets none."""
    data = tmp_path / "visits.csv"
    rows = [f"{i},{i % 7},{'yes' if i % 3 else 'no'}" for i in range(60)]
    data.write_text("age,visits,outcome\n" + "\n".join(rows) + "\n")
    read = engine.read_table(data)
    _, spec, notes = frame_and_spec(read, TrainOptions(data_path=data))
    said = [note for note in notes if "Kuai's choice" in note]
    assert [note.split(",")[0] for note in said] == ["Target 'outcome'", "Task binary", "Metric roc_auc"]
    assert "name" in said[0] and "two distinct values" in said[1] and "ROC" in said[2]
    _, _, notes = frame_and_spec(read, TrainOptions(data_path=data, target="outcome", task=engine.TaskType.BINARY,
                                                    metric="log_loss"))
    assert not any("Kuai's choice" in note for note in notes)
    reliability.guess(told=True)
