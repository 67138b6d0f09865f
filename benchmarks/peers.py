"""Kuai against FLAML, AutoGluon and a default LightGBM on the shared datasets, at equal wall-clock budgets.

Each dataset in ../shared/datasets is split 80/20 with a fixed seed (stratified for classification).
Kuai runs through its CLI (`kuai train`, `kuai predict`); FLAML and AutoGluon run in virtual
environments of their own outside the project (~/.cache/kuai-peers/<name>), which this script
creates and fills from PyPI the first time; the default LightGBM runs in the project's
environment. Every system gets the same budget; wall time is the training command's, from
process start to the end of the fit, and peak memory is the resident memory of its whole
process tree, sampled every 0.2 s. Rows append to benchmarks/results/peers_<budget>s.csv as
they finish, so an interrupted run resumes where it stopped.

    python benchmarks/peers.py --budget 60 [--systems kuai,flaml,ag_best,ag_medium,lightgbm] [--datasets a,b]
    python benchmarks/peers.py --budget 60 --report      # the tables from what is there
    python benchmarks/peers.py --budget 3600 --systems kuai --datasets magic --keep /tmp/runs   # Kuai's outputs kept
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import venv
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_datasets import DATASETS, KUAI, ROOT, split, test_score  # noqa: E402

PEERS_HOME = Path(os.environ.get("KUAI_PEERS_HOME", Path.home() / ".cache" / "kuai-peers"))
RESULTS = ROOT / "benchmarks" / "results"
VENVS = {  # each peer in its own environment: their pins never meet ours
    "flaml": ["flaml[automl]==2.7.*"],
    "autogluon": ["autogluon.tabular[lightgbm,catboost,xgboost]==1.6.*"],
}
SYSTEMS = {"kuai": None, "flaml": "flaml", "ag_best": "autogluon", "ag_medium": "autogluon", "lightgbm": None}
GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}

RUNNER = r'''
import json, sys, time
started = time.monotonic()
import numpy as np, pandas as pd
system, train_csv, test_csv, out_csv, task, metric, budget, seed, work = sys.argv[1:]
budget, seed = float(budget), int(seed)
train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
X, y = train.drop(columns="target"), train["target"]
classification = task != "regression"
if system == "flaml":
    from flaml import AutoML
    model = AutoML()
    model.fit(X, y, task="classification" if classification else "regression", metric=metric, time_budget=budget,
              seed=seed, n_jobs=2, verbose=0)
elif system.startswith("ag_"):
    from autogluon.tabular import TabularPredictor
    names = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}
    problem = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}[task]
    model = TabularPredictor(label="target", eval_metric=names[metric], problem_type=problem, path=work,
                             verbosity=0).fit(train, time_limit=budget,
                                              presets="best_quality" if system == "ag_best" else "medium_quality")
else:  # LightGBM's defaults, with text columns as pandas categories (its own categorical handling)
    import lightgbm as lgb
    text = [c for c in X.columns if X[c].dtype == object or str(X[c].dtype) in ("str", "string")]
    for c in text:
        categories = pd.Categorical(X[c].astype(str)).categories
        X[c] = pd.Categorical(X[c].astype(str), categories=categories)
        test[c] = pd.Categorical(test[c].astype(str), categories=categories)
    model = (lgb.LGBMClassifier if classification else lgb.LGBMRegressor)(random_state=seed, verbose=-1, n_jobs=2)
    model.fit(X, y)
fit_s = time.monotonic() - started
if classification:
    proba = model.predict_proba(test)
    classes = list(getattr(model, "class_labels", None) or getattr(model, "classes_", None))
    if hasattr(proba, "columns"):
        classes, proba = [str(c) for c in proba.columns], proba.to_numpy()
    frame = pd.DataFrame(np.asarray(proba), columns=[f"proba_{c}" for c in classes])
    frame.insert(0, "prediction", [classes[i] for i in np.asarray(proba).argmax(axis=1)])
else:
    frame = pd.DataFrame({"prediction": np.asarray(model.predict(test), dtype=float)})
frame.to_csv(out_csv, index=False)
print(json.dumps({"fit_s": fit_s}))
'''


def peer_python(name: str) -> Path:
    """The peer's own interpreter, creating and filling its environment the first time."""
    folder = PEERS_HOME / name
    python = folder / "bin" / "python"
    if not (folder / ".installed").exists():
        print(f"installing {name} into {folder} …", flush=True)
        venv.create(folder, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *VENVS[name]], check=True)
        (folder / ".installed").touch()
    return python


def _tree_rss(root: int) -> dict[int, tuple[str, float]]:
    """Resident memory (MB) of a process and all its descendants (from /proc), by pid, with each one's name: the
    module it runs (``-m``), else its program."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree: dict[int, tuple[str, float]] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in rss:
            tree[pid] = (_process_name(pid), rss[pid] / 2**20)
        stack.extend(children.get(pid, []))
    return tree


def _process_name(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1].rsplit(".", 1)[-1]
    return Path(words[1] if len(words) > 1 and words[0].endswith(("python", "python3")) else words[0]).name


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (from /proc), in MB."""
    return sum(mb for _, mb in _tree_rss(root).values())


