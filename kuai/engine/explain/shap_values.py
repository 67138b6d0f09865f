"""SHAP explanations in terms of the user's original columns.

Tree models get exact TreeSHAP in the model's margin (log-odds for boosted
classifiers, probability for forests): LightGBM and CatBoost from their own
implementations, scikit-learn's trees rewritten as LightGBM trees
(``kuai.engine.explain.sklearn_tree_shap``), or from ``shap.TreeExplainer`` when their covers are
not row counts; linear models their exact interventional values
(``kuai.engine.explain.native_shap``: the values SHAP gives, without importing it). One-hot and
date-part features are summed back onto the column they came from (SHAP values are additive, so the sum is exact).

An ensemble is a weighted average of its members' outputs, and SHAP values are
linear in the model: when every member explains in the same space, the
ensemble's values are the weight-combined members' values (folded to original
columns first, since members encode differently). For a regression ensemble
they add up exactly to its prediction; for a classification ensemble they add
up to the weighted average of the members' margins (log-odds), which is close
to, but not exactly, the log-odds of the averaged probability. When members
explain in different spaces (a forest's probability beside a booster's
log-odds), the ensemble is explained through its member with the largest
weight, and the note says so.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from kuai.engine.explain.native_shap import native_explainer
from kuai.engine.models import family_of
from kuai.engine.models.labels import model_label
from kuai.engine.models.preprocessing import original_column_of_features
from kuai.engine.models.text import GRAMS_PREFIX, is_unspaced, text_column_of, word_column_of
from kuai.engine.read.cells import clip
from kuai.engine.search.memory import import_detached
from kuai.engine.select.stacking import StackedClassifier, StackedRegressor, base_blend
from kuai.engine.types import ColumnType, Explanation, InputColumn, TaskSpec, TaskType

logger = logging.getLogger(__name__)
PROBE_ROWS = 5
MIN_ROWS = 50  # explained even a little past the time box (up to GRACE_S), so the charts have something to show
GRACE_S = 1.0
BACKGROUND_ROWS = 100
TOP_WORDS = 12  # per text column, the words shown as moving the prediction most ...
WORD_ROWS = 5  # ... among those in this many explained rows


@dataclass
class _Member:
    """One explained pipeline: its weight, explainer, output space and the feature → column folding."""

    name: str
    pipeline: Any
    weight: float
    explainer: Any = None
    space: str = ""
    method: str = ""
    fold: sparse.csr_matrix | None = None  # features x original columns, 0/1 (sparse: thousands of columns)
    terms: dict[int, tuple[str, str]] = field(default_factory=dict)  # a text's feature -> (its column, the term)


@dataclass
class _Words:
    """The SHAP values of the text columns' terms, summed over the explained rows that hold each term."""

    total: dict[tuple[str, str], float] = field(default_factory=dict)  # signed, rows where the term is present
    rows: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, member: _Member, matrix: np.ndarray, values: np.ndarray) -> None:
        """``values``: rows x features of one output, weighted."""
        for feature, key in member.terms.items():
            present = matrix[:, feature] > 0
            if present.any():
                held = values[present, feature]
                self.total[key] = self.total.get(key, 0.0) + float(held.sum())
                self.rows[key] = self.rows.get(key, 0) + int(present.sum())

    def top(self, n: int = TOP_WORDS) -> dict[str, list[tuple[str, float]]]:
        """Per column, the ``n`` terms of the largest mean effect where present, among those in ``WORD_ROWS``
        explained rows or more (a frequent word of small effect, 'the', sums up large; a word of one row says
        little), each with its mean effect where present."""
        by_column: dict[str, list[tuple[str, float]]] = {}
        mean = {key: self.total[key] / self.rows[key] for key in self.total}
        for column in dict.fromkeys(column for column, _ in mean):
            keys = [key for key in mean if key[0] == column]
            common = [key for key in keys if self.rows[key] >= WORD_ROWS] or keys
            ranked = sorted(common, key=lambda key: -abs(mean[key]))[:n]
            by_column[column] = [(term, round(mean[(column, term)], 6)) for _, term in ranked]
        return by_column


