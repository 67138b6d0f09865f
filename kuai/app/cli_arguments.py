"""The ``kuai`` command's arguments: the parser (docs/product.md) and the conversions of what the user typed.

A value the parser cannot take is a usage error (exit 2, one line); ``UsageError`` is one found after parsing.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2
DEFAULT_TIME_BUDGET_S, DEFAULT_SEED = 60.0, 0  # train's, when not given (None: given with --resume is refused)


class UsageError(Exception):
    """Arguments that parse but do not go together (or a pair the parser cannot check): exit 2, one line."""


class _Parser(argparse.ArgumentParser):
    """Every parser of the CLI (the sub-commands' too): no abbreviated options (``--time 30`` is not taken for
    ``--time-budget 30``: an option that does not exist is a usage error, never a guess)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"kuai: error [USAGE]: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kuai", description="Kuai: AutoML for tabular data.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                     metavar="{app,profile,train,worker,predict,evaluate,export,serve,track}")
    app = commands.add_parser("app", help="start the web app")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=_port, default=8501)
    app.add_argument("--allow-remote", action="store_true",
                     help="required to bind anything but loopback; authentication is then yours to add")
    app.add_argument("--no-browser", action="store_true",
                     help="do not open the app in the browser (it is not opened where there is no screen either)")
    profile = commands.add_parser("profile", help="profile a data file")
    profile.add_argument("data", type=Path)
    profile.add_argument("--json", action="store_true", help="print one JSON object")
    profile.add_argument("--target", help="the column to predict (default: Kuai's suggestion)")
    _add_type_option(profile)
    _add_reading_options(profile)
    train = commands.add_parser("train", help="train, export and report")
    train.add_argument("data", type=Path, nargs="?")
    train.add_argument("--target")
    train.add_argument("--task", choices=["auto", "binary", "multiclass", "regression"], default="auto")
    train.add_argument("--metric")
    train.add_argument("--time-budget", type=_checked(float, "check_time_budget", "a number of seconds"),
                       dest="time_budget", metavar="SECONDS", help="how long the whole command may take (default 60)")
    train.add_argument("--seed", type=_checked(int, "check_seed", "a whole number"),
                       help=f"the random seed, 0 to 2**32 - 1 (default {DEFAULT_SEED})")
    train.add_argument("--out", type=Path, help="a new or empty folder for the outputs (Kuai never deletes or "
                       "overwrites files it did not write)")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the earlier Kuai training in --out: the files Kuai wrote there, "
                            "with any edits you made to them; nothing else")
    train.add_argument("--resume", type=Path, metavar="DIR",
                       help="continue a training that was stopped (killed, crashed) in DIR, to its budget")
    _add_type_option(train)
    _add_reading_options(train)
    train.add_argument("--exclude", action="append", default=[], metavar="COL",
                       help="leave this column out of the features (repeatable)")
    train.add_argument("--folds", type=_checked(int, "check_folds", "a whole number"),
                       help="cross-validation folds, at least 2 and at most the rarest class's rows (default: chosen "
                            "by size)")
    train.add_argument("--group", metavar="COL|none",
                       help="keep each value's rows in one fold (a patient, customer or machine on several rows), so "
                            "the score is for new ones; none: fold rows one by one (default: chosen by Kuai, who "
                            "says why)")
    train.add_argument("--time", metavar="COL",
                       help="predict the future: score models on later rows than they learned from, by this date "
                            "(or number) column, never on shuffled rows")
    train.add_argument("--holdout", type=_checked(float, "check_holdout", "a share of the rows, e.g. 0.2"),
                       metavar="FRACTION", help="keep this share of the rows out of the whole search and score the "
                       "chosen model on it once, at the end (the latest rows with --time; whole groups with a group)")
    limit = _checked(float, "check_limit", "a number")
    train.add_argument("--max-latency-ms", type=limit, dest="max_latency_ms", metavar="MS",
                       help="export the best model that predicts a row within MS milliseconds (in a batch)")
    train.add_argument("--max-size-mb", type=limit, dest="max_size_mb", metavar="MB",
                       help="export the best model whose ONNX file is within MB megabytes")
    train.add_argument("--class-weight", choices=["none", "balanced"], default="none", dest="class_weight",
                       help="balanced: every class weighs the same in training, so rare classes count more "
                            "(classification; probabilities then lean towards them)")
    train.add_argument("--families", type=_checked(_names, "check_families", "a list of model families (e.g. "
                                                   "lightgbm,mlp; the families: kuai train --help)"),
                       default=(), metavar="NAME[,NAME]",
                       help="search only these model families, in this order: lightgbm, linear, extra_trees, "
                            "catboost, random_forest, hist_gb (the default ones), xgboost, mlp (a neural network; "
                            "these two only when named)")
    train.add_argument("--ignore-past-runs", action="store_false", dest="use_past_runs",
                       help="do not start from the best models of a similar earlier training in the home folder")
    train.add_argument("--apply-fixes", action="store_true", dest="apply_fixes",
                       help="apply the one-click fixes the pre-flight checks propose (kuai profile lists them)")
    _add_scale_out_options(train, study_help="name the new study (default: chosen by Kuai)")
    worker = commands.add_parser("worker", help="join a study on shared storage and run its trials until its deadline")
    _add_scale_out_options(worker, study_help="the study to join (default: the newest one still searching)")
    worker.add_argument("--wait", type=_seconds_to_wait, default=60.0,
                        help="seconds to wait for a study to start (default 60)")
    predict = commands.add_parser("predict", help="score data with a trained model")
    predict.add_argument("model", type=Path)
    predict.add_argument("data", type=Path)
    predict.add_argument("--out", type=Path, required=True,
                         help="a new file for the predictions (Kuai never overwrites a file without --overwrite)")
    predict.add_argument("--overwrite", action="store_true",
                         help="replace --out if it is an existing file (never a link, the data or the model)")
    _add_reading_options(predict)
    evaluate = commands.add_parser("evaluate", help="check a trained model on a file with known answers")
    evaluate.add_argument("model", type=Path, help="a folder written by 'kuai train', or its model.onnx")
    evaluate.add_argument("data", type=Path, help="a file with the model's input columns and its target column")
    evaluate.add_argument("--out", type=Path, help="a new or empty folder for evaluation.html, evaluation.json and "
                          "predictions.csv")
    _add_reading_options(evaluate)
    export = commands.add_parser("export", help="export another model of a run's leaderboard (refit on the same rows)")
    export.add_argument("run", type=Path, help="a folder written by 'kuai train'")
    export.add_argument("--model", required=True, help="a model name from leaderboard.csv, e.g. lightgbm_3 or ensemble")
    serve = commands.add_parser("serve", help="serve a trained model over REST on 127.0.0.1 (MLflow's server)")
    serve.add_argument("model", help="a folder written by 'kuai train', or models:/NAME/VERSION")
    serve.add_argument("--port", type=_port, default=5001)
    track = commands.add_parser("track", help="log to MLflow the runs that could not be logged when they ended")
    track.add_argument("folder", type=Path, nargs="?", metavar="DIR",
                       help="a folder written by 'kuai train' (default: every run waiting in the home folder)")
    # train's children (kuai.app.processes.search, .tail); not listed
    search = commands.add_parser("_search")
    search.add_argument("out", type=Path)
    search.add_argument("options")
    search.add_argument("started", type=float)
    search.add_argument("hand_over", type=Path)
    search.add_argument("sidecar_pid", type=int)
    tail = commands.add_parser("_tail")
    tail.add_argument("file", type=Path)
    return parser


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names, each once, without blanks."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))  # each once
    if not names:
        raise ValueError(text)
    return names


