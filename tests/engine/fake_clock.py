"""A clock the budget's tests move by hand, instead of racing the wall clock."""

from __future__ import annotations

from dataclasses import dataclass

from kuai.engine.budget import BudgetPlan


@dataclass
class FakeClock:
    """``now()`` stands still until ``advance`` moves it."""

    at: float = 1_000.0

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def plan_ending_in(clock: FakeClock, seconds_left: float, *, budget_s: float) -> BudgetPlan:
    """The plan of a ``budget_s`` budget that ends ``seconds_left`` after the clock's now."""
    return BudgetPlan(started=clock.now() + seconds_left - budget_s, budget_s=budget_s)
