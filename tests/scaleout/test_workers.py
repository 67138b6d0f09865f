"""One study across several workers on a real PostgreSQL: trials add up, a killed worker loses nothing finished,
a database restart is survived, and the refit, ensemble and export happen once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pytest

from tests.postgres import PostgresServer
from tests.servers import free_port, invoke_served_model, wait_for_http

KUAI = str(Path(sys.executable).parent / "kuai")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
BUDGET = 30.0


def _start(*args: str, home: Path, grace_s: int = 20) -> subprocess.Popen[str]:
    env = dict(os.environ, KUAI_HOME=str(home), KUAI_TRIAL_GRACE_S=str(grace_s))
    return subprocess.Popen([KUAI, *args], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _train(postgres: PostgresServer, shared: Path, out: Path, home: Path, study: str, budget: float = BUDGET,
           **kw: Any) -> Any:
    return _start("train", str(SAMPLES / "customer_churn.csv"), "--time-budget", str(budget), "--storage",
                  postgres.url, "--shared", str(shared), "--study", study, "--out", str(out), home=home, **kw)


def _worker(postgres: PostgresServer, shared: Path, home: Path, study: str, **kw: Any) -> Any:
    return _start("worker", "--storage", postgres.url, "--shared", str(shared), "--study", study, "--wait", "30",
                  home=home, **kw)


def _trials(postgres: PostgresServer, study: str) -> list[optuna.trial.FrozenTrial]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return optuna.load_study(study_name=study, storage=postgres.url).get_trials(deepcopy=False)
    except KeyError:  # not created yet
        return []


def _wait_for(predicate: Any, timeout_s: float) -> None:
    until = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < until, "timed out"
        time.sleep(0.2)


def _ran(stdout: str) -> tuple[str, int]:
    """The worker's id and how many trials it says it ran: 'worker ID joined …' … 'worker ID: ran N trials; …'"""
    worker = stdout.split("worker ", 1)[1].split(" joined", 1)[0]
    return worker, int(stdout.split(": ran ")[1].split(" trials")[0])


def _is(worker_attr: object, process: subprocess.Popen[str]) -> bool:
    """Whether a trial's worker id (host:pid:token) names this process."""
    return str(worker_attr).split(":")[1:2] == [str(process.pid)]


def _leaderboard_models(out: Path) -> set[str]:
    return {line.split(",")[1] for line in (out / "leaderboard.csv").read_text().splitlines()[1:]}


@dataclass
class SharedRun:
    shared: Path
    out: Path
    study: str
    wall_s: float
    train: subprocess.CompletedProcess[str]
    worker: subprocess.CompletedProcess[str]
    env: dict[str, str]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on loopback, as a team would share one."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}", "--artifacts-destination", str(root / "artifacts")],
        env=dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{uri}/health", server, timeout_s=90)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def shared_run(postgres: PostgresServer, mlflow_server: str, tmp_path_factory: pytest.TempPathFactory) -> SharedRun:
    """`kuai train --storage` and one `kuai worker` on the same study, logging to the MLflow server."""
    root = tmp_path_factory.mktemp("two-workers")
    shared, out, home, study = root / "shared", root / "out", root / "home", "two-workers"
    os.environ["MLFLOW_TRACKING_URI"], previous = mlflow_server, os.environ.get("MLFLOW_TRACKING_URI")
    try:
        worker = _worker(postgres, shared, home, study)  # waits for the study to exist, then joins
        started = time.monotonic()
        train = _train(postgres, shared, out, home, study)
        train_out, train_err = train.communicate(timeout=BUDGET + 60)
        wall = time.monotonic() - started
        worker_out, worker_err = worker.communicate(timeout=60)
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI")
        if previous is not None:
            os.environ["MLFLOW_TRACKING_URI"] = previous
    return SharedRun(shared=shared, out=out, study=study, wall_s=wall,
                     train=subprocess.CompletedProcess(train.args, train.returncode, train_out, train_err),
                     worker=subprocess.CompletedProcess(worker.args, worker.returncode, worker_out, worker_err),
                     env=dict(os.environ, KUAI_HOME=str(home), MLFLOW_TRACKING_URI=mlflow_server))


