"""The user's options checked before any work: numbers in range, named columns present, date formats that read."""

from __future__ import annotations

import errno
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kuai.engine import (
    ColumnType,
    InputColumn,
    OptionError,
    ReadError,
    SchemaError,
    SearchBudget,
    build_task_spec,
    check_training_options,
    is_disk_full,
    profile_dataset,
    read_table_with_dialect,
    to_model_frame,
)
from kuai.engine.data.option_checks import check_date_formats, check_named_columns


@pytest.mark.parametrize(("option", "value", "code"), [
    ("time_budget_s", math.nan, "BAD_TIME_BUDGET"), ("time_budget_s", math.inf, "BAD_TIME_BUDGET"),
    ("time_budget_s", 0, "BAD_TIME_BUDGET"), ("time_budget_s", -5, "BAD_TIME_BUDGET"),
    ("seed", -1, "BAD_SEED"), ("seed", 2**32, "BAD_SEED"), ("seed", 99999999999999999999, "BAD_SEED"),
    ("n_folds", 1, "BAD_FOLDS"), ("n_folds", 0, "BAD_FOLDS"),
])
def test_numbers_out_of_range_are_refused(option: str, value: Any, code: str, reliability: Any) -> None:
    options: dict[str, Any] = {"time_budget_s": 10.0, "seed": 0, "n_folds": None} | {option: value}
    with pytest.raises(OptionError) as refused:
        check_training_options(**options)
    assert refused.value.code == code
    reliability.bad_input("coded")
    check_training_options(time_budget_s=10.0, seed=2**32 - 1, n_folds=2)  # the edges are fine


def test_a_nan_budget_cannot_reach_the_search() -> None:
    with pytest.raises(OptionError):
        SearchBudget(time_budget_s=math.nan)


def test_columns_the_options_name_must_exist(mixed_frame: pd.DataFrame, reliability: Any) -> None:
    for options in ({"type_overrides": {"nosuch": ColumnType.NUMERIC}}, {"date_formats": {"nosuch": "%Y"}},
                    {"excluded": ["Colour"]}):
        with pytest.raises(OptionError) as refused:
            check_named_columns(mixed_frame, **options)  # type: ignore[arg-type]
        assert refused.value.code == "UNKNOWN_COLUMN"
        reliability.bad_input("coded")
    assert "Did you mean 'colour'?" in str(refused.value)  # the closest name, by case first
    with pytest.raises(OptionError) as excluded:
        check_named_columns(mixed_frame, excluded=["outcome"], target="outcome")
    assert excluded.value.code == "TARGET_EXCLUDED"
    profile = profile_dataset(mixed_frame, with_checks=False)
    with pytest.raises(OptionError):  # and through the engine's entry point
        build_task_spec(mixed_frame, profile.columns, target="outcome", excluded=["outcome"])


def test_a_type_set_on_the_target_is_refused_not_ignored(mixed_frame: pd.DataFrame, reliability: Any) -> None:
    profile = profile_dataset(mixed_frame, with_checks=False)
    for kind in (ColumnType.NUMERIC, ColumnType.CATEGORICAL):
        with pytest.raises(OptionError, match="--task") as refused:
            build_task_spec(mixed_frame, profile.columns, target="outcome", type_overrides={"outcome": kind})
        assert refused.value.code == "TYPE_ON_TARGET"
        reliability.bad_input("coded")
    typed_input = next(c.name for c in profile.columns if c.name != "outcome")
    build_task_spec(mixed_frame, profile.columns, target="outcome",  # a type on an input column is fine
                    type_overrides={typed_input: ColumnType.CATEGORICAL})


def test_a_date_format_must_be_one_and_read_its_column(reliability: Any) -> None:
    frame = pd.DataFrame({"read": pd.to_datetime(["2023-01-05", "2023-02-01"]),  # the reader read these (ISO)
                          "text": ["05/01/2023", "01/02/2023"]})
    for column, date_format, says in [("read", "%Q", "bad directive"), ("text", "%Q", "bad directive"),
                                      ("text", "day-month", "no % code"), ("text", "%Y-%m-%d", "reads none"),
                                      ("read", "%d/%m/%Y", "reads none")]:
        with pytest.raises(OptionError, match=says) as refused:
            check_date_formats(frame, {column: date_format})
        assert refused.value.code == "BAD_DATE_FORMAT"
        reliability.bad_input("coded")
    check_date_formats(frame, {"read": "%Y-%m-%d", "text": "%d/%m/%Y"})


