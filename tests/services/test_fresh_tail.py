"""The hand-over file of ``kuai train``'s fresh tail process: read back only by the process that wrote it."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from app.services.fresh_tail import DIGEST_BYTES, KEY_ENV, Tail, TailFileError, load_tail, write_tail


def _tail(out_dir: Path) -> Tail:
    return Tail(result={"a": [1, 2, 3]}, options="options", out_dir=out_dir,  # type: ignore[arg-type]
                started=12.5, sidecar_pid=4321, spool=out_dir / "mlflow_spool.json")


class _Planted:
    """Creates a file when unpickled: what a file planted in the output folder could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_the_tail_comes_back_whole_and_its_file_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(32)
    path = write_tail(_tail(tmp_path), key)
    assert path.parent == tmp_path and oct(path.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(KEY_ENV, key.hex())
    tail = load_tail(path)
    assert tail == _tail(tmp_path)
    assert not path.exists() and KEY_ENV not in os.environ  # the key is not passed on to the side processes


@pytest.mark.parametrize("key_hex", ["", "not hex", os.urandom(32).hex()])
def test_a_file_under_another_key_or_none_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     key_hex: str) -> None:
    path = write_tail(_tail(tmp_path), os.urandom(32))
    monkeypatch.setenv(KEY_ENV, key_hex)
    with pytest.raises(TailFileError, match="not the one it wrote"):
        load_tail(path)
    assert not path.exists()


def test_a_planted_file_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(32)
    path = write_tail(_tail(tmp_path), key)
    marker = tmp_path / "unpickled"
    path.write_bytes(path.read_bytes()[:DIGEST_BYTES] + pickle.dumps(_Planted(marker)))  # the digest kept, the rest not
    monkeypatch.setenv(KEY_ENV, key.hex())
    with pytest.raises(TailFileError):
        load_tail(path)
    assert not marker.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, os.urandom(32).hex())
    with pytest.raises(TailFileError, match="cannot be read"):
        load_tail(tmp_path / ".kuai-tail-missing.pkl")


def test_a_full_disk_leaves_no_half_written_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.services.fresh_tail as fresh_tail

    def full(*_: Any, **__: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fresh_tail.os, "fdopen", full)
    with pytest.raises(OSError):
        write_tail(_tail(tmp_path), os.urandom(32))
    assert list(tmp_path.iterdir()) == []
