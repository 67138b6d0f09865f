"""Inputs that used to end in a traceback (exit 1, ``[INTERNAL]``): each is now a coded line, or simply works."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_cli import KUAI, kuai
from tests.cli.test_output_folders import one_error_line
from tests.conftest import SAMPLES, ReliabilityLedger


def test_parquet_with_records_and_lists_is_read_as_text(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    path = tmp_path / "nested.parquet"
    n = 60
    pd.DataFrame({"amount": np.arange(n, dtype=float), "meta": [{"k": i % 3, "tag": "a"} for i in range(n)],
                  "codes": [[i % 2, 7] for i in range(n)], "blob": [b"\x00\xffraw" for _ in range(n)],
                  "label": np.where(np.arange(n) % 2, "yes", "no")}).to_parquet(path)
    result = kuai("profile", str(path), "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    import json

    profile = json.loads(result.stdout)
    notes = " ".join(profile["reading"]["notes"])
    assert "'meta'" in notes and "'codes'" in notes and "'blob'" in notes
    assert profile["target"]["suggested"] == "label"
    reliability.bad_input("read")


def test_a_closed_pipe_ends_the_output_quietly(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    process = subprocess.Popen([KUAI, "profile", str(SAMPLES / "customer_churn.csv")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(os.environ, KUAI_HOME=str(tmp_path)))
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and b"rows" in first
    assert stderr == "", stderr
    reliability.bad_input("read")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_predict_out_is_checked_before_scoring(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    """A missing folder, a folder, the data itself, a file of the user's: coded, and nothing is touched. The model
    is not even read (none is needed here): the checks come first."""
    data = tmp_path / "new.csv"
    data.write_text("a,b\n1,2\n")
    mine = tmp_path / "results.csv"
    mine.write_text("my,own\n1,2\n")
    before = {p: _digest(p) for p in (data, mine)}
    cases = {str(tmp_path / "missing" / "p.csv"): "OUT_FOLDER_MISSING", str(tmp_path): "OUT_IS_A_FOLDER",
             str(data): "OUT_EXISTS", str(mine): "OUT_EXISTS"}
    for out, code in cases.items():
        result = kuai("predict", str(tmp_path / "no-model"), str(data), "--out", out, home=tmp_path / "home")
        assert result.returncode == 2 and one_error_line(result.stderr, code), (out, result.stderr)
        reliability.bad_input("coded")
    lost = sum(_digest(p) != digest for p, digest in before.items())
    assert lost == 0 and not (tmp_path / "missing").exists()
    reliability.user_files_checked(lost=lost)


def test_an_existing_out_is_replaced_only_with_overwrite_and_never_through_a_link(
        tmp_path: Path, reliability: ReliabilityLedger) -> None:
    """Predictions written earlier may have been edited since: whatever a file holds, it is replaced only with
    --overwrite; a link (dangling, or to a file) is refused even then, and nothing is created where it points."""
    from kuai.app.services.prediction_file import check_predictions_path, write_predictions_file
    from kuai.engine import SchemaError

    predictions = pd.DataFrame({"prediction": ["yes"], "proba_no": [0.2], "proba_yes": [0.8]})
    earlier = tmp_path / "p.csv"
    write_predictions_file(predictions, check_predictions_path(earlier, reading=()))
    edited = earlier.read_text() + "my note\n"
    earlier.write_text(edited)
    with pytest.raises(SchemaError) as refused:
        check_predictions_path(earlier, reading=())
    assert refused.value.code == "OUT_EXISTS" and "--overwrite" in str(refused.value)
    assert earlier.read_text() == edited
    write_predictions_file(predictions, check_predictions_path(earlier, reading=(), overwrite=True), overwrite=True)
    assert pd.read_csv(earlier).equals(predictions)
    outside = tmp_path / "elsewhere" / "target.csv"
    outside.parent.mkdir()
    dangling, to_a_file = tmp_path / "dangling.csv", tmp_path / "linked.csv"
    dangling.symlink_to(outside)
    to_a_file.symlink_to(earlier)
    for link in (dangling, to_a_file):
        for overwrite in (False, True):
            with pytest.raises(SchemaError) as refused:
                check_predictions_path(link, reading=(), overwrite=overwrite)
            assert refused.value.code == "OUT_IS_A_LINK"
            reliability.bad_input("coded")
    assert not outside.exists() and pd.read_csv(earlier).equals(predictions)
    reliability.user_files_checked(lost=0)


def test_a_file_that_appears_while_scoring_is_not_replaced(tmp_path: Path) -> None:
    from kuai.app.services.prediction_file import check_predictions_path, write_predictions_file
    from kuai.engine import SchemaError

    out = check_predictions_path(tmp_path / "p.csv", reading=())
    out.write_text("mine\n")  # created between the check and the write
    with pytest.raises(SchemaError) as refused:
        write_predictions_file(pd.DataFrame({"prediction": [1.0]}), out)
    assert refused.value.code == "OUT_EXISTS" and out.read_text() == "mine\n"
    assert [path.name for path in tmp_path.iterdir()] == ["p.csv"]  # no partial file left beside it


def test_predict_refuses_a_dangling_link_as_out_before_reading_anything(tmp_path: Path,
                                                                        reliability: ReliabilityLedger) -> None:
    data = tmp_path / "new.csv"
    data.write_text("a,b\n1,2\n")
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "outside.csv")
    result = kuai("predict", str(tmp_path / "no-model"), str(data), "--out", str(link), "--overwrite",
                  home=tmp_path / "home")
    assert result.returncode == 2 and one_error_line(result.stderr, "OUT_IS_A_LINK"), result.stderr
    assert not (tmp_path / "outside.csv").exists() and link.is_symlink()
    reliability.bad_input("coded")


@pytest.mark.parametrize("port", ["70000", "0", "http"])
def test_app_refuses_a_port_that_is_not_one(port: str, tmp_path: Path, reliability: ReliabilityLedger) -> None:
    result = kuai("app", "--port", port, home=tmp_path)
    assert result.returncode == 2 and one_error_line(result.stderr, "USAGE"), result.stderr
    reliability.bad_input("coded")


def test_app_refuses_a_port_in_use(tmp_path: Path, reliability: ReliabilityLedger) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kuai("app", "--port", str(port), home=tmp_path, timeout=60)
    assert result.returncode == 2 and one_error_line(result.stderr, "PORT_IN_USE"), result.stderr
    assert str(port) in result.stderr
    reliability.bad_input("coded")


def test_a_warning_past_the_filter_goes_to_the_log_not_the_terminal(tmp_path: Path) -> None:
    """scikit-learn's thread workers reset the process's warning filters for a moment (scikit-learn #32631): a
    warning raised then once reached the user's terminal at the end of an hour's training."""
    import sys

    code = ("from kuai.app import cli; cli._configure_logging(); import warnings; warnings.resetwarnings(); "
            "warnings.warn('a stray warning from a worker thread')")
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"))
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "stray" not in done.stderr and "stray" not in done.stdout
    assert "a stray warning from a worker thread" in (tmp_path / "home" / "logs" / "kuai.log").read_text()
