"""Every input row gets an output row, in order (docs/product.md, `kuai predict`): rows with no value at the start, in
the middle and at the end of a file to score are scored as rows of missing values by `kuai predict`, by the service
the Predict page uses and by the bundle's score.py (score.js: tests/exporters/test_bundle_examples.py; `kuai serve`:
tests/services/test_serving.py), and a step that gives more or fewer rows than it was given is a coded error.

The model is hand-built (tests/services/hostile_models.py, no training): it predicts the row's ``x``, and 0 where
``x`` is missing, so each prediction shows which input row it belongs to."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kuai.app.cli as cli_module
from kuai.engine import EngineError, read_table, read_table_with_dialect
from kuai.exporters.bundle import TEMPLATES
from tests.conftest import ReliabilityLedger
from tests.services import hostile_models as hostile

N_ROWS = 12
EMPTY = (0, 1, 5, 10, 11)  # two rows with no value at the start, one in the middle, two at the end
# the row's own x, 0 where it has none; rows 7 and 8 are the same row twice
EXPECTED = [0.0, 0.0, 3.0, 4.0, 5.0, 0.0, 7.0, 7.0, 9.0, 10.0, 0.0, 0.0]
# blank lines, a copy of the header, a row twice, a footer and blank lines after it: rows 1-6 of the data
ODD_LINES = ("x,when,colour\n\n,,\n1.5,2024-01-02,red\nx,when,colour\n\n2.5,2024-01-03,blue\n2.5,2024-01-03,blue\n"
             ",,\nTotal,,\n\n\n")
ODD_EXPECTED = [0.0, 1.5, 0.0, 2.5, 2.5, 0.0]


# the hand-built model's columns as a model card writes them (score.py reads each column's ONNX type)
COLUMNS = [{**column, "onnx_dtype": "string" if column["type"] == "categorical" else "float32"}
           for column in hostile.COLUMNS]


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    folder.mkdir()
    return hostile.save(hostile.regression(), folder / "model.onnx", hostile.schema(columns=COLUMNS))


@pytest.fixture()
def holes(tmp_path: Path) -> Path:
    return write_holes(tmp_path / "holes.csv")


def write_holes(path: Path) -> Path:
    """Twelve rows: x is the row's number, except in the rows with no value (',,') and in the second of two
    identical rows."""
    rows = [["", "", ""] if i in EMPTY else [f"{i + 1}.0", f"2024-01-{i + 1:02d}", "red" if i % 2 else "blue"]
            for i in range(N_ROWS)]
    rows[7] = rows[6]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([["x", "when", "colour"], *rows])
    return path


def _predict(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``kuai predict ARGS`` in this process: the exit code and stderr."""
    monkeypatch.setattr(cli_module, "_configure_logging", lambda: None)
    code = cli_module.main(["predict", *args])
    return code, capsys.readouterr().err


def test_kuai_predict_gives_each_row_its_prediction_in_order(model: Path, holes: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str],
                                                             reliability: ReliabilityLedger) -> None:
    out = tmp_path / "p.csv"
    code, err = _predict(monkeypatch, capsys, str(model), str(holes), "--out", str(out))
    assert code == 0, err
    assert pd.read_csv(out)["prediction"].tolist() == EXPECTED
    assert "5 rows have no value at all (rows 1, 2, 6, 11, 12 of the data): scored as rows of missing values" in err
    reliability.guess(told=True)


