"""A training's output folder: the ONNX export checked for parity, the model card, the leaderboard, the report and
the files the app reads back — for a training's tail (``kuai.app.services.training.publish``) and for exports of other
leaderboard models (``kuai.app.services.exports``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kuai import engine
from kuai.app.services.options import TrainOptions, user_choices
from kuai.app.services.scoring import SCHEMA_METADATA_KEY
from kuai.engine import TaskType, TrainingResult
from kuai.engine.search.memory import release_memory
from kuai.exporters import ModelCard

PARITY_ROWS = 200
PARITY_TEXT_CHARS = 1_000_000  # the training rows' texts in the parity check hold about this many characters ...
MIN_PARITY_ROWS = 20  # ... in this many rows at least
EXTREME_ROWS = 3  # the parity check's last rows: every value missing, unseen categories, extreme numbers
MODEL_OOFS_FILE = "oof_by_model.npz"  # numpy arrays only: read back with allow_pickle=False
REFIT_NOTE = ("The bagged model's ONNX graph did not match it within the parity tolerance, so it was refitted on "
              "{rows} and exported that way; the explanation describes the bagged model.")
STACK_REFIT_NOTE = ("The stack's ONNX graph did not match it within the parity tolerance, so its base models were "
                    "refitted on {rows} and averaged instead (without the stack's top model); the explanation "
                    "describes the stack.")


def parity_frame(result: TrainingResult) -> pd.DataFrame:
    """Training rows plus adversarial ones: everything missing, unseen categories, extreme numbers (built in one go:
    a model may read thousands of columns). Fewer training rows when their texts are long: the rows whose texts
    hold ``PARITY_TEXT_CHARS`` characters in all (at least ``MIN_PARITY_ROWS``; contracts of 30,000 characters made
    the check 8 s of a 20 s budget)."""
    rows = result.model_frame.head(PARITY_ROWS)
    texts = [column.safe_name for column in result.schema if column.is_text]
    if texts:
        chars = np.cumsum(sum(rows[name].astype(str).str.len().to_numpy() for name in texts))
        rows = rows.head(max(MIN_PARITY_ROWS, int(np.searchsorted(chars, PARITY_TEXT_CHARS, side="right"))))
    extra: dict[str, np.ndarray] = {}
    for column in result.schema:
        for name in column.model_inputs:
            if column.is_string:
                seen = column.categories[0] if column.categories else ""
                extra[name] = np.array(["", "never seen before", seen], dtype=object)  # EXTREME_ROWS of them
            else:
                extra[name] = np.array([np.nan, 0.0, 1e30], dtype=np.float32)
    strings = [name for column in result.schema if column.is_string for name in column.model_inputs]
    rows = rows.astype(dict.fromkeys(strings, object)) if strings else rows
    return pd.concat([rows, pd.DataFrame(extra)[rows.columns]], ignore_index=True)


@dataclass(frozen=True)
class WrittenOutputs:
    card: ModelCard
    artifacts: list[Path]  # what MLflow logs
    result: TrainingResult  # as exported and explained


def write_outputs(result: TrainingResult, out_dir: Path, *, options: TrainOptions, dataset_name: str,
                  sessions_closed: Callable[[], None] = lambda: None,
                  explaining: Callable[[], None] = lambda: None) -> WrittenOutputs:
    """Export and write every output. ``sessions_closed`` is called once the last ONNX Runtime session is gone
    (the memory peak of the export), before the report and the other files. A pending SHAP explanation
    (``kuai.engine.explain.step``) runs then, after ``explaining`` is called, on the memory the export gave back, and
    before ``sessions_closed``: MLflow's side process does not import beside it. The result returned is the one
    explained."""
    from kuai import exporters

    exporters.register_converters()
    release_memory()  # what the search and refit freed, before the conversion
    serialized = _converted(result)
    parity = exporters.check_parity(result.estimator, serialized, parity_frame(result), result.spec.task,
                                    n_extreme=EXTREME_ROWS)
    if not parity.passed and result.bagged_folds:  # a float32 tie at a split in one of many fold models
        result = refitted_instead(result)
        serialized = _converted(result)
        parity = exporters.check_parity(result.estimator, serialized, parity_frame(result), result.spec.task,
                                    n_extreme=EXTREME_ROWS)
    release_memory()  # the parity check's ONNX Runtime session
    onnx_model = exporters.load_onnx(serialized)
    del serialized
    card = exporters.build_model_card(result, parity=parity.to_dict(), data_path=options.data_path,
                                      seed=options.seed, time_budget_s=options.time_budget_s)
    card = card.with_entries(your_choices=user_choices(options))
    embed_schema(onnx_model, card)
    threshold = default_threshold(result)
    if threshold is not None:
        card = card.with_entries(decision_threshold=exporters.decision_threshold_entry(threshold))
        exporters.set_onnx_threshold(onnx_model, threshold.threshold)
        (out_dir / exporters.THRESHOLD_FILE).write_text(json.dumps(engine.to_jsonable(threshold), indent=2))
    model_path = out_dir / "model.onnx"
    engine.write_atomically(model_path, onnx_model.SerializeToString())
    del onnx_model
    release_memory()
    card = card.with_entries(latency=exporters.measure_latency(model_path, parity_frame(result), result.schema))
    release_memory()
    if result.pending_explanation is not None:
        explaining()
        result = engine.explain_pending(result, deferred=True)
        card = card.with_entries(**exporters.explanation_entries(result))
    sessions_closed()
    card = card.with_entries(timings_s={k: round(v, 2) for k, v in result.timings.items()})  # search, refit, explain
    if result.limits is not None:
        rows_per_s = card.latency.batch_rows_per_s if card.latency is not None else 0.0
        card = card.with_entries(limits=result.limits.card(1000.0 / max(rows_per_s, 1e-9),
                                                           model_path.stat().st_size / 2**20))
    card_path = out_dir / "model_card.json"
    engine.write_atomically(card_path, json.dumps(card.to_dict(), indent=2, default=str))
    leaderboard_path = write_leaderboard(result, out_dir / "leaderboard.csv")
    evaluation = engine.evaluate(result.spec, result.y, np.asarray(result.oof), model_frame=result.model_frame,
                                 schema=result.schema, seed=options.seed, columns_first=relied_on(result))
    report_path = exporters.write_report(result, out_dir / exporters.REPORT_FILE, dataset_name=dataset_name,
                                         card=card.to_dict(), evaluation=evaluation)
    engine.write_atomically(out_dir / "explanation.json", json.dumps(engine.to_jsonable(result.explanation)))
    oofs: dict[str, Any] = {name: np.asarray(oof, dtype=np.float32) for name, oof in result.model_oofs.items()}
    np.savez_compressed(out_dir / MODEL_OOFS_FILE, **oofs)
    engine.write_atomically(out_dir / "trials.json", json.dumps(engine.to_jsonable(result.trials)))
    engine.write_atomically(out_dir / exporters.EVALUATION_FILE, json.dumps({
        "y": result.y.tolist(), "oof": np.asarray(result.oof).round(6).tolist(),
        "spec": engine.to_jsonable(result.spec), "leaderboard": engine.to_jsonable(result.leaderboard),
        "model_name": result.model_name, "summary": engine.plain_summary(result),
        "evaluation": engine.to_jsonable(evaluation),
    }))
    examples = exporters.write_bundle_examples(out_dir, card.to_dict())  # README.md, score.py, score.js, package.json
    return WrittenOutputs(card, [model_path, card_path, leaderboard_path, report_path, *examples], result)


def relied_on(result: TrainingResult) -> list[str]:
    """The columns by how much the model relies on them (SHAP, else the shuffle test), or none when unexplained."""
    explanation = result.explanation
    if explanation is None:
        pending = result.pending_explanation
        return list(pending.permutation.importance) if pending is not None else []
    return list(explanation.importance or explanation.permutation_importance)


def _converted(result: TrainingResult) -> bytes:
    """The model as serialized ONNX; the in-memory graph (several times bigger) is freed before the parity check
    loads the bytes into ONNX Runtime, so that the two are never held together."""
    from kuai import exporters

    serialized = exporters.to_onnx_model(result.estimator, result.schema, result.spec.task).SerializeToString()
    release_memory()
    return serialized


def refitted_instead(result: TrainingResult) -> TrainingResult:
    """The bagged model refitted on the rows the result holds, for when its ONNX graph missed parity (docs/search.md,
    Bagging): every row, or the rows the cross-validation scored (a large table's sample, the later periods of folds
    forward in time), and the note and the row count say which."""
    prepared = engine.Prepared(spec=result.spec, index=result.model_frame.index, y=result.y, schema=result.schema,
                               X=result.model_frame)
    estimator = engine.refit_model(prepared, model_members(result.leaderboard, result.trials, result.model_name))
    rows = "all rows" if len(result.y) >= result.n_training_rows else (
        f"the {len(result.y):,} rows the cross-validation scored (of the {result.n_training_rows:,} the search "
        "learned from)")
    note = (REFIT_NOTE if result.model_name != engine.STACK_NAME else STACK_REFIT_NOTE).format(rows=rows)
    return replace(result, estimator=estimator, bagged_folds=0, notes=[*result.notes, note])


def model_members(leaderboard: list[engine.LeaderboardEntry], trials: list[engine.TrialRecord],
                  model: str) -> list[tuple[engine.TrialRecord, float]]:
    """The trials behind a leaderboard model and their weights (one, weight 1, for a single model; a stack's base
    models, equally weighted: what stands in for it refitted)."""
    by_name = {f"{t.family}_{t.number}": t for t in trials}
    entry = next(e for e in leaderboard if e.model == model)
    if entry.is_ensemble or entry.model == engine.STACK_NAME:
        return [(by_name[m], w) for m, w in entry.members.items()]
    return [(by_name[model], 1.0)]


def default_threshold(result: TrainingResult) -> engine.ThresholdChoice | None:
    """Binary tasks: 0.5 on the positive class's probability (the most probable class), with its figures."""
    if result.spec.task is not TaskType.BINARY:
        return None
    return engine.threshold_choice(result.y, np.asarray(result.oof)[:, 1], 0.5,
                                   positive_class=result.spec.classes[1], source="default")


def embed_schema(onnx_model: Any, card: ModelCard) -> None:
    """Put what scoring needs into the ONNX file itself, so a lone .onnx can be used."""
    whole = card.to_dict()
    payload = {k: whole[k] for k in ("task", "target", "classes", "input_schema", "metric")}
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = SCHEMA_METADATA_KEY, json.dumps(payload)


def write_leaderboard(result: TrainingResult, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "model", "score", "score_std", "fit_time_s", "predict_ms_per_1000_rows",
                         "params"])
        for e in result.leaderboard:
            writer.writerow([e.rank, e.model, f"{e.score:.6g}", f"{e.score_std:.6g}", f"{e.fit_time_s:.4g}",
                             f"{e.predict_ms_per_1000_rows:.4g}", json.dumps(engine.to_jsonable(e.params))])
    return path
