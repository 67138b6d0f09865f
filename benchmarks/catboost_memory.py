"""CatBoost's allocator with its default arenas against Kuai's small ones (``kuai.engine.search.memory.small_catboost_arenas``).

CatBoost links mimalloc, which by default reserves its memory in arenas of 1 GiB and keeps the pages of a large fit
resident after the fit has ended. With ``MIMALLOC_ARENA_RESERVE`` small, freed segments go back to the system. This
script runs what a search's CatBoost trials do on wine_quality_red (six classes, 1,599 rows): five trials of depth
4 to 8, each five folds fitted two at a time in threads of their own, in a fresh process per setting, and prints,
per setting: the process's memory after the imports, its peak during the fits, what it still holds once the models
are gone, and the median fold's fit time.

Run: ``.venv/bin/python benchmarks/catboost_memory.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "wine_quality_red.csv"
DEPTHS = [6, 8, 4, 8, 7]  # one search's CatBoost trials

CHILD = r"""
import json, statistics, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np, pandas as pd
from catboost import CatBoostClassifier

def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

frame = pd.read_csv(sys.argv[1])
X = frame.drop(columns="target").to_numpy(np.float32)
y = pd.factorize(frame["target"])[0]
folds = np.array_split(np.random.default_rng(0).permutation(len(y)), 5)
peak, stop = [rss()], threading.Event()
def sample():
    while not stop.wait(0.01):
        peak[0] = max(peak[0], rss())
threading.Thread(target=sample, daemon=True).start()

def fit(depth, fold):
    train = np.concatenate([f for i, f in enumerate(folds) if i != fold])
    model = CatBoostClassifier(depth=depth, iterations=200, thread_count=1, verbose=False, allow_writing_files=False,
                               random_seed=fold)
    started = time.perf_counter()
    model.fit(X[train], y[train])
    return time.perf_counter() - started

base, seconds = rss(), []
for depth in json.loads(sys.argv[2]):  # one trial: five folds, two at a time in threads of their own
    with ThreadPoolExecutor(2) as pool:
        seconds += list(pool.map(lambda fold: fit(depth, fold), range(5)))
time.sleep(0.3)
stop.set()
print(json.dumps({"base": base, "peak": peak[0], "after": rss(), "fit_s": statistics.median(seconds)}))
"""


def measure(reserve: str | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_ARENA_RESERVE"}
    if reserve is not None:
        env["MIMALLOC_ARENA_RESERVE"] = reserve
    done = subprocess.run([sys.executable, "-c", CHILD, str(DATA), json.dumps(DEPTHS)], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from kuai.engine.search.memory import CATBOOST_ARENA_RESERVE

    for label, reserve in (("default arenas", None), (f"arenas of {CATBOOST_ARENA_RESERVE}", CATBOOST_ARENA_RESERVE)):
        figures = measure(reserve)
        print(f"{label:18s} after imports {figures['base']:5.0f} MB  peak +{figures['peak'] - figures['base']:4.0f} MB"
              f"  held after the fits +{figures['after'] - figures['base']:4.0f} MB"
              f"  fit {figures['fit_s']:.2f} s (median fold)", flush=True)


if __name__ == "__main__":
    main()
