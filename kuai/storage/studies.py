"""Optuna studies on a database shared by many workers (PostgreSQL), and who finishes each one.

Heartbeats mark a trial whose process died as failed, and a retry callback gives
its configuration another chance; a pre-ping on every pooled connection lets a
worker reconnect after the database restarts. The refit, ensemble and export of a
shared study happen once: the first process to claim it in a small table of ours
(an atomic insert) does them, and another may take over a claim whose holder has
stopped beating.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import optuna
import sqlalchemy as sa
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from kuai.engine import EngineError
from kuai.storage.settings import seconds_setting

logger = logging.getLogger(__name__)
T = TypeVar("T")
HEARTBEAT_S = 5  # a worker beats for its running trial this often ...
GRACE_S = 20  # ... and a trial without a beat for this long is failed and retried (KUAI_TRIAL_GRACE_S)
MAX_RETRY = 2  # a configuration whose worker died is tried at most this many more times
CLAIM_STALE_S = 30.0  # a finisher that has not beaten for this long has died; another may finish
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # also a folder name in the shared location

_claims = sa.Table(
    "kuai_finish_claims", sa.MetaData(),
    sa.Column("study_name", sa.String(512), primary_key=True),
    sa.Column("owner", sa.String(256), nullable=False),
    sa.Column("beat_at", sa.Float, nullable=False),
)


class StudyError(EngineError, ValueError):
    """A shared study cannot be used: unreachable database, unknown study, data not shared."""

    code = "STUDY_ERROR"


_TOKEN = secrets.token_hex(2)  # containers often share a host name and a process id (1)


def worker_id() -> str:
    """Who runs a trial: host, process and a random token drawn once per process; shown on the Runs page."""
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


class _Storage(RDBStorage):
    """Optuna's RDB storage whose heartbeat outlives a lost connection.

    Optuna's heartbeat thread dies on the first storage error (a database restart), printing a
    traceback; the trial would then look dead to the other workers and be failed under a live one.
    """

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            super().record_heartbeat(trial_id)
        except Exception:  # the next beat, after the database is back, keeps the trial alive
            logger.warning("missed a heartbeat for trial %s", trial_id, exc_info=True)


def valid_study_name(name: str) -> str:
    if not STUDY_NAME.match(name) or name.endswith("."):
        raise StudyError(f"'{name[:120]}' is not a usable study name: use 1 to 100 letters, digits, '_', '.' or '-', "
                         "starting with a letter or digit.", code="BAD_STUDY_NAME")
    return name


def study_storage(url: str) -> RDBStorage:
    """The RDB storage of a shared study: heartbeats, retries of dead workers' trials, reconnects."""
    engine_kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    grace = int(seconds_setting("KUAI_TRIAL_GRACE_S", GRACE_S))  # at least two heartbeats (kuai.storage.settings)
    for attempt in range(3):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna since 2.8
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                retry = RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)
                return _Storage(url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_S,
                                grace_period=grace, heartbeat_stale_trial_callback=retry)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError) as exc:
            if attempt == 2:  # workers starting together on an empty database race to create its tables
                raise StudyError(f"Cannot set up the study database {redact(url)}: {_first_line(exc)}",
                                 code="STORAGE_UNUSABLE") from exc
            time.sleep(0.5 + attempt)
        except (sa.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError, ImportError, ValueError,
                RuntimeError) as exc:  # RuntimeError: a schema written by another Optuna version
            raise StudyError(f"Cannot open the study database {redact(url)}: {_first_line(exc)}",
                             code="STORAGE_UNREACHABLE") from exc
    raise AssertionError("unreachable")


@dataclass
class StudySchema:
    """The tables of a new SQLite study database, made on a thread (``schema_in_background``)."""

    path: Path | None = None  # the database being made; None: nothing is made here
    thread: threading.Thread | None = None

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def discard(self) -> None:
        """Wait, then remove the database made: a training refused for its input began no search, and leaves no
        study behind (``kuai train`` then removes the folder it made)."""
        self.wait()
        if self.path is not None:
            for made in (self.path, self.path.with_name(f"{self.path.name}-journal")):
                made.unlink(missing_ok=True)


def schema_in_background(url: str) -> StudySchema:
    """Start making the tables of a new SQLite study database on a thread. A training calls it before it reads its
    data: the schema takes SQLAlchemy and Alembic about a second, which the search's first trial waited for (the
    reading runs mostly in pyarrow and pandas, which release the GIL). A database that exists, or a server's, is
    left to Optuna when the study opens; so is any error here, which Optuna meets again there and reports."""
    path = Path(url.removeprefix("sqlite:///"))
    if not url.startswith("sqlite:///") or path.exists():
        return StudySchema()

    def make() -> None:
        try:
            optuna.storages.RDBStorage(url).engine.dispose()
        except Exception:  # noqa: BLE001 - reported where the study opens
            logger.debug("the study database %s was not made ahead", path, exc_info=True)

    thread = threading.Thread(target=make, name="kuai-study-schema", daemon=True)
    thread.start()
    return StudySchema(path, thread)


