"""Kuai's engine: reading, profiling, task detection, search, ensembling, explanation.

Pure Python over pandas and the model libraries; it imports nothing of the app,
storage or exporters, reports progress through a callback and stops on request.
"""

import os

# Two OpenMP runtimes live in one process (scikit-learn's bundled one and the one
# LightGBM links); spinning threads of one starve the other on a 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lazy_loader

# Every name of ``__init__.pyi`` is imported when first used: ``from engine import EngineError`` loads the errors,
# not pandas, scikit-learn and the model libraries (a CLI error path, or the isolated reader, starts in a second).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
