"""``kuai train``'s export child: export, explain and write every output, in a fresh process.

Started by: ``kuai train``'s parent (``kuai.app.processes.train``) once the search child ended with a result handed
over, as ``python -P -m kuai.app.processes.tail HAND_OVER`` with the hand-over key in ``KUAI_TAIL_KEY``; in a
process group of its own, killed if the parent dies.

Holds: the result read back from ``HAND_OVER`` (deleted once read) and what the export imports: skl2onnx, ONNX
Runtime's sessions for the parity check, SHAP (about 330 MB at its peak on magic and cpu_small at 30 s), and none of
the search's memory.

Hands back: the progress lines (``export``, ``explain``) on stdout; the outputs (``model.onnx``,
``model_card.json``, ``report.html`` ...), the MLflow spool (the side process logs it) and the run marked finished
in ``run_state.json``; the parent reads the summary from ``model_card.json``. Errors and exit codes as every ``kuai``
command (an export that fails is an internal error, 1).

Ends: once the spool is written. A kill before that leaves the run resumable (``--resume`` searches on from the
study and exports again).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kuai.app.processes import heed_interrupts


def main(argv: list[str] | None = None) -> int:
    """Through ``kuai.app.cli``: its settings, log file, memory limit, error lines and exit codes."""
    from kuai.app.cli import main as cli_main

    heed_interrupts()
    return cli_main(["_tail", *(sys.argv[1:] if argv is None else argv)])


def run(arguments: argparse.Namespace, progress: Any) -> int:
    """The ``_tail`` command's body."""
    from kuai.app.services.training import export_handed_over

    export_handed_over(arguments.file, progress=progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
