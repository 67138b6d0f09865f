"""The cross-validation's folds: shuffled rows, stratified by class, or whole groups (an entity's rows together).

One place makes them (``make_folds``), for the search, the column selection of a wide table and the scale-out's
workers: the same data, spec and groups give the same folds in every process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

from kuai.engine.read.cells import clip
from kuai.engine.types import TaskSpec

__all__ = ["fit_group_folds", "make_folds"]


def make_folds(y: np.ndarray, spec: TaskSpec,
               groups: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The cross-validation's (training rows, validation rows), shuffled by the spec's seed; with ``groups`` (one
    code per row, ``kuai.engine.data.groups.group_codes``) and a spec that groups, each group's rows in one fold."""
    splitter: Any
    if spec.group and groups is not None:
        splitter = (StratifiedGroupKFold if spec.task.is_classification else GroupKFold)(
            n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
        return [(train, valid) for train, valid in splitter.split(np.zeros(len(y)), y, groups)]
    if spec.task.is_classification:
        splitter = StratifiedKFold(n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
    else:
        splitter = KFold(n_splits=spec.n_folds, shuffle=True, random_state=spec.seed)
    return [(train, valid) for train, valid in splitter.split(np.zeros(len(y)), y)]


def fit_group_folds(y: np.ndarray, spec: TaskSpec, groups: np.ndarray) -> tuple[TaskSpec, str]:
    """The spec with as many grouped folds as the groups allow, and a note when fewer than asked (or none).

    Every fold's training rows must hold every class, and its validation rows too (a score per fold needs both);
    groups spread over few entities may not allow it: fewer folds are tried, down to 2, and then rows are folded
    one by one, which the note says, with the reason.
    """
    if not spec.task.is_classification:
        n_groups = len(np.unique(groups))
        if n_groups >= spec.n_folds:
            return spec, ""
        return _ungrouped(spec, f"only {n_groups} groups")
    n_classes = len(spec.classes)
    for n_folds in range(spec.n_folds, 1, -1):
        fitted = replace(spec, n_folds=n_folds)
        folds = make_folds(y, fitted, groups)
        if len(folds) == n_folds and all(len(np.unique(y[train])) == n_classes and len(np.unique(y[valid])) ==
                                         n_classes for train, valid in folds):
            if n_folds == spec.n_folds:
                return fitted, ""
            return fitted, (f"Cross-validation uses {n_folds} folds instead of {spec.n_folds}: with each "
                            f"'{clip(spec.group, 60)}' kept in one fold, more folds would leave a fold without "
                            "some class.")
    return _ungrouped(spec, "no split into folds that each hold every class")


def _ungrouped(spec: TaskSpec, why: str) -> tuple[TaskSpec, str]:
    return replace(spec, group="", group_reason=""), (
        f"Rows are folded one by one, not by '{clip(spec.group, 60)}': its groups allow {why}. The score may be better "
        "than on new ones.")
