"""Memory pre-flight of the search: each family's peak for one trial, from the data's size, against free memory.

A family whose trial would not fit trains on a stratified sample of each fold's training rows (its
validation rows stay as they are, so its out-of-fold predictions and score cover every scored row) and is refitted on
the same share of all rows; one that would not fit even on ``MIN_ROWS`` rows is left out. Either way the
search says so (``FamilyMemory.note``), and the leaderboard shows the share of rows.

One trial's peak above the prepared data (MB), for a family at row share ``f`` (``trial_mb``):

- the fold matrices of its encoding, which the search keeps for every fold:
  ``(scored + rows × (k − 1) f) × width × 4`` bytes (float32; the validation rows the folds score: every row, or
  a sample of a large table's, ``kuai.engine.search.folds.MAX_SCORED_ROWS``);
- its fits, ``parallel`` side by side: ``training rows × f × width × memory.cell_bytes`` (and
  ``memory.class_row_bytes`` a row for each class beyond two: CatBoost's per-class buffers), plus a fixed
  ``memory.fixed_mb``;
- its fitted models: all k fold models are held until the trial ends, and one more copy while it is
  measured. Only forests' are large (``memory.growth``): they grow ``trees_per_step`` trees at a time until
  ``max_nodes`` (so at most one step past it), with ``nodes_per_row`` nodes a training row a tree, of
  ``64 + 8 × classes`` bytes each.

A trial may have ``MEMORY_SHARE`` of the free memory; and its fold matrices, which the search holds for every fold
at once, no more than the memory goal leaves them (``trial_goal_mb``): the product holds at most ``MEMORY_GOAL``
times the table in memory, so the matrices may have that, less what the search's process holds when its trials start
(the libraries loaded by then, the model frame; through the Python API, whatever the caller holds too) and the
out-of-fold predictions of the trials to come (``TARGET_TRIALS`` of them), and never less than the narrowest
encoding's matrices on every row (the boosters' ordinal ones: what any model needs to learn from every row). Where
three times the table is below ``GOAL_FROM_MB`` (under about 22 million cells, 450,000 rows of 50 columns), the
goal is not pursued: the libraries alone take more. So the goal cuts the encodings wider than the table, one-hot
above all: on a million rows of 50 columns, the linear family's one-hot fold matrices on half the rows (800 MB) took
the search from 1.2 to 1.66 GB, 3.9 times the table. It bounds the matrices only; the fits' working memory, one fold
at a time, is brief.

``memory`` is the family's ``MemoryCost`` (``kuai.engine.models``). The coefficients were measured (peak resident
memory above the prepared data, one trial, 5 folds, 2 cores) on 50,000 and 200,000 rows of 22 inputs for
classification and 100,000 rows for regression; docs/search.md "Memory" lists the figures.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from kuai.engine.budget import TARGET_TRIALS
from kuai.engine.models import ModelFamily, available_cores, n_threads
from kuai.engine.models.preprocessing import Encoding, input_width
from kuai.engine.types import InputColumn, TaskSpec

__all__ = ["GOAL_FROM_MB", "MEMORY_GOAL", "MEMORY_SHARE", "MIN_ROWS", "FamilyMemory", "available_memory_mb",
           "fold_matrices_mb", "plan_memory", "resident_mb", "search_memory", "size_text", "subsample_rows",
           "trial_goal_mb", "trial_mb"]

_MB = 1024 * 1024
MEMORY_SHARE = 0.5  # of the memory free when the search starts: kept models, the app and others need the rest
MEMORY_GOAL = 3.0  # the product's peak, in times the table in memory (its cells as 8-byte values)
GOAL_FROM_MB = 512.0  # the goal is pursued where three times the table is at least this: the libraries take as much
MIN_ROWS = 1000  # fewer training rows than this: the family is left out rather than trained on a sliver


@dataclass(frozen=True)
class FamilyMemory:
    """How much of the rows a family trains on, and why."""

    family: str
    need_mb: float  # one trial's estimated peak on all rows
    row_fraction: float  # 1.0: all rows; below: a sample; 0.0: left out
    allowed_mb: float  # the memory the plan allowed a trial (``MEMORY_SHARE`` of the free memory, or the goal's)
    by_goal: bool = False  # the share is the memory goal's (``trial_goal_mb``): ``allowed_mb`` bounds the matrices
    matrices_mb: float = 0.0  # the trial's fold matrices on all rows (``fold_matrices_mb``)

    @property
    def note(self) -> str:
        """What the leaderboard's notes say; empty when the family trains on all rows."""
        if self.row_fraction >= 1.0:
            return ""
        if self.by_goal:
            need = (f"its fold matrices on all rows would take about {size_text(self.matrices_mb)}, and Kuai keeps "
                    f"them within {size_text(self.allowed_mb)} on this table, to hold at most about "
                    f"{MEMORY_GOAL:.0f} times the table's size in memory")
        else:
            need = (f"a trial on all rows would need about {size_text(self.need_mb)} of memory, and "
                    f"{size_text(self.allowed_mb)} is available")
        name = self.family.replace("_", " ")
        if self.row_fraction <= 0.0:
            return f"The {name} family was left out: {need}, and even {MIN_ROWS:,} rows would not fit."
        return (f"The {name} family trained on {self.row_fraction:.0%} of the rows (a stratified sample of each "
                f"fold's training rows): {need}.")


