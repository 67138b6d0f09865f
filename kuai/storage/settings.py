"""Kuai's settings from the environment (``KUAI_*``), all read and checked here.

``SETTINGS`` lists every setting with what it accepts. ``check_settings`` checks each one that is set (the CLI runs it
before any command): a value Kuai cannot use is refused with ``BAD_SETTING``, naming the variable, its value and what
is accepted; it is never silently replaced by the default:

    kuai: error [BAD_SETTING] KUAI_READ_TIMEOUT_S='abc' is not a number: it must be a number of seconds above 0 ...

A memory cap below what the process needs to start at all (the interpreter and its libraries, measured) is refused
the same way: it could only make every command fail. A ``KUAI_*`` variable that is no setting (a misspelt one) is
said once as a warning, with the closest setting's name.

The readers (``seconds_setting``, ``memory_setting``, ``text_setting``) check again: the app's server and the
processes it starts read them too.
"""

from __future__ import annotations

import difflib
import math
import os
import sys
from dataclasses import dataclass

from kuai.engine.errors import EngineError

__all__ = ["SETTINGS", "SettingError", "Setting", "check_settings", "memory_setting", "seconds_setting",
           "text_setting"]


class SettingError(EngineError, ValueError):
    """A ``KUAI_*`` environment variable holds a value Kuai cannot use."""

    code = "BAD_SETTING"


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` "text", "seconds" (a finite number above ``least``) or "megabytes" (0: no cap, else at
    least ``least``, what the process needs to start)."""

    name: str
    kind: str
    what: str
    least: float = 0.0
    why_least: str = ""


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("KUAI_HOME", "text", "Kuai's home folder (default ~/.kuai)"),
    Setting("KUAI_STORAGE", "text", "the database a shared study lives in"),
    Setting("KUAI_SHARED", "text", "the folder the workers of a shared study share"),
    # measured: under an 800 MB address-space cap the search's threads fail to start on the 2,000-row sample
    Setting("KUAI_WORKER_MEMORY_MB", "megabytes", "a training process's memory cap", 1024, "a training needs to start"),
    # measured: under 800 MB the reader cannot start its threads even for a 2,000-row file (850 MB reads it)
    Setting("KUAI_READ_MEMORY_MB", "megabytes", "the file reader's memory cap", 1024, "the reader needs to start"),
    # measured: under 280 MB ONNX Runtime's libraries do not load (300 MB scores a small model)
    Setting("KUAI_SCORING_MEMORY_MB", "megabytes", "the scoring sandbox's memory cap", 512,
            "the scoring sandbox needs to start"),
    Setting("KUAI_READ_TIMEOUT_S", "seconds", "how long reading a file in the isolated reader may take (the app's "
            "uploads always; the CLI's and a training's reading when this or KUAI_READ_MEMORY_MB is set)"),
    Setting("KUAI_SCORING_TIMEOUT_S", "seconds", "how long one call to a model may take"),
    Setting("KUAI_TRIAL_GRACE_S", "seconds", "how long a shared study's trial may go without a heartbeat", 10,
            "two heartbeats need (a live trial would be taken for a dead one)"),
)}
INTERNAL = frozenset({"KUAI_TAIL_KEY"})  # set by Kuai for its own processes
_warned: set[str] = set()


def check_settings(environ: dict[str, str] | None = None) -> None:
    """Check every ``KUAI_*`` setting that is set; the first unusable one is a ``SettingError``. A ``KUAI_*`` name
    that is no setting is said (once) as a warning on stderr."""
    environ = dict(os.environ if environ is None else environ)
    for name, raw in sorted(environ.items()):
        if not name.startswith("KUAI_") or name in INTERNAL:
            continue
        setting = SETTINGS.get(name)
        if setting is None:
            _warn_unknown(name)
        elif setting.kind != "text" and raw.strip():
            _checked(setting, raw.strip())


def _warn_unknown(name: str) -> None:
    if name in _warned:
        return
    _warned.add(name)
    close = difflib.get_close_matches(name, list(SETTINGS), n=1, cutoff=0.7)
    hint = f" Did you mean {close[0]}?" if close else f" The settings are {', '.join(SETTINGS)}."
    print(f"kuai: warning [UNKNOWN_SETTING] {name} is not a Kuai setting: it has no effect.{hint}", file=sys.stderr,
          flush=True)


def text_setting(name: str) -> str | None:
    """The setting's text, stripped; None when it is unset or empty."""
    return os.environ.get(name, "").strip() or None


def seconds_setting(name: str, default: float) -> float:
    """A number of seconds (checked: ``SettingError`` when unusable); ``default`` when unset or empty."""
    raw = text_setting(name)
    return default if raw is None else _checked(SETTINGS[name], raw)


def memory_setting(name: str, default_mb: int | None) -> int | None:
    """A memory cap in MB (checked: ``SettingError`` when unusable; 0: no cap, None); ``default_mb`` when unset."""
    raw = text_setting(name)
    if raw is None:
        return default_mb
    value = _checked(SETTINGS[name], raw)
    return None if not value else int(value)


def _checked(setting: Setting, raw: str) -> float:
    """The setting's number, or a ``SettingError`` saying what it accepts."""
    if setting.kind == "seconds":
        least = f"at least {setting.least:g}" if setting.least else "above 0"
        accepted = f"a number of seconds, {least}"
    else:
        accepted = f"a number of megabytes, at least {setting.least:,.0f}, or 0 for no cap"
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _refused(setting, raw, "is not a number", accepted)
    if setting.kind == "seconds" and value <= 0:
        raise _refused(setting, raw, "is not above 0", accepted)
    if setting.kind == "megabytes" and value < 0:
        raise _refused(setting, raw, "is below 0", accepted)
    if value and value < setting.least:
        unit = "s" if setting.kind == "seconds" else "MB"
        raise _refused(setting, raw, f"is below the {setting.least:,.0f} {unit} {setting.why_least}", accepted)
    return value


def _refused(setting: Setting, raw: str, found: str, accepted: str) -> SettingError:
    return SettingError(f"{setting.name}={raw!r} {found}: {setting.name} ({setting.what}) must be {accepted}. Change "
                        f"it, or unset it to use Kuai's default.")
