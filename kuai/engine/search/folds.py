"""The cross-validation's folds: shuffled rows, stratified by class; whole groups (an entity's rows together); or
periods in time order (learn from the past, score the next period).

On a large table each fold scores a sample of its validation rows (``MAX_SCORED_ROWS`` in all): a trial's
prediction and encoding of the validation rows cost as much as its fit on a sample of the training rows
(``kuai.engine.search.fidelity``), and 100,000 rows measure a score to a few thousandths. The rows no fold scores
are still learned from, as the earliest period of folds forward in time is (``scored_rows``).

One place makes them (``make_folds``), for the search, the column selection of a wide table and the scale-out's
workers: the same data, spec and groups give the same folds in every process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

from kuai.engine.data.groups import STRATIFY_MAX_GROUPS
from kuai.engine.data.task import label_counts
from kuai.engine.errors import TargetError
from kuai.engine.read.cells import clip
from kuai.engine.search.memory import subsample_rows
from kuai.engine.types import TaskSpec

Folds = list[tuple[np.ndarray, np.ndarray]]  # (training rows, validation rows) of each fold

__all__ = ["MAX_SCORED_ROWS", "cut_scored", "fewer_folds_note", "fit_folds", "fit_folds_to_classes", "fold_rows",
           "folds_in_words", "make_folds", "n_scored", "refit_rows_factor", "sample_scored", "scored_note",
           "scored_rows", "time_folds", "validation_reason"]

MAX_SCORED_ROWS = 100_000  # the validation rows the folds score together, at most (see the module's docstring)


def make_folds(y: np.ndarray, spec: TaskSpec, groups: np.ndarray | None = None,
               times: np.ndarray | None = None) -> Folds:
    """The cross-validation's (training rows, validation rows).

    A spec with a ``time`` and each row's ``times`` (``kuai.engine.data.time_order.time_keys``): forward in time
    (``time_folds``). A spec with a ``group`` and each row's ``groups`` (``kuai.engine.data.groups.group_codes``):
    each group's rows in one fold, shuffled by the spec's seed. Else rows shuffled by the seed, stratified by class.
    On a table of more than ``MAX_SCORED_ROWS`` rows, each fold scores a sample of its validation rows
    (``sample_scored``).
    """
    splitter: Any
    if spec.time and times is not None:
        return sample_scored(time_folds(times, spec.n_folds, y if spec.task.is_classification else None), y, spec)
    if spec.group and groups is not None:  # stratified while it is quick: scikit-learn's loops over the groups
        stratified = spec.task.is_classification and len(np.unique(groups)) <= STRATIFY_MAX_GROUPS
        splitter = (StratifiedGroupKFold if stratified else GroupKFold)(
            n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
        return sample_scored(list(splitter.split(np.zeros(len(y)), y, groups)), y, spec)
    if spec.task.is_classification:
        splitter = StratifiedKFold(n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
    else:
        splitter = KFold(n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
    return sample_scored(list(splitter.split(np.zeros(len(y)), y)), y, spec)


def n_scored(folds: Folds) -> int:
    """The validation rows the folds score together: the rows a trial predicts, and its out-of-fold predictions."""
    return sum(len(valid) for _, valid in folds)


def sample_scored(folds: Folds, y: np.ndarray, spec: TaskSpec) -> Folds:
    """Each fold's validation rows, cut to a sample (stratified by class, every class kept) so that the folds score
    ``MAX_SCORED_ROWS`` together; the training rows as they are. Folds that score fewer are returned as they are."""
    return cut_scored(folds, y, MAX_SCORED_ROWS, seed=spec.seed, classification=spec.task.is_classification)


def cut_scored(folds: Folds, y: np.ndarray, most: int, *, seed: int, classification: bool) -> Folds:
    """The folds with their validation rows cut to a sample (stratified by class, every class kept) that scores
    ``most`` rows together, apportioned by their sizes; as they are when they score no more."""
    if n_scored(folds) <= most:
        return folds
    counts = _apportioned([len(valid) for _, valid in folds], most)
    return [(train, subsample_rows(valid, y, count / max(1, len(valid)), seed=(seed + k) % 2**32,
                                   classification=classification))
            for k, ((train, valid), count) in enumerate(zip(folds, counts, strict=True))]


def _apportioned(sizes: list[int], total: int) -> list[int]:
    """``total`` shared among parts in proportion to their ``sizes``, in whole rows that add up to it (the largest
    remainders round up): the user reads "a sample of 100,000 rows", not 99,999."""
    exact = np.asarray(sizes, dtype=float) * total / sum(sizes)
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: total - int(counts.sum())]] += 1
    return [int(count) for count in counts]


def scored_note(folds: Folds, n_rows: int, *, forward_in_time: bool = False) -> str:
    """What the user is told when the folds score a sample of their validation rows (``sample_scored``); "" when they
    do not. Uncut, shuffled and grouped folds score every row, and folds forward in time every row but the earliest
    period's (the first fold's training rows, which a cut leaves as they are)."""
    uncut = n_rows - len(folds[0][0]) if forward_in_time and folds else n_rows
    scored = n_scored(folds)
    if uncut <= MAX_SCORED_ROWS:
        return ""
    return (f"Each model is scored on a sample of {scored:,} of the {uncut:,} rows its folds would score "
            f"({len(folds)} folds of about {scored // max(1, len(folds)):,}): on a table this large, scoring "
            "every row would cost a trial on a sample of the rows as much as its fit. The rows left unscored are "
            "still training rows of the other folds' models" + (" (the later folds')" if forward_in_time else "")
            + ".")


def refit_rows_factor(n_folds: int, *, forward_in_time: bool = False) -> float:
    """How many times a fold model's training rows, on average, a refit on all rows trains on: ``n / (n - 1)`` for
    k folds; 2 for folds forward in time, where fold k learns from ``k / (n + 1)`` of the rows (half, on average)."""
    if forward_in_time:
        return 2.0
    return n_folds / max(1, n_folds - 1)


def time_folds(times: np.ndarray, n_folds: int,
               classes: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows in time order: the earliest period only learned from, then ``n_folds`` periods of about equal rows (rows
    of one time never apart); fold k learns from every row before period k and is scored on period k.

    The earliest period is a ``1 / (n_folds + 1)`` share of the rows with a time, longer when ``classes`` (each
    row's class) shows a class only later: it lasts until every class has been seen. Rows without a time (NaN) are
    only learned from. Fewer folds when equal times leave a period empty."""
    known = ~np.isnan(times)
    order = np.argsort(np.where(known, times, -np.inf), kind="stable")
    ordered = np.where(known, times, -np.inf)[order]
    start = int((~known).sum())
    first = start + round((len(times) - start) / (n_folds + 1))
    if classes is not None:  # the first row by which every class has been seen
        seen = classes[order]
        first = max(first, max(int(np.argmax(seen == k)) for k in np.unique(seen)) + 1)
    cuts: list[int] = []
    for period in range(n_folds):
        cut = first + round(period * (len(ordered) - first) / n_folds)
        while 0 < cut < len(ordered) and ordered[cut] == ordered[cut - 1]:  # a time's rows stay in one period
            cut += 1
        if cut < len(ordered) and (not cuts or cut > cuts[-1]) and cut > start:
            cuts.append(cut)
    ends = [*cuts[1:], len(ordered)]
    return [(np.sort(order[:cut]), np.sort(order[cut:end])) for cut, end in zip(cuts, ends, strict=True)]


