"""The messages between the scoring sandbox (``kuai.app.processes.scoring_sandbox``) and its parent
(``kuai.app.services.sandbox``): the one copy of their format, imported by both sides.

Over a socket, in ``multiprocessing.connection`` framing; nothing is unpickled on either side:

- child → parent, once: ``{"metadata": {...}, "inputs": [[name, type, shape], ...], "outputs": [...]}``, or
  ``{"code": ..., "detail": ...}`` if the model cannot be opened (the child then ends);
- parent → child, per call: ``{"cpu_s": seconds, "rows": N, "numbers": [name, ...], "texts": [name, ...]}``, then
  the numeric inputs as one float32 block (one row of N per input), then the text inputs as an Arrow IPC stream
  (``encode_feeds``, ``decode_feeds``);
- child → parent: ``{"outputs": [[name, dtype, shape], ...]}`` and the outputs' bytes one after another (numeric
  dtypes only), or ``{"code": ..., "detail": ...}`` (``encode_outputs``, ``decode_outputs``).

Kept to the standard library at import (numpy and pyarrow are imported by the functions that use them): the child
imports it, and ``kuai.app.services.limits``, alone of Kuai's services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MEMORY_WORDS = ("allocat", "bad_alloc", "out of memory")  # in an error or on stderr: the model ran out of memory


class OutputRefused(Exception):
    """The model ran, but what it gave back is not what a Kuai model gives (an output that is not numbers)."""


def encode_feeds(feeds: Mapping[str, Any], *, cpu_s: float) -> tuple[dict[str, Any], bytes, bytes]:
    """A call's header and its two blocks: the numeric inputs (float32), the text inputs (Arrow)."""
    import numpy as np
    import pyarrow as pa

    texts = [name for name, values in feeds.items() if np.asarray(values).dtype == object]
    numbers = [name for name in feeds if name not in texts]
    n_rows = len(next(iter(feeds.values()))) if feeds else 0
    block = np.empty((len(numbers), n_rows), dtype=np.float32)
    for row, name in enumerate(numbers):
        block[row] = np.asarray(feeds[name], dtype=np.float32).reshape(-1)
    table = pa.Table.from_arrays([pa.array(np.asarray(feeds[name]).reshape(-1), type=pa.string()) for name in texts],
                                 names=texts)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    header = {"cpu_s": cpu_s, "rows": n_rows, "numbers": numbers, "texts": texts}
    return header, block.tobytes(), sink.getvalue().to_pybytes()


def decode_feeds(header: Mapping[str, Any], numbers: bytes, texts: bytes) -> dict[str, Any]:
    """``encode_feeds`` read back: one ``[N, 1]`` array per input (text as ``str`` objects)."""
    import numpy as np
    import pyarrow as pa

    n_rows = int(header["rows"])
    block = np.frombuffer(numbers, dtype=np.float32).reshape(len(header["numbers"]), n_rows)
    feeds = {name: block[row].reshape(-1, 1) for row, name in enumerate(header["numbers"])}
    table = pa.ipc.open_stream(texts).read_all()  # pyarrow's to_numpy would import pandas: to_pylist does not
    feeds |= {name: np.array(table.column(name).to_pylist(), dtype=object).reshape(-1, 1) for name in header["texts"]}
    return feeds


def encode_outputs(outputs: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The graph's outputs as a header (name, dtype, shape) and their bytes; an output that is not a tensor of
    numbers (text, a sequence, a map) is refused: no Kuai model has one."""
    described, parts = [], []
    for name, array in outputs.items():
        if array.dtype.kind not in "biuf":
            raise OutputRefused(f"its output '{name}' is not a tensor of numbers")
        described.append([name, array.dtype.str, list(array.shape)])
        parts.append(array.tobytes())
    return {"outputs": described}, b"".join(parts)


def decode_outputs(header: Mapping[str, Any], payload: bytes) -> dict[str, Any]:
    """``encode_outputs`` read back; ``ValueError`` if the bytes do not match the header."""
    import numpy as np

    outputs, offset = {}, 0
    for name, dtype_text, shape in header["outputs"]:
        dtype = np.dtype(dtype_text)
        if dtype.kind not in "biuf":
            raise ValueError(f"output '{name}' is of type {dtype_text}")
        count = int(np.prod(shape, dtype=np.int64))
        outputs[str(name)] = np.frombuffer(payload, dtype=dtype, count=count, offset=offset).reshape(shape)
        offset += count * dtype.itemsize
    if offset != len(payload):
        raise ValueError(f"{len(payload) - offset} bytes more than the outputs")
    return outputs