def test_two_workers_share_one_study(shared_run: SharedRun, postgres: PostgresServer) -> None:
    run, study = shared_run, shared_run.study
    assert run.train.returncode == 0, run.train.stderr[-2000:]
    assert run.worker.returncode == 0, run.worker.stderr[-2000:]
    assert run.wall_s <= BUDGET + max(5.0, 0.1 * BUDGET) + 3.0  # + interpreter start-up

    waiting = optuna.trial.TrialState.WAITING  # enqueued configurations nobody reached before the deadline
    trials = [t for t in _trials(postgres, study) if t.state is not waiting]
    by_worker: dict[str, int] = {}
    for trial in trials:
        by_worker[trial.user_attrs.get("worker", "?")] = by_worker.get(trial.user_attrs.get("worker", "?"), 0) + 1
    assert len(by_worker) == 2 and min(by_worker.values()) >= 2, by_worker  # both did real work
    worker_id, ran = _ran(run.worker.stdout)
    assert by_worker[worker_id] == ran  # what the worker says it ran is what the study holds
    assert sum(by_worker.values()) == len(trials)  # every trial was run by one of the two: the count adds up
    assert len({t.number for t in trials}) == len(trials)

    complete = [t for t in trials if t.state is optuna.trial.TrialState.COMPLETE]
    names = {f"{t.params['family']}_{t.number}" for t in complete}
    assert names <= _leaderboard_models(run.out)  # the ensemble and leaderboard saw both workers' trials
    trial_files = sorted((run.shared / "studies" / study / "trials").glob("trial-*.npy"))
    assert len(trial_files) >= len(complete)

    # the refit, ensemble and export happened once, and the run is the same one in --out and the shared folder
    attrs = optuna.load_study(study_name=study, storage=postgres.url).user_attrs
    assert attrs["kuai.status"] == "finished" and attrs["kuai.finisher"]
    assert ("finished it" in run.worker.stdout) == (attrs["kuai.finisher"] == worker_id)
    finished = run.shared / "studies" / study / "run"
    assert (finished / "model.onnx").read_bytes() == (run.out / "model.onnx").read_bytes()
    card = json.loads((run.out / "model_card.json").read_text())
    assert card["parity"]["max_rel_diff"] < 1e-5 and card["cv_score"] > 0.75
    # the data travelled by content hash: one copy in the shared folder, named by its SHA-256
    (stored,) = (run.shared / "datasets").iterdir()
    from kuai.storage import file_sha256
    assert stored.name.startswith(file_sha256(SAMPLES / "customer_churn.csv"))