def is_storage_error(exc: BaseException | None) -> bool:
    """A lost or refused database connection, or an error raised while handling one."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (sa.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def patiently(call: Callable[[], T], *, wait_s: float = 30.0) -> T:
    """``call()``, retried while the database is away (a restart), for up to ``wait_s`` seconds."""
    until = time.monotonic() + wait_s
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_storage_error(exc) or time.monotonic() > until:
                raise
            logger.warning("the study's database is away (%s); waiting", type(exc).__name__)
            time.sleep(1.0)


def redact(url: str) -> str:
    """The URL without its password (in the user part or the query), for messages and the UI."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # not a URL SQLAlchemy can read: show nothing of it
        return "<the storage URL>"
    query = {k: ("***" if k.lower() in ("password", "passfile", "sslpassword") else v)
             for k, v in parsed.query.items()}
    return str(parsed.set(query=query).render_as_string(hide_password=True))


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _engine(storage: RDBStorage) -> sa.engine.Engine:
    engine: sa.engine.Engine = storage.engine
    try:
        _claims.metadata.create_all(engine, checkfirst=True)
    except (sa.exc.IntegrityError, sa.exc.ProgrammingError):  # another process created it at the same moment
        time.sleep(0.5)
        _claims.metadata.create_all(engine, checkfirst=True)
    return engine


DONE = 1e18  # the beat of a finished study's claim: never stale, never taken over


def claim_finish(storage: RDBStorage, study_name: str, owner: str, *, stale_after_s: float = CLAIM_STALE_S) -> bool:
    """True if ``owner`` now finishes the study: nobody had claimed it, or its claimant stopped beating.

    A finished study's claim is marked done (``release_claim``) and is never given again.
    """
    engine = _engine(storage)
    now = time.time()
    try:
        with engine.begin() as connection:
            connection.execute(_claims.insert().values(study_name=study_name, owner=owner, beat_at=now))
        return True
    except sa.exc.IntegrityError:
        pass
    with engine.begin() as connection:
        taken = connection.execute(
            _claims.update()
            .where(_claims.c.study_name == study_name)
            .where(sa.or_(_claims.c.owner == owner, _claims.c.beat_at < now - stale_after_s))
            .values(owner=owner, beat_at=now))
        return bool(taken.rowcount == 1)


def beat_claim(storage: RDBStorage, study_name: str, owner: str, *, done: bool = False) -> bool:
    """Renew (or, ``done``, close) the claim; False if another process has taken it over meanwhile."""
    with _engine(storage).begin() as connection:
        renewed = connection.execute(_claims.update().where(_claims.c.study_name == study_name)
                                     .where(_claims.c.owner == owner).values(beat_at=DONE if done else time.time()))
        return bool(renewed.rowcount == 1)


def claim_owner(storage: RDBStorage, study_name: str) -> tuple[str, float] | None:
    with _engine(storage).connect() as connection:
        row = connection.execute(sa.select(_claims.c.owner, _claims.c.beat_at)
                                 .where(_claims.c.study_name == study_name)).first()
    return (str(row[0]), float(row[1])) if row else None


@dataclass(frozen=True)
class StudySummary:
    """One shared study as the Runs page shows it."""

    name: str
    status: str
    data_name: str
    budget_s: float
    created_at: float
    trials_by_state: dict[str, int]
    trials_by_worker: dict[str, int]
    best_score: float | None
    attrs: dict[str, Any] = field(default_factory=dict)


def list_studies(storage: RDBStorage) -> list[StudySummary]:
    """Kuai's studies in a shared storage, newest first."""
    summaries = []
    for study in optuna.get_all_study_summaries(storage, include_best_trial=False):
        attrs = study.user_attrs
        if "kuai.final_at" not in attrs:
            continue
        trials = storage.get_all_trials(study._study_id, deepcopy=False)
        by_state: dict[str, int] = {}
        by_worker: dict[str, int] = {}
        scores = []
        for trial in trials:
            by_state[trial.state.name.lower()] = by_state.get(trial.state.name.lower(), 0) + 1
            worker = trial.user_attrs.get("worker")
            if worker:  # queued trials have none yet
                by_worker[str(worker)] = by_worker.get(str(worker), 0) + 1
            if trial.state is optuna.trial.TrialState.COMPLETE and "score" in trial.user_attrs:
                scores.append(float(trial.user_attrs["score"]))
        better_high = bool(attrs.get("kuai.greater_is_better", True))
        best = (max(scores) if better_high else min(scores)) if scores else None
        summaries.append(StudySummary(
            name=study.study_name, status=str(attrs.get("kuai.status", "?")),
            data_name=str(attrs.get("kuai.data_name", "")), budget_s=float(attrs.get("kuai.budget_s", 0.0)),
            created_at=float(attrs.get("kuai.created_at", 0.0)), trials_by_state=by_state,
            trials_by_worker=by_worker, best_score=best, attrs=dict(attrs)))
    return sorted(summaries, key=lambda s: s.created_at, reverse=True)
