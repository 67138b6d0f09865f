"""Kuai's settings from the environment (``KUAI_*``): each read through one of these helpers, which either uses the
value or says why not, once, on stderr and in the log, then uses the default:

    kuai: warning [BAD_SETTING] KUAI_READ_TIMEOUT_S='abc' is not a number of seconds; using 300

A memory cap too small for the process to start (below the measured footprint of the interpreter and its
libraries) is raised to that floor, with the same warning: it is never silently ineffective.

The settings: ``KUAI_HOME`` (``storage.home``), ``KUAI_STORAGE`` and ``KUAI_SHARED`` (shared studies),
``KUAI_WORKER_MEMORY_MB`` (a training process), ``KUAI_READ_TIMEOUT_S`` and ``KUAI_READ_MEMORY_MB`` (the isolated
reader), ``KUAI_SCORING_TIMEOUT_S`` and ``KUAI_SCORING_MEMORY_MB`` (the scoring sandbox), ``KUAI_TRIAL_GRACE_S`` (how
long a shared study's trial may go without a heartbeat).

"Once": a process says a setting's problem the first time it reads it; the processes it starts or becomes (the
fresh tail of a training, the app's workers) inherit ``KUAI_SETTINGS_SAID`` and only log it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import sys
from typing import TypeVar

logger = logging.getLogger(__name__)
SAID_VARIABLE = "KUAI_SETTINGS_SAID"  # what this process and its parents said already (not a user setting)
_said: set[str] = set()
T = TypeVar("T")


def text_setting(name: str) -> str | None:
    """The setting's text, stripped; None when it is unset or empty."""
    return os.environ.get(name, "").strip() or None


def seconds_setting(name: str, default: float, *, at_least: float = 0.0, why: str = "") -> float:
    """A number of seconds above 0 (and finite); ``default`` when unset or unusable (said). ``at_least``: a smaller
    value is raised to it (said, with ``why``)."""
    raw = text_setting(name)
    if raw is None:
        return default
    value = _number(raw)
    if value is None:
        return _said_default(name, raw, "is not a number of seconds", default)
    if not math.isfinite(value) or value <= 0:
        return _said_default(name, raw, "must be a number of seconds above 0", default)
    if value < at_least:
        return _said_default(name, raw, f"is below the {at_least:g} s {why}", at_least)
    return value


def memory_setting(name: str, default_mb: int | None, *, floor_mb: int, needs: str) -> int | None:
    """A memory cap in MB: the setting's (0: no cap), raised to ``floor_mb`` when below it (said); ``default_mb``
    when unset or unusable (said). ``needs``: what the floor is, in words ("a training to start")."""
    raw = text_setting(name)
    if raw is None:
        return default_mb
    value = _number(raw)
    using = "no cap" if default_mb is None else f"{default_mb:,} MB"
    if value is None:
        return _said_default(name, raw, "is not a number of megabytes (0: no cap)", default_mb, using)
    if not math.isfinite(value) or value < 0:
        return _said_default(name, raw, "must be a number of megabytes, 0 or more (0: no cap)", default_mb, using)
    if value == 0:
        return None
    if value < floor_mb:
        return _said_default(name, raw, f"is below the {floor_mb:,} MB {needs} needs (the interpreter and its "
                             "libraries)", floor_mb, f"{floor_mb:,} MB")
    return int(value)


def _number(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _said_default(name: str, raw: str, why: str, default: T, using: str | None = None) -> T:
    say(f"{name}={raw!r} {why}; using {using if using is not None else _shown(default)}", key=f"{name}={raw}")
    return default


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def say(message: str, *, key: str) -> None:
    """``kuai: warning [BAD_SETTING] <message>`` on stderr and in the log, once per ``key`` for this command (its
    processes included); logged only when it was said already."""
    token = hashlib.sha256(key.encode()).hexdigest()[:12]
    inherited = set(filter(None, os.environ.get(SAID_VARIABLE, "").split(",")))
    if token in _said or token in inherited:
        logger.info("[BAD_SETTING] %s (said already)", message)
        return
    _said.add(token)
    os.environ[SAID_VARIABLE] = ",".join(sorted(inherited | {token}))
    # in the log as a warning where one is set up (a process without one, the app's server, has it on stderr below)
    logger.log(logging.WARNING if logging.getLogger().handlers else logging.INFO, "[BAD_SETTING] %s", message)
    print(f"kuai: warning [BAD_SETTING] {message}", file=sys.stderr, flush=True)
