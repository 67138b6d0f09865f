"""``kuai app``: start Streamlit bound to loopback, with secure settings and samples ready."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

from kuai.app import PROJECT_FOLDER
from kuai.storage import copy_samples

MAX_UPLOAD_MB = 200


def streamlit_command(*, host: str, port: int, browser: bool = False) -> list[str]:
    """Streamlit's command line for the app; ``browser``: Streamlit opens the app in the default browser once it
    listens."""
    return [
        sys.executable, "-m", "streamlit", "run", str(Path(__file__).resolve().parents[1] / "streamlit_app.py"),
        "--server.address", host, "--server.port", str(port), "--server.headless", "false" if browser else "true",
        "--server.showEmailPrompt", "false",  # not headless, Streamlit would first ask for an e-mail in the terminal
        "--server.enableXsrfProtection", "true", "--server.maxUploadSize", str(MAX_UPLOAD_MB),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]


def port_in_use(host: str, port: int) -> str:
    """Why Streamlit could not listen on ``host:port`` ("" when it can): tried with a socket of our own first."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"The address '{host}' cannot be resolved ({exc.strerror})."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own socket: TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "another program listens there" if exc.errno == errno.EADDRINUSE else exc.strerror
            return f"Port {port} on {host} cannot be used ({reason})."
    return ""


def can_open_browser() -> bool:
    """Whether this session has a screen to open a browser on (a Linux session over SSH or in a container has
    none: there, Python's browser fallback would start a text browser in the terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_app(*, host: str, port: int, allow_remote: bool, open_browser: bool = True) -> int:
    """Start the web app here (this process becomes the server); it opens in the browser unless ``open_browser``
    is False or there is no screen."""
    if host not in ("127.0.0.1", "localhost", "::1") and not allow_remote:
        print(f"kuai: error [USAGE]: refusing to bind {host}: Kuai has no login of its own. "
              "Pass --allow-remote if an authenticating proxy or st.login guards it.", file=sys.stderr)
        return 2
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"kuai: warning: binding {host}; authentication is your job (proxy or OIDC).", file=sys.stderr)
    busy = port_in_use(host, port)
    if busy:
        print(f"kuai: error [PORT_IN_USE]: {busy} Stop what uses it, or choose another with --port.",
              file=sys.stderr)
        return 2
    copy_samples(PROJECT_FOLDER / "sample_data")
    browser = open_browser and can_open_browser()
    print(f"Kuai is starting at http://{host}:{port}" + (" (it opens in your browser)" if browser else ""), flush=True)
    command = streamlit_command(host=host, port=port, browser=browser)
    os.execv(command[0], command)  # become the server: signals reach it, no orphan holds the port
    return 0
