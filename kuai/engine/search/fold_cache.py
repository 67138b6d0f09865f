"""The search's fold matrices: each fold's training and validation rows encoded once for the trials that share
an encoding, a share of the training rows and a share of the text columns' character grams."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.data.column_selection import ColumnSelection, columns_for
from kuai.engine.models import ModelFamily
from kuai.engine.models.preprocessing import build_preprocessor, encode_rows, fit_and_encode, input_width, shared_labels
from kuai.engine.search.memory import subsample_rows
from kuai.engine.types import InputColumn, TaskSpec

__all__ = ["OTHER_ENCODINGS_MB", "FoldMatrices", "Matrices"]

# Other encodings' matrices stay cached while they and the new one take at most this much memory. On a million rows
# a linear trial's one-hot matrices (857 MB) stayed beside the ordinal ones, and the last linear trial met a promoted
# CatBoost's ordinal matrices on a quarter of the rows at the search's peak.
OTHER_ENCODINGS_MB = 256

# a fold's training matrix, validation matrix, fitted preprocessor and training rows' positions
Matrices = tuple[np.ndarray, np.ndarray, Any, np.ndarray]


class FoldMatrices:
    """Fold matrices by (fold, encoding, scaling, share of the training rows, share of the grams), as many as the
    memory plan counts (``kuai.engine.search.memory``: one set per encoding): one share of the rows for each
    encoding (trials cut for time, ``kuai.engine.search.fidelity``); with character grams in the search, one share
    of the grams at a time; with memory short (``tight``), or other encodings' matrices and this one's above
    ``OTHER_ENCODINGS_MB``, one encoding at a time. Each fold's preprocessing learns from a sample of at most
    ``FIT_ROWS`` of its training rows and encodes them a block at a time (``fit_and_encode`` in
    ``kuai.engine.models.preprocessing``)."""

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
            train, valid = self.folds[fold]
            seed = (self.spec.seed + fold) % 2**32
            train = subsample_rows(train, self.y, fraction, seed=seed, classification=self.spec.task.is_classification)
            columns = columns_for(self.schema, self.selection, fold)
            width = input_width(columns, family.encoding)  # at most: every gram
            self._make_room(key, new_mb=len(self.folds) * (len(train) + len(valid)) * width * 4 / 2**20)
            prep = build_preprocessor(columns, encoding=family.encoding, scale=family.scale, grams=grams)
            X_train = fit_and_encode(prep, self.X, train, seed=seed)
            X_valid = encode_rows(prep, self.X, valid)
            self._cache[key] = (X_train, X_valid, prep, train)
        return self._cache[key]

    def _make_room(self, key: tuple[int, str, bool, float, float], new_mb: float) -> None:
        cache = self._cache
        others_mb = sum(m[0].nbytes + m[1].nbytes for k, m in cache.items() if k[1:3] != key[1:3]) / 2**20
        if self.tight:  # memory is short: matrices of other encodings or shares go
            cache = {k: v for k, v in cache.items() if k[1:] == key[1:]}
        else:
            if others_mb + new_mb > OTHER_ENCODINGS_MB:  # large matrices (every fold's): one encoding at a time
                cache = {k: v for k, v in cache.items() if k[1:3] == key[1:3]}
            if self.has_grams:
                cache = {k: v for k, v in cache.items() if k[4] == key[4]}
        # another share of the rows of this encoding goes (its validation matrices are as large as this one's)
        self._cache = {k: v for k, v in cache.items() if k[1:3] != key[1:3] or k[3] == key[3]}
