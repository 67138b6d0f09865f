"""Peak resident memory of the whole process tree of ``kuai train``, and of each kind of process in it.

Samples ``/proc`` every 0.1 s: the tree's total (the command's peak) and, per process kind (told by its command
line: the search, the export, the waiter, the MLflow side process, ...), the largest resident size seen. Used
for issue 32's map of processes (docs/processes.md).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/process_memory.py magic:target 562_cpu_small:target
--budget 30 --repeat 2``; prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DATASETS = Path("/work/shared/datasets")
PAGE = os.sysconf("SC_PAGE_SIZE")
KINDS = (("tracking", "tracking"), ("_tail", "tail"), ("handoff", "waiter"), ("-S", "waiter"),
         ("processes.search", "search"), ("processes.tail", "export"), ("processes.train", "parent"),
         ("cli", "train"))


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, resident bytes, command line)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE, command)
        except (OSError, IndexError, ValueError):
            continue
    return table


def _kind(command: str) -> str:
    return next((kind for token, kind in KINDS if token in command), command[:40])


def sample_tree(root: int, peaks: dict[str, float]) -> float:
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            rss, command = table[pid][1], table[pid][2]
            total += rss
            kind = _kind(command)
            peaks[kind] = max(peaks.get(kind, 0.0), rss / 2**20)
        stack.extend(children.get(pid, []))
    return total / 2**20


def measure(command: list[str], env: dict[str, str]) -> dict[str, object]:
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, per_kind, done = [0.0], {}, threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], sample_tree(process.pid, per_kind))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    return {"exit": process.returncode, "wall_s": round(time.monotonic() - started, 1), "peak_mb": round(peak[0]),
            "per_process_mb": {k: round(v) for k, v in per_kind.items()}, "stdout": stdout[-400:],
            "stderr": stderr[-300:]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", nargs="+", help="NAME:TARGET (a file of /work/shared/datasets)")
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1)
    arguments = parser.parse_args()
    for _ in range(arguments.repeat):
        for item in arguments.datasets:
            name, target = item.split(":")
            with tempfile.TemporaryDirectory() as work:
                env = dict(os.environ, KUAI_HOME=str(Path(work) / "home"), PYTHONWARNINGS="ignore")
                command = [sys.executable, "-m", "kuai.app.cli", "train", str(DATASETS / f"{name}.csv"), "--target",
                           target, "--time-budget", str(arguments.budget), "--out", str(Path(work) / "out")]
                row = measure(command, env)
                print(json.dumps({"dataset": name, "budget_s": arguments.budget, **row}), flush=True)


if __name__ == "__main__":
    main()
