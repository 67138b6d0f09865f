"""`kuai train` on wide tables: the wall time against the budget, and where it goes.

For each shape (rows x columns, numbers only or one column in three a category), the script writes a seeded
synthetic CSV (the target follows two columns; the rest is noise), runs ``kuai train DATA --time-budget B`` in a
fresh process, and prints the time between its progress lines: imports (until the first line), reading and
profiling, preparing (the columns kept for the search), the search, the refit and permutation importance, the
hand-over to the export's fresh process, the export with its parity and latency checks, and SHAP with the report
and files. The last columns say what was capped (the columns the type model read, those the search kept, those the
model reads) and the wall time against the contract, B + max(5 s, 10 %) (docs/product.md). The machine's load is
printed too: on 2 shared cores it moves every figure.

Run: ``.venv/bin/python benchmarks/wide_data.py [--budget 10] [--shapes 20x5000,200x2000,50x10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
KUAI = str(Path(sys.executable).parent / "kuai")
SHAPES = ("20x5000", "200x2000", "50x10000", "20x5000:mixed", "1000x3000")
_LINE = re.compile(r"^\[\s*([\d.]+)s\] (\w+)\s+(.*)$")
# stage boundaries: (label, the progress line that ends it)
STAGES = (("imports", lambda s, m: s == "reading"), ("read+profile", lambda s, m: m.startswith("Target '")),
          ("prepare", lambda s, m: m.startswith("Searching models")), ("search", lambda s, m: s == "refit"),
          ("refit+perm", lambda s, m: m.startswith("Checking which columns")),
          ("hand-over", lambda s, m: s == "export"), ("export", lambda s, m: m.startswith("Explaining")),
          ("shap+report", lambda s, m: s == "done"))


def write_table(path: Path, n_rows: int, n_columns: int, *, mixed: bool, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(n_rows, n_columns)).round(4)
    frame = pd.DataFrame(numbers, columns=[f"f{i}" for i in range(n_columns)])
    if mixed:
        categories = {f"f{i}": rng.choice(list("abcde"), size=n_rows) for i in range(0, n_columns, 3)}
        frame = frame.assign(**categories)
    signal = numbers[:, 1] + numbers[:, 2] + rng.normal(scale=0.5, size=n_rows)
    target = pd.DataFrame({"target": np.where(signal > 0, "yes", "no")})
    pd.concat([frame, target], axis=1).to_csv(path, index=False)


def run(data: Path, budget: float, home: Path, out: Path) -> tuple[float, list[tuple[float, str, str]], str]:
    started = time.monotonic()
    done = subprocess.run([KUAI, "train", str(data), "--time-budget", str(budget), "--out", str(out)],
                          capture_output=True, text=True, env=dict(os.environ, KUAI_HOME=str(home)), cwd=ROOT)
    wall = time.monotonic() - started
    lines = [(float(m.group(1)), m.group(2), m.group(3)) for m in map(_LINE.match, done.stdout.splitlines()) if m]
    until = time.monotonic() + 120  # MLflow's logging goes on after the command: the next shape waits for it
    while done.returncode == 0 and not (out / "mlflow_spool.done").exists() and time.monotonic() < until:
        time.sleep(0.5)
    return wall, lines, done.stderr if done.returncode else ""


def stage_times(lines: list[tuple[float, str, str]]) -> list[float | None]:
    """Seconds of each stage in ``STAGES``: from the line that ended the one before to the line that ends it."""
    times: list[float | None] = []
    previous = 0.0
    for _, ends in STAGES:
        at = next((t for t, stage, message in lines if ends(stage, message) and t >= previous), None)
        times.append(None if at is None else at - previous)
        previous = at if at is not None else previous
    return times


def capped(out: Path) -> str:
    """What was capped, from the model card's notes: columns typed by the model, kept by the search, read."""
    card = json.loads((out / "model_card.json").read_text())
    notes = " ".join(card["notes"])
    typed = re.search(r"the type model read ([\d,]+)", notes)
    kept = re.search(r"the search kept the ([\d,]+)", notes)
    baseline = "no better than constant" if "does no better than always" in notes else ""
    parts = [f"typed {typed.group(1)}" if typed else "typed all", f"kept {kept.group(1)}" if kept else "kept all",
             f"reads {len(card['input_schema']):,}", f"{card['metric']['name']} {card['cv_score']:.3f}", baseline]
    return ", ".join(p for p in parts if p)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0)
    parser.add_argument("--shapes", default=",".join(SHAPES), help="ROWSxCOLUMNS[:mixed], comma-separated")
    arguments = parser.parse_args()
    allowed = arguments.budget + max(5.0, 0.1 * arguments.budget)
    header = f"{'shape':<16}" + "".join(f"{label:>13}" for label, _ in STAGES) + f"{'wall':>8}  within  capped"
    print(f"kuai train --time-budget {arguments.budget:g}: seconds per stage (contract: wall <= {allowed:g} s)")
    print(header)
    with tempfile.TemporaryDirectory(prefix="kuai-wide-", ignore_cleanup_errors=True) as folder:
        for shape in arguments.shapes.split(","):
            size, _, kind = shape.partition(":")
            n_rows, n_columns = (int(v) for v in size.split("x"))
            data = Path(folder) / f"{shape.replace(':', '_')}.csv"
            write_table(data, n_rows, n_columns, mixed=kind == "mixed")
            load = os.getloadavg()[0]
            wall, lines, error = run(data, arguments.budget, Path(folder) / "home", Path(folder) / f"out_{data.stem}")
            times = "".join(f"{t:>13.1f}" if t is not None else f"{'-':>13}" for t in stage_times(lines))
            what = capped(Path(folder) / f"out_{data.stem}") if not error else f"failed: {error.strip()[-200:]}"
            print(f"{shape:<16}{times}{wall:>8.1f}  {'yes' if wall <= allowed else 'NO':<6}  {what} "
                  f"(load {load:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
