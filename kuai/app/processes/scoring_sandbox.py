"""The scoring sandbox: one ONNX model opened and scored in a process of its own, under a memory cap and a CPU limit.

Started by: ``kuai.app.services.sandbox.SandboxedScorer`` (``kuai predict``, the app's Predict page, and the model
``kuai serve`` serves: MLflow's server scores through the same class), as ``python -m kuai.app.processes.scoring_sandbox
FD MODEL MEMORY_MB LOAD_TIMEOUT_S`` in a session of its own, in Kuai's folder, Python's warnings off; ``FD`` is its
end of a socket pair, stdin and stdout are closed, stderr goes to a temporary file the parent reads if it dies.

Holds: one ONNX Runtime session on ``MODEL`` (``kuai.exporters.onnx_session``: self-contained files only, ONNX
Runtime silent) and one call's inputs and outputs, under the limits of
``kuai.app.services.limits.limit_child_process`` (an address-space cap of ``MEMORY_MB``, 0: none,
``KUAI_SCORING_MEMORY_MB``; no core dumps) and a CPU-time limit per call (its seconds plus ``CPU_MARGIN_S``): a graph
that loops or allocates without bound costs this process, never the caller's. It imports numpy, pyarrow, ONNX
Runtime, ``onnx_session`` and the message format (``kuai.app.services.sandbox_codec``), never pandas, scikit-learn
or the engine's stages: a fresh interpreter that opens a model in well under a second.

Hands back: over the socket (``kuai.app.services.sandbox_codec``), once what the model is (metadata, inputs,
outputs) or why it cannot be opened (``INVALID_MODEL``, ``EXTERNAL_DATA``, ``SCORING_MEMORY``...); then, per call,
the outputs as numbers, or a coded error (``SCORING_MEMORY``, ``BAD_MODEL``, ``SCORING_FAILED``). Exit code 0.

Ends: when the parent closes the socket, or is gone (then at the latest when the CPU limit runs out). The parent kills
it at a call's time limit (``SCORING_TIMEOUT``), after ``SCORING_MEMORY``, and when the model is closed; ended by
SIGXCPU (``SCORING_TIMEOUT``), SIGKILL (``SCORING_MEMORY``) or a crash (``SCORING_CRASHED``), the parent says why.
"""

from __future__ import annotations

import json
import resource
import sys
from multiprocessing.connection import Connection
from typing import Any

from kuai.app.services.limits import limit_child_process
from kuai.app.services.sandbox_codec import MEMORY_WORDS, OutputRefused, decode_feeds, encode_outputs

CPU_MARGIN_S = 10  # the parent's wall-clock limit stops a call first; this one stops a child whose parent is gone


def main(argv: list[str] | None = None) -> int:
    """``FD MODEL MEMORY_MB LOAD_TIMEOUT_S``: open the model, say what it is, score each call until the parent
    closes the socket; 0."""
    arguments = sys.argv[1:] if argv is None else argv
    connection = Connection(int(arguments[0]))
    memory_mb, load_timeout_s = int(arguments[2]), float(arguments[3])
    limit_child_process(memory_mb or None, "KUAI_SCORING_MEMORY_MB")
    _cap_cpu(load_timeout_s)
    try:
        session = _open(arguments[1])
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


def _failure(error: BaseException) -> dict[str, str]:
    text = str(error).strip()
    first = text.splitlines()[0][:600] if text else type(error).__name__
    if isinstance(error, OutputRefused):
        return {"code": "BAD_MODEL", "detail": text}
    if isinstance(error, MemoryError) or any(word in text.lower() for word in MEMORY_WORDS):
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
    sys.exit(main())
