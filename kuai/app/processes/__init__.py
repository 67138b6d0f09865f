"""Entry points of Kuai's processes that run a training: one module each, with a ``main()`` (see docs/processes.md)."""
