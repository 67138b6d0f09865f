"""A real PostgreSQL server per module, on a free loopback port (tests/postgres.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import PostgresServer, bin_dir


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    if bin_dir() is None:
        message = ("PostgreSQL's server binaries are missing: the scale-out tests did NOT run. "
                   "Install Debian's 'postgresql' package (make test does).")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer()
    yield server
    server.stop()
