"""The ``kuai`` command: a stable contract that scripts and benchmarks rely on (docs/product.md).

Exit codes: 0 success, 2 bad input or usage (one readable line on stderr),
1 internal error (a short line on stderr; the traceback goes to the log file).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kuai.app.cli_arguments import (
    DEFAULT_SEED,
    DEFAULT_TIME_BUDGET_S,
    EXIT_BAD_INPUT,
    build_parser,
    date_formats,
    file_reading,
    given_with_resume,
    group_option,
    scale_out,
    type_overrides,
)
from kuai.app.cli_arguments import UsageError as _UsageError
from kuai.app.console import evaluation_lines, progress_line, summary_line, tracking_lines

START = time.monotonic()
logger = logging.getLogger("kuai")
EXIT_OK, EXIT_INTERNAL = 0, 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while the command starts (its own errors are handled in _main)
        print("kuai: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    arguments = build_parser().parse_args(argv)
    from kuai.engine import EngineError
    from kuai.exporters import ExporterError, ExportError

    try:
        from kuai.storage import check_settings

        check_settings()  # every KUAI_* setting, before it is used anywhere (BAD_SETTING)
        _configure_logging()  # the home folder first: the log lives there, and every command stores something
    except EngineError as exc:  # BAD_SETTING, BAD_HOME: which, why, what to do; nothing else can run
        print(f"kuai: error {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if arguments.command in ("worker", "export", "_search", "_tail"):  # a model that would not fit fails
            from kuai.app.services.limits import prepare_training_process

            prepare_training_process()
        code = int(_COMMANDS[arguments.command](arguments))
        if arguments.command in ("train", "worker", "_search", "_tail"):
            _fast_exit(code)
        return code
    except ExportError as exc:
        if arguments.command not in ("train", "_search", "_tail"):  # predict: the user's model file is the bad input
            print(f"kuai: error {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        logger.error("export failed\n%s", traceback.format_exc())  # our model failed to convert
        print(f"kuai: internal error [{exc.code}] {exc.message}", file=sys.stderr)
        return EXIT_INTERNAL
    except (EngineError, ExporterError) as exc:
        print(f"kuai: error {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _UsageError as exc:
        print(f"kuai: error [USAGE]: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("kuai: interrupted", file=sys.stderr)
        return 130
    except PermissionError as exc:  # a file or folder the user named (or the home folder's) that we may not use
        logger.error("permission denied\n%s", traceback.format_exc())
        named = f" '{exc.filename}'" if exc.filename else ""
        print(f"kuai: error [PERMISSION_DENIED] Kuai may not use{named} (permission denied). Give your user access "
              "to it, or choose another path.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader of our output left (`kuai profile … | head -1`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush must not fail again
        return EXIT_OK
    except Exception as exc:
        from kuai.engine import DISK_FULL_MESSAGE, full_disk_path, is_disk_full, shown_text

        if isinstance(exc, MemoryError) or "failed to map segment" in str(exc):  # a library that cannot be mapped
            logger.error("out of memory\n%s", traceback.format_exc())
            from kuai.app.services.limits import memory_limit_text

            print(f"kuai: error [TOO_BIG_FOR_MEMORY] This needs {memory_limit_text()}.", file=sys.stderr)
            return EXIT_INTERNAL
        if is_disk_full(exc):  # not the user's input, not our bug: say what to do, keep the details in the log
            logger.error("disk full\n%s", traceback.format_exc())
            where = full_disk_path(exc)
            print(f"kuai: error [DISK_FULL] {DISK_FULL_MESSAGE}" + (f" (writing {where})" if where else ""),
                  file=sys.stderr)
            return EXIT_INTERNAL
        logger.error("internal error\n%s", traceback.format_exc())
        print(f"kuai: internal error [INTERNAL]: {shown_text(exc)}. Details: {_log_path()}",
              file=sys.stderr)
        return EXIT_INTERNAL


def _fast_exit(code: int) -> None:
    """Skip the interpreter's slow teardown of the model libraries (about a second) after train."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def _log_path() -> Path:
    from kuai.storage import home_dir

    (home_dir() / "logs").mkdir(exist_ok=True)
    return home_dir() / "logs" / "kuai.log"


