"""The tail of ``kuai train`` — export, outputs, MLflow spool — in a fresh interpreter that this process becomes.

At the end of a search the training's process holds 350-650 MB that it cannot give back: Optuna, CatBoost's
allocator, glibc's arenas after hundreds of fits. The export came on top of all that (its conversion and ONNX Runtime
sessions take about 16 times the model's size), and it was the command's peak on most datasets. Instead, the
process writes what the tail needs (``Tail``: the result and the options) to a file in the output folder and
``exec``s ``python -P -m kuai.app.cli _tail FILE`` (``-P``: a module of the user's folder never shadows Kuai's): the
same process id, output streams and child (the MLflow side process), with only the imports the tail needs and the
result itself. The fresh process reads and deletes the file, publishes (``kuai.app.services.training.publish``) and
hands off to the waiter as before. Whatever goes wrong before the ``exec`` (a result too large, a full disk, no
interpreter) leaves the training to export in its own process, as it did before.

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
from typing import IO

from kuai.app.services.options import TrainOptions
from kuai.engine import TrainingResult

logger = logging.getLogger(__name__)
KEY_ENV = "KUAI_TAIL_KEY"
DIGEST_BYTES = 32
FILE_PREFIX = ".kuai-tail-"
MAX_FRAME_MB = 512.0  # above this, pickling and reading the training rows back would cost the budget seconds
CHUNK = 1 << 20


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
    """Replace this process by a fresh interpreter that publishes ``tail``; returns only if that was not done
    (nothing is lost: the caller publishes in this process instead)."""
    frame_mb = float(tail.result.model_frame.memory_usage(deep=True).sum()) / 2**20
    if frame_mb > MAX_FRAME_MB:
        logger.info("exporting in this process: the training rows (%.0f MB) are too large to hand over", frame_mb)
        return
    key = secrets.token_bytes(32)
    try:
        path = write_tail(tail, key)
    except Exception as exc:  # a full disk, or a result that cannot be pickled: export here, as before
        logger.warning("could not hand the export to a fresh process (%s); exporting in this one", exc)
        return
    for handler in logging.getLogger().handlers:  # exec ends the process without flushing anything
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, "-P", "-m", "kuai.app.cli", "_tail", str(path)],
                  dict(os.environ, **{KEY_ENV: key.hex()}))
    except OSError as exc:
        logger.warning("could not hand the export to a fresh process (%s); exporting in this one", exc)
        path.unlink(missing_ok=True)


class _Signed:
    """A file being written that keeps the HMAC of what goes through it."""

    def __init__(self, file: IO[bytes], key: bytes) -> None:
        self.file, self.mac = file, hmac.new(key, digestmod=hashlib.sha256)

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.file.write(data)


def write_tail(tail: Tail, key: bytes) -> Path:
    """``tail`` pickled with its digest under ``key`` in a new file of the output folder (mode 0600), streamed:
    the pickle is never whole in memory."""
    path = tail.out_dir / f"{FILE_PREFIX}{secrets.token_hex(8)}.pkl"
    try:
        with open(path, "xb", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
            file.write(bytes(DIGEST_BYTES))  # the digest's place
            signed = _Signed(file, key)
            pickle.dump(tail, signed, protocol=pickle.HIGHEST_PROTOCOL)
            file.seek(0)
            file.write(signed.mac.digest())
    except BaseException:
        path.unlink(missing_ok=True)  # a full disk or an interrupt: no half-written file is left
        raise
    return path


def load_tail(path: Path) -> Tail:
    """The tail this process's former self wrote to ``path``, which is deleted; refused unread if not its own."""
    key_hex = os.environ.pop(KEY_ENV, "")
    if not path.name.startswith(FILE_PREFIX):  # not a hand-over file: neither read nor deleted
        raise TailFileError(f"{path} is not a training's hand-over file.")
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        key = b""
    try:
        with path.open("rb") as file:
            digest, mac = file.read(DIGEST_BYTES), hmac.new(key, digestmod=hashlib.sha256)
            while chunk := file.read(CHUNK):
                mac.update(chunk)
            if not key or not hmac.compare_digest(digest, mac.digest()):
                raise TailFileError(f"The training's hand-over file {path} is not the one it wrote; it was not read.")
            file.seek(DIGEST_BYTES)
            tail = pickle.load(file)  # noqa: S301 (our own file, checked above)
    except OSError as exc:
        raise TailFileError(f"The training's hand-over file {path} cannot be read: {exc.strerror}.") from exc
    finally:
        path.unlink(missing_ok=True)
    if not isinstance(tail, Tail):
        raise TailFileError(f"The training's hand-over file {path} holds something else.")
    return tail


def remove_stale(out_dir: Path) -> None:
    """Hand-over files a killed training left in ``out_dir`` (they hold its training rows)."""
    for stale in out_dir.glob(f"{FILE_PREFIX}*.pkl"):
        stale.unlink(missing_ok=True)
