"""Fold models kept on disk, not in memory, while the search goes on.

The search keeps the fold models of its best trials for bagging and the ensemble
(``kuai.engine.search.trials.keep_fold_models``):
up to 20 trials, 256 MB pickled. Held in memory they were most of the process's growth over a search (wine_quality_red
at 60 s: 260 -> 650 MB, against ~500 MB with none kept), and the allocator does not give that memory back once the
tail has dropped them. Spilled, each fold's (preprocessor, model) is one file in the run's own folder, read back when
the tail bags the chosen members; a trial whose fold models are dropped deletes its files at once.

Only this process reads what it wrote: every file carries a keyed digest (HMAC-SHA256, a key that never leaves
memory) checked before ``pickle.loads``, so a file changed or planted in the folder is refused, never unpickled.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import pickle
import secrets
import shutil
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

logger = logging.getLogger(__name__)
FoldModel = tuple[Any, Any]  # (fitted preprocessor, fitted model)


class SpillError(RuntimeError):
    """A spilled fold model's file is gone or was changed: the trial's fold models cannot be used."""


def _digest(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


class _SpilledFile:
    """One pickled fold model on disk; the file is deleted when the last holder lets go of it."""

    def __init__(self, path: Path, key: bytes, digest: bytes) -> None:
        self.path, self._key, self._digest = path, key, digest
        weakref.finalize(self, path.unlink, missing_ok=True)

    def load(self) -> FoldModel:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SpillError(f"A fold model kept on disk could not be read back ({self.path.name}).") from exc
        if not hmac.compare_digest(_digest(self._key, data), self._digest):
            raise SpillError(f"A fold model kept on disk was changed by something else ({self.path.name}).")
        model: FoldModel = pickle.loads(data)  # noqa: S301 - written by this process, digest checked above
        return model


class SpilledModels(Sequence[FoldModel]):
    """A trial's fold models on disk, in fold order: each item is loaded when it is read (and not cached)."""

    def __init__(self, files: Sequence[_SpilledFile]) -> None:
        self._files = tuple(files)

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, index: int) -> FoldModel: ...

    @overload
    def __getitem__(self, index: slice) -> SpilledModels: ...

    def __getitem__(self, index: int | slice) -> FoldModel | SpilledModels:
        if isinstance(index, slice):  # shares the files: they live while either holder does
            return SpilledModels(self._files[index])
        return self._files[index].load()

    def __iter__(self) -> Iterator[FoldModel]:
        return (spilled.load() for spilled in self._files)


class FoldSpill:
    """Writes fold models into a folder of this process's own, removed with the spill (or at the latest at exit).

    The first write that fails (a full disk, a model that cannot be pickled), or a disk with less than
    ``HEADROOM_MB`` free beside the file, ends the spilling: that trial's and every later trial's fold models stay in
    memory, and the disk's space is left to the study and the out-of-fold predictions, which a search cannot lose.
    """

    HEADROOM_MB = 512

    def __init__(self, parent: Path) -> None:
        self._key = secrets.token_bytes(32)
        self.folder = parent / f"spill-{secrets.token_hex(6)}"
        self.folder.mkdir(parents=True, mode=0o700)
        self._count = 0
        self.stopped = False
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)

    def spill(self, models: Sequence[FoldModel]) -> Sequence[FoldModel]:
        """The same fold models, on disk; the models themselves if they could not be written."""
        if self.stopped or isinstance(models, SpilledModels) or not models:
            return models
        files: list[_SpilledFile] = []
        path: Path | None = None
        try:
            for model in models:
                data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
                if shutil.disk_usage(self.folder).free < len(data) + self.HEADROOM_MB * 2**20:
                    raise OSError(errno.ENOSPC, f"less than {self.HEADROOM_MB} MB would be left on the disk")
                self._count += 1
                path = self.folder / f"fold-{self._count:06d}.pkl"
                path.write_bytes(data)
                files.append(_SpilledFile(path, self._key, _digest(self._key, data)))
                path = None
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the models are still at hand in memory
            if path is not None:
                path.unlink(missing_ok=True)  # a half-written file
            for spilled in files:  # and the whole ones, now: not when the collector gets to them
                spilled.path.unlink(missing_ok=True)
            self.stopped = True
            # the message only: a log record holding the exception would keep this frame (and its files) alive
            logger.info("fold models kept in memory from here on: %s", str(exc))
            return models
        return SpilledModels(files)

    def close(self) -> None:
        """Remove the folder and every file still in it."""
        self._cleanup()
