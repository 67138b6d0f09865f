"""Scale-out figures: trials per minute with one worker vs two on one study, and the cost of the RDB storage.

Starts a real PostgreSQL on loopback (tests/postgres.py), then runs ``kuai train`` on one
dataset at the same budget three ways: the local default (SQLite in the output folder),
PostgreSQL with the training process alone, and PostgreSQL with one ``kuai worker`` joining.
It counts the trials each finished (complete or stopped early) and prints trials per
minute of search. A second part times empty ask/tell round trips on both storages: the
storage's own overhead per trial.

    python benchmarks/scaleout.py [--data ../shared/datasets/spambase.csv] [--budget 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.postgres import PostgresServer  # noqa: E402

KUAI = str(Path(sys.executable).parent / "kuai")


def _trials_local(out: Path) -> tuple[int, int]:
    trials = json.loads((out / "trials.json").read_text())
    return len(trials), sum(t["state"] == "complete" for t in trials)


def _trials_study(url: str, study: str) -> tuple[int, int, dict[str, int]]:
    trials = optuna.load_study(study_name=study, storage=url).get_trials(deepcopy=False)
    done = [t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    by_worker: dict[str, int] = {}
    for t in done:
        by_worker[t.user_attrs.get("worker", "?")] = by_worker.get(t.user_attrs.get("worker", "?"), 0) + 1
    return len(done), sum(t.state is optuna.trial.TrialState.COMPLETE for t in trials), by_worker


def _search_seconds(out: Path) -> float:
    timings = json.loads((out / "model_card.json").read_text()).get("timings_s") or {}
    return float(timings.get("search_s", 0.0))


def run_case(name: str, data: Path, budget: float, work: Path, *, url: str | None, workers: int) -> dict[str, object]:
    out, home = work / name / "out", work / name / "home"
    env = dict(os.environ, KUAI_HOME=str(home))
    extra = ["--storage", url, "--shared", str(work / name / "shared"), "--study", name] if url else []
    helpers = [subprocess.Popen([KUAI, "worker", "--storage", url, "--shared", str(work / name / "shared"), "--study",
                                 name, "--wait", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(workers - 1)] if url else []
    started = time.monotonic()
    subprocess.run([KUAI, "train", str(data), "--time-budget", str(budget), "--out", str(out), *extra], env=env,
                   check=True, capture_output=True, timeout=budget * 3 + 120)
    wall = time.monotonic() - started
    for helper in helpers:
        helper.wait(timeout=120)
    if url:
        n_done, n_complete, by_worker = _trials_study(url, name)
    else:
        (n_done, n_complete), by_worker = _trials_local(out), {}
    search_s = _search_seconds(out) or budget * 0.8
    card = json.loads((out / "model_card.json").read_text())
    return {"case": name, "workers": workers, "trials": n_done, "complete": n_complete,
            "trials_per_min": 60.0 * n_done / search_s, "search_s": search_s, "wall_s": wall,
            "cv_score": card["cv_score"], "by_worker": by_worker}


def storage_overhead(url: str, n: int = 200) -> float:
    """Milliseconds per empty ask/tell round trip (what the storage adds to every trial)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=url, study_name=f"overhead-{time.time_ns()}")
    started = time.perf_counter()
    for _ in range(n):
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        trial.set_user_attr("score", 0.5)
        study.tell(trial, 0.5)
    return 1000 * (time.perf_counter() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "spambase.csv")
    parser.add_argument("--budget", type=float, default=60.0)
    arguments = parser.parse_args()
    server = PostgresServer()
    try:
        with tempfile.TemporaryDirectory(prefix="kuai-scaleout-", ignore_cleanup_errors=True) as folder:
            work = Path(folder)
            rows = [run_case("local-sqlite", arguments.data, arguments.budget, work, url=None, workers=1),
                    run_case("postgres-1-worker", arguments.data, arguments.budget, work, url=server.url, workers=1),
                    run_case("postgres-2-workers", arguments.data, arguments.budget, work, url=server.url, workers=2)]
            sqlite_ms = storage_overhead(f"sqlite:///{work / 'overhead.db'}")
            postgres_ms = storage_overhead(server.url)
    finally:
        server.stop()
    print(f"data: {arguments.data.name}, budget {arguments.budget:.0f} s, {os.cpu_count()} cores")
    print(f"{'case':<20} {'workers':>7} {'trials':>6} {'complete':>8} {'trials/min':>10} {'search s':>8} "
          f"{'wall s':>7} {'cv score':>8}  trials by worker")
    for r in rows:
        print(f"{r['case']:<20} {r['workers']:>7} {r['trials']:>6} {r['complete']:>8} {r['trials_per_min']:>10.1f} "
              f"{r['search_s']:>8.1f} {r['wall_s']:>7.1f} {r['cv_score']:>8.4f}  "
              f"{sorted(dict(r['by_worker']).values(), reverse=True)}")  # type: ignore[call-overload]
    print(f"storage overhead per empty trial (ask, suggest, attr, tell): SQLite {sqlite_ms:.1f} ms, "
          f"PostgreSQL {postgres_ms:.1f} ms")


if __name__ == "__main__":
    main()