def search_memory(y: np.ndarray, spec: TaskSpec, schema: tuple[InputColumn, ...],
                  families: Sequence[ModelFamily], *, n_scored: int | None = None,
                  n_columns: int | None = None) -> dict[str, FamilyMemory]:
    """The plan for a search over these families, against the memory free now and the memory goal; ``schema``: the
    columns the models read; ``n_scored``: the validation rows the folds score together (None: every row);
    ``n_columns``: the table's (None: the schema's and the target)."""
    parallel = max(1, min(spec.n_folds, available_cores() // n_threads(len(y))))  # as the search fits folds
    widths: dict[Encoding, int] = {"ordinal": input_width(schema, "ordinal"), "onehot": input_width(schema, "onehot")}
    return plan_memory(families, n_rows=len(y), n_folds=spec.n_folds, n_classes=len(spec.classes), widths=widths,
                       parallel={f.name: parallel if f.parallel_folds else 1 for f in families},
                       available_mb=available_memory_mb(), n_scored=n_scored,
                       goal_mb=trial_goal_mb(len(y), n_columns or len(schema) + 1, resident=resident_mb(),
                                             n_outputs=max(1, len(spec.classes))))


def trial_goal_mb(n_rows: int, n_columns: int, *, resident: float, n_outputs: int = 1) -> float:
    """What the memory goal leaves a trial's fold matrices (MB): ``MEMORY_GOAL`` times the table in memory
    (``n_columns`` cells a row, 8 bytes each), less the ``resident`` MB the search's process holds before its
    trials and the out-of-fold predictions of ``TARGET_TRIALS`` trials (``n_outputs`` float64 columns a row); at
    least 0 (``plan_memory`` then gives the narrowest encoding's matrices on every row). No bound (infinity) where
    three times the table is below ``GOAL_FROM_MB``: the libraries alone take more, and cutting rows would cost
    accuracy for nothing."""
    goal = MEMORY_GOAL * n_rows * n_columns * 8 / _MB
    predictions = TARGET_TRIALS * n_rows * n_outputs * 8 / _MB
    return float("inf") if goal < GOAL_FROM_MB else max(0.0, goal - resident - predictions)


def plan_memory(families: Sequence[ModelFamily], *, n_rows: int, n_folds: int, n_classes: int,
                widths: dict[Encoding, int], parallel: dict[str, int],
                available_mb: float, n_scored: int | None = None,
                goal_mb: float = float("inf")) -> dict[str, FamilyMemory]:
    """Each family's share of the rows: all of them when one trial fits ``MEMORY_SHARE`` of the available
    memory, else the largest whole percent that fits, or none below ``MIN_ROWS`` training rows; and no more than
    the share whose fold matrices fit the memory goal's ``goal_mb``. The goal never asks less than the narrowest
    encoding's matrices on every row (what any model needs to learn from every row: the boosters' ordinal ones), and
    leaves no family out: where even ``MIN_ROWS`` rows' matrices pass it, it is not applied."""
    free = MEMORY_SHARE * available_mb
    train_rows = n_rows * (n_folds - 1) / max(n_folds, 1)
    goal_mb = max(goal_mb, fold_matrices_mb(n_rows=n_rows, n_folds=n_folds, width=min(widths.values()),
                                            n_scored=n_scored)(1.0))
    plans = {}
    for family in families:
        need = trial_mb(family, n_rows=n_rows, n_folds=n_folds, n_classes=n_classes,
                        width=widths[family.encoding], fits=parallel.get(family.name, 1), n_scored=n_scored)
        matrices = fold_matrices_mb(n_rows=n_rows, n_folds=n_folds, width=widths[family.encoding], n_scored=n_scored)
        by_free = _largest_share(need, free, train_rows)
        by_goal = _matrices_share(matrices, goal_mb, train_rows)
        goal = 0.0 < by_goal < by_free
        plans[family.name] = FamilyMemory(family.name, need(1.0), by_goal if goal else by_free,
                                          goal_mb if goal else free, by_goal=goal, matrices_mb=matrices(1.0))
    return plans


def _largest_share(need: Callable[[float], float], allowed: float, train_rows: float) -> float:
    """1.0 when ``need(1.0)`` fits ``allowed`` MB, else the largest whole percent that fits; 0.0 when none does,
    or when that share holds fewer than ``MIN_ROWS`` of the ``train_rows``."""
    if need(1.0) <= allowed:
        return 1.0
    share = next((p / 100 for p in range(99, 0, -1) if need(p / 100) <= allowed), 0.0)
    return share if share * train_rows >= MIN_ROWS else 0.0


def _matrices_share(matrices: Callable[[float], float], allowed: float, train_rows: float) -> float:
    """The largest share (to a thousandth) whose fold matrices fit ``allowed`` MB: they grow in proportion to it
    from the scored rows' (``matrices(0)``); 0.0 when it holds fewer than ``MIN_ROWS`` of the ``train_rows``."""
    fixed, per_share = matrices(0.0), matrices(1.0) - matrices(0.0)
    if matrices(1.0) <= allowed:
        return 1.0
    share = np.floor(1000 * (allowed - fixed) / per_share) / 1000 if per_share > 0 else 0.0
    return float(share) if share * train_rows >= MIN_ROWS else 0.0


def fold_matrices_mb(*, n_rows: int, n_folds: int, width: int,
                     n_scored: int | None = None) -> Callable[[float], float]:
    """The fold matrices (MB) of one encoding that a trial keeps for every fold, as a function of the share of
    training rows: float32, ``width`` inputs, the scored validation rows (every row when ``n_scored`` is None)
    and each fold's training rows."""
    scored = n_rows if n_scored is None else n_scored

    def size(fraction: float) -> float:
        return (scored + n_rows * (n_folds - 1) * fraction) * width * 4 / _MB

    return size


def trial_mb(family: ModelFamily, *, n_rows: int, n_folds: int, n_classes: int, width: int,
             fits: int, n_scored: int | None = None) -> Callable[[float], float]:
    """One trial's estimated peak (MB) above the prepared data, as a function of the share of training rows;
    ``n_scored``: the validation rows the folds score together (None: every row)."""
    cost = family.memory
    train_rows = n_rows * (n_folds - 1) / max(n_folds, 1)

    matrices = fold_matrices_mb(n_rows=n_rows, n_folds=n_folds, width=width, n_scored=n_scored)

    def need(fraction: float) -> float:
        rows = train_rows * fraction
        model = 0.0
        if cost.growth is not None:  # grown a step of trees at a time until the node cap: at most one step past it
            per_tree = cost.growth.nodes_per_row[0 if n_classes else 1]
            step = cost.growth.trees_per_step * per_tree * rows
            model = min(cost.growth.max_trees * per_tree * rows, cost.growth.max_nodes + step) \
                * (64 + 8 * max(n_classes, 1))
        fit = rows * (width * cost.cell_bytes + max(0, n_classes - 2) * cost.class_row_bytes)
        return matrices(fraction) + (fits * fit + (n_folds + 1) * model) / _MB + cost.fixed_mb

    return need


def subsample_rows(positions: np.ndarray, y: np.ndarray, fraction: float, *, seed: int,
                   classification: bool) -> np.ndarray:
    """A sample of ``positions`` (sorted), stratified by class for classification, every class kept."""
    if fraction >= 1.0:
        return positions
    from sklearn.utils import resample

    n = max(1, int(round(fraction * len(positions))))
    labels = y[positions]
    try:
        chosen = resample(positions, replace=False, n_samples=n, random_state=seed,
                          stratify=labels if classification else None)
    except ValueError:  # a class too rare to stratify: a plain sample
        chosen = resample(positions, replace=False, n_samples=n, random_state=seed)
    if classification:  # a class the sample missed keeps one row, so every fold model knows every class ...
        present = set(np.unique(y[chosen]).tolist())
        missing = [positions[np.argmax(labels == c)] for c in np.unique(labels) if c not in present]
        if missing:  # ... in place of rows of the commonest class: the sample keeps its size (``n``)
            values, counts = np.unique(y[chosen], return_counts=True)
            commonest = np.flatnonzero(y[chosen] == values[np.argmax(counts)])
            kept = np.delete(chosen, commonest[: min(len(missing), len(commonest) - 1)])
            chosen = np.concatenate([kept, np.asarray(missing, dtype=positions.dtype)])
    return np.sort(chosen)


def available_memory_mb() -> float:
    """Memory free for new work (Linux MemAvailable; else free pages from ``os.sysconf``)."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")) / _MB
    except (ValueError, OSError, AttributeError):
        return float("inf")


def resident_mb() -> float:
    """This process's resident memory (MB; Linux ``/proc/self/statm``, else 0)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / _MB


def size_text(mb: float) -> str:
    return f"{mb / 1024:,.1f} GB" if mb >= 1024 else f"{mb:,.0f} MB"


def release_memory() -> None:
    """Give freed memory back to the system (glibc's ``malloc_trim``).

    Freed objects (a search's dropped fold models, an ONNX conversion's temporaries) otherwise stay resident in
    the allocator's arenas: the export and the MLflow side process would come on top of them.
    """
    import gc

    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """glibc's ``malloc_trim``, and Arrow's allocator (mimalloc) giving back its freed pages: a few milliseconds,
    cheap enough after every trial. The table as read is Arrow's memory: once the search has its model frame, the
    table's 435 MB (a million rows of 50 columns) stay resident in Arrow's allocator unless given back."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


CATBOOST_ARENA_RESERVE = "4MiB"  # mimalloc's default reserves arenas of 1 GiB


def small_catboost_arenas() -> None:
    """Have CatBoost's allocator (mimalloc, linked into CatBoost) reserve its memory in small arenas, so that what a
    fit frees goes back to the system (``MIMALLOC_ARENA_RESERVE``). In its default large arenas, the pages of the
    search's largest CatBoost fit stayed resident for the life of the process: on wine_quality_red at 60 s the
    search's process peaked at 468–469 MB with small arenas, 485–503 MB without, at the same fit time
    (``benchmarks/catboost_memory.py``). mimalloc reads the variable when CatBoost is loaded: call this before the
    first ``import catboost`` (a process's children inherit it); a value the user set is kept."""
    os.environ.setdefault("MIMALLOC_ARENA_RESERVE", CATBOOST_ARENA_RESERVE)


def limit_heap_arenas(n_arenas: int = 1) -> None:
    """Let this process's threads share ``n_arenas`` glibc heaps (``mallopt(M_ARENA_MAX)``) instead of up to eight
    per core: each fold thread's own arena kept its peak resident after its fits (docs/search.md, "Memory in
    the tail"). Call early: arenas made before it stay (the test allows the one an import's thread may make)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, n_arenas)


def _glibc() -> Any:
    """The C library if it is glibc (``malloc_trim``, ``mallopt``), else None: other allocators keep their memory
    for this process's reuse."""
    global _libc
    if _libc is None:
        import ctypes

        try:
            library = ctypes.CDLL("libc.so.6")
            _libc = library if hasattr(library, "malloc_trim") and hasattr(library, "mallopt") else False
        except OSError:
            _libc = False
    return _libc or None


_libc: Any = None
_M_ARENA_MAX = -8  # glibc's malloc.h


def import_detached(name: str) -> ModuleType:
    """Import a module from a short-lived thread, so that nothing of the caller is kept alive by the import.

    Some libraries keep the errors of their optional imports, tracebacks included (SHAP records that OpenCV,
    PySpark and its GPU extension are missing). A kept traceback keeps its frames, each frame its caller's, and
    so on up the stack: imported lazily from inside a training, that pinned the whole training — data, fold models,
    search — for the life of the process. From a thread, the chain ends at the thread.
    """
    if name in sys.modules:
        return sys.modules[name]
    failure: list[BaseException] = []

    def load() -> None:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # raised again in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=load, name=f"import-{name}", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return sys.modules[name]
