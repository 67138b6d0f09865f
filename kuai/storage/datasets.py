"""Datasets stored once, by content hash, under server-chosen names."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from kuai.storage.home import home_dir, inside_home

_SUFFIXES = {b"PAR1": ".parquet", b"\x1f\x8b": ".csv.gz"}
BLOCK = 8 << 20  # a table is hashed and written this many bytes at a time
STALE_PART_S = 86_400  # a temporary file this old was left by a killed store: removed by the next one


@dataclass(frozen=True)
class DatasetRecord:
    dataset_id: str
    path: str
    display_name: str  # the user's file name, for display only: never a path
    n_bytes: int
    added_at: float


def _safe_display(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return cleaned[:120] or "dataset"


def store_dataset(content: bytes | bytearray | BinaryIO, display_name: str) -> DatasetRecord:
    """Store ``content`` (bytes, or a binary stream read from its start in blocks) once, named by its hash.

    It is written to a file of its own first: two users storing the same table at once each write theirs, and the
    first to finish names it (the other's copy is removed); the first to record its name and date is the one both
    get back."""
    stream = io.BytesIO(content) if isinstance(content, (bytes, bytearray)) else content
    stream.seek(0)
    folder = home_dir() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(folder)
    tmp = inside_home(folder / f"upload-{uuid.uuid4().hex}.part")
    digest, head, n_bytes = hashlib.sha256(), b"", 0
    try:
        with open(tmp, "wb") as out:
            while block := stream.read(BLOCK):
                head = head if len(head) >= 4 else (head + block)[:4]
                digest.update(block)
                out.write(block)
                n_bytes += len(block)
        name = digest.hexdigest()[:24]
        suffix = next((s for magic, s in _SUFFIXES.items() if head.startswith(magic)), ".csv")
        path = inside_home(folder / f"{name}{suffix}")
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    meta = folder / f"{name}.json"
    if not meta.exists():
        record = DatasetRecord(name, str(path), _safe_display(display_name), n_bytes, time.time())
        meta_tmp = folder / f"upload-{uuid.uuid4().hex}.part"
        meta_tmp.write_text(json.dumps(asdict(record)))
        try:
            os.link(meta_tmp, meta)  # whole, and only if no other writer recorded it first
        except FileExistsError:
            pass
        finally:
            meta_tmp.unlink()
    return DatasetRecord(**json.loads(meta.read_text()))  # stored before: its first name and date


def _remove_stale_parts(folder: Path) -> None:
    """Temporary files of stores killed more than ``STALE_PART_S`` ago (a store in progress is younger)."""
    for part in folder.glob("upload-*.part"):
        try:
            if time.time() - part.stat().st_mtime > STALE_PART_S:
                part.unlink()
        except FileNotFoundError:  # its writer finished meanwhile, or another store removed it
            pass


def store_dataset_file(source: Path, display_name: str | None = None) -> DatasetRecord:
    with open(source, "rb") as stream:
        return store_dataset(stream, display_name or Path(source).name)


def checked_dataset_id(dataset_id: str) -> str:
    """A dataset id as the server chose it (24 hex digits); anything else (a path, a URL's junk) is refused."""
    if not isinstance(dataset_id, str) or not re.fullmatch(r"[0-9a-f]{24}", dataset_id):
        raise KeyError(dataset_id)
    return dataset_id


def get_dataset(dataset_id: str) -> DatasetRecord:
    meta = home_dir() / "datasets" / f"{checked_dataset_id(dataset_id)}.json"
    return DatasetRecord(**json.loads(meta.read_text()))


def list_datasets() -> list[DatasetRecord]:
    records = []
    for meta in sorted((home_dir() / "datasets").glob("*.json")):
        records.append(DatasetRecord(**json.loads(meta.read_text())))
    return sorted(records, key=lambda r: -r.added_at)


def copy_samples(sample_dir: Path) -> list[DatasetRecord]:
    """Store the bundled sample CSVs so they are ready to pick."""
    return [store_dataset_file(p) for p in sorted(Path(sample_dir).glob("*.csv"))]


__all__ = ["DatasetRecord", "checked_dataset_id", "copy_samples", "get_dataset", "list_datasets", "store_dataset",
           "store_dataset_file"]
