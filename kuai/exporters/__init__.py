"""Exporters: fitted engine models to portable formats, and checks that they score alike.

Only this package imports ``skl2onnx`` and ``onnxmltools``; it may import from
``engine`` but ``engine`` never imports it.
"""

import lazy_loader

# Every name of ``__init__.pyi`` is imported when first used (``kuai/engine/__init__.py`` says why).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
