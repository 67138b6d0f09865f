"""Readers that fail the way a parser can on hostile input, for fault injection into the isolated reader."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import numpy as np


def hangs(path: str) -> Any:
    time.sleep(600)


def crashes(path: str) -> Any:
    os.kill(os.getpid(), signal.SIGSEGV)  # as a parser's segmentation fault would
    time.sleep(10)


def eats_memory(path: str) -> Any:
    return np.ones((8, 2**27)), None  # 8 GB: more than the child's limit


def raises(path: str) -> Any:
    raise UnicodeError("a parser's own exception")
