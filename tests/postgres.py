"""A real PostgreSQL server for the scale-out tests: Debian's binaries, a fresh cluster, a free loopback port.

As root, the server runs as the ``postgres`` user (PostgreSQL refuses root). ``make test``
installs Debian's ``postgresql`` package when its binaries are missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port

USER, PASSWORD, DATABASE = "kuai", "s3cret-pw", "kuai"


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresServer:
    def __init__(self) -> None:
        binaries = bin_dir()
        assert binaries is not None, "PostgreSQL's server binaries are not installed"
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="kuai-pg-"))
        self.port = free_port()
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        password_file = self.root / "pw"
        password_file.write_text(PASSWORD)
        if self.as_user:
            shutil.chown(password_file, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={password_file}",
                  "-E", "UTF8", "--no-sync")
        self.start()
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE],
                       check=True, env=env, capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, tool: str, *args: str) -> None:
        completed = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True,
                                   timeout=120)
        assert completed.returncode == 0, f"{tool} failed: {completed.stdout}\n{completed.stderr}"

    def _options(self) -> str:
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", str(self.root / "log"), "-w", "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", str(self.root / "log"), "-w",
                  "-m", "fast", "restart")

    def outage(self, seconds: float) -> None:
        """Stop the server (cutting every connection), stay down for ``seconds``, start it again."""
        import time

        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(seconds)
        self.start()

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
