"""SHAP left pending for after the export: the permutation importance is computed at once, SHAP later, and the two
meet in one explanation of the rows as uploaded."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kuai.engine.explain.step as explain_step
from kuai.engine import SearchBudget, build_task_spec, explain_pending, profile_dataset, train
from kuai.engine.budget import AFTER_EXPLAIN_S, LATE_SHAP_S, MIN_SHAP_S
from tests.engine.fake_clock import FakeClock, plan_ending_in


def _table(n: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    outcome = np.where(2 * x1 - x2 + rng.normal(0, 0.5, size=n) > 0, "yes", "no").astype(object)
    outcome[::7] = None  # rows without a target are left out: positions in the model frame are not the uploaded ones
    return pd.DataFrame({"x1": x1, "noise": rng.normal(size=n), "x2": x2, "outcome": outcome})


@pytest.fixture(scope="module")
def deferred() -> tuple[pd.DataFrame, Any]:
    frame = _table()
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome", n_folds=3)
    budget = SearchBudget(time_budget_s=30, max_trials=4, families=("lightgbm", "linear"))
    return frame, train(frame, spec, budget=budget, defer_shap=True)


def test_a_deferred_explanation_has_its_permutation_importance_now_and_shap_later(deferred: Any) -> None:
    frame, result = deferred
    pending = result.pending_explanation
    assert result.explanation is None and pending is not None
    assert pending.permutation.importance and set(pending.permutation.importance) <= {"x1", "noise", "x2"}
    explained = explain_pending(result, deferred=True)
    assert explained.pending_explanation is None and explained.explanation is not None
    explanation = explained.explanation
    assert max(explanation.importance, key=explanation.importance.get) == "x1"  # the strongest column
    assert explanation.permutation_importance == pending.permutation.importance  # computed once, carried over
    uploaded = set(frame.index[frame["outcome"].notna()])
    assert set(explanation.sample_index) <= uploaded  # rows named as uploaded, not as the model frame counts them
    assert max(explanation.sample_index) > len(explained.y) - 1  # positions past the kept rows' count occur
    assert explained.timings["explain_s"] > result.timings["explain_s"]
    assert explain_pending(explained) is explained  # nothing pending: unchanged


def test_deferred_shap_gets_its_time_but_ends_before_the_budgets_tail(deferred: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = deferred
    given: list[float] = []
    real = explain_step.explain_model

    def spy(*args: Any, time_budget_s: float, **kwargs: Any) -> Any:
        given.append(time_budget_s)
        return real(*args, time_budget_s=time_budget_s, **kwargs)

    monkeypatch.setattr(explain_step, "explain_model", spy)
    clock = FakeClock()  # the export ended at clock.now(): the budget ends this long after it

    def ending_in(seconds: float) -> Any:
        return replace(result, pending_explanation=replace(result.pending_explanation, shap_s=7.0,
                                                           plan=plan_ending_in(clock, seconds, budget_s=30.0)))

    explain_pending(ending_in(100), deferred=True, clock=clock)  # roomy
    explain_pending(ending_in(AFTER_EXPLAIN_S + 2.0), deferred=True, clock=clock)  # late
    explain_pending(ending_in(AFTER_EXPLAIN_S + MIN_SHAP_S / 2), deferred=True, clock=clock)  # short
    explain_pending(ending_in(-(LATE_SHAP_S - MIN_SHAP_S) / 2), deferred=True, clock=clock)  # the export ran past it
    over = ending_in(-LATE_SHAP_S + MIN_SHAP_S / 2)
    skipped = explain_pending(over, deferred=True, clock=clock)
    explain_pending(over, clock=clock)  # explained at once: the end is not its concern
    assert given[0] == 7.0  # the time it was given at the refit
    assert given[1] == pytest.approx(2.0)  # what the budget leaves before its tail
    assert given[2] == MIN_SHAP_S  # into the tail's reserve, but at least this
    assert given[3] == MIN_SHAP_S  # an export that ended after the budget: into the allowance past it
    assert given[4] == 7.0 and len(given) == 5  # the allowance was spent too: SHAP was skipped
    assert skipped.explanation is None and skipped.pending_explanation is None
    assert skipped.notes[-1].startswith("No SHAP explanation: the export used the time left for it.")


def test_a_failing_deferred_explanation_leaves_a_note_and_the_model(deferred: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = deferred

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("fault injected")

    monkeypatch.setattr(explain_step, "explain_model", broken)
    explained = explain_pending(result, deferred=True)
    assert explained.explanation is None and explained.pending_explanation is None
    assert explained.estimator is result.estimator
    assert explained.notes[-1] == "No SHAP explanation could be computed (MemoryError)."
