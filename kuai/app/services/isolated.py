"""Reading an uploaded file in a child process with memory and time limits: the parent's side of the isolated reader.

pandas' and pyarrow's parsers have a history of crashes on hostile input (docs/reliability.md). The app's server never
parses an upload itself: the isolated reader (``kuai.app.processes.reader``, started here) does, under an
address-space limit sized from the file, no core dumps and a deadline, and hands the table back as an Arrow file this
side memory-maps (one copy, no pickle of the user's data in the usual case). A crash, a hang or a blow-up in the
parser costs the child, never the server; the user gets a coded error. A fresh interpreter, not a fork: nothing of the
server (its threads, its Streamlit script) is carried into the child.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import pandas as pd

from kuai.app import PROJECT_FOLDER
from kuai.app.services.limits import child_memory_mb
from kuai.engine import Dialect, ReadError, ReadingOptions
from kuai.storage import seconds_setting, text_setting

logger = logging.getLogger(__name__)
READ_TIMEOUT_S = 300.0  # KUAI_READ_TIMEOUT_S
# the interpreter and the libraries' address space (measured 2026-11: a reader child needs ~1,450 MB to read a small
# file, pyarrow's thread pools included; 1,536 left too little margin and its threads failed to start) ...
BASE_MEMORY_MB = 2048
MEMORY_PER_FILE_MB = 6  # ... plus this many MB per MB of file (the 1 GB ingest peaks at 2.3x), KUAI_READ_MEMORY_MB
DEFAULT_READER = "kuai.engine:read_table_with_dialect"
SCORING_READER = "kuai.engine:read_table_for_scoring"  # a file to score: every row of the table kept, in order
LIMIT_SETTINGS = ("KUAI_READ_TIMEOUT_S", "KUAI_READ_MEMORY_MB")  # set: every read of a file goes through the child
CHILD_FOLDER = PROJECT_FOLDER  # a child's working folder
READER_MODULE = "kuai.app.processes.reader"  # the child
OUTCOME_FILE = "outcome.json"  # what the child writes in its folder: the dialect, or a coded error ...
FRAME_FILE = "frame.arrow"  # ... and the table, as Arrow ...
PICKLED_FRAME_FILE = "frame.pickle"  # ... or, when Arrow cannot type a column, pandas' own pickle


def memory_for(path: Path) -> int | None:
    """The child's address-space limit in MB (None: no limit)."""
    file_mb = path.stat().st_size / 2**20 if path.exists() else 0.0
    return child_memory_mb("KUAI_READ_MEMORY_MB", BASE_MEMORY_MB + MEMORY_PER_FILE_MB * file_mb)


def read_untrusted(path: Path | str, *, reader: str = DEFAULT_READER, timeout_s: float | None = None,
                   memory_mb: int | None = None,
                   options: ReadingOptions | None = None) -> tuple[pd.DataFrame, Dialect | None]:
    """``reader`` ("module:function", returning a frame and a dialect) run on ``path`` in a child process
    (``options``: how to read the file, as the user set it, passed to the reader as ``options``).

    A hang, a crash or too much memory there is a coded ``ReadError``; so is any error of the reader.
    """
    path = Path(path)
    timeout = timeout_s if timeout_s is not None else seconds_setting("KUAI_READ_TIMEOUT_S", READ_TIMEOUT_S)
    memory = memory_mb if memory_mb is not None else memory_for(path)
    with tempfile.TemporaryDirectory(prefix="kuai-read-") as folder:
        out = Path(folder)
        settings = json.dumps(options.to_dict()) if options is not None else "{}"
        command = child_command(READER_MODULE, str(path), str(out), str(memory or 0), reader, settings)
        try:
            child = subprocess.run(command, cwd=CHILD_FOLDER, capture_output=True, text=True, timeout=timeout,
                                   env=child_environment())
        except subprocess.TimeoutExpired:
            raise ReadError(f"Reading the file took longer than {timeout:g} s and was stopped (KUAI_READ_TIMEOUT_S, "
                            f"default {READ_TIMEOUT_S:g} s). The file may be malformed: save it again as a plain CSV, "
                            "or split it; or raise the limit.", code="READ_TIMEOUT") from None
        except OSError as exc:
            raise ReadError(f"The reader could not be started ({exc.strerror}).", code="READER_CRASHED") from exc
        outcome = out / OUTCOME_FILE
        if not outcome.exists():
            logger.warning("reader child ended with %s: %s", child.returncode, child.stderr[-2000:])
            raise ReadError(f"The reader stopped on this file (exit {child.returncode}); the file may be malformed. "
                            "Save it again as a plain CSV.", code="READER_CRASHED")
        message = json.loads(outcome.read_text())
        if "code" in message:
            if message.get("details"):
                logger.warning("reader child: %s", message["details"])
            raise ReadError(message["message"], code=message["code"])
        return _load_frame(out), _dialect(message.get("dialect"))


def read_table_within_limits(path: Path | str, *, scoring: bool = False,
                             options: ReadingOptions | None = None) -> tuple[pd.DataFrame, Dialect | None]:
    """A file read for the CLI or a training: in this process (the user's own file, stopped with Ctrl-C), or, when
    ``KUAI_READ_TIMEOUT_S`` or ``KUAI_READ_MEMORY_MB`` is set, in the isolated reader's child, so that the limits
    the user set apply wherever Kuai reads a file (a timeout is the reader's coded ``READ_TIMEOUT``). ``options``:
    how to read it, as the user set it (``kuai profile/train --header-rows ...``)."""
    from kuai import engine

    if not any(text_setting(name) for name in LIMIT_SETTINGS):
        return engine.read_table_with_dialect(path, scoring=scoring, options=options)
    reader = SCORING_READER if scoring else DEFAULT_READER
    if options is None or options.is_default():
        return read_untrusted(path, reader=reader)
    return read_untrusted(path, reader=reader, options=options)


def child_command(module: str, *arguments: str) -> list[str]:
    """A fresh interpreter running ``module``: nothing of this process (threads, a Streamlit script) carried over."""
    return [sys.executable, "-m", module, *arguments]


def child_environment() -> dict[str, str]:
    """The child's environment: this one, with Python's warnings off (its stderr is read back as a diagnosis)."""
    return dict(os.environ, PYTHONWARNINGS="ignore")


def _dialect(fields: dict[str, Any] | None) -> Dialect | None:
    if not fields:
        return None
    known = {field.name for field in dataclass_fields(Dialect)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if k in known}
    return Dialect(**values)


def _load_frame(folder: Path) -> pd.DataFrame:
    if (folder / FRAME_FILE).exists():
        import pyarrow as pa

        with pa.memory_map(str(folder / FRAME_FILE)) as source:
            table = pa.ipc.open_file(source).read_all()
        return table.to_pandas()
    return pd.read_pickle(folder / PICKLED_FRAME_FILE)  # written by our own child from parsed values, never uploaded