def explain_model(
    estimator: Any, model_frame: pd.DataFrame, *, spec: TaskSpec, schema: tuple[InputColumn, ...],
    model_name: str, sample_size: int = 300, seed: int = 0, time_budget_s: float | None = None,
) -> Explanation:
    """Explain up to ``sample_size`` rows of ``model_frame`` (inputs of the model).

    Rows are explained in growing batches (5, 20, 80, …). With ``time_budget_s``,
    each call is timed and the next batch shrinks to what fits: a call costs a
    fixed part (transforming, calling every member's explainer) plus a part per
    row, and deep forests cost far more per row than boosters.
    """
    deadline = None if time_budget_s is None else time.perf_counter() + time_budget_s
    if isinstance(estimator, (StackedClassifier, StackedRegressor)):
        members, note = _members(base_blend(estimator, spec), spec)
        note = (f"This stack is explained through its {len(estimator.base_)} base models, weighted equally; how "
                f"its top LightGBM weighs their predictions is not broken down. {note}").strip()
    else:
        members, note = _members(estimator, spec)
    n_rows = len(model_frame)
    order = np.random.default_rng(seed).permutation(n_rows)[:sample_size]
    background = model_frame.iloc[order[:BACKGROUND_ROWS]]
    for member in members:
        _prepare(member, background, spec, schema)
    batches: list[np.ndarray] = []
    words = _Words()
    base = np.zeros(0)
    timings: list[tuple[int, float]] = []  # (rows, seconds) of each call: a fixed cost plus a cost per row
    position, size = 0, PROBE_ROWS
    while position < len(order):
        size = min(size, len(order) - position)
        if deadline is not None and timings:
            left = deadline - time.perf_counter()
            size = _rows_that_fit(timings, left, size)
            if size < 1 and position < MIN_ROWS:
                size = _rows_that_fit(timings, left + GRACE_S, MIN_ROWS - position)
            if size < 1:
                break
        started = time.perf_counter()
        batch = model_frame.iloc[order[position:position + size]]
        values_of_batch, base = _combined(members, batch, spec, words, _explained_outputs(
            estimator, batch, len(spec.classes) if spec.task is TaskType.MULTICLASS else 1))
        timings.append((size, time.perf_counter() - started))
        batches.append(values_of_batch)
        position += size
        size *= 4
    values = np.concatenate(batches)
    chosen = order[:len(values)]
    if len(chosen) < min(sample_size, n_rows):
        note = (note + " " if note else "") + f"Explained {len(chosen)} rows (time-boxed)."
    sort = np.argsort(chosen)
    positions, values = chosen[sort], values[sort]
    sample = model_frame.iloc[positions]
    # values: rows x columns x outputs ; base: outputs
    explained_output = _explained_outputs(estimator, sample, values.shape[2])
    per_row = values[np.arange(len(sample)), :, explained_output]
    columns = tuple(c.name for c in schema)
    importance = dict(zip(columns, np.abs(values).sum(axis=2).mean(axis=0).tolist(), strict=True))
    return Explanation(
        columns=columns,
        importance=dict(sorted(importance.items(), key=lambda item: -item[1])),
        sample_values=per_row.round(8).tolist(),
        base_values=[float(base[k]) for k in explained_output],
        sample_index=[int(p) for p in positions],
        explained_class=[_class_name(spec, k) for k in explained_output],
        explained_model=model_name, output_space=members[0].space, method=members[0].method, note=note,
        sample_data=sample_data(sample, schema), n_rows=n_rows, words=words.top(),
    )


