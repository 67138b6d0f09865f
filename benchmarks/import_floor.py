"""What Kuai's processes hold before they hold any data: the memory of their imports.

``kuai train`` runs its search in one process and its export (``kuai.app.processes.tail``) in another; both start by
importing the libraries the design names. This script imports, in a fresh interpreter per line, the libraries one
after another in the order they load, and prints what each adds to the process's resident memory, then the
floor of each of Kuai's two processes (their own imports, as ``kuai train`` loads them) with its split into
anonymous memory (Python's objects, the libraries' own allocations) and file-backed pages (the shared libraries'
code). It is the part of a training's peak that no data size changes (benchmarks/RESULTS.md, "Memory floor").

Run: ``.venv/bin/python benchmarks/import_floor.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# one line per library, in the order a training loads them (each line after the ones above it)
LIBRARIES = ["numpy", "pyarrow", "pandas", "scipy.sparse", "scipy.stats", "sklearn.base", "sklearn.ensemble",
             "lightgbm", "catboost", "optuna", "sqlalchemy", "onnx", "onnxruntime", "skl2onnx"]
# what each of Kuai's processes imports before its first row of data
PROCESSES = {
    "search (kuai train)": ["kuai.app.cli", "kuai.app.services.training", "kuai.engine"],
    "export (kuai.app.processes.tail)": ["kuai.app.cli", "kuai.app.services.outputs", "kuai.exporters", "kuai.engine"],
}

CHILD = r"""
import importlib, json, sys
from pathlib import Path

def memory():
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "RssAnon", "RssFile")}

steps = [("python", memory())]
for name in sys.argv[1:]:
    importlib.import_module(name)
    steps.append((name, memory()))
print(json.dumps(steps))
"""


def measure(modules: list[str]) -> list[tuple[str, dict[str, float]]]:
    """Resident memory (MB) after each of ``modules`` is imported, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", CHILD, *modules], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return [(name, figures) for name, figures in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> int:
    print("Libraries, one after another (MB of resident memory):")
    print(f"  {'import':<20}{'adds':>8}{'total':>8}")
    steps = measure(LIBRARIES)
    for (_, before), (name, after) in zip(steps, steps[1:], strict=False):
        print(f"  {name:<20}{after['VmRSS'] - before['VmRSS']:>8.1f}{after['VmRSS']:>8.1f}")
    print("\nKuai's processes before any data (MB):")
    print(f"  {'process':<26}{'resident':>10}{'anonymous':>11}{'files':>8}")
    for process, modules in PROCESSES.items():
        floor = measure(modules)[-1][1]
        print(f"  {process:<26}{floor['VmRSS']:>10.1f}{floor['RssAnon']:>11.1f}{floor['RssFile']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
