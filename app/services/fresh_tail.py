"""The tail of ``kuai train`` — export, outputs, MLflow spool — in a fresh interpreter that this process becomes.

At the end of a search the training's process holds 350-650 MB that it cannot give back: SHAP and numba, Optuna,
the allocator's arenas after hundreds of fits. The export came on top of all that (its conversion and ONNX Runtime
sessions take about 16 times the model's size), and it was the command's peak on most datasets. Instead, the
process writes what the tail needs (``Tail``: the result and the options) to a file in the output folder and
``exec``s ``python -m app.cli _tail FILE``: the same process id, output streams and child (the MLflow side process),
with only the imports the tail needs and the result itself. The fresh process reads and deletes the file, publishes
(``app.services.training.publish``) and hands off to the waiter as before.

The file is our own pickle, read back by the process that wrote it a moment before; it carries an HMAC-SHA256
digest under a key that exists only in this process's environment, passed through the ``exec``, and is refused
unread if the digest does not match (a file planted or changed in the output folder is never unpickled).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from app.services.options import TrainOptions
from engine import TrainingResult

logger = logging.getLogger(__name__)
KEY_ENV = "KUAI_TAIL_KEY"
DIGEST_BYTES = 32
FILE_PREFIX = ".kuai-tail-"


class TailFileError(RuntimeError):
    """The tail's file is missing, unreadable or not the one this training wrote."""


@dataclass(frozen=True)
class Tail:
    """What the fresh process needs to publish a training."""

    result: TrainingResult
    options: TrainOptions
    out_dir: Path
    started: float  # time.monotonic() of the command's start: the system's clock, valid across exec
    sidecar_pid: int
    spool: Path


def exec_tail(tail: Tail) -> None:
    """Replace this process by a fresh interpreter that publishes ``tail``; returns only if that failed (nothing is
    lost: the caller publishes in this process instead)."""
    key = secrets.token_bytes(32)
    try:
        path = write_tail(tail, key)
    except OSError as exc:
        logger.warning("could not hand the export to a fresh process (%s); exporting in this one", exc)
        return
    for handler in logging.getLogger().handlers:  # exec ends the process without flushing anything
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, "-m", "app.cli", "_tail", str(path)],
                  dict(os.environ, **{KEY_ENV: key.hex()}))
    except OSError as exc:
        logger.warning("could not hand the export to a fresh process (%s); exporting in this one", exc)
        path.unlink(missing_ok=True)


def write_tail(tail: Tail, key: bytes) -> Path:
    """``tail`` pickled with its digest under ``key``, in a new file of the output folder (mode 0600)."""
    data = pickle.dumps(tail, protocol=pickle.HIGHEST_PROTOCOL)
    path = tail.out_dir / f"{FILE_PREFIX}{secrets.token_hex(8)}.pkl"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(hmac.new(key, data, hashlib.sha256).digest())
            file.write(data)
    except OSError:
        path.unlink(missing_ok=True)  # a full disk: no half-written file is left
        raise
    return path


def load_tail(path: Path) -> Tail:
    """The tail this process's former self wrote to ``path``, which is deleted; refused unread if not its own."""
    key_hex = os.environ.pop(KEY_ENV, "")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise TailFileError(f"The training's hand-over file {path} cannot be read: {exc.strerror}.") from exc
    finally:
        path.unlink(missing_ok=True)
    digest, data = content[:DIGEST_BYTES], content[DIGEST_BYTES:]
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        key = b""
    if not key or not hmac.compare_digest(digest, hmac.new(key, data, hashlib.sha256).digest()):
        raise TailFileError(f"The training's hand-over file {path} is not the one it wrote; it was not read.")
    tail = pickle.loads(data)  # noqa: S301 (our own file, checked above)
    if not isinstance(tail, Tail):
        raise TailFileError(f"The training's hand-over file {path} holds something else.")
    return tail
