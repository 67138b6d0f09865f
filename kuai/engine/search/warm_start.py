"""Learning from past runs: a new search starts from the best configurations of the most similar earlier one.

Each finished training leaves its data's traits (task, metric, rows, columns, share of numeric
columns, classes, the rarest class's share) and its best single models' parameters in the home
folder (``kuai.storage.experience``). A new training on data whose traits are close enough queues
those configurations first, before the portfolio: on the same data retrained, or on this month's
extract of last month's table, the search begins where the last one ended.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kuai.engine.data.column_selection import columns_for
from kuai.engine.types import ColumnType, LeaderboardEntry, TrialRecord, TrialState

if TYPE_CHECKING:
    from kuai.engine.results import Prepared

__all__ = ["DataTraits", "PastRun", "best_configs", "data_traits", "distance", "nearest_run", "past_run_from_dict"]

MAX_DISTANCE = 0.75  # e.g. 5x the rows (0.7) alone; another task, metric or class count never matches
MAX_CONFIGS = 3  # of the past run's best single models


@dataclass(frozen=True)
class DataTraits:
    task: str
    metric: str
    n_rows: int
    n_features: int
    numeric_share: float  # of the model's input columns
    n_classes: int  # 0: regression
    minority_share: float  # the rarest class's share of the rows (1.0: regression)

    def text(self) -> str:
        return f"{self.n_rows:,} rows, {self.n_features} columns, {self.task}"


@dataclass(frozen=True)
class PastRun:
    name: str  # the data's name, as the user knows it
    traits: DataTraits
    configs: tuple[dict[str, Any], ...]  # the best single models' Optuna parameters, best first
    run: str = ""  # where it was trained (an output folder or a run id)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "traits": asdict(self.traits), "configs": list(self.configs), "run": self.run}


def past_run_from_dict(data: dict[str, Any]) -> PastRun:
    return PastRun(name=str(data["name"]), traits=DataTraits(**data["traits"]),
                   configs=tuple(dict(c) for c in data["configs"]), run=str(data.get("run", "")))


def data_traits(prepared: Prepared) -> DataTraits:
    spec, y = prepared.spec, prepared.y
    schema = columns_for(prepared.schema, prepared.selection, 0)  # the columns the search's models learn from
    numeric = sum(1 for column in schema if column.type in (ColumnType.NUMERIC, ColumnType.BOOLEAN))
    minority = 1.0
    if spec.task.is_classification and len(y):
        minority = float(np.bincount(y.astype(np.int64)).min() / len(y)) if len(np.unique(y)) > 1 else 1.0
    return DataTraits(task=str(spec.task), metric=spec.metric, n_rows=int(len(y)), n_features=len(schema),
                      numeric_share=numeric / max(1, len(schema)),
                      n_classes=len(spec.classes) if spec.task.is_classification else 0,
                      minority_share=max(minority, 1e-6))


def distance(a: DataTraits, b: DataTraits) -> float:
    """How far apart two datasets are for a search (0: alike); infinite across tasks, metrics or class counts."""
    if (a.task, a.metric, a.n_classes) != (b.task, b.metric, b.n_classes):
        return math.inf
    return (abs(math.log10(max(a.n_rows, 1) / max(b.n_rows, 1)))
            + abs(math.log10(max(a.n_features, 1) / max(b.n_features, 1)))
            + abs(a.numeric_share - b.numeric_share)
            + abs(math.log10(a.minority_share / b.minority_share)))


def nearest_run(traits: DataTraits, past: Iterable[PastRun], families: Sequence[str]) -> PastRun | None:
    """The most similar past run within ``MAX_DISTANCE``, its configurations kept to ``families``."""
    close = [(distance(traits, run.traits), i, run) for i, run in enumerate(past)]
    close = [item for item in close if item[0] <= MAX_DISTANCE]
    for _, _, run in sorted(close, key=lambda item: (item[0], -item[1])):  # the nearest; the newest of equals
        configs = tuple(c for c in run.configs if c.get("family") in families)
        if configs:
            return PastRun(run.name, run.traits, configs, run.run)
    return None


def best_configs(leaderboard: Sequence[LeaderboardEntry], trials: Sequence[TrialRecord]) -> tuple[dict[str, Any], ...]:
    """The best single models' parameters (as the search suggested them), best first."""
    by_name = {f"{t.family}_{t.number}": t for t in trials if t.state is TrialState.COMPLETE}
    configs = []
    for entry in leaderboard:
        record = by_name.get(entry.model)
        if record is not None and not entry.is_ensemble:
            configs.append({"family": record.family, **record.params})
        if len(configs) == MAX_CONFIGS:
            break
    return tuple(configs)
