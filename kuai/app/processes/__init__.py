"""Entry points of the processes Kuai starts: one module each, with a ``main()`` (see docs/processes.md)."""

import os
import signal
import time
from pathlib import Path

__all__ = ["heed_interrupts", "process_age_s"]


def heed_interrupts() -> None:
    """What a child of ``kuai train`` (the search, the export) sets first: the SIGINT its parent passes on
    (``kuai.app.processes.train``) stops it with ``KeyboardInterrupt``, even when the command started with SIGINT
    ignored, as a background job of a shell script does (``kuai train ... &``). The parent handles SIGINT whatever it
    inherited; its children inherited "ignored" and trained on to the end."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def process_age_s() -> float:
    """How long ago this process started (Linux: ``/proc/self/stat``'s start time, in clock ticks since boot,
    suspended time included, as ``CLOCK_BOOTTIME`` counts); 0 where that cannot be read."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0
