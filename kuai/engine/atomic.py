"""Files written whole or not at all: a kill or a full disk mid-write never leaves half a file under the final name.

The bytes go to a hidden partial file beside the target, which replaces the target in one step (``os.replace``)
once complete; on any failure the partial file is removed, so a full disk also gets its space back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kuai.engine.errors import SchemaError

__all__ = ["PROBE_PATTERN", "PROBE_PREFIX", "atomic_path", "refuse_link", "write_atomically", "write_probe"]

PROBE_PREFIX = ".kuai-write-test-"  # ``write_probe``'s files: a unique name each, never one that was there ...
PROBE_PATTERN = PROBE_PREFIX + "?" * 8  # ... of eight characters after the prefix (``tempfile.mkstemp``'s)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A partial path to write to; it becomes ``path`` when the block ends without an error."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.partial")  # two writers: two files
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: str | bytes) -> None:
    """``data`` (text as UTF-8) written whole into ``path``."""
    with atomic_path(path) as partial:
        if isinstance(data, bytes):
            partial.write_bytes(data)
        else:
            partial.write_text(data, encoding="utf-8")


def write_probe(folder: Path) -> None:
    """Write and remove a small file, to know a folder takes writes (a folder that exists may still refuse them:
    read-only, another user's). The file gets a new name, created only if nothing has it (``mkstemp``): only what
    the probe itself made is removed, never a file of that name that was there (a user's)."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=folder)
    os.close(handle)
    os.unlink(name)


def refuse_link(path: Path, advice: str) -> None:
    """Kuai never writes through a symbolic link it did not make: ``path`` (an ``--out``) that is one, dangling or
    not, is refused with ``OUT_IS_A_LINK`` (writing through it could create or change files anywhere)."""
    path = Path(path).expanduser()
    if path.is_symlink():
        raise SchemaError(f"'{path}' is a symbolic link (to '{os.readlink(path)}'). Kuai does not write through "
                          f"links, even with --overwrite: {advice}", code="OUT_IS_A_LINK")
