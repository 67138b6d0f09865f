"""Entry points of the processes Kuai starts: one module each, with a ``main()`` (see docs/processes.md)."""

import signal

__all__ = ["heed_interrupts"]


def heed_interrupts() -> None:
    """What a child of ``kuai train`` (the search, the export) sets first: the SIGINT its parent passes on
    (``kuai.app.processes.train``) stops it with ``KeyboardInterrupt``, even when the command started with SIGINT
    ignored, as a background job of a shell script does (``kuai train ... &``). The parent handles SIGINT whatever it
    inherited; its children inherited "ignored" and trained on to the end."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
