"""The chosen model's explanation: permutation importance at the refit, SHAP then or after the export.

Permutation importance needs the held-out fold's models, which only the training's process holds: it runs as soon
as the model is chosen. SHAP needs only the exported model and the training rows, so it can wait: a training that
exports in a fresh process (``kuai train``) leaves it pending (``PendingExplanation``) and the fresh process runs it
once the export's memory is gone. SHAP's imports (numba and llvmlite, ~90 MB) and its own work then never sit on
top of what the search left in the training's process; it was that process's peak on small data.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from kuai.engine.budget import MIN_SHAP_S, MONOTONIC, Clock, shap_after_export_s
from kuai.engine.explain.shap_values import explain_model

if TYPE_CHECKING:
    from kuai.engine.results import TrainingResult

logger = logging.getLogger(__name__)
SHAP_SAMPLE_ROWS = 300
SHAP_MAX_VALUES = 300_000  # rows x columns kept (explanation.json, the charts): fewer rows on many columns
SHAP_MIN_ROWS = 50


def explain_pending(result: TrainingResult, *, deferred: bool = False, clock: Clock = MONOTONIC) -> TrainingResult:
    """``result`` with its SHAP explanation (and the permutation importance already computed); unchanged if nothing
    is pending. ``deferred``: run after the export; SHAP's time then also ends ``AFTER_EXPLAIN_S`` before the
    budget's end (but it gets ``MIN_SHAP_S`` at least). An export that ended after the budget (a short budget on a
    busy machine) still gets ``MIN_SHAP_S`` while that ends within ``LATE_SHAP_S`` of the budget's end, inside the
    allowance the command has past it; later than that, SHAP is skipped with a note. An explanation that fails
    leaves a note instead: it never costs the user the model (the permutation importance goes with it: the pages
    show it beside SHAP's)."""
    pending = result.pending_explanation
    if pending is None:
        return result
    started = clock.now()
    seconds = shap_after_export_s(pending.plan, pending.shap_s, now=started) if deferred else pending.shap_s
    notes = list(result.notes)
    explanation = None
    if seconds is None:  # the export took the budget and more: the report and MLflow keep what the allowance past
        # it gives them (docs/product.md: the budget and max(5 s, 10 %))
        notes.append("No SHAP explanation: the export used the time left for it. Raise the time budget to get one.")
        return replace(result, pending_explanation=None, notes=notes)
    sample_size = shap_rows(len(result.schema))
    try:
        explanation = explain_model(result.estimator, result.model_frame, spec=result.spec, schema=result.schema,
                                    model_name=result.model_name, sample_size=sample_size, seed=result.spec.seed,
                                    time_budget_s=max(MIN_SHAP_S, seconds))
        if sample_size < min(SHAP_SAMPLE_ROWS, len(result.model_frame)):
            explanation = replace(explanation, note=(
                f"{explanation.note} At most {sample_size} rows are explained: the model reads "
                f"{len(result.schema):,} columns, and {SHAP_MAX_VALUES:,} values are kept.").strip())
        explanation = replace(pending.permutation.applied_to(explanation),
                              sample_index=[int(pending.original_rows[i]) for i in explanation.sample_index])
    except Exception as exc:  # an explanation must never cost the user a trained model
        logger.warning("SHAP explanation failed", exc_info=True)
        notes.append(f"No SHAP explanation could be computed ({type(exc).__name__}).")
    timings = dict(result.timings)
    timings["explain_s"] = timings.get("explain_s", 0.0) + clock.now() - started
    return replace(result, explanation=explanation, pending_explanation=None, notes=notes, timings=timings)


def shap_rows(n_columns: int) -> int:
    """How many rows SHAP explains at most for a model over ``n_columns`` columns."""
    return max(SHAP_MIN_ROWS, min(SHAP_SAMPLE_ROWS, SHAP_MAX_VALUES // max(1, n_columns)))
