"""Storage: the home folder, datasets, runs and their events, MLflow tracking."""

import lazy_loader

# Every name of ``__init__.pyi`` is imported when first used (``kuai/engine/__init__.py`` says why).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
