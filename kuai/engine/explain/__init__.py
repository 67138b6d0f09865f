"""Explaining the chosen model: SHAP routes, permutation importance, per-row explanations."""
