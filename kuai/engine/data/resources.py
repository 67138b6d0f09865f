"""A rough estimate of training's peak memory and time, against what the machine has.

Memory (MB): the table as loaded, plus the model's input matrix (float32, one column per
number, five per date, one per label column), plus the heaviest model family's trial as the
search's memory pre-flight estimates it (``kuai.engine.search.memory.trial_mb``: the fold matrices and the fits).

Time: one LightGBM model (the first on the leaderboard) on every fold, on the search's smallest sample of a large
table's rows (``kuai.engine.search.fidelity``: a search short of time trains its models on samples), at about
1.5e-8 s per row × input column × boosting round (measured on the project's 2-core machine,
one thread) and 500 rounds, plus 0.05 s a fit. Both are rough — within a factor of two or three —
and meant only to warn before a run that cannot fit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from kuai.engine.models import FAMILIES, default_order
from kuai.engine.models.text import gram_cap, term_cap
from kuai.engine.search.fidelity import smallest_sample
from kuai.engine.search.folds import MAX_SCORED_ROWS
from kuai.engine.search.memory import available_memory_mb, size_text, trial_mb
from kuai.engine.types import CheckFix, CheckResult, ColumnProfile, ColumnType, FixAction, ResourceEstimate, Severity

__all__ = ["DEFAULT_TIME_BUDGET_S", "estimate_resources", "resource_checks"]

DEFAULT_TIME_BUDGET_S = 60.0  # the CLI's and the app's default budget
SECONDS_PER_CELL_ROUND = 1.5e-8
ROUNDS = 500
FIT_OVERHEAD_S = 0.05
MAX_ONEHOT = 31
MEMORY_WARNING_SHARE = 0.5  # estimated peak above half the free memory: warn
MEMORY_ERROR_SHARE = 0.9  # above 90 %: training would likely be killed
TIME_WARNING_SHARE = 0.5  # one model takes more than half the budget
_MB = 1024 * 1024


def estimate_resources(frame: pd.DataFrame, columns: Sequence[ColumnProfile], *, target: str | None,
                       n_folds: int, n_classes: int = 1, time_budget_s: float | None = None) -> ResourceEstimate:
    """Rough peak memory and time of one run; see the module notes for the model."""
    n_rows = len(frame)
    features = [c for c in columns if c.name != target and c.type.is_feature]
    inputs = sum(5 if c.type is ColumnType.DATETIME else _text_terms(c, n_rows) if c.type is ColumnType.TEXT else 1
                 for c in features)
    onehot = sum(min(c.n_unique + 1, MAX_ONEHOT) if c.type in (ColumnType.CATEGORICAL, ColumnType.BOOLEAN)
                 else 5 if c.type is ColumnType.DATETIME else _text_terms(c, n_rows) if c.type is ColumnType.TEXT
                 else 1 for c in features)
    train_rows = n_rows * (n_folds - 1) / max(n_folds, 1)
    table_mb = _table_mb(frame)
    matrix_mb = n_rows * inputs * 4 / _MB

    families: dict[str, float] = {}  # each family's pre-flight group, by its heaviest family's trial
    for family in (FAMILIES[name] for name in default_order()):  # the families a search runs unless asked
        if family.preflight_group is not None:
            width = onehot if family.encoding == "onehot" else inputs
            need = trial_mb(family, n_rows=n_rows, n_folds=n_folds, n_classes=n_classes, width=width, fits=1,
                            n_scored=min(n_rows, MAX_SCORED_ROWS))(1.0)
            families[family.preflight_group] = max(need, families.get(family.preflight_group, need))
    heaviest = max(families, key=lambda name: families[name])
    peak = table_mb + matrix_mb + families[heaviest]
    fit_rows = smallest_sample(int(train_rows))  # a search short of time trains its models on samples of the rows
    per_fit = FIT_OVERHEAD_S + SECONDS_PER_CELL_ROUND * fit_rows * max(inputs, 1) * ROUNDS
    sampled = (f" (each on a sample of {fit_rows:,} rows, as the search trains its models when time is short)"
               if fit_rows < train_rows else "")
    budget = time_budget_s or DEFAULT_TIME_BUDGET_S
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    available = available_memory_mb()
    reason = (f"about {size_text(peak)} at the peak (the {heaviest} is the largest; {size_text(available)} free) and "
              f"about {_seconds(per_fit * n_folds)} for one model on {n_folds} folds{sampled}, against a budget of "
              f"{budget:.0f} s on {cpus} CPU core{'s' if cpus > 1 else ''}")
    return ResourceEstimate(peak_memory_mb=round(peak, 1), available_memory_mb=round(available, 1),
                            seconds_per_model=round(per_fit * n_folds, 2), time_budget_s=budget, n_cpus=cpus,
                            heaviest_family=heaviest, reason=reason)


def resource_checks(estimate: ResourceEstimate, n_rows: int) -> list[CheckResult]:
    """Warnings when the estimate does not fit the machine or the budget, each fixed by sampling rows."""
    results = []
    share = estimate.peak_memory_mb / max(estimate.available_memory_mb, 1.0)
    if share > MEMORY_WARNING_SHARE:
        keep = _rows_that_fit(n_rows, share / MEMORY_WARNING_SHARE)
        severity = Severity.ERROR if share > MEMORY_ERROR_SHARE else Severity.WARNING
        results.append(CheckResult(
            "MEMORY", None,
            f"Training may need about {size_text(estimate.peak_memory_mb)} of memory ({estimate.heaviest_family} is "
            f"the largest); this machine has {size_text(estimate.available_memory_mb)} free.",
            f"Train on a sample of {keep:,} rows, or leave out the random forest.", severity,
            fix=CheckFix(FixAction.SAMPLE_ROWS, f"Train on a random {keep:,} rows", amount=keep)))
    ratio = estimate.seconds_per_model / estimate.time_budget_s
    if ratio > TIME_WARNING_SHARE:
        keep, finish = _rows_that_fit(n_rows, ratio / (TIME_WARNING_SHARE / 2)), int(1 / ratio)
        results.append(CheckResult(
            "SLOW_TRAINING", None,
            f"One model may take about {_seconds(estimate.seconds_per_model)} on all folds, against a budget of "
            f"{estimate.time_budget_s:.0f} s: " + ("it may not finish at all." if ratio >= 1 else
                                                    f"only about {finish} model{'s' * (finish > 1)} would finish."),
            f"Raise the time budget, or train on a sample of {keep:,} rows.", Severity.WARNING,
            fix=CheckFix(FixAction.SAMPLE_ROWS, f"Train on a random {keep:,} rows", amount=keep)))
    return results


def _rows_that_fit(n_rows: int, factor: float) -> int:
    keep = int(n_rows / max(factor, 1.0))
    magnitude = 10 ** max(len(str(keep)) - 2, 0)
    return int(max(1000, keep // magnitude * magnitude))


def _table_mb(frame: pd.DataFrame) -> float:
    """The loaded table's size, measured deeply on up to 2,000 rows and scaled (cheap on big tables)."""
    if len(frame) == 0:
        return 0.0
    sample = frame.head(2000)
    return float(sample.memory_usage(deep=True, index=False).sum()) * len(frame) / len(sample) / _MB


def _seconds(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.1f} s"


def _text_terms(column: ColumnProfile, n_rows: int) -> int:
    """The inputs a text column makes at most: its words and character grams, up to ``kuai.engine.models.text``'s
    caps."""
    return max(1, min(term_cap(n_rows=n_rows), column.n_unique)) + gram_cap(n_rows=n_rows)
