"""The export of another model: a finished run's other leaderboard model refitted and exported, in the background.

Started by: the app's Export page (``kuai.app.services.exports.start_export``), for a model the run kept, as
``python -m kuai.app.processes.export_model OUT --model MODEL`` (the arguments of ``kuai export``, which a user runs
the same way) in a session of its own, in Kuai's folder, stdin closed, stdout and stderr written to
``OUT/models/.MODEL.export.log``; its pid in ``OUT/models/.MODEL.pid``.

Holds: the run's training data read again (refused if it changed), the model refitted on the same rows, then the
export (skl2onnx, ONNX Runtime's parity check, SHAP) (``kuai.app.services.exports.export_model``), under Kuai's
memory limit; the output folder's lock (``.kuai-run.lock``) for the whole export: never while a training or another
export writes there.

Hands back: ``OUT/models/MODEL/`` (``model.onnx``, ``model_card.json``, the report and the bundle) and one line
``model: MODEL  metric score ± std  ONNX parity ...  -> folder`` on stdout. Errors and exit codes as every ``kuai``
command (``kuai: error ...``: 2; ``kuai: internal error ...``: 1). The page polls the folder's ``model_card.json`` and
the pid (``exports.export_state``), and shows the log's last ``kuai:`` line if the process ended without a card.

Ends: with the export; the app does not cancel it.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """``kuai export OUT --model MODEL``, through ``kuai.app.cli``: its settings, log file, memory limit, error lines
    and exit codes."""
    from kuai.app.cli import main as cli_main

    return cli_main(["export", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # as ``python -m kuai.app.cli`` does, for its children
    sys.exit(main())
