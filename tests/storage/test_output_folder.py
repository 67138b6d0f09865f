"""Output folders are the user's: what ``claim_output_folder`` accepts, refuses and never touches."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kuai.engine.errors import EngineError
from kuai.storage import OutputFolderError, claim_output_folder, is_kuai_output
from kuai.storage.output_folder import LOCK_FILE, MARKER_FILE
from tests.conftest import ReliabilityLedger


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (Kuai's marker and lock aside) and a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (MARKER_FILE, LOCK_FILE)}


def lost(before: dict[str, str], folder: Path) -> int:
    after = snapshot(folder)
    return sum(1 for name, digest in before.items() if after.get(name) != digest)


def user_folder(tmp_path: Path) -> Path:
    """A folder as the tester left it: notes, a database and files whose names Kuai also writes."""
    folder = tmp_path / "work"
    (folder / "trials").mkdir(parents=True)
    (folder / "trials" / "notes.txt").write_text("my notes")
    (folder / "optuna.db").write_bytes(b"SQLite format 3\x00 not Kuai's")
    (folder / "README.md").write_text("# my project")
    (folder / "score.py").write_text("print('mine')")
    return folder


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_of_the_users_is_refused_and_untouched(tmp_path: Path, overwrite: bool,
                                                        reliability: ReliabilityLedger) -> None:
    folder = user_folder(tmp_path)
    before = snapshot(folder)
    with pytest.raises(OutputFolderError) as caught:
        claim_output_folder(folder, overwrite=overwrite)
    assert caught.value.code == "OUT_NOT_EMPTY"
    assert "never deletes or overwrites" in str(caught.value) and "'README.md'" in str(caught.value)
    assert lost(before, folder) == 0 and sorted(p.name for p in folder.iterdir()) == \
        ["README.md", "optuna.db", "score.py", "trials"]  # not even a lock file left behind
    reliability.bad_input("coded")
    reliability.user_files_checked(lost=lost(before, folder))


def test_new_and_empty_folders_become_run_folders(tmp_path: Path) -> None:
    for folder in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        if folder.name == "empty":
            folder.mkdir()
        with claim_output_folder(folder) as claimed:
            assert claimed.path == folder.resolve() and len(claimed.run_id) == 12 and claimed.replaced == ""
            assert (folder / MARKER_FILE).is_file()


def test_an_earlier_run_needs_resume_or_overwrite(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    folder = tmp_path / "run"
    with claim_output_folder(folder) as first:
        (folder / "model.onnx").write_bytes(b"model")
        (folder / "trials").mkdir()
        (folder / "trials" / "trial-000000.npy").write_bytes(b"oof")
    with pytest.raises(OutputFolderError) as caught:
        claim_output_folder(folder)
    assert caught.value.code == "OUT_NOT_EMPTY" and "--resume" in str(caught.value)
    reliability.bad_input("coded")
    with claim_output_folder(folder, resume=True) as resumed:
        assert resumed.run_id == first.run_id and (folder / "trials" / "trial-000000.npy").exists()
    with claim_output_folder(folder, overwrite=True) as replaced:
        assert replaced.run_id != first.run_id
        assert replaced.replaced.startswith(f"Replaced the earlier training in '{folder.resolve()}' (--overwrite)")
        assert sorted(p.name for p in folder.iterdir()) == sorted([MARKER_FILE, LOCK_FILE])


def test_overwrite_keeps_a_user_file_left_in_a_run_folder(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    folder = tmp_path / "run"
    claim_output_folder(folder).release()
    (folder / "model.onnx").write_bytes(b"model")
    (folder / "my_analysis.ipynb").write_text("{}")
    before = snapshot(folder)
    with pytest.raises(OutputFolderError, match="my_analysis.ipynb") as caught:
        claim_output_folder(folder, overwrite=True)
    assert caught.value.code == "OUT_NOT_EMPTY" and lost(before, folder) == 0
    reliability.bad_input("coded")
    reliability.user_files_checked(lost=lost(before, folder))


def test_resume_refuses_a_folder_that_holds_no_training(tmp_path: Path) -> None:
    with pytest.raises(OutputFolderError) as caught:
        claim_output_folder(user_folder(tmp_path), resume=True)
    assert caught.value.code == "NOTHING_TO_RESUME"


def test_a_file_is_not_an_output_folder(tmp_path: Path) -> None:
    path = tmp_path / "model.csv"
    path.write_text("a,b\n")
    with pytest.raises(OutputFolderError) as caught:
        claim_output_folder(path)
    assert caught.value.code == "OUT_NOT_A_FOLDER" and path.read_text() == "a,b\n"


def test_a_second_claim_fails_at_once_while_the_first_holds(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    folder = tmp_path / "run"
    with claim_output_folder(folder):
        with pytest.raises(OutputFolderError) as caught:
            claim_output_folder(folder, resume=True)
        assert caught.value.code == "OUT_IN_USE" and f"process {os.getpid()}" in str(caught.value)
    with claim_output_folder(folder, resume=True):  # released with the first
        pass
    reliability.bad_input("coded")


def test_the_claim_survives_exec_and_ends_with_the_process(tmp_path: Path) -> None:
    """A training's tail runs in the process it ``exec``s: the lock goes with it, and is gone when it exits."""
    folder = tmp_path / "run"
    child = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from kuai.storage import claim_output_folder
        claimed = claim_output_folder(Path({str(folder)!r}))
        os.execv(sys.executable, [sys.executable, "-c", "import sys; sys.stdin.read()"])
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 120  # the child imports the engine first: slow on a busy machine
        while not (folder / MARKER_FILE).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(OutputFolderError) as caught:
            claim_output_folder(folder, resume=True)
        assert caught.value.code == "OUT_IN_USE"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    with claim_output_folder(folder, resume=True):
        pass


