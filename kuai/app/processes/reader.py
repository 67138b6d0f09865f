"""The isolated reader: one file parsed in a fresh interpreter under a memory limit, the table handed back as a file.

Started by: ``kuai.app.services.isolated.read_untrusted`` (the app's uploads, the Predict page's files to score; the
CLI and a training too when ``KUAI_READ_TIMEOUT_S`` or ``KUAI_READ_MEMORY_MB`` is set), as ``python -m
kuai.app.processes.reader PATH OUT MEMORY_MB READER [SETTINGS]`` in Kuai's folder, with Python's warnings off.
``READER`` is the function that reads, as ``module:function`` (``kuai.engine:read_table_with_dialect``, or
``read_table_for_scoring`` for a file to score); ``OUT`` a temporary folder of the parent's; ``SETTINGS`` how to
read the file where the user said (``ReadingOptions`` as JSON, ``{}``: Kuai's own reading).

Holds: the parser (pandas, pyarrow, the engine's reader) and the file's table, under an address-space limit sized
from the file (``MEMORY_MB``, 0: none; ``KUAI_READ_MEMORY_MB``), without core dumps: a parser that crashes, hangs or
blows up on hostile input costs this process, never the app's server. Nothing of the server (its threads, its
Streamlit script) is carried over.

Hands back: in ``OUT``, ``outcome.json``: the file's dialect, or a coded error (``TOO_BIG_FOR_MEMORY``, the reader's
own codes, ``UNREADABLE_FILE`` with the traceback as details); and the table as an Arrow file ``frame.arrow`` the
parent memory-maps (pandas' own pickle, ``frame.pickle``, when Arrow cannot type a column). Exit code 0 once the
outcome is written.

Ends: once the outcome is written. The parent kills it at the deadline (``KUAI_READ_TIMEOUT_S``: ``READ_TIMEOUT``);
an end without an outcome (a crash, the kernel's kill) is ``READER_CRASHED``.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from kuai.app.services.isolated import FRAME_FILE, OUTCOME_FILE, PICKLED_FRAME_FILE
from kuai.app.services.limits import limit_child_process, memory_limit_text
from kuai.engine import EngineError, ReadingOptions

if TYPE_CHECKING:
    import pandas as pd


def main(argv: list[str] | None = None) -> int:
    """``PATH OUT MEMORY_MB READER [SETTINGS]``: the outcome (and the table) written to ``OUT``; 0."""
    arguments = sys.argv[1:] if argv is None else argv
    return read_into(arguments[0], Path(arguments[1]), memory_mb=int(arguments[2]), reader_name=arguments[3],
                     settings=arguments[4] if len(arguments) > 4 else "{}")


def read_into(path: str, folder: Path, *, memory_mb: int, reader_name: str, settings: str = "{}") -> int:
    """Read ``path`` with ``reader_name`` under the limits; the outcome and the table written to ``folder``."""
    limit_child_process(memory_mb, "KUAI_READ_MEMORY_MB")
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
    (folder / OUTCOME_FILE).write_text(json.dumps(message, default=str))
    return 0


def _save_frame(frame: pd.DataFrame, folder: Path) -> None:
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        with pa.OSFile(str(folder / FRAME_FILE), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    except (pa.ArrowException, TypeError, ValueError):  # a column Arrow cannot type (mixed values): pandas' own
        (folder / FRAME_FILE).unlink(missing_ok=True)
        frame.to_pickle(folder / PICKLED_FRAME_FILE)


if __name__ == "__main__":
    sys.exit(main())