def fold_rows(y: np.ndarray, spec: TaskSpec, *, groups: np.ndarray | None = None,
              times: np.ndarray | None = None) -> tuple[TaskSpec, Folds, list[str]]:
    """The search's folds; the spec with as many folds as the data allows (groups, time: ``fit_folds``); and what
    the user is told: fewer folds than asked, a large table's sample of rows scored (``scored_note``)."""
    if groups is not None or times is not None:  # as many folds as keep every class in each
        spec, folds, note = fit_folds(y, spec, groups=groups, times=times)
    else:
        folds, note = make_folds(y, spec), ""
    scored = scored_note(folds, len(y), forward_in_time=bool(spec.time))
    return spec, folds, [text for text in (note, scored) if text]


def fit_folds(y: np.ndarray, spec: TaskSpec, *, groups: np.ndarray | None = None,
              times: np.ndarray | None = None) -> tuple[TaskSpec, Folds, str]:
    """The spec with as many grouped or time folds as the data allows, those folds (made once: grouped folds of
    many groups are slow to make), and a note when fewer than asked (or none).

    Every fold needs training and validation rows, and for classification every class in both (a score per fold
    needs them): groups spread over few entities, or a class seen only in some periods, may not allow it. Fewer
    folds are tried, down to 2; then rows are folded one by one, and the note says so with the reason.
    """
    kind = f"forward in time by '{clip(spec.time, 60)}'" if spec.time else f"with each '{clip(spec.group, 60)}' " \
        "kept in one fold"
    n_classes = len(spec.classes) if spec.task.is_classification else 0
    asked = spec.n_folds
    if spec.group and groups is not None and spec.n_folds > 2:  # fewer groups than folds (rows left out, a holdout)
        spec = replace(spec, n_folds=max(2, min(spec.n_folds, len(np.unique(groups)))))
    for n_folds in range(spec.n_folds, 1, -1):
        fitted = replace(spec, n_folds=n_folds, folds_reason=spec.folds_reason if n_folds == asked else "")
        try:
            folds = make_folds(y, fitted, groups, times)
        except ValueError:  # fewer groups than folds
            continue
        if len(folds) == n_folds and all(_holds(y[train], n_classes) and _holds(y[valid], n_classes)
                                         for train, valid in folds):
            if n_folds == asked:
                return fitted, folds, ""
            n_groups = len(np.unique(groups)) if spec.group and groups is not None else 0
            why = (f"need more than its {n_groups} groups" if 0 < n_groups <= n_folds else
                   "leave a fold without some class" if n_classes else "leave a fold empty")
            return fitted, folds, f"Cross-validation uses {n_folds} folds instead of {asked}: {kind}, more would {why}."
    dropped = dict(spec.dropped)
    if spec.group in dropped:  # not a feature still: it names the rows' entities
        dropped[spec.group] = "names the entity of each row (an identifier): not a feature"
    unfolded = replace(spec, group="", group_reason="", time="", time_reason="", dropped=dropped, n_folds=asked)
    return unfolded, make_folds(y, unfolded), (
        f"Rows are folded one by one, not {kind}: no split into 2 folds or more gives every fold training and "
        "validation rows" + (" of every class" if n_classes else "") + ". The score may be better than on new data.")


