"""Render helpers for the Streamlit pages: state in the tab and URL, cached loaders, tables, charts.

Pages import from the submodules directly. ``results``, ``tables`` and ``labels``
never import streamlit, so tests and other tools can use them on their own.
"""

__all__ = ["data", "labels", "live", "pickers", "profile_view", "results", "state", "tables"]
