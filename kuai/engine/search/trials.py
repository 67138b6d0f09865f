"""What a search leaves: each finished trial's outcome, read back from a study and its stored predictions.

A killed process's study (resume) and a study shared by many workers (scale-out) are
read through ``restore_trials``: finished trials count, with their out-of-fold predictions.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import optuna
import pandas as pd

from kuai.engine.search.fold_spill import SpillError
from kuai.engine.search.folds import Folds, make_folds, n_scored
from kuai.engine.search.memory import FamilyMemory, release_memory
from kuai.engine.select.ensemble import MIN_CANDIDATES, candidates, n_candidates
from kuai.engine.types import TaskSpec, TrialRecord, TrialState

# Pickled size of every kept fold model together. Only bags that could be exported are kept whole (see
# ``keep_fold_models``), at most ~25 MB each: a forest's bag at the ONNX cap.
KEEP_FOLD_MODELS_KB = 256 * 1024


@dataclass
class TrialOutcome:
    """What a completed trial leaves in memory for ensembling and refit."""

    number: int
    family: str
    params: dict[str, Any]
    oof: np.ndarray
    fold_scores: list[float]
    best_iterations: list[int]
    fit_time_s: float
    predict_ms_per_1000_rows: float
    size_kb: float | None = None  # the fitted model of the first fold, serialised
    # (preprocessor, model) of every fold, in fold order, each fitted without its fold's rows: the bag (in memory, or
    # on disk: ``kuai.engine.search.fold_spill``)
    fold_models: Sequence[tuple[Any, Any]] | None = None
    # the first fold's (preprocessor, model) alone, when the bag itself was dropped: the held-out model of fold 1
    first_fold: Sequence[tuple[Any, Any]] | None = None
    row_fraction: float = 1.0  # the share of each fold's training rows it trained on (memory, or time: fidelity)

    @property
    def name(self) -> str:
        return f"{self.family}_{self.number}"


class OutcomeStore(Protocol):
    """Where finished trials' out-of-fold predictions outlive the process (see storage.TrialStore)."""

    def save(self, number: int, oof: np.ndarray) -> None: ...

    def load(self, number: int) -> np.ndarray | None: ...


@dataclass(frozen=True)
class HeldOutModel:
    """A model (or blend) fitted without some rows, and those rows: what permutation importance shuffles."""

    predict: Callable[[pd.DataFrame], np.ndarray]
    rows: np.ndarray  # positions of the held-out rows in the model frame
    description: str
    # given the rows, a predictor of them with some inputs' rows reordered, which transforms them once (None, or
    # None returned: the rows are reordered in the frame and ``predict`` transforms them all again)
    shuffled: Callable[[pd.DataFrame], Callable[[list[str], np.ndarray], np.ndarray] | None] | None = None


@dataclass
class SearchResult:
    trials: list[TrialRecord] = field(default_factory=list)
    outcomes: dict[int, TrialOutcome] = field(default_factory=dict)
    folds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    memory: dict[str, FamilyMemory] = field(default_factory=dict)  # each family's share of the rows, and why
    stopped_early: str = ""  # why the search ended before its deadline, when nothing could beat what it had
    promoted: set[int] = field(default_factory=set)  # sampled trials whose configuration ran again on more rows
    # a long budget (``BudgetPlan.prunes_by_family``): the ensemble considers as many candidates as the rows allow
    # (``kuai.engine.select.ensemble.n_candidates``), else the best ``MIN_CANDIDATES``
    many_candidates: bool = False


def collect_trials(X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec, storage: Any, study_name: str,
                   store: OutcomeStore, folds: Folds | None = None) -> SearchResult:
    """Every finished trial of a study, whichever process ran it, with its out-of-fold predictions; ``folds``: the
    search's (None: made from the spec)."""
    result = SearchResult(folds=folds if folds is not None else make_folds(y, spec))
    study = optuna.load_study(study_name=study_name, storage=storage)
    restore_trials(study, result, store, None)
    return result


def restore_trials(study: optuna.Study, result: SearchResult, store: OutcomeStore | None,
                   on_trial: Callable[[TrialRecord], None] | None) -> None:
    """Count the study's finished trials (a trial left running by a killed search is failed when the search's
    study is opened: ``kuai.engine.search.study``)."""
    for frozen in study.get_trials(deepcopy=False):
        if frozen.state in (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING):
            continue
        record = trial_record(frozen)
        oof = store.load(frozen.number) if store is not None else None
        if frozen.state is optuna.trial.TrialState.COMPLETE and oof is not None:
            attrs = frozen.user_attrs
            result.outcomes[frozen.number] = TrialOutcome(
                number=frozen.number, family=record.family, params=record.params, oof=oof,
                fold_scores=list(attrs.get("fold_scores", [attrs.get("score", 0.0)])),
                best_iterations=list(attrs.get("best_iterations", [])), fit_time_s=float(attrs.get("fit_time_s", 0)),
                predict_ms_per_1000_rows=float(attrs.get("predict_ms_per_1000_rows", 0.0)),
                size_kb=float(attrs["size_kb"]) if attrs.get("size_kb") is not None else None,
                row_fraction=record.row_fraction)
        result.trials.append(record)
        if on_trial is not None:
            on_trial(record)


