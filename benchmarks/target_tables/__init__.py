"""The labelled target-suggestion set's tables (``benchmarks/make_target_set.py``), registered in the order the
modules are imported here: that order numbers each table's random seed."""

from target_tables import medicine, people, science  # noqa: F401  (each registers its tables)
from target_tables._common import TABLES

__all__ = ["TABLES"]
