"""What earlier trainings learned, one JSON line each in the home folder (``experience.jsonl``).

Each line is one finished training: its data's traits and its best models' parameters (see
``kuai.engine.search.warm_start``). Lines are appended whole; a line that cannot be read (a kill mid-write, an
edit by hand) is skipped, never an error. The file keeps the newest ``KEEP`` trainings.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from kuai.storage.home import home_dir

__all__ = ["EXPERIENCE_FILE", "load_experience", "record_experience"]

logger = logging.getLogger(__name__)
EXPERIENCE_FILE = "experience.jsonl"
KEEP = 200


def _path() -> Path:
    return home_dir() / EXPERIENCE_FILE


def load_experience() -> list[dict[str, Any]]:
    """Every readable entry, oldest first."""
    try:
        lines = _path().read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def record_experience(entry: dict[str, Any]) -> None:
    """Append one training's entry; past ``2 * KEEP`` lines, rewrite the file with the newest ``KEEP``."""
    path = _path()
    line = json.dumps(entry, separators=(",", ":"), default=str)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        entries = load_experience()
        if len(entries) > 2 * KEEP:
            partial = path.with_suffix(".partial")
            partial.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries[-KEEP:]),
                               encoding="utf-8")
            os.replace(partial, path)
    except OSError:  # a full disk must not cost the user the model just trained
        logger.warning("could not record this training for later ones", exc_info=True)
