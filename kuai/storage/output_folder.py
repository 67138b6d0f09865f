"""A training's output folder belongs to the user: Kuai writes only into a folder it may use, and one at a time.

``claim_output_folder`` is called before a training reads any data. It accepts

* a folder that does not exist yet, or an empty one: Kuai makes it a run folder (a marker file with a run id);
* a run folder Kuai recognises (its marker), with ``resume`` (continue that training) or ``overwrite`` (start a new
  one there: Kuai then removes the files *it* wrote, by their names, and refuses if any other file is present);

and refuses anything else with ``OUT_NOT_EMPTY``, naming some of the files it found and what to do. A lock
(``flock`` on a file in the folder, held by the process and inherited through its ``exec``s) makes a second
training into the same folder fail at once with ``OUT_IN_USE``; the kernel releases it when the process ends, so
a killed training never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kuai.engine.atomic import PROBE_PATTERN, refuse_link, write_atomically, write_probe
from kuai.engine.errors import EngineError

MARKER_FILE = ".kuai-run.json"
LOCK_FILE = ".kuai-run.lock"
# Every name a training, an export of another model or the MLflow side process writes at the top of its folder.
# ``--overwrite`` removes these and nothing else; a test checks that a real training writes nothing outside them.
STUDY_FILE = "optuna.db"
KUAI_OUTPUTS = (
    MARKER_FILE, LOCK_FILE, PROBE_PATTERN, ".kuai-tail-*.pkl", "*.partial", "*.tmp",
    "model.onnx", "model_card.json", "leaderboard.csv", "report.html", "explanation.json", "evaluation.json",
    "trials.json", "oof_by_model.npz", "threshold.json", "README.md", "score.py", "score.js", "package.json",
    "package-lock.json", "training_options.json", "run_state.json", "mlflow_spool*", "optuna.db", "optuna.db-*",
    "trials", "models",
)
# What Kuai writes inside its own sub-folders: the finished trials' predictions and the fold models kept on disk;
# the exports of other leaderboard models (a folder each, of KUAI_OUTPUTS names) and their process files.
_INSIDE = {"trials": ("trial-*", "spill-*", "*.partial", "*.tmp"),
           "models": (".*.pid", ".*.export.log", "*.partial", "*.tmp")}
_WORK = ("optuna.db", "trials", "model.onnx", "model_card.json", "models", "leaderboard.csv")
_SHOWN = 3


class OutputFolderError(EngineError, ValueError):
    """The output folder cannot be used for this training."""

    code = "OUT_NOT_EMPTY"


@dataclass
class OutputFolder:
    """A claimed output folder; the lock is held while this object lives (or until ``release``)."""

    path: Path
    run_id: str
    _lock_fd: int | None
    created: tuple[Path, ...] = ()  # the folders the claim made, the outermost first
    replaced: str = ""  # what the progress says when the claim removed an earlier training's files ("": none)

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the last descriptor releases the flock
            self._lock_fd = None

    def abandon(self) -> None:
        """A training refused before it began (its input): remove what Kuai wrote here, by name, and the folders the
        claim made when nothing else is in them; the user's folder is left as it was given."""
        _remove_own_outputs(self.path, [entry.name for entry in self.path.iterdir() if is_kuai_output(entry.name)])
        self.release()
        for folder in reversed(self.created):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def folder_study_url(folder: Path) -> str:
    """The SQLite study of the training in ``folder`` (its trials survive a kill, and a resume finds them)."""
    return f"sqlite:///{folder / STUDY_FILE}"


def is_kuai_output(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in KUAI_OUTPUTS)


def is_run_folder(folder: Path) -> bool:
    """A folder a Kuai training wrote: its marker, or (folders of earlier versions) its options and state files."""
    return (folder / MARKER_FILE).is_file() or (
        (folder / "training_options.json").is_file() and (folder / "run_state.json").is_file())


def claim_output_folder(folder: Path, *, resume: bool = False, overwrite: bool = False) -> OutputFolder:
    """Make ``folder`` this process's output folder, or raise ``OutputFolderError`` (nothing is changed then).

    Kuai never writes through a symbolic link: ``folder`` itself may not be one (a link to a folder elsewhere, or to
    nothing yet, would have Kuai write or create files where the link points), and a link inside a run folder is
    not Kuai's (it makes none): ``overwrite`` removes one named like Kuai's outputs as a link, never what it points
    to; ``resume`` refuses to write beside one.
    """
    refuse_link(folder, "give the folder itself, or a new folder.")
    folder = folder.expanduser().resolve()
    created = tuple(parent for parent in (*reversed(folder.parents), folder) if not parent.exists())
    _make_folder(folder)
    lock_existed = (folder / LOCK_FILE).exists()
    lock_fd = _lock(folder)
    try:
        entries = sorted(entry.name for entry in folder.iterdir()
                         if entry.name != LOCK_FILE and not fnmatch.fnmatchcase(entry.name, PROBE_PATTERN))
        is_run = is_run_folder(folder)
        if resume:
            if not is_run:
                raise OutputFolderError(f"'{folder}' holds no Kuai training to resume. Give --resume the folder a "
                                        "training wrote (its --out).", code="NOTHING_TO_RESUME")
            links = _links(folder, entries)
            if links:
                raise OutputFolderError(
                    f"'{folder / links[0]}' is a symbolic link (to '{os.readlink(folder / links[0])}'), and Kuai "
                    "makes none: it does not write beside a link in its run folder. Remove the link and try again.",
                    code="OUT_IS_A_LINK")
            _write_holder(lock_fd)
            return OutputFolder(folder, _run_id(folder), lock_fd, created)
        if entries:
            foreign = entries if not is_run else _foreign(folder, entries)
            if foreign:
                raise _not_empty(folder, foreign, is_run=is_run)
            if not overwrite and _holds_work(entries):
                raise _earlier_run(folder)
        _write_holder(lock_fd)  # the claim stands: before the removal, which may take a while
        _remove_own_outputs(folder, entries)  # --overwrite on a run folder that holds only Kuai's own files
        run_id = uuid.uuid4().hex[:12]
        _write_marker(folder, run_id)
        return OutputFolder(folder, run_id, lock_fd, created, replaced=_replaced_note(folder, entries))
    except BaseException:
        if not lock_existed:  # refused: leave the user's folder as it was
            (folder / LOCK_FILE).unlink(missing_ok=True)
        os.close(lock_fd)
        raise


