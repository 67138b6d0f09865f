"""The search's fold matrices: each fold's training and validation rows encoded once for the trials that share
an encoding, a share of the training rows and a share of the text columns' character grams."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.data.column_selection import ColumnSelection, columns_for
from kuai.engine.models import ModelFamily
from kuai.engine.models.preprocessing import build_preprocessor, shared_labels
from kuai.engine.search.memory import subsample_rows
from kuai.engine.types import InputColumn, TaskSpec

__all__ = ["FoldMatrices", "Matrices"]

# a fold's training matrix, validation matrix, fitted preprocessor and training rows' positions
Matrices = tuple[np.ndarray, np.ndarray, Any, np.ndarray]


class FoldMatrices:
    """Fold matrices by (fold, encoding, scaling, share of the training rows, share of the grams), as many as the
    memory plan counts (``kuai.engine.search.memory``: one set per encoding): one share of the rows for each
    encoding (trials cut for time, ``kuai.engine.search.fidelity``); with character grams in the search, one share
    of the grams at a time; with memory short (``tight``), one encoding at a time."""

    def __init__(self, X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec, schema: tuple[InputColumn, ...],
                 selection: ColumnSelection | None, folds: list[tuple[np.ndarray, np.ndarray]], tight: bool,
                 has_grams: bool) -> None:
        self.X = shared_labels(X, schema)  # each fold's rows taken as codes, encoded without a string a row
        self.y, self.spec, self.schema, self.selection, self.folds = y, spec, schema, selection, folds
        self.tight, self.has_grams = tight, has_grams
        self._cache: dict[tuple[int, str, bool, float, float], Matrices] = {}

    def get(self, fold: int, family: ModelFamily, *, grams: float = 0.0, fraction: float = 1.0) -> Matrices:
        """The fold's matrices for this family's encoding, on ``fraction`` of its training rows (a stratified
        sample; the validation rows stay as they are) and ``grams`` of the text columns' character grams."""
        key = (fold, family.encoding, family.scale, fraction, grams)
        if key not in self._cache:
            self._make_room(key)
            train, valid = self.folds[fold]
            train = subsample_rows(train, self.y, fraction, seed=(self.spec.seed + fold) % 2**32,
                                   classification=self.spec.task.is_classification)
            prep = build_preprocessor(columns_for(self.schema, self.selection, fold), encoding=family.encoding,
                                      scale=family.scale, grams=grams)
            X_train = np.asarray(prep.fit_transform(self.X.iloc[train]), np.float32)
            X_valid = np.asarray(prep.transform(self.X.iloc[valid]), np.float32)
            self._cache[key] = (X_train, X_valid, prep, train)
        return self._cache[key]

    def _make_room(self, key: tuple[int, str, bool, float, float]) -> None:
        cache = self._cache
        if self.tight:  # memory is short: matrices of other encodings or shares go
            cache = {k: v for k, v in cache.items() if k[1:] == key[1:]}
        elif self.has_grams:
            cache = {k: v for k, v in cache.items() if k[4] == key[4]}
        # another share of the rows of this encoding goes (its validation matrices are as large as this one's)
        self._cache = {k: v for k, v in cache.items() if k[1:3] != key[1:3] or k[3] == key[3]}
