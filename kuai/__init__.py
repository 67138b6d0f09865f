"""Kuai: a code-free AutoML studio for tabular data.

The product is in four layers, imported one way (docs/architecture.md):

- ``kuai.app``: the web app, the ``kuai`` command and the processes they start;
- ``kuai.exporters``: the ONNX file, its parity report, the model card and the deployment bundle;
- ``kuai.storage``: the home folder, runs, datasets, studies and MLflow tracking;
- ``kuai.engine``: reading, understanding the data, searching, choosing, explaining and reporting.

Importing ``kuai`` imports nothing else: each layer loads what it needs when first used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