def _configure_logging() -> None:
    """Log to the home folder's ``logs/kuai.log``; a home folder that cannot hold it is ``BAD_HOME``."""
    import warnings

    from kuai.storage import home_dir, unusable_home

    logging.raiseExceptions = False  # a log file on a full disk must not print its own traceback

    warnings.filterwarnings("ignore")
    try:
        handler = logging.FileHandler(_log_path(), encoding="utf-8")
    except OSError as exc:  # a 'logs' file where the folder should be, a log file Kuai may not write
        raise unusable_home(home_dir(), exc) from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)  # one past the filter (scikit-learn #32631: threads reset it) goes to the log


def _cmd_app(arguments: argparse.Namespace) -> int:
    from kuai.app.services.launcher import launch_app

    return launch_app(host=arguments.host, port=arguments.port, allow_remote=arguments.allow_remote,
                      open_browser=not arguments.no_browser)


def _cmd_profile(arguments: argparse.Namespace) -> int:
    from kuai import engine
    from kuai.app.services.isolated import read_table_within_limits

    frame, dialect = read_table_within_limits(arguments.data, options=file_reading(arguments))
    profile = engine.profile_dataset(frame, target=arguments.target, type_overrides=type_overrides(arguments.types),
                                     date_formats=date_formats(arguments.date_formats),
                                     keep_label_variants=arguments.keep_label_variants)
    reading = list(dialect.notes) if dialect is not None else []
    if arguments.json:
        payload = profile.to_dict()
        payload["target"] = {k: payload["target"][k] for k in ("suggested", "candidates", "reason",
                                                               "candidate_reasons")}
        payload["warnings"] = [{k: w[k] for k in ("code", "column", "columns", "message", "action", "severity",
                                                  "fix")} for w in payload["warnings"]]
        payload["reading"] = {"delimiter": dialect.delimiter, "encoding": dialect.encoding,
                              "decimal": dialect.decimal, "header_rows": dialect.header_rows,
                              "skip_rows": dialect.preamble_lines, "notes": reading} if dialect is not None \
            else {"notes": reading}
        if dialect is not None and dialect.sheet:
            payload["reading"]["sheet"] = dialect.sheet
        print(json.dumps(_finite(payload), indent=2, default=str, allow_nan=False))
        return EXIT_OK
    _print_profile(profile, list(engine.describe_reading(dialect)))  # the delimiter and encoding first
    return EXIT_OK


def _print_profile(profile: Any, reading: list[str]) -> None:
    print(f"{profile.n_rows:,} rows × {profile.n_columns} columns")
    for note in reading:
        print(f"  read: {note}")
    for note in profile.notes:
        print(f"  note: {note}")
    for column in profile.columns:
        print(f"  {column.name:<28} {column.type:<12} {column.missing_fraction:6.1%} missing  {column.reason}")
    print(f"target: {profile.target.suggested}  ({profile.target.reason})")
    for name, why in zip(profile.target.candidates[1:], profile.target.candidate_reasons[1:], strict=False):
        print(f"  or:   {name}  ({why.split(': ', 1)[-1]})")
    print(f"task:   {profile.task}  ({profile.task_reason})")
    print(f"metric: {profile.metric}  ({profile.metric_reason})")
    print(f"validation: {profile.validation_reason}")
    if profile.resources is not None:
        print(f"machine: {profile.resources.reason}")
    for warning in profile.warnings:
        fix = f"  [fix: {warning.fix.label}]" if warning.fix is not None else ""
        print(f"  [{warning.code}] {warning.message} {warning.action}{fix}")