def _checked(parse: Callable[[str], Any], check: str, kind: str) -> Callable[[str], Any]:
    """An argparse type: ``parse`` the text, then the engine's ``check`` (``kuai.engine.data.option_checks``) on
    the value: the CLI refuses what the engine would, before any work, as a usage error naming the option."""
    def convert(text: str) -> Any:
        from kuai.engine import EngineError
        from kuai.engine.data import option_checks

        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {kind}") from None
        try:
            return getattr(option_checks, check)(value)
        except EngineError as exc:
            raise argparse.ArgumentTypeError(str(exc.args[0])) from None

    return convert


def _seconds_to_wait(text: str) -> float:
    """A wait in seconds: a finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"the wait must be a finite number of seconds, 0 or more, not '{text}'")
    return value


def _port(text: str) -> int:
    """A TCP port number (1-65535), else a usage error."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked (``importlib.metadata`` costs every other
    command, including ``kuai train``'s waiting parent, 4-5 MB and 35 ms)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show the installed version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"kuai {_version()}")  # to stdout, as argparse's own "version" action does
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kuai")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _add_scale_out_options(parser: argparse.ArgumentParser, *, study_help: str) -> None:
    parser.add_argument("--storage", metavar="URL",
                        help="an Optuna RDB storage many workers reach, e.g. postgresql://user:pass@host/db "
                             "(default: $KUAI_STORAGE; none: train on this machine alone)")
    parser.add_argument("--shared", type=Path, metavar="DIR",
                        help="a folder every worker reaches, for the data, the trials and the finished run "
                             "(default: $KUAI_SHARED, else the home folder's 'shared')")
    parser.add_argument("--study", metavar="NAME", help=study_help)


def scale_out(arguments: argparse.Namespace) -> Any:
    from kuai.app.services.options import ScaleOut
    from kuai.storage import home_dir, text_setting

    storage = arguments.storage or text_setting("KUAI_STORAGE")
    if not storage:
        if arguments.study or arguments.shared:
            raise UsageError("--study and --shared need --storage URL (a database the workers share)")
        return None
    shared = arguments.shared or text_setting("KUAI_SHARED") or home_dir() / "shared"
    return ScaleOut(storage_url=storage, shared_root=Path(shared), study_name=arguments.study)