def test_too_many_folds_are_refused_and_fewer_by_kuai_are_said(reliability: Any) -> None:
    frame = pd.DataFrame({"x": [0.5, 1.5, 2.5, 1.5] * 15, "y": ["a"] * 57 + ["b"] * 3})
    columns = profile_dataset(frame, with_checks=False).columns
    with pytest.raises(OptionError, match="Use 3 folds or fewer") as refused:
        build_task_spec(frame, columns, target="y", n_folds=10)
    assert refused.value.code == "TOO_MANY_FOLDS"
    reliability.bad_input("coded")
    spec = build_task_spec(frame, columns, target="y")  # Kuai's default, 5: lowered to 3, and said
    assert spec.n_folds == 3 and any("lowered to 3" in note for note in spec.notes)
    reliability.guess(told=True)


def test_missing_columns_name_the_closest_present_one() -> None:
    schema = (InputColumn("tenure_months", "tenure_months", ColumnType.NUMERIC, ("tenure_months",)),)
    with pytest.raises(SchemaError) as refused:
        to_model_frame(pd.DataFrame({"Tenure_Months": [1.0], "other": [2.0]}), schema)
    assert "'tenure_months' (the data has 'Tenure_Months')" in str(refused.value)


def test_a_file_size_limit_is_a_full_disk() -> None:
    assert is_disk_full(OSError(errno.EFBIG, "File too large"))
    assert is_disk_full(RuntimeError("write failed")) is False


_SQLITE_UNDER_A_FILE_SIZE_LIMIT = """
import json, resource, sqlalchemy
from kuai.engine.errors import is_disk_full, shown_text
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
db = sqlalchemy.create_engine("sqlite:///" + {path!r}, isolation_level="AUTOCOMMIT")
try:
    with db.connect() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE t (id INTEGER PRIMARY KEY, blob TEXT NOT NULL)"))
        connection.execute(sqlalchemy.text("INSERT INTO t (blob) VALUES (:b)"), {{"b": "secret-" * 40000}})
except Exception as exc:
    print(json.dumps({{"full": is_disk_full(exc), "shown": shown_text(exc), "raw": str(exc)}}))
"""


def test_sqlite_under_ulimit_f_is_a_full_disk_told_in_one_line_without_sql(tmp_path: Path) -> None:
    """SQLite reports a write refused by the file-size limit (EFBIG) as 'disk I/O error' (B142): that is DISK_FULL;
    and what is shown of any storage error carries neither SQLAlchemy's SQL nor its parameters."""
    import json
    import subprocess
    import sys

    script = _SQLITE_UNDER_A_FILE_SIZE_LIMIT.format(path=str(tmp_path / "optuna.db"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    outcome = json.loads(done.stdout)
    assert outcome["full"] is True, outcome["raw"]
    assert "[SQL" in outcome["raw"]  # what SQLAlchemy says, and what the user is not shown
    shown = outcome["shown"]
    assert "\n" not in shown and "[SQL" not in shown and "INSERT" not in shown and "secret-" not in shown
    assert "Background" not in shown and shown.startswith("OperationalError: (sqlite3.OperationalError)")


def test_a_disk_io_error_is_not_a_full_disk_without_a_file_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda _which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert is_disk_full(RuntimeError("(sqlite3.OperationalError) disk I/O error")) is False
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (102400, resource.RLIM_INFINITY))
    assert is_disk_full(RuntimeError("(sqlite3.OperationalError) disk I/O error"))


def test_a_file_kuai_may_not_read_is_coded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reliability: Any) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:  # as for a mode-000 file (root ignores the mode)
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ReadError) as refused:
        read_table_with_dialect(data)
    assert refused.value.code == "FILE_UNREADABLE" and str(data) in str(refused.value)
    reliability.bad_input("coded")