def _rows_that_fit(timings: list[tuple[int, float]], seconds: float, wanted: int) -> int:
    """How many of ``wanted`` rows one more call can explain in ``seconds``, from the calls timed so far.

    With one call timed, half its time counts as fixed and half as cost per row;
    with two or more, a line through the first and last separates the two.
    """
    (rows_a, time_a), (rows_b, time_b) = timings[0], timings[-1]
    if rows_b != rows_a:
        per_row = max((time_b - time_a) / (rows_b - rows_a), 1e-6)
        fixed = max(0.0, time_a - per_row * rows_a)
    else:
        per_row, fixed = time_b / 2 / max(1, rows_b), time_b / 2
    return int(min(wanted, max(0.0, seconds - fixed) / per_row))


def _class_name(spec: TaskSpec, output: int) -> str:
    if not spec.classes:
        return ""
    return spec.classes[output] if len(spec.classes) > 2 else spec.classes[1]


def _members(estimator: Any, spec: TaskSpec) -> tuple[list[_Member], str]:
    """The pipelines to explain with their weights; the note says how an ensemble is explained."""
    if hasattr(estimator, "named_steps"):
        return [_Member("", estimator, 1.0)], ""
    weights = np.asarray(estimator.weights, dtype=float)
    weights = weights / weights.sum()
    members = [_Member(name, fitted, float(w))
               for (name, _), fitted, w in zip(estimator.estimators, estimator.estimators_, weights, strict=True)]
    spaces = {_space(m.pipeline.named_steps["model"], spec) for m in members}
    trials = {m.name: re.sub(r"_fold\d+$", "", m.name) for m in members}  # a bagged member's fold models
    n_trials = len(set(trials.values()))
    if len(spaces) == 1:
        exact = (" They add up to the weighted average of the members' scores, close to (not exactly) the score of "
                 "the averaged probabilities." if spec.task.is_classification
                 else " They add up exactly to the ensemble's prediction.")
        if n_trials == 1:
            return members, (f"This model averages its {len(members)} fold models (bagging); its explanation "
                             f"combines their SHAP values ({spaces.pop()}).{exact}")
        parts = f"{n_trials} members' ({len(members)} models with their fold models)" \
            if len(members) > n_trials else f"{len(members)} members'"
        return members, (f"This ensemble's explanation combines its {parts} SHAP values, "
                         f"weighted as in the ensemble ({spaces.pop()}).{exact}")
    totals: dict[str, float] = {}
    for member in members:
        totals[trials[member.name]] = totals.get(trials[member.name], 0.0) + member.weight
    largest = max(totals, key=lambda t: totals[t])
    chosen = [m for m in members if trials[m.name] == largest]
    for member in chosen:
        member.weight /= totals[largest]
    return chosen, (f"This ensemble is explained through its largest member, {model_label(largest)} "
                    f"(weight {totals[largest]:.0%}): its members' outputs are on different scales.")


def _space(model: Any, spec: TaskSpec) -> str:
    if spec.task.is_classification and family_of(model).explains_probability:  # forests average probabilities
        return "probability"
    if spec.task is TaskType.BINARY:
        return "log-odds"
    return "raw class score" if spec.task.is_classification else "predicted value"


def _prepare(member: _Member, background: pd.DataFrame, spec: TaskSpec, schema: tuple[InputColumn, ...]) -> None:
    prep, model = member.pipeline.named_steps["prep"], member.pipeline.named_steps["model"]
    member.space = _space(model, spec)
    native = native_explainer(model, lambda: np.asarray(prep.transform(background), dtype=np.float64))
    if native is not None:
        member.explainer, member.method = native, native.method
    else:  # trees LightGBM cannot hold (fractional covers...); SHAP keeps tracebacks of its optional imports, so it is
        # imported detached from the training's frames
        member.explainer, member.method = import_detached("shap").TreeExplainer(model), "shap.TreeExplainer"
    owners = original_column_of_features(list(prep.get_feature_names_out()), schema)
    index_of = {c.name: i for i, c in enumerate(schema)}
    member.fold = sparse.csr_matrix((np.ones(len(owners)), (np.arange(len(owners)), [index_of[o] for o in owners])),
                                    shape=(len(owners), len(schema)))
    texts = {c.safe_name: c.name for c in schema if c.is_text}
    names = [str(name) for name in prep.get_feature_names_out()]
    with_grams = {text_column_of(name) for name in names if name.startswith(GRAMS_PREFIX)}
    # the words chart shows words, not character grams, unless the text has no spaces to make words with (Japanese,
    # Chinese): then its grams alone (its 'words' are whole phrases)
    by_grams = {safe for safe in texts if safe in with_grams and safe in background.columns
                and is_unspaced(background[safe])}
    for feature, name in enumerate(names):
        column = text_column_of(name)
        is_word = word_column_of(name) is not None
        if column in texts and is_word != (column in by_grams):
            member.terms[feature] = (texts[column], name.partition("__")[2])


