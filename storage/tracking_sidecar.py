"""Entry point of the MLflow side process: ``python -m storage.tracking_sidecar SPOOL``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage.tracking import serve


def main() -> int:
    parser = argparse.ArgumentParser(description="Log a spooled Kuai run to MLflow.")
    parser.add_argument("spool", type=Path)
    parser.add_argument("--wait", type=float, default=600.0)
    arguments = parser.parse_args()
    return serve(arguments.spool, arguments.wait)


if __name__ == "__main__":
    sys.exit(main())
