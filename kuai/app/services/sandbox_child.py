"""The scoring sandbox's child: ``python -m kuai.app.services.sandbox_child FD MODEL MEMORY_MB LOAD_TIMEOUT_S``.

It opens the model (``kuai.exporters.onnx_session``: self-contained files only, ONNX Runtime silent) under the limits of
``kuai.app.services.limits.limit_child_process``, says what the model is, then scores the feeds the parent sends until
the parent closes the socket. It imports numpy, pyarrow, ONNX Runtime and ``kuai.exporters.onnx_session`` alone —
under a bare ``exporters`` package, as ``kuai/storage/tracking_sidecar.py`` does for ``storage``: the package's
``__init__`` would import the engine and scikit-learn, seconds of start-up for nothing.

The messages, over the socket FD in ``multiprocessing.connection`` framing (the parent is ``kuai.app.services.sandbox``;
both sides code them with the functions below, the one copy of the format):

- child → parent, once: ``{"metadata": {...}, "inputs": [[name, type, shape], ...], "outputs": [...]}``, or
  ``{"code": ..., "detail": ...}`` if the model cannot be opened (the child then ends);
- parent → child, per call: ``{"cpu_s": seconds, "rows": N, "numbers": [name, ...], "texts": [name, ...]}``, then
  the numeric inputs as one float32 block (one row of N per input), then the text inputs as an Arrow IPC stream;
- child → parent: ``{"outputs": [[name, dtype, shape], ...]}`` and the outputs' bytes one after another (numeric
  dtypes only: nothing is unpickled on either side); or ``{"code": ..., "detail": ...}``.
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from kuai.app.services.limits import limit_child_process

CPU_MARGIN_S = 10  # the parent's wall-clock limit stops a call first; this one stops a child whose parent is gone
_MEMORY_WORDS = ("allocat", "bad_alloc", "out of memory")


def main(argv: list[str]) -> int:
    connection = Connection(int(argv[1]))
    memory_mb, load_timeout_s = int(argv[3]), float(argv[4])
    limit_child_process(memory_mb or None, "KUAI_SCORING_MEMORY_MB")
    _cap_cpu(load_timeout_s)
    try:
        session = _open(argv[2])
    except BaseException as error:  # noqa: B036 — MemoryError and ONNX Runtime's own errors: all reported
        connection.send_bytes(json.dumps(_failure(error)).encode())
        return 0
    connection.send_bytes(json.dumps(_description(session)).encode())
    while True:
        try:
            header = json.loads(connection.recv_bytes())
            _cap_cpu(float(header["cpu_s"]))
            blocks = connection.recv_bytes(), connection.recv_bytes()
        except EOFError:  # the parent closed the socket, or is gone
            return 0
        try:
            answer, payload = encode_outputs(_run(session, decode_feeds(header, *blocks)))
        except BaseException as error:  # noqa: B036
            connection.send_bytes(json.dumps(_failure(error)).encode())
            continue
        connection.send_bytes(json.dumps(answer).encode())
        connection.send_bytes(payload)


def _open(path: str) -> Any:
    import numpy  # noqa: F401  — imported before the model is said ready: not in the first call's time
    import pyarrow  # noqa: F401

    from kuai.exporters.onnx_session import new_session, silence_onnxruntime

    silence_onnxruntime()
    return new_session(path)


def _description(session: Any) -> dict[str, Any]:
    def ports(nodes: Any) -> list[list[Any]]:
        return [[node.name, node.type, [d if isinstance(d, int) else None for d in (node.shape or [])]]
                for node in nodes]

    return {"metadata": dict(session.get_modelmeta().custom_metadata_map), "inputs": ports(session.get_inputs()),
            "outputs": ports(session.get_outputs())}


def _run(session: Any, feeds: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    names = [output.name for output in session.get_outputs()]
    return {name: value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
            for name, value in zip(names, session.run(None, feeds), strict=True)}


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
            raise _ModelRefused(f"its output '{name}' is not a tensor of numbers")
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


class _ModelRefused(Exception):
    """The model ran, but what it gave back is not what a Kuai model gives."""


def _failure(error: BaseException) -> dict[str, str]:
    text = str(error).strip()
    first = text.splitlines()[0][:600] if text else type(error).__name__
    if isinstance(error, _ModelRefused):
        return {"code": "BAD_MODEL", "detail": text}
    if isinstance(error, MemoryError) or any(word in text.lower() for word in _MEMORY_WORDS):
        return {"code": "SCORING_MEMORY", "detail": first}
    code = getattr(error, "code", None)
    if isinstance(code, str):  # exporters' ExportError: INVALID_MODEL, EXTERNAL_DATA
        return {"code": code, "detail": first}
    return {"code": "SCORING_FAILED", "detail": first}


def _cap_cpu(seconds: float) -> None:
    """At most ``seconds`` (and a margin) more of CPU time, then SIGXCPU ends the child."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = int(used.ru_utime + used.ru_stime + seconds + CPU_MARGIN_S) + 1
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
