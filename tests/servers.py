"""For tests that start a real server on loopback: a free port, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[Any], *, timeout_s: float = 60.0) -> None:
    """Until ``url`` answers; fails if ``process`` exits first or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            assert process.poll() is None, f"the server exited with code {process.returncode} before {url} answered"
            assert time.monotonic() < deadline, f"{url} did not answer within {timeout_s:.0f} s"
            time.sleep(0.3)


def invoke_served_model(port: int, rows: Any) -> Any:
    """POST ``rows`` (a DataFrame) to a model server's ``/invocations`` as ``dataframe_split``; its predictions."""
    import json

    import pandas as pd

    split = json.loads(rows.to_json(orient="split", index=False))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations",
                                     data=json.dumps({"dataframe_split": split}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return pd.DataFrame(json.loads(response.read())["predictions"])
