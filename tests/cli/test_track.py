"""`kuai track [DIR]`: log the runs whose MLflow logging failed; a coded line for each that still cannot be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kuai.app.cli import main
from kuai.storage import Spool, write_spool
from kuai.storage.sidecar import HTTP_LIMITS
from tests.servers import free_port


def test_track_says_why_a_run_still_cannot_be_logged_and_exits_1(kuai_home: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 reliability) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")  # closed: nothing listens
    for name, value in HTTP_LIMITS.items():  # the command sets them where unset: restored after the test
        monkeypatch.setenv(name, value)
    out = tmp_path / "run"
    out.mkdir()
    write_spool(out / "mlflow_spool.json", Spool(run_name="t", status="finished"))
    assert main(["track", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"kuai: error [TRACKING_FAILED] The run in {out} was not logged")
    assert "could not be reached" in err[0] and "Check that the tracking server runs" in err[0]
    assert json.loads((out / "mlflow_spool.done").read_text())["cause"] == "unreachable"
    reliability.bad_input("coded")

    assert main(["track", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.startswith("kuai: error [USAGE]")
    reliability.bad_input("coded")


def test_track_with_nothing_waiting_says_so(kuai_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["track"]) == 0
    assert capsys.readouterr().out.startswith("Nothing to log")