def _replaced_note(folder: Path, removed: list[str]) -> str:
    """What a claim that removed an earlier training's files says (nothing is replaced silently)."""
    files = [name for name in removed if name != MARKER_FILE]
    if not files:
        return ""
    if _holds_work(files):
        return f"Replaced the earlier training in '{folder}' (--overwrite): its {len(files)} file(s) were removed."
    return (f"Started over in '{folder}': the earlier training there had not finished a model; its {len(files)} "
            "file(s) were removed.")


def _make_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"'{folder}' is a file, not a folder. Give --out a new or empty folder.",
                                code="OUT_NOT_A_FOLDER")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_probe(folder)  # a new file of its own, never one that was there
    except OSError as exc:
        raise OutputFolderError(f"Cannot write to the output folder '{folder}': {exc.strerror}. Choose a folder "
                                "you can write to.", code="BAD_OUTPUT_DIR") from exc


def _lock(folder: Path) -> int:
    """An exclusive lock on the folder's lock file, kept open across ``exec`` (the training's tail runs there)."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputFolderError(f"Cannot write to the output folder '{folder}': {exc.strerror}.",
                                code="BAD_OUTPUT_DIR") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise OutputFolderError(f"Another training is writing to '{folder}'{holder}. Wait for it to finish, or "
                                "choose another folder.", code="OUT_IN_USE") from None
    os.set_inheritable(fd, True)
    return fd


def _write_holder(fd: int) -> None:
    """Who holds the lock, for a training refused with ``OUT_IN_USE`` meanwhile; written once the claim succeeds (a
    refused claim leaves the lock file as it was)."""
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode())


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        since = time.strftime("%H:%M:%S", time.localtime(float(info["since"])))
        return f" (process {int(info['pid'])}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _run_id(folder: Path) -> str:
    try:
        return str(json.loads((folder / MARKER_FILE).read_text())["run_id"])
    except (OSError, ValueError, KeyError, TypeError):  # a folder of an earlier version
        run_id = uuid.uuid4().hex[:12]
        _write_marker(folder, run_id)
        return run_id


def _write_marker(folder: Path, run_id: str) -> None:
    write_atomically(folder / MARKER_FILE, json.dumps({
        "run_id": run_id, "created_at": time.time(),
        "note": "Written by Kuai: this folder holds a Kuai training's outputs."}))


def _holds_work(names: list[str]) -> bool:
    """Whether an earlier training here got as far as a finished trial or an output (else it can start over)."""
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in _WORK)


def _foreign(folder: Path, names: list[str]) -> list[str]:
    """The entries of a run folder that Kuai did not write, its own sub-folders' included ('trials/notes.txt')."""
    foreign = [name for name in names if not is_kuai_output(name)]
    for name in names:
        path = folder / name
        if name in _INSIDE and path.is_dir() and not path.is_symlink():
            for entry in sorted(path.iterdir()):
                if any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in _INSIDE[name]):
                    continue
                if name == "models" and entry.is_dir() and not entry.is_symlink():  # an exported model's files
                    foreign += [f"{name}/{entry.name}/{inner.name}" for inner in sorted(entry.iterdir())
                                if not is_kuai_output(inner.name) or (inner.is_dir() and not inner.is_symlink())]
                else:
                    foreign.append(f"{name}/{entry.name}")
    return foreign


def _links(folder: Path, names: list[str]) -> list[str]:
    """The symbolic links among a run folder's entries and in its own sub-folders (Kuai makes none)."""
    links = [name for name in names if (folder / name).is_symlink()]
    for name in _INSIDE:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            links += [str(entry.relative_to(folder)) for entry in sorted(path.rglob("*")) if entry.is_symlink()]
    return links



def _remove_own_outputs(folder: Path, names: list[str]) -> None:
    """Kuai's own entries, by name: a link is removed as a link (never followed); a folder with everything in it
    (``shutil.rmtree`` removes the links it meets, never what they point to)."""
    for name in names:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _listing(names: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _not_empty(folder: Path, foreign: list[str], *, is_run: bool) -> OutputFolderError:
    where = "beside an earlier Kuai training " if is_run else ""
    return OutputFolderError(
        f"'{folder}' already holds files that Kuai did not write {where}({_listing(foreign)}). Kuai never deletes "
        "or overwrites your files: give --out a new or empty folder.", code="OUT_NOT_EMPTY")


def _earlier_run(folder: Path) -> OutputFolderError:
    return OutputFolderError(
        f"'{folder}' holds an earlier Kuai training. Continue it with 'kuai train --resume {folder}', replace it "
        "with --overwrite, or give --out a new folder.", code="OUT_NOT_EMPTY")
