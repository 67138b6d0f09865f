"""What the user chose for one dataset, kept beside it in the home folder (``datasets/choices/<id>.json``).

The Data, Task and Train pages read these choices from here on every run and write them when the user changes
one, so that they survive a reload, a new tab and a restart of the app: type overrides, one-click fixes
(exclusions among them) and their undo, the target, task and metric, and the training's budget and options.
A run keeps its own copy in its record (``RunRecord.config``), as it was when it started.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kuai.engine.atomic import write_atomically
from kuai.storage.datasets import checked_dataset_id
from kuai.storage.home import home_dir

logger = logging.getLogger(__name__)
CHOICES_DIR = "choices"  # below datasets/: not a dataset record (list_datasets reads datasets/*.json)


@dataclass(frozen=True)
class DatasetChoices:
    type_overrides: dict[str, str] = field(default_factory=dict)  # column -> type, where the user changed Kuai's
    fixes: tuple[dict[str, Any], ...] = ()  # one-click fixes in force (CheckFix as JSON), in the order applied
    target: str | None = None  # None: Kuai's suggestion
    task: str | None = None
    task_for: str | None = None  # the target the task was chosen for
    metric: str | None = None
    metric_for: tuple[str, str] | None = None  # the (target, task) the metric was chosen for
    group: str | None = None  # the column whose rows stay in one fold; None: Kuai's choice; "": rows one by one
    group_for: str | None = None  # the target the group was chosen for
    time: str | None = None  # the column the folds follow forward in time (None: rows are not ordered)
    time_for: str | None = None  # the target the time was chosen for
    training: dict[str, Any] = field(default_factory=dict)  # Train page: time_budget_s, seed, limits, ...
    reading: dict[str, Any] = field(default_factory=dict)  # Data page: header_rows, skip_rows, delimiter, encoding
    updated_at: float = 0.0
    note: str = ""  # set on reading only: what went wrong with the stored file (never written)


def _choices_path(dataset_id: str) -> Path:
    """Where a stored dataset's choices live; KeyError for an id that is no stored dataset's."""
    datasets = home_dir() / "datasets"
    if not (datasets / f"{checked_dataset_id(dataset_id)}.json").is_file():
        raise KeyError(dataset_id)
    (datasets / CHOICES_DIR).mkdir(exist_ok=True)
    return datasets / CHOICES_DIR / f"{dataset_id}.json"


def _from_json(data: dict[str, Any]) -> DatasetChoices:
    known = {f.name for f in fields(DatasetChoices)} - {"note"}
    values = {k: v for k, v in data.items() if k in known}  # a field of a later version is left out
    metric_for = values.get("metric_for")
    choices = DatasetChoices(**values)
    return replace(choices, type_overrides={str(k): str(v) for k, v in choices.type_overrides.items()},
                   fixes=tuple(dict(fix) for fix in choices.fixes), training=dict(choices.training),
                   reading=dict(choices.reading),
                   metric_for=(str(metric_for[0]), str(metric_for[1])) if metric_for else None)


def load_choices(dataset_id: str) -> DatasetChoices:
    """The stored choices (none yet: Kuai's suggestions). A damaged file is set aside, never overwritten unseen."""
    path = _choices_path(dataset_id)
    try:
        return _from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return DatasetChoices()
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        kept = path.with_name(f"{path.stem}.damaged-{int(time.time())}.json.bak")
        os.replace(path, kept)
        logger.warning("choices of dataset %s unreadable (%s); kept as %s", dataset_id, exc, kept)
        return DatasetChoices(note=f"Your saved choices for this dataset could not be read ({type(exc).__name__}); "
                                   f"Kuai starts again from its suggestions and kept the old file as {kept.name}.")


def save_choices(dataset_id: str, choices: DatasetChoices) -> DatasetChoices:
    """Write ``choices`` atomically (a crash leaves the old file or the new one)."""
    path = _choices_path(dataset_id)
    stamped = replace(choices, updated_at=time.time(), note="")
    data = {k: v for k, v in asdict(stamped).items() if k != "note"}
    write_atomically(path, json.dumps(data, indent=1, default=str))
    return stamped


@contextmanager
def _locked(dataset_id: str) -> Iterator[None]:
    """One writer at a time per dataset (two tabs, or two users of one server)."""
    lock = _choices_path(dataset_id).with_suffix(".lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update_choices(dataset_id: str, **changes: Any) -> DatasetChoices:
    """Change some of the stored choices, keeping the others as stored (not as this tab last saw them)."""
    with _locked(dataset_id):
        return save_choices(dataset_id, replace(load_choices(dataset_id), **changes))


__all__ = ["DatasetChoices", "load_choices", "save_choices", "update_choices"]
