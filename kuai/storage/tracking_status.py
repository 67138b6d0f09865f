"""What became of a run's MLflow logging: one small JSON file beside the spool, the one truth for `kuai` and the app.

The side process (``kuai.storage.tracking.serve``) writes ``mlflow_spool.done`` once it has logged the run or given up:

- ``{"ok": true, "state": "logged", "mlflow_run_id": ..., "registered_model": ..., "notes": [...]}``
- ``{"ok": false, "state": "failed", "code": "TRACKING_FAILED", "cause": ..., "reason": ..., "action": ...,
  "error": ..., "notes": [...]}`` — ``reason`` and ``action`` are the plain words the CLI and the Runs page show.

No file yet: the logging is still going (``state`` "pending" in a run's record), or it ended without a word (the
side process died, or could not write the file): "failed" too, said so. ``outcome`` turns either into the record's
field. This module imports the standard library only, and ``kuai.storage.spool`` (which imports no more): the
process that waits for MLflow at the end of ``kuai train`` holds little else.
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kuai.storage.spool import read_spool

TRACKING_FAILED = "TRACKING_FAILED"
PENDING_FOLDER = "tracking_pending"  # in the home folder: one small file per run that waits to be logged
_ENDED_WITHOUT_WORD = "its logging process ended without writing what happened"


def receipt_path(spool: Path) -> Path:
    return spool.with_suffix(".done")


def log_path(spool: Path) -> Path:
    return spool.with_suffix(".log")


def read_receipt(spool: Path) -> dict[str, Any] | None:
    """The side process's receipt for ``spool``; None while there is none (or it was cut short by a kill)."""
    try:
        receipt = json.loads(receipt_path(spool).read_text())
    except (OSError, ValueError):  # none yet, or cut short by a kill or a full disk: not a receipt
        return None
    return receipt if isinstance(receipt, dict) else None


def write_receipt(spool: Path, receipt: dict[str, Any]) -> None:
    """Whole or not at all: a reader never sees half a receipt."""
    target = receipt_path(spool)
    part = target.with_name(target.name + ".part")
    part.write_text(json.dumps(receipt, default=str))
    os.replace(part, target)


def logged(run_id: str, registered: dict[str, Any] | None, notes: list[str]) -> dict[str, Any]:
    return {"ok": True, "state": "logged", "mlflow_run_id": run_id, "registered_model": registered, "notes": notes}


def failed(exc: BaseException, *, uri: str, spool: Path, own_store: bool, notes: list[str]) -> dict[str, Any]:
    """The receipt of a logging that failed: why, in plain words, and what to do."""
    cause, reason = classify(exc, uri)
    remedy = what_to_do(cause, uri=uri, spool=spool, own_store=own_store)
    return {"ok": False, "state": "failed", "code": TRACKING_FAILED, "cause": cause, "reason": reason,
            "remedy": remedy, "action": f"{remedy} {replay_hint(spool)}",
            "error": f"{type(exc).__name__}: {exc}"[:1000], "tracking_uri": redact(uri), "notes": notes}


def outcome(spool: Path, *, running: bool, pid: int | None = None) -> dict[str, Any]:
    """The run's tracking field: its receipt, or ``pending`` while the side process runs, or ``failed``."""
    receipt = read_receipt(spool)
    where = {"spool": str(spool), "status_file": str(receipt_path(spool)), "log": str(log_path(spool))}
    if receipt is not None:
        receipt.setdefault("state", "logged" if receipt.get("ok") else "failed")
        if not receipt.get("ok"):
            receipt.setdefault("code", TRACKING_FAILED)
            receipt.setdefault("reason", str(receipt.get("error") or "unknown"))
            receipt.setdefault("action", replay_hint(spool))
        return {**receipt, **where}
    if running:
        return {"state": "pending", "pid": pid, **where, **_foreseen(spool)}
    return {"ok": False, "state": "failed", "code": TRACKING_FAILED, "cause": "no_receipt",
            "reason": f"{_ENDED_WITHOUT_WORD}; see {log_path(spool)}", "action": replay_hint(spool), **where}


