"""The lines ``kuai train`` prints, in one place: the CLI prints them, and so does the process that waits for
MLflow at the end of a training (``app.services.handoff``), which imports nothing else of Kuai."""

from __future__ import annotations


def progress_line(elapsed_s: float, stage: str, message: str) -> str:
    return f"[{elapsed_s:6.1f}s] {stage:<9} {message}"


def summary_line(*, model_name: str, metric: str, score: float, score_std: float, parity_max_diff: float,
                 wall_time_s: float, out_dir: str) -> str:
    return (f"model: {model_name}  {metric} {score:.4f} ± {score_std:.4f}  ONNX parity {parity_max_diff:.1e}  "
            f"wall {wall_time_s:.1f}s  -> {out_dir}")
