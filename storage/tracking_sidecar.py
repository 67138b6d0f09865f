"""Entry point of the MLflow side process: ``python storage/tracking_sidecar.py SPOOL`` — run as a file.

It starts with the training and waits, holding next to nothing, until the training has exported its model (the
file ``SPOOL.soon``, see ``storage.tracking.TrackingSidecar.export_done``) or its spool appears. Only then does
it import ``storage.tracking`` and MLflow, while the training writes its last files. Run with ``-m`` it would import the
``storage`` package at once, and through it the engine: two seconds of a core and about 200 MB, held beside the
whole search. Even then it does not run the package's ``__init__`` (``import_serve``): MLflow and
``storage.tracking`` need none of the engine, its boosters and scikit-learn, another ~90 MB and 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.1


def wait_for_export(spool: Path, *, wait_s: float) -> float:
    """Seconds left of ``wait_s`` once the export is done; negative when it never is (or the training died)."""
    deadline = time.monotonic() + wait_s
    parent = os.getppid()
    marker = spool.with_suffix(".soon")
    while not (marker.exists() or spool.exists()):
        if time.monotonic() > deadline or os.getppid() != parent:
            return -1.0
        time.sleep(POLL_S)
    return deadline - time.monotonic()


def main() -> int:
    # Run as a file, the script's own folder comes first on the path: its modules (datasets.py, …) must not
    # shadow the libraries of those names that MLflow may import.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path[0] = str(ROOT)
    else:  # python -P (safe path): the folder was not added
        sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description="Log a spooled Kuai run to MLflow.")
    parser.add_argument("spool", type=Path)
    parser.add_argument("--wait", type=float, default=600.0)
    arguments = parser.parse_args()
    left = wait_for_export(arguments.spool, wait_s=arguments.wait)
    if left < 0:
        return 3
    return import_serve()(arguments.spool, left)


def import_serve() -> Callable[[Path, float], int]:
    """``storage.tracking.serve``, imported with a bare ``storage`` package: its ``__init__`` imports the engine."""
    if "storage" not in sys.modules:
        package = types.ModuleType("storage", "Kuai's storage package, without its __init__ (the MLflow side process).")
        package.__path__ = [str(ROOT / "storage")]
        sys.modules["storage"] = package
    from storage.tracking import serve

    return serve


if __name__ == "__main__":
    sys.exit(main())