def _add_type_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", action="append", default=[], metavar="COL=TYPE", dest="types",
                        help="override a column's type: numeric, categorical, boolean, datetime, text, id, "
                             "constant (repeatable)")


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--header-rows", type=_reading("header_rows"), dest="header_rows", metavar="N",
                        help="the rows the column names take, joined into one name per column (0: the file has "
                             "no header; default: found by Kuai)")
    parser.add_argument("--skip-rows", type=_reading("skip_rows"), dest="skip_rows", metavar="N",
                        help="the lines above the header to skip, such as a title (default: found by Kuai)")
    parser.add_argument("--delimiter", type=_reading("delimiter"), metavar="CHAR",
                        help="the character between values: one character, or comma, semicolon, tab, pipe, space "
                             "(default: found by Kuai)")
    parser.add_argument("--encoding", type=_reading("encoding"), metavar="NAME",
                        help="the text encoding, e.g. utf-8, cp1252, cp932 (Shift-JIS), gb18030, big5, cp949 "
                             "(default: found by Kuai)")
    parser.add_argument("--date-format", action="append", default=[], metavar="COL=FORMAT", dest="date_formats",
                        help="read a date column with this format, e.g. 'visit=%%d/%%m/%%Y' for day-first dates "
                             "(default: the one format its values show; repeatable)")
    parser.add_argument("--keep-label-variants", action="store_true", dest="keep_label_variants",
                        help="keep target labels that differ only by case, spaces or character width ('Yes', "
                             "'yes ', full-width 'ｙｅｓ') as separate classes (default: one class)")


def _reading(option: str) -> Callable[[str], Any]:
    """An argparse type: the value as ``kuai.engine.reading_options`` checks it (a bad one is a usage error)."""
    def convert(text: str) -> Any:
        from kuai.engine import EngineError, reading_options

        try:
            return getattr(reading_options(**{option: text}), option)
        except EngineError as exc:
            raise argparse.ArgumentTypeError(str(exc.args[0])) from None

    return convert


def file_reading(arguments: argparse.Namespace) -> Any:
    """How to read the data file: ``--header-rows``, ``--skip-rows``, ``--delimiter``, ``--encoding`` (a
    ``ReadingOptions``; what is not given, Kuai finds)."""
    from kuai.engine import ReadingOptions

    return ReadingOptions(header_rows=arguments.header_rows, skip_rows=arguments.skip_rows,
                          delimiter=arguments.delimiter, encoding=arguments.encoding)


def group_option(value: str | None) -> str | None:
    """``--group``: a column, "none" (rows folded one by one: ``NO_GROUP``), or not given (Kuai's choice)."""
    if value is None:
        return None
    return "" if value.strip().lower() == "none" else value


def date_formats(pairs: list[str]) -> dict[str, str]:
    """'COL=FORMAT' pairs as column -> format; a format pandas cannot use is a usage error."""
    formats: dict[str, str] = {}
    for pair in pairs:
        name, _, found = pair.partition("=")
        if not name or "%" not in found and found not in ("ISO8601", "mixed", "mixed-dayfirst"):
            raise UsageError(f"--date-format takes COL=FORMAT with a strftime format such as %d/%m/%Y (or "
                              f"ISO8601); got '{pair}'")
        formats[name] = found
    return formats


def type_overrides(pairs: list[str]) -> dict[str, Any]:
    """'COL=TYPE' pairs as column -> ColumnType; a bad pair is a usage error."""
    from kuai.engine import ColumnType

    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, _, kind = pair.rpartition("=")
        if not name or kind not in {t.value for t in ColumnType}:
            raise UsageError(f"--type takes COL=TYPE with TYPE one of {', '.join(t.value for t in ColumnType)}; "
                              f"got '{pair}'")
        overrides[name] = ColumnType(kind)
    return overrides


def given_with_resume(arguments: argparse.Namespace) -> list[str]:
    """The train options given beside --resume: it would ignore them (the training keeps its own)."""
    given = ["DATA"] if arguments.data is not None else []
    if arguments.out is not None and arguments.out.resolve() != arguments.resume.resolve():
        given.append("--out")
    flags = {"--target": arguments.target, "--metric": arguments.metric, "--time-budget": arguments.time_budget,
             "--seed": arguments.seed, "--folds": arguments.folds, "--max-latency-ms": arguments.max_latency_ms,
             "--max-size-mb": arguments.max_size_mb, "--storage": arguments.storage, "--shared": arguments.shared,
             "--study": arguments.study, "--header-rows": arguments.header_rows, "--skip-rows": arguments.skip_rows,
             "--delimiter": arguments.delimiter, "--encoding": arguments.encoding, "--group": arguments.group,
             "--time": arguments.time, "--holdout": arguments.holdout}
    given += [flag for flag, value in flags.items() if value is not None]
    switches = {"--task": arguments.task != "auto", "--type": bool(arguments.types),
                "--exclude": bool(arguments.exclude), "--date-format": bool(arguments.date_formats),
                "--keep-label-variants": arguments.keep_label_variants, "--overwrite": arguments.overwrite,
                "--class-weight": arguments.class_weight != "none", "--ignore-past-runs": not arguments.use_past_runs,
                "--apply-fixes": arguments.apply_fixes, "--families": bool(arguments.families)}
    return given + [flag for flag, is_given in switches.items() if is_given]
