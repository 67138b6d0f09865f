"""Scoring a model file in a child process with a memory cap and a time limit (the scoring sandbox).

An ONNX file from a user's path or a run folder is untrusted: its graph may loop for ever (a ``Loop`` of 10^15
iterations) or allocate without bound, in ONNX Runtime's C++ where no Python signal reaches. So Kuai never opens it
in its own process (the CLI, the app's server, MLflow's model server): the scoring sandbox
(``kuai.app.processes.scoring_sandbox``, started here) does, in a fresh interpreter under an address-space limit,
without core dumps and with a CPU-time backstop, the same limits as the isolated reader
(``kuai.app.services.isolated``, ``kuai.app.services.limits``); the messages are
``kuai.app.services.sandbox_codec``'s. The child lives as long as the model is loaded and scores each call's feeds
(numbers as one float32 block, text as Arrow, over a socket; the outputs come back as numeric arrays, never a
pickle); the parent waits at most the call's time limit, then ends it: ``SCORING_TIMEOUT``. Running out of memory
there is ``SCORING_MEMORY``. A call that failed so is refused at once when as many rows or more come again (a page
re-run must not wait for the limit each time); a smaller one starts a fresh child. The trial call of
``kuai.app.services.scoring.load_model`` (one row, a short limit) stops a graph that loops or allocates whatever its
input, as soon as it is opened.

Limits: ``KUAI_SCORING_TIMEOUT_S`` (default 30 s for each call, plus 1 s per 1,000 rows of the call; opening the
model may take 15 s more, and 0.25 s per MB of the file; the trial call at most 10 s) and
``KUAI_SCORING_MEMORY_MB`` (default 1.5 GB + 12 x the model file + 1 GB for a call's data, at most 80 % of the
machine; 0: no cap). Calls go in chunks of at most ``CHUNK_CELLS`` input cells, so the cap need not grow with the
file scored.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import numpy as np

from kuai.app.services.isolated import BASE_MEMORY_MB, CHILD_FOLDER, child_command, child_environment
from kuai.app.services.limits import child_memory_mb
from kuai.app.services.sandbox_codec import MEMORY_WORDS, decode_outputs, encode_feeds
from kuai.engine import SchemaError
from kuai.storage import seconds_setting

logger = logging.getLogger(__name__)
TIMEOUT_S = 30.0  # KUAI_SCORING_TIMEOUT_S: for any call ...
SECONDS_PER_1000_ROWS = 1.0  # ... plus this per 1,000 rows of the call (Kuai's models score 10,000s a second)
STARTUP_S = 15.0  # opening also starts a fresh interpreter (about a second; more on a busy machine) ...
LOAD_SECONDS_PER_MB = 0.25  # ... and a large tree model's session takes a while
TRIAL_TIMEOUT_S = 10.0  # a trial call of one row, right after opening (a 40 MB model answers in ~15 ms)
SESSION_MEMORY_PER_MB = 12  # ONNX Runtime's session holds about ten times the file
CALL_MEMORY_MB = 1024  # a chunk's feeds, the graph's intermediate tensors and the outputs
CHUNK_CELLS = 2_000_000  # rows x inputs per call to the child
SANDBOX_MODULE = "kuai.app.processes.scoring_sandbox"  # the child



def rows_per_call(feeds: Mapping[str, np.ndarray], names: Sequence[str]) -> int:
    """Rows per call so that a call holds about ``CHUNK_CELLS`` cells: a text's words and characters are each a
    cell in the graph (ONNX Runtime's Tokenizer makes a row as wide as the longest text), so the longest text
    counts as wide as it is."""
    longest = max((_longest(np.asarray(feeds[name]).ravel()) for name in names if feeds[name].dtype == object),
                  default=0)
    return max(1, CHUNK_CELLS // max(1, len(names), longest))


def _longest(values: np.ndarray) -> int:
    """The length of the longest string among ``values`` (feeds hold strings only; anything else counts 0)."""
    try:
        return max(map(len, values), default=0)  # map runs in C: ~30 ms a million strings
    except TypeError:
        return max((len(v) for v in values if isinstance(v, str)), default=0)

class ModelError(SchemaError):
    """The model file cannot be used: broken metadata (``BAD_MODEL``), or it hung, ran out of memory or crashed
    while it was opened or scored (``SCORING_TIMEOUT``, ``SCORING_MEMORY``, ``SCORING_CRASHED``...)."""

    code = "BAD_MODEL"


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float
    memory_mb: int | None  # None: no cap
    load_timeout_s: float

    @classmethod
    def for_model(cls, path: Path) -> SandboxLimits:
        """The limits for this file, from the environment or the defaults."""
        model_mb = path.stat().st_size / 2**20 if path.exists() else 0.0
        timeout = seconds_setting("KUAI_SCORING_TIMEOUT_S", TIMEOUT_S)
        memory = child_memory_mb("KUAI_SCORING_MEMORY_MB",
                                 BASE_MEMORY_MB + SESSION_MEMORY_PER_MB * model_mb + CALL_MEMORY_MB)
        return cls(timeout_s=timeout, memory_mb=memory,
                   load_timeout_s=STARTUP_S + timeout + LOAD_SECONDS_PER_MB * model_mb)

    @property
    def trial_timeout_s(self) -> float:
        return min(TRIAL_TIMEOUT_S, self.timeout_s)

    def call_timeout_s(self, n_rows: int) -> float:
        return self.timeout_s + SECONDS_PER_1000_ROWS * n_rows / 1000


@dataclass(frozen=True)
class GraphPort:
    """One input or output of the graph, as ONNX Runtime describes it (``tensor(float)``; None for a free dim)."""

    name: str
    type: str
    shape: tuple[int | None, ...]


class SandboxedScorer:
    """An ONNX model scored in a child process; ``predict`` answers as ``exporters.OnnxScorer.predict`` does."""

    def __init__(self, model_path: Path, *, limits: SandboxLimits | None = None) -> None:
        self.path = Path(model_path)
        self.limits = limits or SandboxLimits.for_model(self.path)
        self._lock = threading.Lock()
        self._children: list[_Child] = []  # the running child, if any
        self._refused: tuple[int, ModelError] | None = None  # calls of at least this many rows fail at once
        weakref.finalize(self, _stop_all, self._children)
        with self._lock:
            description = self._start()
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in dict(description["metadata"]).items()}
        self.inputs = tuple(_port(entry) for entry in description["inputs"])
        self.outputs = tuple(_port(entry) for entry in description["outputs"])
        self.input_names = tuple(port.name for port in self.inputs)
        self.output_names = tuple(port.name for port in self.outputs)

    @property
    def is_classifier(self) -> bool:
        return "probabilities" in self.output_names

    def predict(self, feeds: Mapping[str, np.ndarray], *,
                timeout_s: float | None = None) -> tuple[np.ndarray | None, np.ndarray]:
        """``(labels [N], probabilities [N, K])`` for classifiers, else ``(None, values [N])``; each chunk of
        rows within ``timeout_s`` (default: the limits' for its rows)."""
        from kuai.exporters import ExportError, split_outputs

        missing = [name for name in self.input_names if name not in feeds]
        if missing:
            raise ExportError(f"Missing model input(s): {', '.join(missing[:10])}.", code="MISSING_INPUT")
        n_rows = len(feeds[self.input_names[0]]) if self.input_names else 0
        step = rows_per_call(feeds, self.input_names)
        with self._lock:
            if self._refused is not None and n_rows >= self._refused[0]:
                raise ModelError(str(self._refused[1].args[0]), code=self._refused[1].code)
            parts = [self._score({name: feeds[name][start:start + step] for name in self.input_names},
                                 min(step, n_rows - start), timeout_s) for start in range(0, max(n_rows, 1), step)]
        results = {name: np.concatenate([part[name] for part in parts]) if len(parts) > 1 else parts[0][name]
                   for name in self.output_names}
        return split_outputs(results)

    @property
    def pid(self) -> int | None:
        """The running child's process id; None when none runs (not started yet again, or closed)."""
        return self._children[0].process.pid if self._children else None

    def close(self) -> None:
        """End the child now (it also ends when this object is collected, or when this process exits)."""
        with self._lock:
            _stop_all(self._children)

    def _start(self) -> dict[str, Any]:
        child = _Child.start(self.path, self.limits)
        self._children.append(child)
        try:
            reply = child.receive(time.monotonic() + self.limits.load_timeout_s)
        except _ChildGone:
            raise self._died(child, "opened") from None
        if reply is None:
            _stop_all(self._children)
            raise ModelError(f"Opening '{self.path.name}' took longer than {self.limits.load_timeout_s:.0f} s "
                             f"and was stopped. {_TRUST}", code="SCORING_TIMEOUT")
        message = json.loads(reply)
        if "code" in message:
            _stop_all(self._children)
            raise self._error(message, "opened")
        return dict(message)

    def _score(self, feeds: dict[str, np.ndarray], n_rows: int, timeout_s: float | None) -> dict[str, np.ndarray]:
        if not self._children:
            self._start()
        child = self._children[0]
        timeout = timeout_s if timeout_s is not None else self.limits.call_timeout_s(n_rows)
        deadline = time.monotonic() + timeout
        try:
            header, numbers, texts = encode_feeds(feeds, cpu_s=timeout)
            for block in (json.dumps(header).encode(), numbers, texts):
                child.connection.send_bytes(block)
            reply = child.receive(deadline)
            message = json.loads(reply) if reply is not None else {}
            payload = child.receive(deadline) if "outputs" in message else None
        except (OSError, _ChildGone):
            raise self._refuse(n_rows, self._died(child, "scored")) from None
        if reply is None or ("outputs" in message and payload is None):
            _stop_all(self._children)
            rows = f"{n_rows:,} row{'' if n_rows == 1 else 's'}"
            raise self._refuse(n_rows, ModelError(
                f"Scoring {rows} with '{self.path.name}' took longer than {timeout:.0f} s and was stopped: the model "
                f"may loop without end. {_TRUST}", code="SCORING_TIMEOUT"))
        if "code" in message:
            error = self._error(message, "scored")
            if error.code == "SCORING_MEMORY":
                _stop_all(self._children)
                raise self._refuse(n_rows, error)
            raise error
        if payload is None:  # neither outputs nor an error: not an answer of our child
            raise self._refuse(n_rows, self._died(child, "scored"))
        try:
            return decode_outputs(message, payload)
        except (ValueError, TypeError) as error:
            raise ModelError(f"'{self.path.name}' gave outputs that cannot be read ({error}).",
                             code="BAD_MODEL") from None

    def _refuse(self, n_rows: int, error: ModelError) -> ModelError:
        """Remember that calls of ``n_rows`` or more fail so; the error, to raise."""
        if self._refused is None or n_rows < self._refused[0]:
            self._refused = (max(n_rows, 1), error)
        return error

    def _error(self, message: dict[str, Any], doing: str) -> ModelError:
        code, detail, name = str(message["code"]), str(message.get("detail", "")), self.path.name
        if code == "SCORING_MEMORY":
            return ModelError(_memory_message(name, doing, self.limits.memory_mb), code=code)
        if code == "INVALID_MODEL":
            return ModelError(f"'{name}' is not a readable ONNX model ({_short(detail)}).", code="BAD_MODEL")
        if code == "EXTERNAL_DATA":
            return ModelError(f"'{name}': {detail}", code=code)
        if code == "BAD_MODEL":
            return ModelError(f"'{name}' is not a model Kuai can score: {detail}.", code=code)
        return ModelError(f"ONNX Runtime failed to score with '{name}': {_short(detail)}", code=code)

    def _died(self, child: _Child, doing: str) -> ModelError:
        """The child ended without an answer: what ended it, as an error."""
        returncode, stderr = child.finish()
        self._children.clear()
        name = self.path.name
        logger.warning("scoring child for %s ended with %s: %s", name, returncode, stderr[-2000:])
        if returncode == -signal.SIGXCPU:
            return ModelError(f"'{name}' used more CPU time than allowed while it was {doing}, and was stopped. "
                              f"{_TRUST}", code="SCORING_TIMEOUT")
        if returncode == -signal.SIGKILL or any(word in stderr.lower() for word in MEMORY_WORDS):
            return ModelError(_memory_message(name, doing, self.limits.memory_mb), code="SCORING_MEMORY")
        return ModelError(f"ONNX Runtime stopped (exit {returncode}) while '{name}' was {doing}: the file may be "
                          "damaged, or not made for this version of ONNX Runtime.", code="SCORING_CRASHED")


_TRUST = ("A model Kuai trained scores thousands of rows a second; raise KUAI_SCORING_TIMEOUT_S only if you trust "
          "this file.")


class _ChildGone(Exception):
    """The child ended (or closed its end) without an answer."""


def _memory_message(name: str, doing: str, memory_mb: int | None) -> str:
    cap = f"more than {memory_mb:,} MB of memory" if memory_mb else "more memory than the machine has"
    return (f"'{name}' needed {cap} while it was {doing}, and was stopped: the model may allocate without bound. "
            "Raise KUAI_SCORING_MEMORY_MB only if you trust this file.")


def _short(text: str, limit: int = 300) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _port(entry: list[Any]) -> GraphPort:
    name, kind, shape = entry
    return GraphPort(str(name), str(kind), tuple(d if isinstance(d, int) else None for d in shape or ()))


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    connection: Connection
    stderr: IO[bytes]  # a temporary file: read back only when the child dies

    @classmethod
    def start(cls, path: Path, limits: SandboxLimits) -> _Child:
        ours, theirs = socket.socketpair()
        stderr = tempfile.TemporaryFile(prefix="kuai-score-")
        try:
            process = subprocess.Popen(
                child_command(SANDBOX_MODULE, str(theirs.fileno()), str(path.resolve()),
                              str(limits.memory_mb or 0), str(limits.load_timeout_s)),
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                cwd=CHILD_FOLDER, env=child_environment(), start_new_session=True)
        except OSError as error:
            ours.close()
            stderr.close()
            raise ModelError(f"The scoring process could not be started ({error.strerror}).",
                             code="SCORING_CRASHED") from error
        finally:
            theirs.close()
        return cls(process, Connection(ours.detach()), stderr)

    def receive(self, deadline: float) -> bytes | None:
        """The child's next message; None at the deadline; ``_ChildGone`` if the child ended."""
        try:
            if not self.connection.poll(max(0.0, deadline - time.monotonic())):
                return None
            return self.connection.recv_bytes()
        except (EOFError, OSError):
            raise _ChildGone() from None

    def finish(self) -> tuple[int | None, str]:
        """Stop the child (if it still runs); its exit code and the end of its stderr."""
        self.stop()
        self.stderr.seek(0)
        text = self.stderr.read()[-4000:].decode("utf-8", "replace")
        self.stderr.close()
        return self.process.returncode, text

    def stop(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            logger.warning("scoring child %d did not end", self.process.pid)


def _stop_all(children: list[_Child]) -> None:
    while children:
        child = children.pop()
        child.stop()
        if not child.stderr.closed:
            child.stderr.close()
