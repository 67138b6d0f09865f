"""The registry of the labelled set's tables, and the small helpers their builders share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

Builder = Callable[[np.random.Generator, int], pd.DataFrame]
TABLES: list[tuple[str, str, str, int, Builder]] = []  # file stem, target, modelled on, rows, builder


def table(stem: str, target: str, modelled_on: str, rows: int = 250) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        TABLES.append((stem, target, modelled_on, rows, builder))
        return builder
    return register


def normal(rng: np.random.Generator, n: int, mean: float | np.ndarray, sd: float, lo: float = -np.inf,
           hi: float = np.inf, digits: int = 1) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, n), lo, hi).round(digits)


def ints(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, n)


def pick(rng: np.random.Generator, n: int, values: list, p: list[float] | None = None) -> np.ndarray:
    weights = None if p is None else np.array(p) / np.sum(p)
    return np.array(values)[rng.choice(len(values), n, p=weights)]


def holes(rng: np.random.Generator, values: np.ndarray, share: float) -> pd.Series:
    series = pd.Series(values)
    return series.mask(rng.random(len(series)) < share)


def yes_no(score: np.ndarray, rng: np.random.Generator, base: float = 0.0, labels: tuple = (0, 1)) -> np.ndarray:
    """A label drawn from a logistic model of ``score`` (standardised inside)."""
    z = (score - score.mean()) / (score.std() + 1e-9) + base
    return np.where(rng.random(len(z)) < 1 / (1 + np.exp(-2 * z)), labels[1], labels[0])


def z(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return (values - np.nanmean(values)) / (np.nanstd(values) + 1e-9)


def dates(rng: np.random.Generator, n: int, start: str, days: int, fmt: str = "%Y-%m-%d") -> list[str]:
    base = pd.Timestamp(start)
    return [(base + pd.Timedelta(days=int(d))).strftime(fmt) for d in rng.integers(0, days, n)]


FIRST = ["James", "Mary", "John", "Anna", "William", "Emma", "Thomas", "Alice", "Henry", "Elizabeth", "George",
         "Margaret", "Charles", "Ellen", "Samuel", "Clara"]
LAST = ["Smith", "Brown", "Wilson", "Taylor", "Johnson", "White", "Harris", "Martin", "Kelly", "Walker", "Wright",
        "Hughes", "Allen", "Young", "King", "Scott"]


def people(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{LAST[a]}, Mr. {FIRST[b]} {FIRST[c][0]}." for a, b, c in rng.integers(0, 16, (n, 3))]
