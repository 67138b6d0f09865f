"""Does the validation score tell the truth? (#34) The score each system reports for itself against its score on a
test set of new patients, or of the future, on two seeded synthetic families of data.

**grouped** (one patient on several rows): 400 patients ``P0001`` … ``P0400`` with 3 to 10 visits each (about 2,600
rows). Each patient has an ``age`` (normal, 55 ± 12, whole years), a ``sex`` (F/M) and a ``baseline`` measurement
(standard normal) that is repeated on every visit with tiny noise (sd 0.01), so a model can recognise the patient
from it; and a random intercept ``u`` ~ N(0, 1.6²), the strong entity effect that no column shows (the
baseline's own effect, 0.5·``baseline``, is the part a model can learn for new patients). Each visit has
``visit`` (1, 2, …), four row-level features ``x1`` … ``x4`` (standard normal) and a category ``arm`` (A/B/C).
The target ``y`` ~ Bernoulli(sigmoid(logit)) with
``logit = u + 0.5·baseline + 0.02·(age - 55) + 0.3·[sex = M] + 0.9·x1 - 0.7·x2 + 0.5·x3·x4 + 0.3·[arm = C]
- 0.4 + 0.05·visit``. The test set is 20 % of the PATIENTS (``GroupShuffleSplit``), so its score is on new ones.

**drifting time** (predict the future): 4,000 rows on dates drawn uniformly from 2022-01-01 to 2023-12-31 (a
``date`` column, YYYY-MM-DD), five features ``x1`` … ``x5`` (standard normal) and a category ``channel`` (web/shop/
phone). With ``t`` the time from 0 (first day) to 1 (last day) and ``d`` the day of the year,
``logit = (1.5 - 2.5·t)·x1 + (-0.5 + 1.5·t)·x2 + 0.8·x3 + 0.4·x4·x5 + 0.9·sin(2π·d / 365.25)
+ (0.6 - 1.2·t)·[channel = web] - 0.2 + 0.5·t``: the weights of ``x1``, ``x2`` and the channel drift, a seasonal term
adds. The test set is the LAST 20 % of the time span (rows on or after min + 0.8·(max - min)).

The data and its split are made from the seed. Systems, each given the same training file (the test file has no
target) and the same budget:

- ``kuai``: ``kuai train train.csv --target y --time-budget B --seed S --out DIR``; on the grouped data Kuai finds
  ``patient_id`` by itself (the ``validation`` column records what its progress output says), on the time data
  ``--time date`` is added;
- ``kuai_rowwise``: the same with ``--group none`` (grouped), or without ``--time`` (time);
- ``ag_best``: AutoGluon, ``presets="best_quality"``, its defaults otherwise; ``flaml``: FLAML at its defaults with
  ``metric="roc_auc"`` (neither is told of groups or time). Both run as in ``benchmarks/peers.py``, in
  environments of their own.

Reported: Kuai's ``cv_score`` (OUT/model_card.json); AutoGluon's best model's ``score_val`` in
``predictor.leaderboard()`` (the bagged out-of-fold score under best_quality); FLAML's ``1 - automl.best_loss``. Test:
ROC AUC of the predictions, computed here, with ``test_se`` its bootstrap standard error (200 resamples, of
patients for the grouped data, of rows for the time data): the noise a gap is to be judged against. ``gap`` =
reported - test. Wall time is the training's, as in peers.py. Rows append to
``benchmarks/results/validation_honesty_<budget>s.csv`` as they finish; a (family, system, seed) already there is not
run again, so an interrupted run resumes.

    python benchmarks/validation_honesty.py --budget 60 --seeds 0,1,2 [--families grouped,time]
        [--systems kuai,kuai_rowwise,ag_best,flaml]
    python benchmarks/validation_honesty.py --budget 60 --report      # the tables from what is there
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.model_selection import GroupShuffleSplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import RESULTS, peer_python, run_measured  # noqa: E402
from run_datasets import KUAI  # noqa: E402

from kuai.engine import class_label  # noqa: E402

FAMILIES = ("grouped", "time")
SYSTEMS = {"kuai": None, "kuai_rowwise": None, "ag_best": "autogluon", "flaml": "flaml"}
TARGET = "y"
BOOTSTRAPS = 200

# A peer trains, reports its own validation score and predicts the test file (the RUNNER of peers.py, plus the score).
RUNNER = r'''
import json, sys, time
started = time.monotonic()
import numpy as np, pandas as pd
system, train_csv, test_csv, out_csv, target, budget, seed, work = sys.argv[1:]
budget, seed = float(budget), int(seed)
train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
X, y = train.drop(columns=target), train[target]
if system == "flaml":
    from flaml import AutoML
    model = AutoML()
    model.fit(X, y, task="classification", metric="roc_auc", time_budget=budget, seed=seed, n_jobs=2, verbose=0)
    fit_s = time.monotonic() - started
    reported = 1 - float(model.best_loss)
    detail = f"{model.best_estimator}"
else:
    from autogluon.tabular import TabularPredictor
    model = TabularPredictor(label=target, eval_metric="roc_auc", problem_type="binary", path=work,
                             verbosity=0).fit(train, time_limit=budget, presets="best_quality")
    fit_s = time.monotonic() - started
    board = model.leaderboard(silent=True)
    best = board[board["model"] == model.model_best].iloc[0]
    reported, detail = float(best["score_val"]), str(model.model_best)
proba = model.predict_proba(test)
classes = list(getattr(model, "class_labels", None) or getattr(model, "classes_", None))
if hasattr(proba, "columns"):
    classes, proba = [str(c) for c in proba.columns], proba.to_numpy()
frame = pd.DataFrame(np.asarray(proba), columns=[f"proba_{c}" for c in classes])
frame.insert(0, "prediction", [classes[i] for i in np.asarray(proba).argmax(axis=1)])
frame.to_csv(out_csv, index=False)
print(json.dumps({"fit_s": fit_s, "reported": reported, "model": detail}))
'''


def grouped_data(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of the grouped family; the test set's patients are not in training (module docstring)."""
    rng = np.random.default_rng(seed)
    n = 400
    visits = rng.integers(3, 11, size=n)
    patients = pd.DataFrame({
        "patient_id": [f"P{i + 1:04d}" for i in range(n)],
        "age": np.clip(np.round(rng.normal(55, 12, n)), 18, 95).astype(int),
        "sex": rng.choice(["F", "M"], size=n),
        "baseline": rng.normal(0, 1, n),
        "u": rng.normal(0, 1.6, n),
    })
    frame = patients.loc[patients.index.repeat(visits)].reset_index(drop=True)
    rows = len(frame)
    frame["visit"] = frame.groupby("patient_id").cumcount() + 1
    frame["baseline"] = (frame["baseline"] + rng.normal(0, 0.01, rows)).round(4)
    for k in range(1, 5):
        frame[f"x{k}"] = rng.normal(0, 1, rows).round(4)
    frame["arm"] = rng.choice(["A", "B", "C"], size=rows)
    logit = (frame["u"] + 0.5 * frame["baseline"] + 0.02 * (frame["age"] - 55) + 0.3 * (frame["sex"] == "M")
             + 0.9 * frame["x1"] - 0.7 * frame["x2"] + 0.5 * frame["x3"] * frame["x4"] + 0.3 * (frame["arm"] == "C")
             - 0.4 + 0.05 * frame["visit"])
    frame[TARGET] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = frame.drop(columns="u").sample(frac=1.0, random_state=seed).reset_index(drop=True)
    splitter = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)
    train, test = next(splitter.split(frame, groups=frame["patient_id"]))
    return frame.iloc[train].reset_index(drop=True), frame.iloc[test].reset_index(drop=True)


