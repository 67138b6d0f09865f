"""A run of the web app, as its folder's ``run.json`` keeps it: status, the choices it trains with, what it found.

The Train page writes the choices (``RunConfig``), the worker the status, heartbeat and outcome (``RunSummary``), and
the pages read them back, in any tab and after a reload. ``run.json`` keeps the same JSON as before these were
dataclasses (``RunRecord.to_dict``), and a record an earlier version wrote still reads: missing keys take their
defaults, unknown ones are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """queued → running → finished | failed | cancelled (a failed or cancelled run may be queued again: resumed)."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``data`` that are fields of ``cls``: a record of another version reads without the others."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """What a run trains with: the choices the Train page made (the worker turns them into ``TrainOptions``)."""

    dataset_id: str
    dataset_name: str
    target: str
    task: str | None = None
    metric: str | None = None
    time_budget_s: float = 60.0
    seed: int = 0
    type_overrides: Mapping[str, str] = field(default_factory=dict)
    fixes: tuple[dict[str, Any], ...] = ()  # CheckFix as JSON
    excluded: tuple[str, ...] = ()
    shared: bool = False  # on the shared storage (KUAI_STORAGE), where other machines' workers can join
    max_latency_ms: float | None = None  # limits on the exported model (expert mode)
    max_size_mb: float | None = None
    class_weight: str = ""  # "balanced" (expert mode)
    families: tuple[str, ...] = ()  # the model families searched (expert mode); empty: Kuai's default ones
    group: str | None = None  # the column whose rows stay in one fold; None: Kuai's choice; "": rows one by one
    time: str | None = None  # the column the folds follow forward in time
    holdout: float = 0.0  # the share of the rows kept out of the whole search
    reading: Mapping[str, Any] = field(default_factory=dict)  # how the file is read, where the user said (Data page)

    def to_dict(self) -> dict[str, Any]:
        """As JSON keeps it (lists, not tuples); no "reading", "group", "time", "holdout" or "families" where the
        user said nothing (Kuai's own choices), so that a record of an earlier version is written as it was."""
        data = {**asdict(self), "fixes": [dict(fix) for fix in self.fixes], "excluded": list(self.excluded),
                "reading": dict(self.reading), "families": list(self.families)}
        for name, default in (("reading", {}), ("group", None), ("time", None), ("holdout", 0.0), ("families", [])):
            if data[name] == default:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        known = _known(cls, data)
        return cls(**{"dataset_id": "", "dataset_name": "", "target": "", **known,
                      "type_overrides": dict(known.get("type_overrides") or {}),
                      "fixes": tuple(known.get("fixes") or ()), "excluded": tuple(known.get("excluded") or ()),
                      "class_weight": str(known.get("class_weight") or ""),
                      "families": tuple(str(name) for name in known.get("families") or ()),
                      "reading": dict(known.get("reading") or {})})


@dataclass(frozen=True, kw_only=True)
class RunSummary:
    """What a finished run found (``kuai.app.services.summary.TrainSummary``, as plain values)."""

    model: str = ""
    score: float | None = None
    score_std: float | None = None
    metric: str | None = None
    parity_max_diff: float | None = None
    mlflow_run_id: str | None = None
    wall_time_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary | None:
        """None for a run that has not finished (its record keeps ``{}``)."""
        return cls(**_known(cls, data)) if data else None


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    status: RunStatus
    config: RunConfig
    created_at: float
    pid: int | None = None
    heartbeat_at: float | None = None
    finished_at: float | None = None
    error: str | None = ""  # None once resumed
    summary: RunSummary | None = None  # once finished
    # what became of its MLflow logging (kuai.storage.tracking_status.outcome): state logged | pending | failed, and
    # when failed the reason and what to do; refreshed from the status file beside the outputs while not logged
    tracking: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", RunStatus(self.status))  # "failed" from ``update_run`` is the enum

    def to_dict(self) -> dict[str, Any]:
        """The record as ``run.json`` keeps it."""
        return {"run_id": self.run_id, "status": str(self.status), "config": self.config.to_dict(),
                "created_at": self.created_at, "pid": self.pid, "heartbeat_at": self.heartbeat_at,
                "finished_at": self.finished_at, "error": self.error,
                "summary": self.summary.to_dict() if self.summary is not None else {}, "tracking": self.tracking}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """The record in ``run.json``; ``KeyError``, ``TypeError`` or ``ValueError`` when it is not one."""
        return cls(run_id=str(data["run_id"]), status=RunStatus(data["status"]),
                   config=RunConfig.from_dict(data.get("config") or {}), created_at=float(data["created_at"]),
                   pid=data.get("pid"), heartbeat_at=data.get("heartbeat_at"), finished_at=data.get("finished_at"),
                   error=data.get("error", ""), summary=RunSummary.from_dict(data.get("summary") or {}),
                   tracking=dict(data.get("tracking") or {}))
