"""``model_card.json``: what the model takes, returns, and how good and faithful it is."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

from kuai.engine import TrainingResult, family_libraries, folds_in_words, get_metric, to_jsonable, validation_reason
from kuai.engine.models.preprocessing import MISSING_CATEGORY
from kuai.engine.report.summary import selection_note
from kuai.exporters.card_schema import ModelCard

# the libraries whose versions the card records: Kuai's, the model families' (``ModelFamily.libraries``), the rest
_BEFORE_FAMILIES = ("kuai", "scikit-learn")
_AFTER_FAMILIES = ("optuna", "pandas", "numpy", "onnx", "onnxruntime", "skl2onnx", "onnxmltools", "shap")


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {}
    for name in dict.fromkeys((*_BEFORE_FAMILIES, *family_libraries(), *_AFTER_FAMILIES)):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def input_schema(result: TrainingResult) -> list[dict[str, Any]]:
    columns = []
    for column in result.schema:
        entry: dict[str, Any] = {
            "name": column.name, "type": str(column.type), "onnx_inputs": list(column.model_inputs),
            "onnx_dtype": "string" if column.is_string else "float32",
        }
        if column.is_text:
            entry["terms"] = column.terms  # the words the model reads (kuai.engine.models.text)
            entry["char_grams"] = column.grams  # and at most this many runs of three characters
            entry["missing_value"] = MISSING_CATEGORY
        elif column.is_string:
            # every one: scoring judges a value unseen against this list (cut at 200, a column of 5,000 levels had
            # most of its rows called unseen), and the README sends readers here for all of them
            entry["categories"] = list(column.categories)
            entry["missing_value"] = MISSING_CATEGORY
        elif column.type == "datetime":
            entry["parts"] = [name.rsplit("__", 1)[1] for name in column.model_inputs]
            entry["date_format"] = column.date_format  # how its text is read ("" value by value)
        columns.append(entry)
    return columns


def build_model_card(result: TrainingResult, *, parity: dict[str, Any], data_path: Path, seed: int,
                     time_budget_s: float, latency: dict[str, float] | None = None) -> ModelCard:
    best = next(e for e in result.leaderboard if e.model == result.model_name)
    metric = get_metric(result.spec.metric)
    outputs = (["label (int64 class index)", "probabilities (float32, one column per class)"]
               if result.spec.task.is_classification else ["variable (float32 predicted value)"])
    return ModelCard.from_dict({
        "kuai_version": library_versions().get("kuai", "0"),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "task": str(result.spec.task),
        "target": result.spec.target,
        "classes": list(result.spec.classes),
        "decision_rule": "highest probability" if result.spec.task.is_classification else None,
        "metric": {"name": result.spec.metric, "label": metric.label,
                   "greater_is_better": metric.greater_is_better},
        "cv_score": best.score, "cv_score_std": best.score_std, "cv_folds": result.spec.n_folds,
        "validation": {"folds": result.spec.n_folds, "group_column": result.spec.group or None,
                       "time_column": result.spec.time or None, "n_rows_scored": int(len(result.y)),
                       "reason": validation_reason(result.spec, result.n_training_rows) or None,
                       "in_words": folds_in_words(result.spec),
                       "selection": None if result.holdout is not None or len(result.leaderboard) < 2
                       else selection_note(len(result.leaderboard))},
        "model": {"name": result.model_name, "family": best.family, "is_ensemble": best.is_ensemble,
                  "members": best.members, "params": to_jsonable(best.params),
                  "bagged_folds": result.bagged_folds, "row_fraction": best.row_fraction},
        "input_schema": input_schema(result),
        "onnx_outputs": outputs,
        "dropped_columns": result.spec.dropped,
        "parity": parity,
        "latency": latency or {},
        "data_fingerprint": {"sha256": file_fingerprint(data_path),
                             "n_rows": int(result.n_training_rows),
                             "n_columns_used": len(result.schema)},
        "seed": seed, "time_budget_s": time_budget_s,
        "library_versions": library_versions(),
        "holdout": ({"n_rows": result.holdout.n_rows, "score": result.holdout.score, "how": result.holdout.how,
                     "fraction": result.spec.holdout, "note": result.holdout.note or None}
                    if result.holdout is not None else None),
        "warm_start": ({"name": result.warm_start.name, "run": result.warm_start.run,
                        "configs": list(result.warm_start.configs)} if result.warm_start else None),
        "memory": [{"family": plan.family, "row_fraction": plan.row_fraction, "need_mb": plan.need_mb,
                    "allowed_mb": plan.allowed_mb, "by_goal": plan.by_goal, "matrices_mb": plan.matrices_mb,
                    "note": plan.note} for plan in result.memory],
        **explanation_entries(result),
    })


def explanation_entries(result: TrainingResult) -> dict[str, Any]:
    """The card's entries that the explanation sets (its failure is one of the notes)."""
    return {"notes": result.notes,
            "explanation": {"method": result.explanation.method, "note": result.explanation.note,
                            "importance": result.explanation.importance} if result.explanation else None}
