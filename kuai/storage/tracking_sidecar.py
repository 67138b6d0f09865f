"""Entry point of the MLflow side process: ``python -P -m kuai.storage.tracking_sidecar SPOOL``.

It starts with the training and waits, holding next to nothing, until the training has exported its model (the
file ``SPOOL.soon``, see ``kuai.storage.sidecar.TrackingSidecar.export_done``) or its spool appears. Only then does
it import ``kuai.storage.tracking`` and MLflow, while the training writes its last files. Until then it holds only
the standard library: ``kuai`` and ``kuai.storage`` import nothing when imported (their names load on first use).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
    parser = argparse.ArgumentParser(description="Log a spooled Kuai run to MLflow.")
    parser.add_argument("spool", type=Path)
    parser.add_argument("--wait", type=float, default=600.0)
    arguments = parser.parse_args()
    left = wait_for_export(arguments.spool, wait_s=arguments.wait)
    if left < 0:
        return 3
    return import_serve()(arguments.spool, left)


def import_serve() -> Callable[[Path, float], int]:
    """``kuai.storage.tracking.serve``: MLflow is imported here, once the export is done."""
    from kuai.storage.tracking import serve

    return serve


if __name__ == "__main__":
    sys.exit(main())