def test_every_name_kuai_writes_is_listed() -> None:
    for name in ("model.onnx", "trials", "optuna.db-journal", "mlflow_spool.done", ".kuai-tail-ab12.pkl",
                 "models", "training_options.partial"):
        assert is_kuai_output(name), name
    for name in ("notes.txt", "data.csv", "model.onnx.bak", "my_trials"):
        assert not is_kuai_output(name), name


def test_a_training_that_stopped_before_its_first_trial_starts_over(tmp_path: Path) -> None:
    """Bad data, a typo in --target: nothing was learned, so the same command may simply be run again."""
    folder = tmp_path / "run"
    with claim_output_folder(folder):
        (folder / "run_state.json").write_text("{}")
        (folder / "mlflow_spool.json").write_text("{}")
    with claim_output_folder(folder) as again:
        assert not (folder / "run_state.json").exists()
        assert again.replaced == (f"Started over in '{folder.resolve()}': the earlier training there had not "
                                  "finished a model; its 2 file(s) were removed.")  # said, not silent
    with claim_output_folder(folder) as clean:  # only the marker: nothing to say
        assert clean.replaced == ""


@pytest.mark.parametrize("resume", [False, True])
def test_an_out_that_is_a_link_is_refused_and_nothing_is_made_where_it_points(
        tmp_path: Path, resume: bool, reliability: ReliabilityLedger) -> None:
    """``train --out LINK`` (dangling, or to a folder): refused before the path is resolved, so neither the training
    (which resolves ``--out``) nor the claim follows it; nothing is created at the link's target."""
    from kuai.app.services.training import TrainOptions, run_training

    existing = tmp_path / "existing"
    existing.mkdir()
    for target in (tmp_path / "outside_dir", existing):
        link = tmp_path / f"link_to_{target.name}"
        link.symlink_to(target)
        with pytest.raises(EngineError) as caught:
            run_training(TrainOptions(data_path=tmp_path / "data.csv", time_budget_s=5, resume=resume), link)
        assert caught.value.code == "OUT_IS_A_LINK" and str(target) in str(caught.value)
        with pytest.raises(EngineError) as caught:
            claim_output_folder(link, resume=resume, overwrite=True)
        assert caught.value.code == "OUT_IS_A_LINK"
        reliability.bad_input("coded")
    assert not (tmp_path / "outside_dir").exists() and list(existing.iterdir()) == []


def test_the_write_probe_never_removes_a_file_that_was_there(tmp_path: Path) -> None:
    """The probe wrote and removed '.kuai-write-test': a user's file of that name went with it, even from a folder
    the claim then refused (a blind tester's find). Its file now gets a name nothing has; and a refused claim
    leaves the lock file of an earlier training as it was."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / ".kuai-write-test").write_text("precious")
    (mine / "a.txt").write_text("a")
    with pytest.raises(OutputFolderError) as refused:
        claim_output_folder(mine)
    assert refused.value.code == "OUT_NOT_EMPTY" and "'.kuai-write-test'" in str(refused.value)
    assert (mine / ".kuai-write-test").read_text() == "precious"
    assert sorted(p.name for p in mine.iterdir()) == [".kuai-write-test", "a.txt"]  # no probe or lock left
    run = tmp_path / "run"
    claim_output_folder(run).release()
    (run / "model.onnx").write_bytes(b"onnx")  # a finished model: refused without --overwrite
    lock = (run / LOCK_FILE).read_bytes()
    with pytest.raises(OutputFolderError):
        claim_output_folder(run)
    assert (run / LOCK_FILE).read_bytes() == lock
    claimed = claim_output_folder(run, overwrite=True)
    assert (run / LOCK_FILE).read_bytes() != lock and str(os.getpid()).encode() in (run / LOCK_FILE).read_bytes()
    claimed.release()
