"""``TrialRecord.state`` is a ``TrialState``; ``trials.json`` keeps its plain words, and old files read back."""

from __future__ import annotations

import json

import optuna

from kuai.engine import TrialRecord, TrialState, to_jsonable
from kuai.engine.search.trials import trial_record


def _frozen(state: optuna.trial.TrialState, **attrs: object) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(state=state, params={"family": "linear", "linear__C": 1.0},
                                     distributions={"family": optuna.distributions.CategoricalDistribution(["linear"]),
                                                    "linear__C": optuna.distributions.FloatDistribution(0.1, 10)},
                                     value=0.5 if state is optuna.trial.TrialState.COMPLETE else None,
                                     user_attrs=dict(attrs))


def test_an_optuna_trial_becomes_a_record_with_its_state() -> None:
    states = {optuna.trial.TrialState.COMPLETE: TrialState.COMPLETE, optuna.trial.TrialState.PRUNED: TrialState.PRUNED,
              optuna.trial.TrialState.FAIL: TrialState.FAILED}
    for optuna_state, state in states.items():
        record = trial_record(_frozen(optuna_state, score=0.5))
        assert record.state is state
    assert "stopped early" in trial_record(_frozen(optuna.trial.TrialState.PRUNED)).message


def test_trials_json_keeps_the_plain_words_and_reads_back() -> None:
    record = trial_record(_frozen(optuna.trial.TrialState.COMPLETE, score=0.5, size_kb=3.0))
    written = json.dumps(to_jsonable([record]))
    assert json.loads(written)[0]["state"] == "complete"  # as earlier versions wrote it
    assert [TrialRecord.from_dict(t) for t in json.loads(written)] == [record]


def test_a_trials_json_of_an_earlier_version_reads_back() -> None:
    old = {"number": 3, "family": "lightgbm", "params": {}, "score": None, "score_std": None, "fit_time_s": 1.0,
           "predict_ms_per_1000_rows": 0.0, "state": "failed", "message": "boom"}  # before row_fraction and size_kb
    record = TrialRecord.from_dict(old)
    assert record.state is TrialState.FAILED and record.row_fraction == 1.0 and record.size_kb is None
    assert TrialRecord(**old).state is TrialState.FAILED  # built from the words, too
