"""Datasets stored once, by content hash, under server-chosen names."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from kuai.storage.home import home_dir, inside_home

_SUFFIXES = {b"PAR1": ".parquet", b"\x1f\x8b": ".csv.gz"}


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


def store_dataset(content: bytes, display_name: str) -> DatasetRecord:
    digest = hashlib.sha256(content).hexdigest()[:24]
    suffix = next((s for magic, s in _SUFFIXES.items() if content.startswith(magic)), ".csv")
    folder = home_dir() / "datasets"
    path = inside_home(folder / f"{digest}{suffix}")
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    meta = folder / f"{digest}.json"
    if meta.exists():  # stored before: keep its name and date
        return DatasetRecord(**json.loads(meta.read_text()))
    record = DatasetRecord(digest, str(path), _safe_display(display_name), len(content), time.time())
    meta.write_text(json.dumps(asdict(record)))
    return record


def store_dataset_file(source: Path, display_name: str | None = None) -> DatasetRecord:
    return store_dataset(Path(source).read_bytes(), display_name or Path(source).name)


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
