"""What a search runs on, as one object: ``run_search(SearchInputs(X, y, spec=..., schema=..., deadline=...))``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.data.column_selection import ColumnSelection
from kuai.engine.models import Deadline
from kuai.engine.search.fold_spill import FoldSpill
from kuai.engine.search.folds import Folds
from kuai.engine.search.trials import OutcomeStore, SearchResult
from kuai.engine.types import InputColumn, TaskSpec, TrialRecord


def _never() -> bool:
    return False


@dataclass(frozen=True, eq=False)
class SearchInputs:
    """What a search runs on: the data, its deadlines, where its trials are kept, and whom it tells.

    ``deadline`` may be moved by ``update_deadline(result)``, which runs after every trial, so the caller can end
    the search earlier as the measured cost of what follows it grows (``kuai.engine.budget``).
    """

    X: pd.DataFrame
    y: np.ndarray
    _: KW_ONLY
    spec: TaskSpec
    schema: tuple[InputColumn, ...]
    selection: ColumnSelection | None = None  # the columns each fold's models learn from, on a very wide table
    folds: Folds | None = None  # the cross-validation's (``kuai.engine.search.folds``); None: made from the spec
    # when: the search's end; the first trial's, which may run into the tail's slack (None: the same)
    deadline: Deadline
    first_deadline: Deadline | None = None
    update_deadline: Callable[[SearchResult], None] | None = None
    # how long trials should take (``kuai.engine.search.fidelity``): the first one ends by ``first_model_by`` (a
    # ``time.monotonic()`` instant), the others take ``trial_s``; a trial predicted to take longer trains on fewer
    # rows. None: every trial trains on every row (the memory allowing)
    first_model_by: float | None = None
    trial_s: float | None = None
    max_trials: int | None = None
    by_family: bool = False  # each trial pruned against its own family's trials (a long budget: ``BudgetPlan``)
    stop_when_perfect: bool = True  # end once a model scores the best possible value and every family had its turn
    # what: the families searched (empty: the default ones, in ``default_order()``) and a similar run's best
    # configurations first
    families: tuple[str, ...] = ()
    warm_configs: Sequence[dict[str, Any]] = ()
    # where: an Optuna storage or its URL (None: in memory), the study, the trials' predictions, the fold models
    storage: Any = None
    study_name: str = "kuai"
    store: OutcomeStore | None = None
    spill: FoldSpill | None = None  # where the fold models kept for bagging wait (None: in memory)
    worker: str = ""  # who runs the trials of a study shared with other processes (scale-out) ...
    shared: bool = False  # ... which only adds trials to it
    # whom it tells, and who may stop it
    on_trial: Callable[[TrialRecord], None] | None = None
    should_stop: Callable[[], bool] = _never
