"""Reading an uploaded file in a child process with memory and time limits.

pandas' and pyarrow's parsers have a history of crashes on hostile input (docs/reliability.md).
The app's server never parses an upload itself: ``python -m kuai.app.services.isolated`` does,
under an address-space limit sized from the file, no core dumps and a deadline, and hands
the table back as an Arrow file the parent memory-maps (one copy, no pickle of the user's
data in the usual case). A crash, a hang or a blow-up in the parser costs the child, never
the server; the user gets a coded error. A fresh interpreter, not a fork: nothing of the
server (its threads, its Streamlit script) is carried into the child.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import traceback
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import pandas as pd

from kuai.app import PROJECT_FOLDER
from kuai.app.services.limits import child_memory_mb, limit_child_process, memory_limit_text
from kuai.engine import Dialect, EngineError, ReadError, ReadingOptions
from kuai.storage import seconds_setting, text_setting

logger = logging.getLogger(__name__)
READ_TIMEOUT_S = 300.0  # KUAI_READ_TIMEOUT_S
BASE_MEMORY_MB = 1536  # the interpreter and the libraries' address space ...
MEMORY_PER_FILE_MB = 6  # ... plus this many MB per MB of file (the 1 GB ingest peaks at 2.3x), KUAI_READ_MEMORY_MB
DEFAULT_READER = "kuai.engine:read_table_with_dialect"
SCORING_READER = "kuai.engine:read_table_for_scoring"  # a file to score: every row of the table kept, in order
LIMIT_SETTINGS = ("KUAI_READ_TIMEOUT_S", "KUAI_READ_MEMORY_MB")  # set: every read of a file goes through the child
CHILD_FOLDER = PROJECT_FOLDER  # a child's working folder


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
        command = child_command("kuai.app.services.isolated", str(path), str(out), str(memory or 0), reader, settings)
        try:
            child = subprocess.run(command, cwd=CHILD_FOLDER, capture_output=True, text=True, timeout=timeout,
                                   env=child_environment())
        except subprocess.TimeoutExpired:
            raise ReadError(f"Reading the file took longer than {timeout:g} s and was stopped (KUAI_READ_TIMEOUT_S, "
                            f"default {READ_TIMEOUT_S:g} s). The file may be malformed: save it again as a plain CSV, "
                            "or split it; or raise the limit.", code="READ_TIMEOUT") from None
        except OSError as exc:
            raise ReadError(f"The reader could not be started ({exc.strerror}).", code="READER_CRASHED") from exc
        outcome = out / "outcome.json"
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
    if (folder / "frame.arrow").exists():
        import pyarrow as pa

        with pa.memory_map(str(folder / "frame.arrow")) as source:
            table = pa.ipc.open_file(source).read_all()
        return table.to_pandas()
    return pd.read_pickle(folder / "frame.pickle")  # written by our own child from parsed values, never uploaded


def _save_frame(frame: pd.DataFrame, folder: Path) -> None:
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        with pa.OSFile(str(folder / "frame.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    except (pa.ArrowException, TypeError, ValueError):  # a column Arrow cannot type (mixed values): pandas' own
        (folder / "frame.arrow").unlink(missing_ok=True)
        frame.to_pickle(folder / "frame.pickle")


def _child(path: str, out: str, memory_mb: int, reader_name: str, settings: str = "{}") -> int:
    limit_child_process(memory_mb, "KUAI_READ_MEMORY_MB")
    folder = Path(out)
    message: dict[str, object]
    try:
        module, function = reader_name.split(":")
        reader = getattr(importlib.import_module(module), function)
        given = json.loads(settings)
        frame, dialect = reader(path, options=ReadingOptions.from_dict(given)) if given else reader(path)
        _save_frame(frame, folder)
        message = {"dialect": asdict(dialect) if dialect is not None else None}
    except MemoryError:
        message = {"code": "TOO_BIG_FOR_MEMORY", "message": f"Reading this file needs {memory_limit_text()}."}
    except Exception as exc:
        if isinstance(exc, EngineError):
            message = {"code": exc.code, "message": str(exc.args[0])}
        else:  # the parser failed in a way the reader does not know: still the user's file
            message = {"code": "UNREADABLE_FILE", "message": f"The file could not be read ({type(exc).__name__}). "
                       "Save it again as a plain CSV.", "details": traceback.format_exc()[-3000:]}
    (folder / "outcome.json").write_text(json.dumps(message, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:6]))
