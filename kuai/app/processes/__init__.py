"""Entry points of the processes Kuai starts: one module each, with a ``main()`` (see docs/processes.md)."""