def _finite(value: object) -> object:
    """NaN and infinities as null: strict JSON parsers reject them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _cmd_train(arguments: argparse.Namespace) -> int:
    from kuai.app.services.options import TrainOptions
    from kuai.engine import Limits, TaskType

    if arguments.resume is not None:
        return _resume(arguments)
    if arguments.data is None or arguments.out is None:
        raise _UsageError("train needs DATA and --out DIR (or --resume DIR)")
    options = TrainOptions(
        data_path=arguments.data, target=arguments.target,
        task=None if arguments.task == "auto" else TaskType(arguments.task), metric=arguments.metric,
        time_budget_s=DEFAULT_TIME_BUDGET_S if arguments.time_budget is None else arguments.time_budget,
        seed=DEFAULT_SEED if arguments.seed is None else arguments.seed,
        type_overrides=type_overrides(arguments.types),
        excluded=tuple(arguments.exclude), n_folds=arguments.folds, apply_suggested_fixes=arguments.apply_fixes,
        families=arguments.families,
        group=group_option(arguments.group), time=arguments.time, holdout=arguments.holdout or 0.0,
        scale_out=scale_out(arguments), limits=Limits(arguments.max_latency_ms, arguments.max_size_mb),
        class_weight="" if arguments.class_weight == "none" else arguments.class_weight,
        use_past_runs=arguments.use_past_runs, date_formats=date_formats(arguments.date_formats),
        keep_label_variants=arguments.keep_label_variants, reading=file_reading(arguments))

    return _train(options, arguments.out, overwrite=arguments.overwrite)


def _resume(arguments: argparse.Namespace) -> int:
    """``train --resume DIR``: continue a stopped training with the options it started with; a finished one is left
    as it is (exit 0: a script that resumes after a crash need not know whether the training had finished)."""
    from kuai.app.services.options import finished_at, finished_message, resume_options

    given = given_with_resume(arguments)
    if given:
        raise _UsageError(f"--resume DIR continues the training in DIR with the data and options it started with; "
                          f"{', '.join(given)} cannot be given with it (start a new training in a new folder to "
                          "change them)")
    ended = finished_at(arguments.resume)
    if ended is not None:
        print(finished_message(arguments.resume, ended), flush=True)
        return EXIT_OK
    options = resume_options(arguments.resume)
    print(f"Resuming the training in {arguments.resume} with {options.time_budget_s:.0f} s left", flush=True)
    return _train(options, arguments.resume)


def _train(options: Any, out: Path, *, overwrite: bool = False) -> int:
    """The search and the export in child processes (``kuai.app.processes.train``); the summary, or a child's exit
    code (it said why)."""
    from kuai.app.processes.train import train

    outcome = train(options, out, started=START, progress=_progress, overwrite=overwrite)
    return outcome if isinstance(outcome, int) else _report_training(outcome)


def _progress(event: Any) -> None:  # one write a line: trials' lines come from the study's writer thread
    sys.stdout.write(progress_line(event.elapsed_s, event.stage, event.message) + "\n")
    sys.stdout.flush()


def _report_training(summary: Any) -> int:
    """The summary line, and what became of the MLflow logging on stderr (a warning when the run was not logged:
    the outputs are complete, so the exit code stays 0)."""
    print(summary_line(model_name=summary.model_name, metric=summary.metric, score=summary.score,
                       score_std=summary.score_std, parity_max_diff=summary.parity_max_diff,
                       wall_time_s=summary.wall_time_s, out_dir=str(summary.out_dir)))
    for line in tracking_lines(summary.tracking, str(summary.out_dir)):
        print(line, file=sys.stderr)
    return EXIT_OK


def _cmd_predict(arguments: argparse.Namespace) -> int:
    from kuai.app.services.isolated import read_table_within_limits
    from kuai.app.services.prediction_file import check_predictions_path, write_predictions_file
    from kuai.app.services.scoring import load_model, score_table
    from kuai.engine import check_row_count

    out = check_predictions_path(arguments.out, reading=(arguments.data, arguments.model),
                                 overwrite=arguments.overwrite)
    model = load_model(arguments.model)  # opened in the scoring sandbox, its metadata checked
    try:
        frame, dialect = read_table_within_limits(arguments.data, scoring=True,  # every row kept, in order
                                                  options=file_reading(arguments))
        scored = score_table(model, frame)
    finally:
        model.close()
    check_row_count(len(frame), len(scored.predictions), "Scoring the file")  # never a file that misaligns
    write_predictions_file(scored.predictions, out, overwrite=arguments.overwrite)
    print(f"{len(scored.predictions):,} predictions -> {arguments.out}")
    reading = dialect.notes if dialect is not None else ()
    for note in (*reading, *scored.notes):  # lines not rows, rows of missing values; values not read, unseen
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _cmd_evaluate(arguments: argparse.Namespace) -> int:
    from kuai.app.services.evaluate_file import check_out_folder, evaluate_file, write_evaluation

    if arguments.out is not None:  # before any work
        check_out_folder(arguments.out)
    evaluation = evaluate_file(arguments.model, arguments.data, reading=file_reading(arguments))
    known = evaluation.known
    if arguments.out is not None:
        write_evaluation(evaluation, arguments.out, file_name=arguments.data.name)
    for line in evaluation_lines(evaluation.model_name, known.n_rows, known.scores, known.summary,
                                 file_name=arguments.data.name, out=arguments.out):
        print(line)
    for note in (*evaluation.reading_notes, *known.notes):
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _cmd_export(arguments: argparse.Namespace) -> int:
    from kuai.app.services.exports import export_model
    from kuai.exporters import ModelCard

    folder = export_model(arguments.run, arguments.model)
    card = ModelCard.read(folder)
    print(f"model: {arguments.model}  {card.metric.name} {card.cv_score:.4f} ± {card.cv_score_std:.4f}  "
          f"ONNX parity {card.parity_figure:.1e}  -> {folder}")
    return EXIT_OK


def _cmd_worker(arguments: argparse.Namespace) -> int:
    from kuai.app.services.scaleout import join_study, work
    from kuai.storage import worker_id

    scale = scale_out(arguments)
    if scale is None:
        raise _UsageError("worker needs --storage URL (or KUAI_STORAGE): the database of the study to join")
    name = join_study(scale, arguments.study, wait_s=max(0.0, arguments.wait))
    print(f"worker {worker_id()} joined study '{name}'", flush=True)
    outcome = work(scale, name, progress=_progress)
    finished = "finished it" if outcome.finished_here else "another process finishes it"
    print(f"worker {worker_id()}: ran {outcome.trials_run} trials; {outcome.trials_complete} complete in the study; "
          f"{finished}" + (f" -> {outcome.run_dir}" if outcome.run_dir else ""), flush=True)
    if outcome.summary is not None:  # this worker finished the study and logged it to MLflow
        for line in tracking_lines(outcome.summary.tracking, str(outcome.summary.out_dir)):
            print(line, file=sys.stderr)
    return EXIT_OK


def _cmd_serve(arguments: argparse.Namespace) -> int:
    from kuai.app.services.serving import serve

    return serve(arguments.model, arguments.port)


def _cmd_track(arguments: argparse.Namespace) -> int:
    """Log the runs whose MLflow logging failed (the server was down, the disk full): their spools are kept."""
    from kuai.app.services.replay import replay_runs

    if arguments.folder is not None and not arguments.folder.is_dir():
        raise _UsageError(f"'{arguments.folder}' is not a folder written by 'kuai train'")
    report = replay_runs(arguments.folder)
    if not report.logged and not report.failures:
        where = f"in {arguments.folder}" if arguments.folder is not None else "in the home folder"
        print(f"Nothing to log: no run {where} waits for MLflow.")
    for line in report.logged:
        print(line)
    for line in report.said:
        print(line, file=sys.stderr)
    return EXIT_INTERNAL if report.failures else EXIT_OK


def _cmd_search(arguments: argparse.Namespace) -> int:
    """``train``'s search child (``kuai.app.processes.search``): not for users."""
    from kuai.app.processes import search

    return search.run(arguments, _progress)


def _cmd_tail(arguments: argparse.Namespace) -> int:
    """``train``'s export child (``kuai.app.processes.tail``): not for users."""
    from kuai.app.processes import tail

    return tail.run(arguments, _progress)


_COMMANDS = {"app": _cmd_app, "profile": _cmd_profile, "train": _cmd_train, "predict": _cmd_predict,
             "evaluate": _cmd_evaluate,
             "export": _cmd_export, "serve": _cmd_serve, "worker": _cmd_worker, "track": _cmd_track,
             "_search": _cmd_search, "_tail": _cmd_tail}

if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