def run_measured(command: list[str], env: dict[str, str], timeout_s: float,
                 trace: Path | None = None) -> tuple[int, float, float, str, str]:
    """(exit code, wall s, peak MB of the process tree, stdout, stderr). With ``trace``, every sample is written
    there as a line: seconds since the start, the tree's MB, then each process's name=MB."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        lines = trace.open("w") if trace is not None else None
        while not done.wait(0.2):
            tree = _tree_rss(process.pid)
            total = sum(mb for _, mb in tree.values())
            peak[0] = max(peak[0], total)
            if lines is not None:
                parts = " ".join(f"{name}={mb:.0f}" for name, mb in tree.values())
                lines.write(f"{time.monotonic() - started:.1f} {total:.0f} {parts}\n")
        if lines is not None:
            lines.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    return process.returncode, time.monotonic() - started, peak[0], stdout, stderr


def run_system(system: str, entry: dict[str, object], budget: float, seed: int, work: Path) -> dict[str, object]:
    name, task, metric = str(entry["name"]), str(entry["task"]), str(entry["metric"])
    frame = pd.read_csv(DATASETS / str(entry["file"]))
    train, test = split(frame, task, seed)
    train_path, test_path = work / "train.csv", work / "test.csv"
    train.to_csv(train_path, index=False)
    test.drop(columns="target").to_csv(test_path, index=False)
    predictions_path = work / "predictions.csv"
    env = dict(os.environ, KUAI_HOME=str(work / "home"), PYTHONWARNINGS="ignore")
    row: dict[str, object] = {"dataset": name, "system": system, "task": task, "metric": metric, "budget_s": budget}
    timeout = budget * 4 + 300
    if system == "kuai":
        out = work / "model"
        code, wall, peak, stdout, stderr = run_measured(
            [KUAI, "train", str(train_path), "--target", "target", "--task", task, "--metric", metric,
             "--time-budget", str(budget), "--seed", str(seed), "--out", str(out)], env, timeout)
        if out.is_dir():  # what the command said, kept with its outputs (--keep)
            (out / "kuai_train_output.txt").write_text(stdout + stderr)
        if code == 0:
            predicted = subprocess.run([KUAI, "predict", str(out), str(test_path), "--out", str(predictions_path)],
                                       capture_output=True, text=True, env=env)
            code, stderr = predicted.returncode, predicted.stderr
    else:
        python = peer_python(SYSTEMS[system]) if SYSTEMS[system] else Path(sys.executable)
        code, total, peak, stdout, stderr = run_measured(
            [str(python), "-c", RUNNER, system, str(train_path), str(test_path), str(predictions_path), task, metric,
             str(budget), str(seed), str(work / "peer")], env, timeout)
        wall = json.loads(stdout.strip().splitlines()[-1])["fit_s"] if code == 0 else total
    row |= {"wall_s": round(wall, 1), "peak_mb": round(peak)}
    if code != 0:
        return row | {"error": stderr.strip()[-300:]}
    predictions = pd.read_csv(predictions_path, keep_default_na=False)
    return row | {"test_score": round(test_score(metric, test, predictions, task), 5)}


def append_result(path: Path, row: dict[str, object]) -> None:
    """One result row appended to a results file, in the columns of its header; a column the header lacks (an
    error) rewrites the file with it."""
    frame = pd.DataFrame([row])
    if path.exists():
        header = list(pd.read_csv(path, nrows=0).columns)
        if set(frame.columns) - set(header):
            pd.concat([pd.read_csv(path), frame], ignore_index=True).to_csv(path, index=False)
            return
        frame = frame.reindex(columns=header)
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)


def report(table: pd.DataFrame, budget: float) -> None:
    table = table[table["error"].isna()] if "error" in table.columns else table
    scores = table.pivot(index="dataset", columns="system", values="test_score")
    complete = scores.dropna()  # ranks only where every system has a score
    if len(complete) < len(scores):
        print(f"not ranked (a system has no score yet): {', '.join(sorted(set(scores.index) - set(complete.index)))}")
    metrics = table.groupby("dataset")["metric"].first()
    ranks = complete.apply(lambda row: row.rank(ascending=not GREATER_IS_BETTER[metrics[row.name]]), axis=1)
    print(f"\nTest scores at {budget:.0f} s (roc_auc higher, log_loss and rmse lower is better)")
    print(scores.round(4).to_string())
    print(f"\nMean rank over {len(complete)} datasets (1 = best):")
    print(ranks.mean().sort_values().round(2).to_string())
    print("\nWorst wall time (s) and peak memory (MB):")
    print(table.groupby("system").agg(worst_wall_s=("wall_s", "max"), peak_mb=("peak_mb", "max")).to_string())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--datasets", default="")
    parser.add_argument("--report", action="store_true", help="only print the tables from the results file")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy Kuai's output folder (leaderboard, trials, model card) to KEEP/<dataset>_<budget>s")
    arguments = parser.parse_args()
    results = RESULTS / f"peers_{arguments.budget:.0f}s.csv"
    done = pd.read_csv(results) if results.exists() else pd.DataFrame(columns=["dataset", "system"])
    if not arguments.report:
        manifest = json.loads((DATASETS / "manifest.json").read_text())["datasets"]
        chosen = set(filter(None, arguments.datasets.split(",")))
        for entry in manifest:
            for system in arguments.systems.split(","):
                if (chosen and entry["name"] not in chosen) or ((done["dataset"] == entry["name"])
                                                                & (done["system"] == system)).any():
                    continue
                with tempfile.TemporaryDirectory(prefix="kuai-peers-", ignore_cleanup_errors=True) as folder:
                    row = run_system(system, entry, arguments.budget, arguments.seed, Path(folder))
                    if arguments.keep is not None and system == "kuai" and (Path(folder) / "model").is_dir():
                        kept = arguments.keep / f"{entry['name']}_{arguments.budget:.0f}s"
                        shutil.copytree(Path(folder) / "model", kept, dirs_exist_ok=False)
                        log = Path(folder) / "home" / "logs" / "kuai.log"  # the search's planned tail, trial by trial
                        if log.is_file():
                            shutil.copy2(log, kept / "kuai.log")
                print(json.dumps(row), flush=True)
                done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
                done.to_csv(results, index=False)
    if len(done):
        report(done, arguments.budget)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