def test_the_shared_run_is_tracked_registered_and_served_by_the_mlflow_server(
        shared_run: SharedRun, mlflow_server: str, postgres: PostgresServer, tmp_path: Path) -> None:
    import mlflow
    import pandas as pd

    from kuai.app.services.serving import resolve_model_uri

    finished = shared_run.shared / "studies" / shared_run.study / "run"
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = mlflow_server
    try:
        uri = resolve_model_uri(str(finished))  # waits for the finisher's side process to log the run
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI")
        if previous is not None:
            os.environ["MLFLOW_TRACKING_URI"] = previous
    assert uri.startswith("models:/kuai-customer_churn-churn/")
    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    receipt = json.loads((finished / "mlflow_spool.done").read_text())
    logged = client.get_run(receipt["mlflow_run_id"])
    complete = [t for t in _trials(postgres, shared_run.study) if t.state is optuna.trial.TrialState.COMPLETE]
    assert logged.data.params["target"] == "churn" and int(logged.data.params["n_trials"]) >= len(complete)
    assert 0.75 < logged.data.metrics["cv_score"] <= 1.0
    assert len(client.search_runs(experiment_ids=[logged.info.experiment_id])) == 1  # finished (and logged) once
    assert {"model.onnx", "model_card.json", "leaderboard.csv"} <= {a.path for a in client.list_artifacts(
        logged.info.run_id)}

    rows = pd.read_csv(SAMPLES / "customer_churn.csv").head(20).drop(columns=["churn"])
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)
    subprocess.run([KUAI, "predict", str(shared_run.out), str(data), "--out", str(tmp_path / "p.csv")],
                   env=shared_run.env, check=True, capture_output=True, timeout=60)
    expected = pd.read_csv(tmp_path / "p.csv")
    port = free_port()
    server = subprocess.Popen([KUAI, "serve", uri, "--port", str(port)], env=shared_run.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/ping", server, timeout_s=120)
        answer = invoke_served_model(port, rows)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert list(answer["prediction"]) == list(expected["prediction"])


def test_a_killed_worker_loses_no_finished_trial(postgres: PostgresServer, tmp_path: Path, reliability: Any) -> None:
    shared, out, home = tmp_path / "shared", tmp_path / "out", tmp_path / "home"
    study = "killed-worker"
    # the dead trial is retried only if the search still runs a grace period (10 s) after the kill: so the kill
    # comes at the first finished trial (any process's), and the budget leaves room for the grace on a busy machine
    worker = _worker(postgres, shared, home, study, grace_s=10)
    train = _train(postgres, shared, out, home, study, grace_s=10, budget=BUDGET + 10)

    def finished_one_and_worker_frozen_mid_trial() -> bool:
        """The worker is frozen (SIGSTOP) before its trials are read, so the trial seen running is still running
        when it is killed: a trial that finished between the read and the kill made this test fail on CI."""
        trials = _trials(postgres, study)
        if not any(t.state is optuna.trial.TrialState.COMPLETE for t in trials):
            return False
        os.killpg(worker.pid, signal.SIGSTOP)
        try:
            if any(t.state is optuna.trial.TrialState.RUNNING and _is(t.user_attrs.get("worker"), worker)
                   for t in _trials(postgres, study)):
                return True
        except BaseException:
            os.killpg(worker.pid, signal.SIGKILL)  # never a stopped worker left behind
            raise
        os.killpg(worker.pid, signal.SIGCONT)
        return False

    _wait_for(finished_one_and_worker_frozen_mid_trial, timeout_s=40)
    os.killpg(worker.pid, signal.SIGKILL)  # mid-trial
    assert worker.wait(timeout=10) == -signal.SIGKILL
    before = _trials(postgres, study)
    finished = {t.number for t in before if t.state is optuna.trial.TrialState.COMPLETE}
    orphaned = [t for t in before if t.state is optuna.trial.TrialState.RUNNING
                and _is(t.user_attrs.get("worker"), worker)]
    assert len(orphaned) == 1

    train_out, train_err = train.communicate(timeout=BUDGET + 70)
    assert train.returncode == 0, train_err[-2000:]
    after = {t.number: t for t in _trials(postgres, study)}
    lost = [n for n in finished if after[n].state is not optuna.trial.TrialState.COMPLETE]
    on_board = _leaderboard_models(out)
    lost += [n for n in finished if f"{after[n].params['family']}_{n}" not in on_board]
    reliability.kill_point(resumed=(out / "model.onnx").is_file(), lost_trials=len(lost))
    assert lost == []
    # the dead worker's trial did not stay RUNNING: its heartbeat stopped, so it failed and was given another try
    dead = after[orphaned[0].number]
    states = [(t.number, t.state.name, t.datetime_start, t.datetime_complete) for t in after.values()]
    assert dead.state is optuna.trial.TrialState.FAIL, (states[:8], train_out, train_err[-2000:])
    retries = [t for t in after.values() if t.system_attrs.get("failed_trial") == dead.number]
    assert len(retries) == 1 and retries[0].params == dead.params


def test_the_study_survives_a_postgres_restart(postgres: PostgresServer, tmp_path: Path) -> None:
    shared, out, home = tmp_path / "shared", tmp_path / "out", tmp_path / "home"
    study = "restarted-db"
    worker = _worker(postgres, shared, home, study)
    train = _train(postgres, shared, out, home, study, budget=40)
    # two finished trials, then the outage: on a slow machine three took most of the budget, and no trial could
    # finish after the restart
    _wait_for(lambda: sum(t.state is optuna.trial.TrialState.COMPLETE for t in _trials(postgres, study)) >= 2,
              timeout_s=25)
    before = {t.number: t.params for t in _trials(postgres, study) if t.state is optuna.trial.TrialState.COMPLETE}
    postgres.outage(3.0)  # every open connection of both workers is cut, and nobody answers for 3 s
    _, train_err = train.communicate(timeout=BUDGET + 60)
    worker_out, worker_err = worker.communicate(timeout=60)
    assert train.returncode == 0, train_err[-2000:]
    assert worker.returncode == 0, worker_err[-2000:]
    for stderr in (train_err, worker_err):  # no traceback, not even from Optuna's heartbeat thread
        assert "Traceback" not in stderr and "Exception in thread" not in stderr, stderr[-2000:]
    log = (home / "logs" / "kuai.log").read_text()
    assert "lost the study's database" in log  # the reconnect path really ran
    after = _trials(postgres, study)
    complete = [t for t in after if t.state is optuna.trial.TrialState.COMPLETE]
    assert all(any(t.number == n and t.params == p for t in complete) for n, p in before.items())  # none lost
    assert len(complete) > len(before)  # and the search went on after the restart
    keys = [json.dumps(t.params, sort_keys=True) for t in complete]
    assert len(keys) == len(set(keys)), "a finished trial was recorded twice"
    assert not [t for t in after if t.state is optuna.trial.TrialState.RUNNING]
    assert (out / "model.onnx").is_file()


def test_worker_errors_are_coded(postgres: PostgresServer, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = dict(os.environ, KUAI_HOME=str(home))
    cases = {
        "UNKNOWN_STUDY": ["--storage", postgres.url, "--study", "no-such-study", "--wait", "1"],
        "BAD_STUDY_NAME": ["--storage", postgres.url, "--study", "../etc"],
        "NO_STUDY": ["--storage", postgres.url, "--wait", "0"],
        "STORAGE_UNREACHABLE": ["--storage", "postgresql://kuai:pw@127.0.0.1:1/kuai", "--wait", "0"],
    }
    # all at once: each is a process that starts, answers and ends (run one by one they cost 28 s of CI)
    running = {code: subprocess.Popen([KUAI, "worker", *args], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for code, args in cases.items()}
    running["USAGE"] = subprocess.Popen([KUAI, "worker"], env={k: v for k, v in env.items() if k != "KUAI_STORAGE"},
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for code, process in running.items():
        _, stderr = process.communicate(timeout=90)
        assert process.returncode == 2 and f"[{code}]" in stderr, (code, stderr[-1000:])
        assert "Traceback" not in stderr and "pw@" not in stderr  # no password in messages


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "x" * 101, "a b", "%2e%2e%2f"])
def test_hostile_study_names_never_become_paths(name: str, tmp_path: Path) -> None:
    from kuai.storage import SharedFolder, StudyError

    for where in (SharedFolder(tmp_path).run_dir, SharedFolder(tmp_path).trials):
        with pytest.raises(StudyError) as caught:
            where(name)
        assert caught.value.code == "BAD_STUDY_NAME"