_STATES = {optuna.trial.TrialState.COMPLETE: TrialState.COMPLETE, optuna.trial.TrialState.PRUNED: TrialState.PRUNED}


def trial_record(frozen: optuna.trial.FrozenTrial) -> TrialRecord:
    state = _STATES.get(frozen.state, TrialState.FAILED)
    attrs = frozen.user_attrs
    message = attrs.get("error", "")
    if state is TrialState.PRUNED and not message:
        message = "stopped early: weaker than the median trial, or out of time"
    return TrialRecord(
        number=frozen.number, family=str(frozen.params.get("family", "?")),
        params={k: v for k, v in frozen.params.items() if k != "family"},
        score=attrs.get("score"), score_std=attrs.get("score_std"),
        fit_time_s=float(attrs.get("fit_time_s", 0.0)),
        predict_ms_per_1000_rows=float(attrs.get("predict_ms_per_1000_rows", 0.0)),
        state=state, message=message, best_iterations=[int(i) for i in attrs.get("best_iterations", [])],
        row_fraction=float(attrs.get("row_fraction", 1.0)),
        size_kb=float(attrs["size_kb"]) if attrs.get("size_kb") is not None else None,
    )


def predict_output(model: Any, X: Any, spec: TaskSpec) -> np.ndarray:
    if spec.task.is_classification:
        return np.asarray(model.predict_proba(X), dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64).reshape(-1)


def rank_key(metric: Any, score: float, score_std: float, size_kb: float | None) -> tuple[float, float, float]:
    """Best first: the CV score; at equal scores (a perfect score, say) the smaller spread over the folds, then the
    smaller model. Its serialised size stands in for its prediction time, which a second run would measure
    differently: the same trials rank the same way every time."""
    return metric.loss(score), score_std, size_kb if size_kb is not None else math.inf


def by_score(outcomes: Iterable[TrialOutcome], metric: Any) -> list[TrialOutcome]:
    """Trials best first, by their mean CV score (ties: ``rank_key``), as the leaderboard ranks them."""
    return sorted(outcomes, key=lambda o: rank_key(metric, float(np.mean(o.fold_scores)), float(np.std(o.fold_scores)),
                                                   o.size_kb))


def keep_fold_models(result: SearchResult, metric: Any, *, max_models: int | None = None,
                     max_kb: float = KEEP_FOLD_MODELS_KB,
                     bag_fits: Callable[[TrialOutcome], bool] = lambda outcome: True) -> None:
    """Keep the fold models of the ensemble's candidates only (as many as it considers, ``n_candidates``, unless
    ``max_models``; the best trials, each family's best among them: ``kuai.engine.select.ensemble.candidates``),
    best first within a memory cap. The stack's base is each family's best trial with its fold models: after an hour
    on magic the best twenty were all CatBoosts, and no stack was tried.

    A bag that ``bag_fits`` refuses (too big to export) is dropped at once, but for its first fold's model:
    the held-out model that permutation importance shuffles (``held_out_model``).
    """
    for outcome in result.outcomes.values():
        if outcome.fold_models and not bag_fits(outcome):
            outcome.first_fold, outcome.fold_models = outcome.fold_models[:1], None
    ranked = by_score(result.outcomes.values(), metric)
    if max_models is None:
        max_models = ensemble_candidates(result)
    kept = set(candidates([o.number for o in ranked], {o.number: o.family for o in ranked}, max_models))
    total = 0.0
    for outcome in ranked:
        copies = len(outcome.fold_models or ()) or (1 if outcome.first_fold is not None else 0)
        total += (outcome.size_kb or 0.0) * copies if outcome.number in kept else 0.0
        if outcome.number not in kept or total > max_kb:
            outcome.fold_models = outcome.first_fold = None


def ensemble_candidates(result: SearchResult, n_models: int | None = None) -> int:
    """How many models the ensemble selection considers for this search (``SearchResult.many_candidates``), among
    its trials so far or ``n_models``."""
    n_models = len(result.outcomes) if n_models is None else n_models
    if not result.many_candidates:
        return min(n_models, MIN_CANDIDATES)
    some = next(iter(result.outcomes.values()), None)
    outputs = some.oof.size // max(1, len(some.oof)) if some is not None else 1
    return n_candidates(n_models, n_scored(result.folds) * outputs)


