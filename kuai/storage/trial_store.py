"""Out-of-fold predictions of finished trials, one ``.npy`` file each, so a killed training loses none.

Optuna's study (SQLite) keeps each trial's parameters and scores; this keeps
what the ensemble and the leaderboard also need. Arrays only: read back with
``allow_pickle=False``. File names are trial numbers, never user strings.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class TrialStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, number: int) -> Path:
        return self.folder / f"trial-{int(number):06d}.npy"

    def save(self, number: int, oof: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self._path(number)
        partial = final.with_suffix(".partial.npy")
        try:
            np.save(partial, np.asarray(oof, dtype=np.float64), allow_pickle=False)
            os.replace(partial, final)  # a kill mid-write leaves no half file under the final name
        except OSError:  # a full disk: give the space back, so that the study can still record the failure
            partial.unlink(missing_ok=True)
            raise

    def load(self, number: int) -> np.ndarray | None:
        try:
            return np.asarray(np.load(self._path(number), allow_pickle=False))
        except (OSError, ValueError):
            return None
