"""``kuai train``'s search child: read the data, search, refit, and hand the result over to the export child.

Started by: ``kuai train``'s parent (``kuai.app.processes.train``), once it has claimed the output folder and
started the MLflow side process, as ``python -P -m kuai.app.processes.search OUT OPTIONS_JSON STARTED HAND_OVER
SIDECAR_PID`` with the hand-over key in ``KUAI_TAIL_KEY``; in a process group of its own, killed if the parent dies.

Holds: the engine, the data and the search's models (300-600 MB it cannot give back: Optuna, CatBoost's allocator,
glibc's arenas), under Kuai's memory limit (``kuai.app.services.limits.prepare_training_process``).

Hands back: the progress lines (``reading`` to ``refit``) on stdout; the result in the signed file ``HAND_OVER``
(``kuai.app.services.fresh_tail``), or, when it cannot be handed over, the outputs themselves (it exports); the
trials in the run's Optuna study (a resume starts from them). Errors as every ``kuai`` command says them, on
stderr, and its exit code (0, 1, 2; 130 when interrupted).

Ends: when the result is handed over (or exported). SIGINT (passed on by the parent) stops it with 130; a kill
leaves the finished trials in the study for ``kuai train --resume``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from kuai.app.processes import heed_interrupts, process_age_s
from kuai.app.services.fresh_tail import KEY_ENV


def main(argv: list[str] | None = None) -> int:
    """Through ``kuai.app.cli``: its settings, log file, memory limit, error lines and exit codes."""
    from kuai.app.cli import main as cli_main

    heed_interrupts()
    return cli_main(["_search", *(sys.argv[1:] if argv is None else argv)])


def run(arguments: argparse.Namespace, progress: Any) -> int:
    """The ``_search`` command's body."""
    from kuai.app.services.training import search_and_hand_over

    fresh_start_s = process_age_s()  # this process's start and imports: the export child would pay as much

    key = bytes.fromhex(os.environ.pop(KEY_ENV, ""))  # not passed on to this process's own children
    search_and_hand_over(options_from_json(json.loads(arguments.options)), arguments.out,
                         started=float(arguments.started), progress=progress, hand_over=arguments.hand_over, key=key,
                         sidecar_pid=arguments.sidecar_pid, fresh_start_s=fresh_start_s)
    return 0


def options_from_json(data: dict[str, Any]) -> Any:
    """The options the parent wrote (``kuai.app.processes.train.child_options``)."""
    from dataclasses import replace

    from kuai.app.services.options import options_from_dict

    return replace(options_from_dict(data), resume=bool(data["resume"]), optuna_storage=data["optuna_storage"],
                   study_name=str(data["study_name"]), apply_suggested_fixes=bool(data["apply_suggested_fixes"]),
                   target_is_column=bool(data["target_is_column"]), planned_budget_s=data.get("planned_budget_s"))


if __name__ == "__main__":
    sys.exit(main())