def test_kuai_predict_keeps_rows_through_odd_lines_and_says_what_it_skipped(model: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "odd.csv", tmp_path / "p.csv"
    data.write_text(ODD_LINES, encoding="utf-8")
    code, err = _predict(monkeypatch, capsys, str(model), str(data), "--out", str(out))
    assert code == 0, err
    assert pd.read_csv(out)["prediction"].tolist() == ODD_EXPECTED
    for said in ("2 rows have no value at all (rows 1, 6 of the data)",
                 "1 row repeats the header row (row 3 of the data)",
                 "skipped 2 blank lines between rows (lines 2, 6)",
                 "ignored 1 line(s) after the table (line 10, after its last row), such as 'Total,,'",
                 "ignored 2 blank lines after the last row (lines 11, 12)"):
        assert said in err, (said, err)


def test_the_predict_page_service_keeps_every_row_beside_its_prediction(model: Path, holes: Path) -> None:
    """What the Predict page runs on an upload: the isolated reader, ``score_table`` and ``join_predictions``."""
    from kuai.app.components.tables import join_predictions
    from kuai.app.services.scoring import load_model, score_table
    from kuai.app.views.predict import read_upload

    odd = holes.with_name("odd.csv")
    odd.write_text(ODD_LINES, encoding="utf-8")
    loaded = load_model(model)
    try:
        for (frame, notes), expected in ((read_upload(holes.read_bytes()), EXPECTED),  # in the reader's child
                                         (_read_to_score(odd), ODD_EXPECTED)):  # the child's reader, here
            joined = join_predictions(score_table(loaded, frame).predictions, frame)
            assert joined["prediction"].tolist() == expected
            inputs = joined["x"].fillna(0.0).tolist()  # each row beside the input row it belongs to
            assert inputs == expected and any("no value at all" in note for note in notes)
    finally:
        loaded.close()


def _read_to_score(path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    from kuai.engine import read_table_for_scoring

    frame, dialect = read_table_for_scoring(path)
    return frame, dialect.notes if dialect is not None else ()


def test_score_py_gives_each_row_its_prediction_in_order(model: Path, holes: Path, tmp_path: Path) -> None:
    """The bundle's score.py, run as its user runs it: beside model.onnx, with their Python."""
    shutil.copyfile(TEMPLATES / "score.py", model.parent / "score.py")
    out = tmp_path / "py.csv"
    result = subprocess.run([sys.executable, "score.py", str(holes), "--out", str(out)], cwd=model.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(out)["prediction"].tolist() == EXPECTED
    assert "12 predictions" in result.stdout
    assert "5 row(s) have no value at all (rows 1, 2, 6 ...)" in result.stderr


def test_a_model_that_loses_a_row_is_refused_by_every_scorer(holes: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str],
                                                              reliability: ReliabilityLedger) -> None:
    folder = tmp_path / "short"
    folder.mkdir()
    model = hostile.save(hostile.drops_first_row(), folder / "model.onnx", hostile.schema(columns=COLUMNS))
    shutil.copyfile(TEMPLATES / "score.py", folder / "score.py")
    result = subprocess.run([sys.executable, "score.py", str(holes), "--out", str(tmp_path / "py.csv")],
                            cwd=folder, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "[ROW_COUNT_MISMATCH] the model gave 11 predictions for 12 rows" in \
        result.stderr, result.stderr
    code, err = _predict(monkeypatch, capsys, str(model), str(holes), "--out", str(tmp_path / "p.csv"))
    assert code == 2 and "[BAD_MODEL]" in err and "it gave 0 values for 1 rows" in err, err
    assert not (tmp_path / "p.csv").exists()
    reliability.bad_input("coded")


def test_a_step_that_loses_a_row_is_a_coded_error_not_a_shifted_table(holes: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The guards: were the reader to drop a row again (as it dropped empty rows before), or the predictions to
    come back shorter than the table, the user gets ROW_COUNT_MISMATCH, not predictions that belong to other rows."""
    import kuai.engine.read._reader as reader
    from kuai.app.components.tables import join_predictions

    tidy = reader.tidy_rows
    monkeypatch.setattr(reader, "tidy_rows", lambda table, *args, **kwargs: tidy(table.slice(1), *args, **kwargs))
    with pytest.raises(EngineError) as caught:
        read_table(holes, scoring=True)
    assert caught.value.code == "ROW_COUNT_MISMATCH" and "gave 11 rows for 12 input rows" in str(caught.value)
    with pytest.raises(EngineError) as joined:
        join_predictions(pd.DataFrame({"prediction": [1.0, 2.0]}), pd.DataFrame({"x": [1.0, np.nan, 3.0]}))
    assert joined.value.code == "ROW_COUNT_MISMATCH"


def test_a_one_column_file_keeps_its_empty_cells_as_rows(tmp_path: Path) -> None:
    """In a table of one column an empty value is a row (the csv module, R and pandas agree), a blank line is not."""
    path = tmp_path / "one.csv"
    path.write_text('x\n1\n""\n3\n\n5\n', encoding="utf-8")
    frame, dialect = read_table_with_dialect(path, scoring=True)
    assert len(frame) == 4 and frame["x"].iloc[[0, 2, 3]].tolist() == [1, 3, 5] and np.isnan(frame["x"].iloc[1])
    assert dialect is not None and any("(line 5)" in note for note in dialect.notes), dialect.notes