def _combined(members: list[_Member], rows: pd.DataFrame, spec: TaskSpec, words: _Words,
              explained: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted SHAP values folded to original columns (rows x columns x outputs), and the base values; the text
    columns' terms' values for the output each row is explained for (``explained``) go to ``words``."""
    total: np.ndarray | None = None
    total_base: np.ndarray | None = None
    for member in members:
        matrix = np.asarray(member.pipeline.named_steps["prep"].transform(rows), dtype=np.float64)
        values, base = _shap_values(member.explainer, member.method, matrix)
        if spec.task is TaskType.BINARY and values.shape[2] == 2:  # the positive class only
            values, base = values[:, :, 1:], base[1:]
        assert member.fold is not None
        if member.terms:
            words.add(member, matrix, values[np.arange(len(rows)), :, explained] * member.weight)
        n_rows, n_features, n_outputs = values.shape  # fold features onto columns: (rows·outputs x features) @ fold
        flat = values.transpose(0, 2, 1).reshape(n_rows * n_outputs, n_features)
        folded = np.asarray(member.fold.T.dot(flat.T).T).reshape(n_rows, n_outputs, -1).transpose(0, 2, 1)
        folded = folded * member.weight
        total = folded if total is None else total + folded
        total_base = base * member.weight if total_base is None else total_base + base * member.weight
    assert total is not None and total_base is not None
    return total, total_base


def _shap_values(explainer: Any, method: str, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SHAP values as rows x features x outputs, and the base value per output."""
    explanation = explainer(X, check_additivity=False) if method == "shap.TreeExplainer" else explainer(X)
    values = np.asarray(explanation.values, dtype=np.float64)
    base = np.atleast_1d(np.asarray(explanation.base_values, dtype=np.float64))
    if base.ndim == 2:
        base = base[0]
    if values.ndim == 2:
        values = values[:, :, None]
    if base.size < values.shape[2]:
        base = np.resize(base, values.shape[2])
    return values, base


def _explained_outputs(estimator: Any, sample: pd.DataFrame, n_outputs: int) -> np.ndarray:
    """Which output each row is explained for: the only one (binary, regression), else the predicted class."""
    if n_outputs == 1:
        return np.zeros(len(sample), dtype=int)
    return np.asarray(np.argmax(estimator.predict_proba(sample), axis=1), dtype=int)


def sample_data(rows: pd.DataFrame, schema: tuple[InputColumn, ...]) -> list[list[float | str | None]]:
    """The explained rows' values per original column: numbers, categories, dates as ISO text; None if missing."""
    per_column: list[list[float | str | None]] = []
    for column in schema:
        if column.is_string:
            per_column.append([clip(str(v)) if v != "" else None for v in rows[column.safe_name]])
        elif column.type is ColumnType.DATETIME:
            parts = rows[list(column.model_inputs)].to_numpy(dtype=np.float64)  # year, month, day, weekday, hour
            per_column.append([None if np.isnan(p[0]) else f"{p[0]:04.0f}-{p[1]:02.0f}-{p[2]:02.0f} {p[4]:02.0f}:00"
                               for p in parts])
        else:
            per_column.append([None if np.isnan(v) else round(float(v), 6)
                               for v in rows[column.safe_name].to_numpy(dtype=np.float64)])
    return [list(row) for row in zip(*per_column, strict=True)] if per_column else [[] for _ in range(len(rows))]
