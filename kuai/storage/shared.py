"""The shared location of a scale-out study: a folder every worker reaches (NFS, a mounted volume).

    <root>/datasets/<sha256><suffix>     the data, by content hash: workers need no copy by hand
    <root>/studies/<study>/trials/       each finished trial's out-of-fold predictions (TrialStore)
    <root>/studies/<study>/run/          the finished run: model.onnx, model_card.json, leaderboard.csv, ...

Study names are checked (kuai.storage.studies.valid_study_name) before they become folder names;
datasets are named by their hash only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from kuai.storage.studies import StudyError, valid_study_name
from kuai.storage.trial_store import TrialStore

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class SharedFolder:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    def put_dataset(self, source: Path) -> tuple[str, str]:
        """Copy a data file in once; its SHA-256 and the suffix that tells its format."""
        sha = file_sha256(source)
        suffix = "".join(s for s in source.suffixes[-2:] if len(s) <= 8 and s[1:].isalnum()).lower() or ".csv"
        target = self.root / "datasets" / f"{sha}{suffix}"
        try:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f".{sha}.{os.getpid()}.partial")
                shutil.copyfile(source, partial)
                os.replace(partial, target)
        except PermissionError as exc:
            raise StudyError(f"Cannot write to the shared folder {self.root}: {exc.strerror}. Every worker needs to "
                             "write there.", code="SHARED_UNWRITABLE") from exc
        return sha, suffix

    def dataset(self, sha: str, suffix: str) -> Path:
        """The stored data file, checked against its hash (a changed or partial copy is refused)."""
        if not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)) or "/" in suffix or ".." in suffix:
            raise StudyError("The study names a dataset that is not a content hash.", code="BAD_STUDY")
        path = self.root / "datasets" / f"{sha}{suffix}"
        if not path.is_file():
            raise StudyError(f"The study's data ({sha[:12]}…) is not in the shared location {self.root}; "
                             "give every worker the same --shared folder.", code="DATA_NOT_SHARED")
        if file_sha256(path) != sha:
            raise StudyError(f"The shared copy of the study's data ({path}) does not match its hash.",
                             code="DATA_CHANGED")
        return path

    def study_dir(self, study_name: str) -> Path:
        return self.root / "studies" / valid_study_name(study_name)

    def trials(self, study_name: str) -> TrialStore:
        return TrialStore(self.study_dir(study_name) / "trials")

    def run_dir(self, study_name: str) -> Path:
        return self.study_dir(study_name) / "run"
