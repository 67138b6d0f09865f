"""The lines ``kuai train`` prints, in one place: the CLI prints them, and so does the process that waits for
MLflow at the end of a training (``kuai.app.processes.train``), which holds little else of Kuai."""

from __future__ import annotations

from typing import Any

TRACKING_FAILED = "TRACKING_FAILED"  # kuai.storage.tracking_status's code (this module imports nothing of Kuai)


def progress_line(elapsed_s: float, stage: str, message: str) -> str:
    return f"[{elapsed_s:6.1f}s] {stage:<9} {message}"


def summary_line(*, model_name: str, metric: str, score: float, score_std: float, parity_max_diff: float,
                 wall_time_s: float, out_dir: str) -> str:
    return (f"model: {model_name}  {metric} {score:.4f} ± {score_std:.4f}  ONNX parity {parity_max_diff:.1e}  "
            f"wall {wall_time_s:.1f}s  -> {out_dir}")


def evaluation_lines(model_name: str, n_rows: int, scores: dict[str, float], summary: str, *, file_name: str,
                     out: object | None) -> list[str]:
    """``kuai evaluate``'s stdout: the rows scored, every metric (its model's own first), the plain summary."""
    lines = [f"evaluated {model_name} on {n_rows:,} rows of {file_name}"]
    lines += [f"  {name:<18} {value:.4f}" if value == value else f"  {name:<18} cannot be computed on these rows"
              for name, value in scores.items()]
    lines.append(summary)
    if out is not None:
        lines.append(f"-> {out} (evaluation.html, evaluation.json, predictions.csv)")
    return lines


def tracking_lines(outcome: dict[str, Any] | None, out_dir: str) -> list[str]:
    """What ``kuai train`` says on stderr about its MLflow logging (``kuai.storage.tracking_status.outcome``): nothing
    when it went quietly; notes (Kuai's store repaired, earlier runs being logged); a warning when the run was not
    logged — the training's outputs are complete all the same, so the exit code stays 0."""
    if not outcome:
        return []
    lines = [f"kuai: note: {note}" for note in outcome.get("notes") or ()]
    state = outcome.get("state")
    if state == "pending" and outcome.get("reason"):  # bound to fail, known already: said now, as a warning
        lines.append(f"kuai: warning [{TRACKING_FAILED}] The run will not be logged to MLflow ({outcome['reason']}); "
                     f"the outputs in {out_dir} are complete. The outcome will be written to "
                     f"{outcome.get('status_file')}.")
    elif state == "pending":
        lines.append("kuai: note: MLflow is still logging the run, in the background (the command does not wait for "
                     f"it beyond its budget); what becomes of it will be written to {outcome.get('status_file')} "
                     f"(its log: {outcome.get('log')}).")
    elif state == "failed":
        lines.append(f"kuai: warning [{outcome.get('code') or 'TRACKING_FAILED'}] The run was not logged to MLflow "
                     f"({outcome.get('reason')}); the outputs in {out_dir} are complete. {outcome.get('action')}")
    waiting = outcome.get("replaying") or ()
    if waiting:
        lines.append(f"kuai: note: {len(waiting)} earlier run(s) that could not be logged to this store are being "
                     f"logged now, in the background (the first: {waiting[0]}).")
    return lines