def _holds(y: np.ndarray, n_classes: int) -> bool:
    return len(y) > 0 and (not n_classes or len(np.unique(y)) == n_classes)


def scored_rows(folds: list[tuple[np.ndarray, np.ndarray]], n_rows: int) -> np.ndarray | None:
    """The rows some fold scores, in order; None when every row is scored (time folds never score the earliest
    period; a large table's folds score a sample, ``sample_scored``)."""
    scored = np.unique(np.concatenate([valid for _, valid in folds])) if folds else np.arange(n_rows)
    return None if len(scored) == n_rows else scored


def fit_folds_to_classes(target: pd.Series, spec: TaskSpec) -> TaskSpec:
    counts = label_counts(target)
    if counts.min() < 2:
        label = counts.idxmin()
        raise TargetError(f"Class '{label}' of '{spec.target}' has a single row; a model cannot learn it. "
                          "Add rows of that class or remove it.", code="RARE_CLASS")
    present = tuple(c for c in spec.classes if c in counts.index)
    n_folds = int(min(spec.n_folds, counts.min()))
    return replace(spec, n_folds=n_folds, classes=present,
                   folds_reason=spec.folds_reason if n_folds == spec.n_folds else "")


def fewer_folds_note(target: pd.Series, spec: TaskSpec, asked: int) -> str:
    """Why cross-validation uses fewer folds than asked (or than the default): the rarest class."""
    counts = label_counts(target)
    rarest = counts[counts == counts.min()]
    shown = ", ".join(f"'{clip(str(label), 40)}'" for label in rarest.index[:3]) + (" …" if len(rarest) > 3 else "")
    classes = f"class{'es' if len(rarest) > 1 else ''} {shown} of '{clip(spec.target, 60)}'"
    return (f"Cross-validation uses {spec.n_folds} folds instead of {asked}: the {classes} "
            f"{'have' if len(rarest) > 1 else 'has'} only {int(counts.min())} rows, and every fold must hold a row "
            "of each class. Add rows of the rare classes, or merge or remove them, to score on more folds.")


def folds_in_words(spec: TaskSpec) -> str:
    """How the spec's models are scored, in a few words: "5-fold cross-validation, each 'patient_id' in one fold"."""
    if spec.time:
        return f"{spec.n_folds} folds forward in time by '{clip(spec.time, 60)}'"
    if spec.group:
        return f"{spec.n_folds}-fold cross-validation, each '{clip(spec.group, 60)}' in one fold"
    return f"{spec.n_folds}-fold{' stratified' if spec.task.is_classification else ''} cross-validation"


def validation_reason(spec: TaskSpec, n_rows: int) -> str:
    """Why the spec's models are scored as they are: the time or group column's reason, or the folds' as the spec
    was built (``TaskSpec.folds_reason``); a plain sentence for ``n_rows`` rows when the folds changed since."""
    if spec.time or spec.group:
        return spec.time_reason or spec.group_reason
    return spec.folds_reason or (f"{folds_in_words(spec)}: each model is trained {spec.n_folds} times and tested "
                                 f"each time on a different part of the {n_rows:,} rows")
