"""What a training's stages hand on: the rows prepared (``prepare``), the explanation still pending, and the trained
model with everything learned on the way (``train``). Frozen: a stage returns a new one (``dataclasses.replace``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.budget import BudgetPlan
from kuai.engine.data.column_selection import ColumnSelection, columns_for
from kuai.engine.explain.permutation import PermutationOutcome
from kuai.engine.search.folds import Folds
from kuai.engine.search.memory import FamilyMemory
from kuai.engine.search.warm_start import DataTraits, PastRun
from kuai.engine.select.limits import LimitsOutcome
from kuai.engine.types import Explanation, HoldoutScore, InputColumn, LeaderboardEntry, TaskSpec, TrialRecord


@dataclass(frozen=True)
class Prepared:
    """The rows a model learns from: those with a usable target, their model inputs and encoded target."""

    spec: TaskSpec  # folds fitted to the rarest class; classes present
    # each row's label in the table as uploaded (not the holdout's): the table itself is not kept, the model frame
    # ``X`` holds what the models read
    index: pd.Index
    y: np.ndarray
    schema: tuple[InputColumn, ...]  # the columns of ``X``
    X: pd.DataFrame
    selection: ColumnSelection | None = None  # on a table with far more columns than rows: what each fold keeps
    # the cross-validation's folds, made once (``kuai.engine.search.folds``): shuffled rows, whole groups or periods
    folds: Folds = field(default_factory=list)
    holdout: pd.DataFrame | None = None  # the rows kept out of the whole search (``kuai.engine.data.holdout``)
    holdout_how: str = ""
    notes: tuple[str, ...] = ()  # what the user must be told: rows left out, fewer folds, values not used as given

    @property
    def refit_schema(self) -> tuple[InputColumn, ...]:
        """The columns a model refitted on all rows learns from."""
        return columns_for(self.schema, self.selection)


@dataclass(frozen=True)
class PendingExplanation:
    """What the explanation of a trained model still needs, besides the model and its training rows."""

    original_rows: np.ndarray  # each training row's position in the data as uploaded
    shap_s: float  # SHAP's time
    permutation: PermutationOutcome
    plan: BudgetPlan  # the training's (its times are the system's clock: the same in every process)


@dataclass(frozen=True)
class TrainingResult:
    """What ``kuai.engine.train`` returns: the chosen model, how it was chosen, and what the user must be told."""

    spec: TaskSpec
    schema: tuple[InputColumn, ...]
    estimator: Any  # a fitted Pipeline, or a Voting* ensemble of Pipelines
    model_name: str
    leaderboard: list[LeaderboardEntry]
    trials: list[TrialRecord]
    oof: np.ndarray  # out-of-fold predictions of the chosen model
    y: np.ndarray  # encoded target (class index, or value) of the rows a fold scored (all but, forward in time, the
    model_frame: pd.DataFrame  # earliest period): beside ``oof``, the model inputs of the same rows
    explanation: Explanation | None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model_oofs: dict[str, np.ndarray] = field(default_factory=dict)  # the best models' out-of-fold predictions
    n_rows_trained: int = 0  # the rows the model learned from (``y`` may hold only the scored ones); 0: len(y)
    holdout: HoldoutScore | None = None  # the chosen model's score on rows kept out of the whole search
    bagged_folds: int = 0  # the model averages the cross-validation's fold models (0: refitted on all rows)
    memory: list[FamilyMemory] = field(default_factory=list)  # families sampled or left out for memory
    limits: LimitsOutcome | None = None  # the user's limits, and the exported model's estimated cost
    traits: DataTraits | None = None  # what the next training on similar data is matched on
    warm_start: PastRun | None = None  # the earlier training this one started from
    pending_explanation: PendingExplanation | None = None  # SHAP still to run (``kuai.engine.explain.step``)

    @property
    def n_training_rows(self) -> int:
        """The rows the model learned from (``y`` holds only those a fold scored, with folds forward in time)."""
        return self.n_rows_trained or len(self.y)


def scored_only(training: TrainingResult, scored: np.ndarray | None) -> TrainingResult:
    """The result's rows that some fold scored (``scored``; None: all): with folds forward in time the earliest
    period has no out-of-fold prediction, so the evaluation, the summary and the explanation leave it out."""
    if scored is None:
        return training
    pending = training.pending_explanation
    return replace(training, y=training.y[scored], oof=np.asarray(training.oof)[scored],
                   model_frame=training.model_frame.iloc[scored].reset_index(drop=True),
                   model_oofs={name: oof[scored] for name, oof in training.model_oofs.items()},
                   pending_explanation=None if pending is None else replace(
                       pending, original_rows=pending.original_rows[scored]))


def spread(oof: np.ndarray, scored: np.ndarray | None, n_rows: int) -> np.ndarray:
    """Out-of-fold predictions of the scored rows spread over all rows (zeros where unscored)."""
    if scored is None or len(oof) == n_rows:
        return oof
    full = np.zeros((n_rows, *oof.shape[1:]), dtype=oof.dtype)
    full[scored] = oof
    return full