def time_data(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of the drifting family; the test set is the last 20 % of the time span (module docstring)."""
    rng = np.random.default_rng(seed)
    rows = 4000
    start, days = pd.Timestamp("2022-01-01"), 730
    offset = np.sort(rng.integers(0, days, size=rows))
    dates = start + pd.to_timedelta(offset, unit="D")
    t = offset / (days - 1)
    x = rng.normal(0, 1, (rows, 5)).round(4)
    channel = rng.choice(["web", "shop", "phone"], size=rows)
    season = np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25)
    logit = ((1.5 - 2.5 * t) * x[:, 0] + (-0.5 + 1.5 * t) * x[:, 1] + 0.8 * x[:, 2] + 0.4 * x[:, 3] * x[:, 4]
             + 0.9 * season + (0.6 - 1.2 * t) * (channel == "web") - 0.2 + 0.5 * t)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), **{f"x{k + 1}": x[:, k] for k in range(5)},
                          "channel": channel, TARGET: (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)})
    cut = offset.min() + 0.8 * (offset.max() - offset.min())
    later = offset >= cut
    return frame[~later].reset_index(drop=True), frame[later].reset_index(drop=True)


def auc(truth: np.ndarray, predictions: pd.DataFrame) -> float:
    """ROC AUC of the predictions' second class's probability (the classes as ``kuai predict`` names them)."""
    proba_columns = [c for c in predictions.columns if c.startswith("proba_")]
    classes = [c.removeprefix("proba_") for c in proba_columns]
    labels = np.array([class_label(v) for v in truth])
    return float(metrics.roc_auc_score((labels == classes[1]).astype(int), predictions[proba_columns[1]].to_numpy()))


def bootstrap_se(truth: np.ndarray, predictions: pd.DataFrame, clusters: np.ndarray, seed: int) -> float:
    """The test AUC's standard error, resampling whole clusters (patients; rows when each row is its own)."""
    rng = np.random.default_rng(seed)
    codes, n = pd.factorize(pd.Series(clusters))[0], int(pd.Series(clusters).nunique())
    members = [np.flatnonzero(codes == k) for k in range(n)]
    scores = []
    for _ in range(BOOTSTRAPS):
        rows = np.concatenate([members[k] for k in rng.integers(0, n, size=n)])
        if len(np.unique(truth[rows])) == 2:
            scores.append(auc(truth[rows], predictions.iloc[rows]))
    return float(np.std(scores, ddof=1))


def kuai_validation(output: str) -> str:
    """What Kuai's progress output says about its folds: grouped by an entity, forward in time, or rows."""
    for pattern in (r"each '([^']+)' in one fold", r"forward in time by '([^']+)'"):
        found = re.search(pattern, output)
        if found:
            return ("group:" if "fold" in pattern else "time:") + found.group(1)
    return "rows"


def processes_of(folder: Path) -> list[int]:
    """The processes whose command line names ``folder`` (Kuai's MLflow side process names the run's spool)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(folder) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_for_side_processes(folder: Path, timeout_s: float = 180.0) -> str:
    """Wait until no process works in ``folder`` any more (``kuai train`` leaves its MLflow logging to a side
    process, in a session of its own, which would otherwise log into a deleted folder and use the next run's
    cores); stop it by its id after ``timeout_s``. Returns a note when it had to be stopped."""
    deadline = time.monotonic() + timeout_s
    while pids := processes_of(folder.resolve()):
        if time.monotonic() >= deadline:
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
            time.sleep(2)
            return f"stopped side processes {pids} after {timeout_s:.0f} s"
        time.sleep(0.5)
    return ""


def run(family: str, system: str, seed: int, budget: float, work: Path) -> dict[str, object]:
    train, test = (grouped_data if family == "grouped" else time_data)(seed)
    train_path, test_path, predictions_path = work / "train.csv", work / "test.csv", work / "predictions.csv"
    train.to_csv(train_path, index=False)
    test.drop(columns=TARGET).to_csv(test_path, index=False)
    env = dict(os.environ, KUAI_HOME=str(work / "home"), PYTHONWARNINGS="ignore")
    row: dict[str, object] = {"family": family, "system": system, "seed": seed, "budget_s": budget,
                              "train_rows": len(train), "test_rows": len(test),
                              "load_1m": round(os.getloadavg()[0], 2)}  # other work on the machine, at the start
    timeout = budget * 4 + 300
    if system.startswith("kuai"):
        out = work / "model"
        command = [KUAI, "train", str(train_path), "--target", TARGET, "--time-budget", f"{budget:g}",
                   "--seed", str(seed), "--out", str(out)]
        if system == "kuai_rowwise" and family == "grouped":
            command += ["--group", "none"]
        if system == "kuai" and family == "time":
            command += ["--time", "date"]
        code, wall, peak, stdout, stderr = run_measured(command, env, timeout)
        row["validation"] = kuai_validation(stdout + stderr)
        if code == 0:
            card = json.loads((out / "model_card.json").read_text())
            row |= {"reported": float(card["cv_score"]), "model": card["model"]["name"]}
            predicted = subprocess.run([KUAI, "predict", str(out), str(test_path), "--out", str(predictions_path)],
                                       capture_output=True, text=True, env=env)
            code, stderr = predicted.returncode, predicted.stderr
        if note := wait_for_side_processes(out):
            row["note"] = note
    else:
        python = peer_python(str(SYSTEMS[system]))
        code, total, peak, stdout, stderr = run_measured(
            [str(python), "-c", RUNNER, system, str(train_path), str(test_path), str(predictions_path), TARGET,
             f"{budget:g}", str(seed), str(work / "peer")], env, timeout)
        wall = total
        if code == 0:
            result = json.loads(stdout.strip().splitlines()[-1])
            wall = result["fit_s"]
            row |= {"reported": result["reported"], "model": result["model"]}
    row |= {"wall_s": round(wall, 1), "peak_mb": round(peak)}
    if code != 0:
        return row | {"error": stderr.strip()[-300:]}
    predictions = pd.read_csv(predictions_path, keep_default_na=False)
    truth = test[TARGET].to_numpy()
    clusters = test["patient_id"].to_numpy() if family == "grouped" else np.arange(len(test))
    score = auc(truth, predictions)
    return row | {"reported": round(float(row["reported"]), 5), "test": round(score, 5),  # type: ignore[arg-type]
                  "gap": round(float(row["reported"]) - score, 5),  # type: ignore[arg-type]
                  "test_se": round(bootstrap_se(truth, predictions, clusters, seed), 5)}


def report(table: pd.DataFrame, budget: float) -> None:
    if "error" in table.columns and table["error"].notna().any():
        failed = table[table["error"].notna()]
        print("\nfailed runs:")
        print(failed[["family", "system", "seed", "error"]].to_string(index=False))
        table = table[table["error"].isna()]
    order = [s for s in SYSTEMS if s in set(table["system"])]
    for family in FAMILIES:
        part = table[table["family"] == family]
        if part.empty:
            continue
        summary = part.groupby("system").agg(
            runs=("seed", "size"), reported=("reported", "mean"), test=("test", "mean"), gap=("gap", "mean"),
            gap_sd=("gap", "std"), test_se=("test_se", "mean"), wall_s=("wall_s", "max")).reindex(order).dropna(
            how="all")
        per_seed = part.assign(value=[f"{r:.3f}/{t:.3f} ({g:+.3f})" for r, t, g in
                                      zip(part["reported"], part["test"], part["gap"], strict=True)])
        per_seed = per_seed.pivot(index="system", columns="seed", values="value").reindex(summary.index)
        per_seed.columns = [f"seed {c}: reported/test (gap)" for c in per_seed.columns]
        print(f"\n{family} — ROC AUC at {budget:.0f} s, means over seeds (gap = reported - test; test_se: the test "
              "score's bootstrap standard error; wall_s: the worst)")
        print(summary.round(4).to_string())
        print(per_seed.to_string())
        if "validation" in part.columns:
            kuai = part[part["system"].str.startswith("kuai")]
            print("Kuai's validation, as its progress output says:",
                  ", ".join(f"{s} seed {d}: {v}" for s, d, v in zip(kuai["system"], kuai["seed"], kuai["validation"],
                                                                   strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--report", action="store_true", help="only print the tables from the results file")
    arguments = parser.parse_args()
    results = RESULTS / f"validation_honesty_{arguments.budget:.0f}s.csv"
    done = pd.read_csv(results) if results.exists() else pd.DataFrame(columns=["family", "system", "seed"])
    if not arguments.report:
        for seed in (int(s) for s in arguments.seeds.split(",")):
            for family in arguments.families.split(","):
                for system in arguments.systems.split(","):
                    if ((done["family"] == family) & (done["system"] == system) & (done["seed"] == seed)).any():
                        continue
                    with tempfile.TemporaryDirectory(prefix="kuai-honesty-", ignore_cleanup_errors=True) as folder:
                        row = run(family, system, seed, arguments.budget, Path(folder))
                    print(json.dumps(row), flush=True)
                    new = pd.DataFrame([row])  # (concatenating to an empty table would turn its counts into floats)
                    done = pd.concat([done, new], ignore_index=True) if len(done) else new
                    done.to_csv(results, index=False)
    if len(done):
        report(done, arguments.budget)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
