"""The map of Kuai's processes (docs/processes.md): each process Kuai's code runs is started by naming a module of
kuai/app/processes/, which has a ``main()`` and a docstring saying who starts it, what it holds, what it hands back
and how it ends. No process is started here: the command lines are captured."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kuai.app.processes

PROCESSES = Path(kuai.app.processes.__file__).parent
SECTIONS = ("Started by:", "Holds:", "Hands back:", "Ends:")


def test_each_entry_module_has_a_main_and_says_who_starts_it() -> None:
    names = sorted(path.stem for path in PROCESSES.glob("*.py") if path.stem != "__init__")
    assert {"train", "search", "tail", "run_worker", "export_model", "reader", "scoring_sandbox"} <= set(names)
    process_map = (PROCESSES.parents[2] / "docs" / "processes.md").read_text(encoding="utf-8")
    for name in names:
        module = importlib.import_module(f"kuai.app.processes.{name}")
        missing = [section for section in SECTIONS if section not in (module.__doc__ or "")]
        assert not missing and callable(module.main), (name, missing)
        assert f"kuai.app.processes.{name}" in process_map, f"{name} is not on docs/processes.md's map"


def test_the_app_starts_its_children_by_their_entry_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.app.services import exports, isolated, jobs, sandbox
    from kuai.app.services.outputs import MODEL_OOFS_FILE
    from kuai.storage import RunConfig

    monkeypatch.setenv("KUAI_HOME", str(tmp_path / "home"))
    commands: list[list[str]] = []

    class Started:
        pid = 123456789  # no such process: the run stays as recorded

    def popen(command: list[str], **_: Any) -> Started:
        commands.append(command)
        return Started()

    monkeypatch.setattr(subprocess, "Popen", popen)
    run = jobs.start_job(RunConfig(dataset_id="d", dataset_name="d.csv", target="y"))
    jobs.outputs_dir(run.run_id).mkdir()
    np.savez(jobs.outputs_dir(run.run_id) / MODEL_OOFS_FILE, lightgbm_0=np.zeros(3))
    exports.start_export(run.run_id, "lightgbm_0")
    assert [command[1:3] for command in commands] == [["-m", "kuai.app.processes.run_worker"],
                                                      ["-m", "kuai.app.processes.export_model"]]
    assert commands[0][3:] == [run.run_id] and commands[1][4:] == ["--model", "lightgbm_0"]
    for module in (isolated.READER_MODULE, sandbox.SANDBOX_MODULE):
        assert module.startswith("kuai.app.processes.") and callable(importlib.import_module(module).main)


def test_the_train_parent_loads_no_data_library() -> None:
    """``kuai train``'s parent holds ~20 MB through the whole command (docs/processes.md): importing it, and the
    reading options it passes on, must not load pandas, pyarrow or numpy (a package ``__init__`` that imports its
    reader eagerly once made it 110 MB)."""
    import subprocess
    import sys

    code = ("import sys, kuai.app.cli, kuai.app.processes.train; from kuai.engine import ReadingOptions; "
            "from kuai.app.cli_arguments import build_parser; build_parser().parse_args(['train', 'x.csv']); "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'sklearn', 'importlib.metadata') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"  # importlib.metadata: 4-5 MB, for a --version nobody asked for


def test_version_is_printed_when_asked() -> None:
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run([str(Path(sys.executable).parent / "kuai"), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("kuai ") and not result.stderr


def test_a_stop_asked_as_a_child_ends_is_not_lost(tmp_path: Path) -> None:
    """A blind tester's Ctrl-C reached the search child as it was ending (its result handed over, the process
    exiting): the child ended with 0, and the command went on to the export and finished. A signal the parent
    passed on now stops the command even when the child ended normally (fault injection: a child that ignores it)."""
    import os
    import signal
    import sys
    import textwrap

    (tmp_path / "ending_child.py").write_text(textwrap.dedent("""
        import signal, sys, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a process in its last steps: it ends with 0 all the same
        print("ready", flush=True)
        time.sleep(1.5)
    """))
    driver = textwrap.dedent("""
        from kuai.app.processes.train import run_child
        code = run_child(["ending_child"], key="00")
        print("went on after", code, flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", driver], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert "went on after" not in out
    assert process.returncode != 0 and "KeyboardInterrupt" in err


def test_a_process_knows_how_long_ago_it_started() -> None:
    """``process_age_s``: what the search child measures of its own start, the export child's estimate."""
    import sys

    code = "import time; time.sleep(1.0); from kuai.app.processes import process_age_s; print(process_age_s())"
    age = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 1.0 <= age < 30.0
