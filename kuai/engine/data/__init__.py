"""The data, understood: column types, profile, target and task, pre-flight checks, leakage and fixes."""
