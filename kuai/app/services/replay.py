"""``kuai track [DIR]``: log to MLflow the runs whose logging failed when they ended (their spools are kept)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kuai.storage import replay_pending, tracking_environment


@dataclass
class ReplayReport:
    """What ``kuai track`` prints: one line per run logged (stdout), notes and one coded line per run that still
    could not be (stderr)."""

    logged: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    failures: int = 0


def replay_runs(folder: Path | None) -> ReplayReport:
    """Log the waiting runs below ``folder`` (every run the home folder knows to be waiting, when None)."""
    os.environ.update(tracking_environment())  # MLflow's HTTP limits where the user set none: seconds, not minutes
    report = ReplayReport()
    for spool, receipt in replay_pending(folder):
        report.said += [f"kuai: note: {note}" for note in receipt.get("notes") or ()]
        if receipt.get("ok"):
            report.logged.append(f"logged {spool.parent} -> MLflow run {receipt['mlflow_run_id']}")
            continue
        report.failures += 1
        report.said.append(f"kuai: error [{receipt['code']}] The run in {spool.parent} was not logged to MLflow "
                           f"({receipt['reason']}). {receipt['remedy']}")
    return report
