"""The hand-over of ``kuai train``'s result from its search child to its export child (``kuai.app.processes``).

At the end of a search the search child holds 300-600 MB that it cannot give back: Optuna, CatBoost's allocator,
glibc's arenas after hundreds of fits. The export came on top of all that (its conversion and ONNX Runtime sessions
take about 16 times the model's size), and it was the command's peak on most datasets. So the search child writes
what the export needs (``Tail``: the result and the options) to a file in the output folder and ends; the export
child (``python -P -m kuai.app.processes.tail FILE``) reads and deletes the file and publishes
(``kuai.app.services.training.export_handed_over``) with only the imports the export needs and the result itself.
A result that cannot be handed over (too large, not picklable, a full disk) is exported by the search child; so is
one whose export would end past the budget's allowance if it waited for a fresh process to start (its imports, as
the search child measured its own: 4-6 s on a slow machine), where the budget matters more than the memory.

The file is our own pickle, read back by a sibling a moment after it was written; it carries an HMAC-SHA256
digest under a key that exists only in the environment of the two children (``kuai train``'s parent makes it), and
is refused unread if the digest does not match (a file planted or changed in the output folder is never unpickled).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parent imports this module for its names: not the engine
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


def hand_over_result(tail: Tail, path: Path, key: bytes, *, fresh_start_s: float = 0.0) -> bool:
    """Write ``tail`` to ``path`` for the export child; False if that was not done (nothing is lost: the caller
    exports in its own process instead). ``fresh_start_s``: how long a fresh process takes to start (the search
    child's own start, measured); when that would take the export past the budget's allowance, it stays here."""
    from kuai.engine.budget import plan_budget

    plan = plan_budget(tail.options.time_budget_s, started=tail.started, n_inputs=tail.result.model_frame.shape[1])
    if not plan.fresh_export_fits(time.monotonic(), fresh_start_s):
        logger.info("exporting in this process: a fresh one would take %.1f s to start, past the budget's allowance",
                    fresh_start_s)
        return False
    frame_mb = float(tail.result.model_frame.memory_usage(deep=True).sum()) / 2**20
    if frame_mb > MAX_FRAME_MB:
        logger.info("exporting in this process: the training rows (%.0f MB) are too large to hand over", frame_mb)
        return False
    try:
        writing = time.monotonic()
        write_tail(tail, key, path=path)
        logger.info("the export handed over in %.1f s (%.0f MB of training rows)", time.monotonic() - writing,
                    frame_mb)
    except Exception as exc:  # a full disk, or a result that cannot be pickled: export here, as before
        logger.warning("could not hand the export to a fresh process (%s); exporting in this one", exc)
        return False
    return True


def _mac(key: bytes) -> Any:
    """An HMAC-SHA256 under ``key``. hmac and hashlib (OpenSSL, 4 MB) are imported here, not at the top: ``kuai
    train``'s parent imports this module for its names and stays small (docs/processes.md)."""
    import hashlib
    import hmac

    return hmac.new(key, digestmod=hashlib.sha256)


class _Signed:
    """A file being written that keeps the HMAC of what goes through it."""

    def __init__(self, file: IO[bytes], key: bytes) -> None:
        self.file, self.mac = file, _mac(key)

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.file.write(data)


def write_tail(tail: Tail, key: bytes, *, path: Path | None = None) -> Path:
    """``tail`` pickled with its digest under ``key`` in a new file of the output folder (mode 0600; ``path``, or a
    new name), streamed: the pickle is never whole in memory."""
    path = path or tail.out_dir / f"{FILE_PREFIX}{os.urandom(8).hex()}.pkl"
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


def _same(digest: bytes, expected: bytes) -> bool:
    import hmac

    return hmac.compare_digest(digest, expected)


def load_tail(path: Path) -> Tail:
    """The tail the search child wrote to ``path``, which is deleted; refused unread if not under this process's key."""
    key_hex = os.environ.pop(KEY_ENV, "")
    if not path.name.startswith(FILE_PREFIX):  # not a hand-over file: neither read nor deleted
        raise TailFileError(f"{path} is not a training's hand-over file.")
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        key = b""
    try:
        with path.open("rb") as file:
            digest, mac = file.read(DIGEST_BYTES), _mac(key)
            while chunk := file.read(CHUNK):
                mac.update(chunk)
            if not key or not _same(digest, mac.digest()):
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