def _foreseen(spool: Path) -> dict[str, str]:
    """What is known already of a logging still going: a store that is not an MLflow store (its ``reason``)."""
    try:
        uri = read_spool(spool).tracking_uri
    except (OSError, ValueError):
        return {}
    return {"reason": not_a_store_reason(uri)} if not_a_store(uri) else {}


def refreshed(field: dict[str, Any], *, alive: Callable[[int | None], bool]) -> dict[str, Any]:
    """A run's tracking field brought up to date with its status file (a pending logging ended, a replay
    logged a failed one); the same field when nothing changed."""
    if field.get("state") not in ("pending", "failed") or not field.get("spool"):
        return field
    spool = Path(field["spool"])
    if field["state"] == "failed" and read_receipt(spool) is None:
        return field
    pid = field.get("pid")
    return outcome(spool, running=field["state"] == "pending" and alive(pid), pid=pid)


_CAUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("disk_full", ("database or disk is full", "no space left on device")),
    ("read_only", ("readonly database", "read-only file system", "permission denied",
                   "unable to open database file")),
    ("locked", ("database is locked",)),
    ("unreachable", ("connection refused", "failed to establish a new connection", "max retries exceeded",
                     "timed out", "name or service not known", "temporary failure in name resolution",
                     "connection aborted", "connection reset", "remote end closed connection")),
    ("store_broken", ("already exists", "out-of-date database schema", "can't locate revision", "no such table",
                      "no such column", "file is not a database", "malformed")),
)
_ERRNO_CAUSES = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EFBIG: "disk_full",
                 errno.EROFS: "read_only", errno.EACCES: "read_only", errno.EPERM: "read_only"}


def classify(exc: BaseException, uri: str) -> tuple[str, str]:
    """(cause, reason in plain words) of a failed logging, from the error and the errors behind it."""
    where = store_label(uri)
    reasons = {"disk_full": f"the disk holding {where} is full",
               "read_only": f"{where} cannot be written",
               "locked": f"{where} is locked by another program",
               "unreachable": f"the tracking server at {redact(uri)} could not be reached",
               "store_broken": f"{where} is incomplete or damaged (its set-up or an upgrade did not finish)"}
    chain: list[BaseException] = []  # the error and its causes: MLflow wraps the database's and the network's
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for error in chain:
        if isinstance(error, OSError) and error.errno in _ERRNO_CAUSES:
            cause = _ERRNO_CAUSES[error.errno]
            return cause, reasons[cause]
    text = " ".join(str(error) for error in chain).lower()
    for cause, clues in _CAUSES:
        if any(clue in text for clue in clues):
            if cause == "store_broken" and not_a_store(uri):  # a user's file: no repair advice for it
                return "not_a_store", not_a_store_reason(uri)
            return cause, reasons[cause]
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return "other", f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def what_to_do(cause: str, *, uri: str, spool: Path, own_store: bool) -> str:
    """What the user can do about a failed logging (``replay_hint`` says how the run gets logged later)."""
    where = store_label(uri)
    first = {
        "disk_full": f"Free some space on the disk holding {where}.",
        "read_only": f"Make {where} writable, or set MLFLOW_TRACKING_URI to a store you can write.",
        "locked": "Close the program that holds the store (an `mlflow ui`, another tool), or wait for it.",
        "unreachable": "Check that the tracking server runs and that MLFLOW_TRACKING_URI names it.",
        "not_a_store": ("Kuai leaves that file as it is: set MLFLOW_TRACKING_URI to an MLflow store (or a new file "
                        "name), or unset it to log to Kuai's own store."),
        "store_broken": (f"Kuai could not set {where} aside by itself: rename it (keep it, it holds the earlier "
                         "runs) and Kuai makes a new one." if own_store else
                         "Kuai leaves a store you chose as it is: back it up and run `mlflow db upgrade "
                         f"{redact(uri)}`, or set MLFLOW_TRACKING_URI to another store."),
    }.get(cause, f"The details are in {log_path(spool)}.")
    return first


