"""Kuai's application layer: the web app, the ``kuai`` command, and the processes they start.

Every Kuai process starts here (the command, the web app's server and its run worker, the readers, the export and
the scoring children), so the settings a whole process needs are made here, once, before any library is imported.
"""

import os
from pathlib import Path

# Two OpenMP runtimes live in one process (scikit-learn's bundled one and the one LightGBM links); spinning threads
# of one starve the other on a 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

PROJECT_FOLDER = Path(__file__).resolve().parents[2]
"""The folder holding the ``kuai`` package: the working folder of Kuai's child processes, and, in a source
checkout, of the sample data (``sample_data/``)."""

__all__ = ["PROJECT_FOLDER"]