def first_fold_model(outcome: TrialOutcome) -> tuple[Any, Any] | None:
    """The model this trial fitted without fold 1's rows, if it was kept."""
    models = outcome.fold_models or outcome.first_fold
    try:
        return models[0] if models else None
    except SpillError:  # kept on disk, and no longer readable: as if it had not been kept
        return None


def drop_fold_models(result: SearchResult, members: set[int], stacked: set[int]) -> None:
    """Once the model is chosen (and bagged), only permutation importance's held-out model needs fold models:
    the first fold's model of each member, and a stack's base models' (``held_out_stack``). The others' memory
    goes back to the system before the explanation and the export."""
    for outcome in result.outcomes.values():
        if outcome.number in stacked:
            continue
        outcome.first_fold = (outcome.fold_models or outcome.first_fold or [])[:1] or None \
            if outcome.number in members else None
        outcome.fold_models = None
    release_memory()


def held_out_model(result: SearchResult, weights: dict[int, float], spec: TaskSpec) -> HeldOutModel | None:
    """The first fold's models of these trials, blended by ``weights``; None if one of them was not kept."""
    members = [(w, first_fold_model(result.outcomes[n])) for n, w in weights.items()]
    if not members or any(model is None for _, model in members):
        return None
    return blend_held_out([(w, m) for w, m in members if m is not None], result.folds[0][1], spec,
                          f"fold 1 of {len(result.folds)}, with models fitted on the other folds")


SHUFFLE_CELLS = 25_000_000  # the transformed held-out rows of a blend's members kept for shuffling (100 MB)


def blend_held_out(members: list[tuple[float, tuple[Any, Any]]], rows: np.ndarray, spec: TaskSpec,
                   description: str) -> HeldOutModel:
    """A weighted blend of fitted (preprocessor, model) pairs, whose shuffled rows are predicted without transforming
    the unshuffled columns again: a column transformer's block is a function of its own inputs row by row, so
    reordering the rows of an input reorders the rows of a block that reads only it (a text's TF-IDF is not
    computed again for every shuffle), and a block that reads others too is transformed again alone."""

    def blend(matrices: list[np.ndarray]) -> np.ndarray:
        outputs = [weight * predict_output(model, matrix, spec)
                   for (weight, (_, model)), matrix in zip(members, matrices, strict=True)]
        return np.asarray(np.sum(outputs, axis=0))

    def predict(frame: pd.DataFrame) -> np.ndarray:
        return blend([np.asarray(prep.transform(frame), np.float32) for _, (prep, _) in members])

    def shuffled(frame: pd.DataFrame) -> Callable[[list[str], np.ndarray], np.ndarray] | None:
        matrices: list[np.ndarray] = []
        for _, (prep, _) in members:  # every member's matrix is held, and a copy: at most SHUFFLE_CELLS in all
            matrices.append(np.asarray(prep.transform(frame), np.float32))
            if sum(m.size for m in matrices) > SHUFFLE_CELLS:
                return None

        def predict_reordered(inputs: list[str], order: np.ndarray) -> np.ndarray:
            moved = frame.copy()
            moved[inputs] = frame[inputs].to_numpy()[order]
            return blend([_reordered(prep, matrix, moved, set(inputs), order)
                          for (_, (prep, _)), matrix in zip(members, matrices, strict=True)])

        return predict_reordered

    return HeldOutModel(predict=predict, rows=rows, description=description, shuffled=shuffled)


def _reordered(prep: Any, matrix: np.ndarray, moved: pd.DataFrame, inputs: set[str], order: np.ndarray) -> np.ndarray:
    """``matrix`` (``prep``'s output for the rows) as it is for ``moved``, the rows with ``inputs`` reordered."""
    changed = matrix.copy()
    for name, transformer, columns in prep.transformers_:
        selected = [columns] if isinstance(columns, str) else [str(c) for c in columns]
        if isinstance(transformer, str) or not inputs & set(selected):  # dropped, or it does not read them
            continue
        block = prep.output_indices_[name]
        if set(selected) <= inputs:
            changed[:, block] = matrix[order, block]
        else:
            output = transformer.transform(moved[columns])
            changed[:, block] = np.asarray(output.toarray() if hasattr(output, "toarray") else output, np.float32)
    return changed


def size_kb(model: Any) -> float | None:
    """The fitted model's serialised size (our own object, pickled in memory, never loaded back)."""
    try:
        return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)) / 1024
    except Exception:  # a model that cannot be serialised just has no size on the leaderboard
        return None