def not_a_store(uri: str) -> bool:
    """Whether ``uri`` names an existing, non-empty file that is not an MLflow store (not SQLite, or SQLite without
    MLflow's tables): a user's own file, which only a mistaken MLFLOW_TRACKING_URI points at."""
    import sqlite3  # here, not at the top: ``kuai train``'s parent imports this module and stays small (processes.md)

    path = sqlite_path(uri)
    try:
        if path is None or not path.is_file() or path.stat().st_size == 0:
            return False
        with open(path, "rb") as file:
            if file.read(16) != b"SQLite format 3\x00":
                return True
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            connection.close()
    except (OSError, sqlite3.Error):
        return False  # unreadable: said by the logging's own error
    return bool(tables) and not {"experiments", "runs"} <= tables


def not_a_store_reason(uri: str) -> str:
    return (f"MLFLOW_TRACKING_URI points at {sqlite_path(uri)}, which is not an MLflow store (not a database with "
            "MLflow's tables)")


def replay_hint(spool: Path) -> str:
    return (f"The run waits in {spool.name}: it is logged with the next training that reaches this store, or now "
            f"with `kuai track {spool.parent}`.")


def store_label(uri: str) -> str:
    """The store in words: its file for SQLite, else the server's address."""
    path = sqlite_path(uri)
    if path is not None:
        return f"the MLflow store {path}"
    return f"the MLflow tracking server {redact(uri)}"


def sqlite_path(uri: str) -> Path | None:
    """The file of a ``sqlite:///`` tracking URI (None for any other store, or SQLite in memory)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def redact(uri: str) -> str:
    """The URI without its password or tokens, for messages."""
    try:
        netloc = urlsplit(uri).netloc
    except ValueError:
        return "<the tracking URI>"
    if "@" in netloc:
        uri = uri.replace(netloc, "***@" + netloc.rsplit("@", 1)[1], 1)
    return re.sub(r"(?i)([?&](?:password|token|secret|key)[^=&]*=)[^&]*", r"\1***", uri)


def _pending_file(home: Path, spool: Path) -> Path:
    import hashlib  # OpenSSL: 4 MB the parent of ``kuai train`` does not need (processes.md)

    digest = hashlib.sha256(str(spool.resolve()).encode()).hexdigest()[:20]
    return home / PENDING_FOLDER / f"{digest}.json"


def remember_pending(home: Path, spool: Path, uri: str) -> None:
    """Note that ``spool`` waits to be logged to ``uri`` (best effort: a full disk may refuse even this)."""
    try:
        entry = _pending_file(home, spool)
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(json.dumps({"spool": str(spool.resolve()), "tracking_uri": uri, "since": time.time()}))
    except OSError:
        pass


def forget_pending(home: Path, spool: Path) -> None:
    try:
        _pending_file(home, spool).unlink(missing_ok=True)
    except OSError:
        pass


def pending_spools(home: Path, uri: str | None = None) -> list[Path]:
    """The spools that wait to be logged (to ``uri``, or to any store), oldest first; entries whose spool is gone
    or logged meanwhile are dropped."""
    entries = []
    for entry in (home / PENDING_FOLDER).glob("*.json"):
        try:
            data = json.loads(entry.read_text())
            spool = Path(data["spool"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        receipt = read_receipt(spool)
        if not spool.exists() or (receipt is not None and receipt.get("ok")):
            entry.unlink(missing_ok=True)
            continue
        if uri is None or data.get("tracking_uri") == uri:
            entries.append((float(data.get("since", 0.0)), spool))
    return [spool for _, spool in sorted(entries)]
