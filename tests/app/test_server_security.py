"""The real Streamlit server as Kuai starts it: loopback only, and a cross-site upload without the XSRF token fails."""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kuai.app.services.launcher import streamlit_command
from tests.servers import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "KUAI_HOME": str(tmp_path_factory.mktemp("home"))}
    process = subprocess.Popen(streamlit_command(host="127.0.0.1", port=port), cwd=str(ROOT), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_stcore/health", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _put(url: str, headers: dict[str, str]) -> int:
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n"
            b"Content-Type: text/csv\r\n\r\na,b\n1,2\n\r\n--b--\r\n")
    request = urllib.request.Request(f"{url}/_stcore/upload_file/some-session/some-file", data=body, method="PUT",
                                     headers={"Content-Type": "multipart/form-data; boundary=b",
                                              "Origin": "https://evil.example", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.slow
def test_a_cross_site_upload_without_the_xsrf_token_is_refused(server: str) -> None:
    assert _put(server, {}) == 403  # a page on another site can make the browser send this, but not the token
    assert _put(server, {"X-Xsrftoken": "forged"}) == 403
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as response:  # the app sets the cookie
        cookie = next(value.split(";")[0] for name, value in response.headers.items()
                      if name.lower() == "set-cookie" and value.startswith("_streamlit_xsrf="))
    token = cookie.split("=", 1)[1]
    # with the token, the request gets past the XSRF check (and fails later: there is no such session)
    assert _put(server, {"X-Xsrftoken": token, "Cookie": cookie}) == 400


@pytest.mark.slow
def test_the_server_listens_on_loopback_only(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening and f"*:{port}" not in listening
