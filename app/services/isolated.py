"""Reading an uploaded file in a child process with memory and time limits.

pandas' and pyarrow's parsers have a history of crashes on hostile input (RELIABILITY.md).
The app's server never parses an upload itself: a child process does, under an
address-space limit and a deadline, and hands back the table. A crash, a hang or a
blow-up in the parser costs the child, never the server; the user gets a coded error.
Children come from a fork server that has imported the engine once, so a read does not
pay the import again.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pandas as pd

import engine
from app.services.limits import apply_memory_limit, physical_memory_mb
from engine import Dialect, ReadError

READ_TIMEOUT_S = 300.0  # KUAI_READ_TIMEOUT_S
Reader = Callable[[str], tuple[pd.DataFrame, Dialect | None]]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["engine"])


def _settings() -> tuple[float, int]:
    timeout = float(os.environ.get("KUAI_READ_TIMEOUT_S") or READ_TIMEOUT_S)
    memory = int(os.environ.get("KUAI_READ_MEMORY_MB") or max(2048, 0.5 * physical_memory_mb()))
    return timeout, memory


def _child(connection: Connection, path: str, memory_mb: int, reader: Reader) -> None:
    apply_memory_limit(memory_mb)
    message: tuple[Any, ...]
    try:
        frame, dialect = reader(path)
        message = ("ok", frame, dialect)
    except engine.EngineError as exc:
        message = ("error", exc.code, str(exc.args[0]))
    except MemoryError:
        message = ("error", "TOO_BIG_FOR_MEMORY", f"Reading this file needs more than {memory_mb:,} MB of memory. "
                   "Sample its rows, or keep fewer columns.")
    except Exception as exc:  # the parser failed in a way the reader does not know: still the user's file
        message = ("error", "UNREADABLE_FILE", f"The file could not be read ({type(exc).__name__}: "
                   f"{str(exc)[:200]}). Save it again as a plain CSV.")
    try:
        connection.send(message)
    except MemoryError:
        connection.send(("error", "TOO_BIG_FOR_MEMORY", "The table read from this file is too big to hand over."))
    finally:
        connection.close()


def read_untrusted(path: Path | str, *, reader: Reader = engine.read_table_with_dialect,
                   timeout_s: float | None = None, memory_mb: int | None = None) -> tuple[pd.DataFrame, Dialect | None]:
    """``reader(path)`` in a child process; a hang, a crash or too much memory there is a coded ``ReadError``."""
    default_timeout, default_memory = _settings()
    timeout = default_timeout if timeout_s is None else timeout_s
    memory = default_memory if memory_mb is None else memory_mb
    receiver, sender = _context.Pipe(duplex=False)
    process = _context.Process(target=_child, args=(sender, str(path), memory, reader), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise ReadError(f"Reading the file took longer than {timeout:.0f} s and was stopped. The file may be "
                            "malformed; save it again as a plain CSV, or split it.", code="READ_TIMEOUT")
        try:
            message = receiver.recv()
        except EOFError:
            process.join(5)
            raise ReadError(f"The reader stopped on this file (exit {process.exitcode}); the file may be malformed. "
                            "Save it again as a plain CSV.", code="READER_CRASHED") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if message[0] == "ok":
        return message[1], message[2]
    raise ReadError(message[2], code=message[1])
