"""The scoring sandbox (kuai/app/services/sandbox.py): a model file scored in a child process with a time limit and a
memory cap; what happens after a call was stopped; the limits from the environment."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.app.services.sandbox import SECONDS_PER_1000_ROWS, ModelError, SandboxLimits
from kuai.app.services.scoring import load_model, predict_frame, score_table
from kuai.storage import SettingError
from tests.services import hostile_models as hostile

SHORT = SandboxLimits(timeout_s=2.0, memory_mb=2048, load_timeout_s=30.0)


def _rows(x: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"x": x, "when": "2024-01-02", "colour": "red"})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_a_loop_that_input_sets_off_is_stopped_then_refused_at_once(tmp_path: Path, reliability: Any) -> None:
    """The trial call (a row of missing values) passes; rows with x > 0 start 10^15 steps: stopped at the limit,
    the child ended; the same call again is refused without waiting; a smaller one gets a fresh child."""
    path = hostile.save(hostile.endless_loop(only_when_positive=True), tmp_path / "loop.onnx", hostile.schema())
    model = load_model(path, limits=SHORT)
    scorer: Any = model.scorer
    first_child = scorer.pid
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        predict_frame(model, _rows([1.0, 2.0]))
    stopped_after = time.monotonic() - started
    reliability.bad_input("coded" if caught.value.code == "SCORING_TIMEOUT" else "crash")
    assert caught.value.code == "SCORING_TIMEOUT" and "2 rows" in str(caught.value)
    assert 2.0 <= stopped_after < 10.0
    assert scorer.pid is None and not _alive(first_child)
    started = time.monotonic()
    with pytest.raises(ModelError) as again:
        predict_frame(model, _rows([1.0, 2.0, 3.0]))
    assert again.value.code == "SCORING_TIMEOUT" and time.monotonic() - started < 1.0
    assert predict_frame(model, _rows([-1.0]))["prediction"].tolist() == [-1.0]  # x <= 0: no steps at all
    assert scorer.pid not in (None, first_child)
    model.close()
    assert scorer.pid is None


def test_an_allocation_without_bound_is_stopped_at_the_cap(tmp_path: Path, reliability: Any) -> None:
    path = hostile.save(hostile.unbounded_allocation(), tmp_path / "alloc.onnx", hostile.schema())
    with pytest.raises(ModelError) as caught:
        load_model(path, limits=SHORT)  # the trial call of one row asks for 40 GB
    reliability.bad_input("coded" if caught.value.code == "SCORING_MEMORY" else "crash")
    assert caught.value.code == "SCORING_MEMORY" and "2,048 MB" in str(caught.value)


def test_the_sandbox_answers_as_onnx_runtime_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many chunks (a call is split by input cells) come back whole and in order, as ONNX Runtime answers here."""
    from kuai.exporters import OnnxScorer

    monkeypatch.setattr("kuai.app.services.sandbox.CHUNK_CELLS", 7 * 700)  # 7 inputs: 700 rows a chunk, 8 chunks
    path = hostile.save(hostile.classifier(), tmp_path / "model.onnx", hostile.schema("binary", ["no", "yes"]))
    model = load_model(path)
    rows = _rows(list(np.linspace(-3, 3, 5001)))
    try:
        pd.testing.assert_frame_equal(predict_frame(model, rows), predict_frame(replace(model, scorer=OnnxScorer(path)),
                                                                                rows))
    finally:
        model.close()


def test_the_limits_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"x" * 2**20)  # 1 MB
    monkeypatch.delenv("KUAI_SCORING_TIMEOUT_S", raising=False)
    monkeypatch.delenv("KUAI_SCORING_MEMORY_MB", raising=False)
    default = SandboxLimits.for_model(path)
    assert default.timeout_s == 30.0 and default.memory_mb is not None and default.memory_mb >= 2048
    assert default.call_timeout_s(100_000) == pytest.approx(30.0 + 100 * SECONDS_PER_1000_ROWS)  # grows with rows
    monkeypatch.setenv("KUAI_SCORING_TIMEOUT_S", "5")
    monkeypatch.setenv("KUAI_SCORING_MEMORY_MB", "0")
    configured = SandboxLimits.for_model(path)
    assert configured.timeout_s == 5.0 and configured.memory_mb is None and configured.trial_timeout_s == 5.0
    monkeypatch.setenv("KUAI_SCORING_TIMEOUT_S", "soon")
    with pytest.raises(SettingError, match="KUAI_SCORING_TIMEOUT_S='soon' is not a number"):  # never ignored
        SandboxLimits.for_model(path)


def test_the_notes_count_what_was_not_read_and_what_was_never_seen(tmp_path: Path) -> None:
    path = hostile.save(hostile.regression(), tmp_path / "model.onnx", hostile.schema())
    model = load_model(path)
    frame = pd.DataFrame({"x": ["1", "abc", "inf", None, "-"], "when": ["2024-01-02", "31/31/2024", None, "", "x"],
                          "colour": ["red", "green", "blue", None, "red"]})
    scored = score_table(model, frame)
    model.close()
    assert scored.predictions["prediction"].tolist()[:1] == [1.0] and len(scored.predictions) == 5
    unreadable, unseen = scored.notes
    assert "'x': 1 value is infinite (e.g. 'inf'); treated as missing" in unreadable  # '-': a missing-value marker
    assert "'x': 1 value is not a number (e.g. 'abc'); treated as missing" in unreadable
    assert "'when': 2 values are not dates Kuai can read (e.g. '31/31/2024', 'x'); treated as missing" in unreadable
    assert "'colour': 'green' (1 rows)" in unseen


@pytest.mark.parametrize("probabilities, problem", [
    ([float("nan"), float("nan")], "probabilities that are not numbers (NaN or infinite) for 1 row"),
    ([-4.0, 5.0], "probabilities outside 0 to 1 (e.g. -4, 5) for 1 row"),
    ([0.3, 0.3], "probabilities that do not sum to 1 (e.g. 0.6) for 1 row")])
def test_a_model_returning_impossible_probabilities_is_refused(tmp_path: Path, reliability: Any,
                                                                probabilities: list[float], problem: str) -> None:
    """NaN probabilities once became the first class with empty probabilities, -4 and 5 were written as given."""
    path = hostile.save(hostile.constant_outputs(probabilities), tmp_path / "model.onnx",
                        hostile.schema("binary", ["no", "yes"]))
    with pytest.raises(ModelError) as caught:
        load_model(path, limits=SHORT)  # the trial call of one row
    reliability.bad_input("coded" if caught.value.code == "BAD_MODEL" else "crash")
    assert caught.value.code == "BAD_MODEL" and problem in str(caught.value)


class _Answers:
    """A scorer answering what it is given: the graph's outputs as the sandbox would return them."""

    def __init__(self, labels: np.ndarray | None, outputs: np.ndarray) -> None:
        self.labels, self.outputs = labels, outputs

    def predict(self, feeds: Any) -> tuple[np.ndarray | None, np.ndarray]:
        return self.labels, self.outputs


@pytest.mark.parametrize("task, classes, labels, outputs, problem", [
    ("regression", (), None, np.array([[1.0], [np.inf], [np.nan]], dtype=np.float32),
     "predictions that are not numbers (NaN or infinite) for 2 rows"),
    ("binary", ("no", "yes"), np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.2, 0.8], [np.nan, 0.5]]),
     "probabilities that are not numbers (NaN or infinite) for 1 row"),
    ("multiclass", ("a", "b", "c"), None, np.array([[0.2, 0.3, 0.5], [0.5, 0.5, 0.5], [-0.5, 1.0, 0.5]]),
     "probabilities outside 0 to 1 (e.g. -0.5, 1, 0.5) for 1 row")])
def test_the_outputs_are_checked_before_they_become_predictions(task: str, classes: tuple[str, ...],
                                                                labels: np.ndarray | None, outputs: np.ndarray,
                                                                problem: str, reliability: Any) -> None:
    from kuai.app.services.scoring import LoadedModel

    model = LoadedModel(scorer=_Answers(labels, outputs), task=task, classes=classes, schema=(), target="y",
                        name="m.onnx")
    with pytest.raises(ModelError) as caught:
        predict_frame(model, pd.DataFrame(index=range(3)))
    reliability.bad_input("coded" if caught.value.code == "BAD_MODEL" else "crash")
    assert caught.value.code == "BAD_MODEL" and problem in str(caught.value)
    fine = np.array([[0.25, 0.75]] * 3, dtype=np.float32) if classes == ("no", "yes") else None
    if fine is not None:  # float32 probabilities as a real model gives them pass
        scored = predict_frame(replace(model, scorer=_Answers(None, fine)), pd.DataFrame(index=range(3)))
        assert scored["prediction"].tolist() == ["yes"] * 3


def test_a_call_holds_fewer_rows_when_a_text_is_long() -> None:
    """A text's characters are each a string in the graph (character grams): the rows per call shrink with the
    longest text of the batch, so a call stays near ``CHUNK_CELLS`` cells."""
    from kuai.app.services.sandbox import CHUNK_CELLS, rows_per_call

    numbers = {"a": np.zeros((10, 1), np.float32), "b": np.zeros((10, 1), np.float32)}
    assert rows_per_call(numbers, ["a", "b"]) == CHUNK_CELLS // 2
    texts = {**numbers, "t": np.array([["short"], ["y" * 5_000], [""]], dtype=object)}
    assert rows_per_call(texts, ["a", "b", "t"]) == CHUNK_CELLS // 5_000


def test_the_parity_check_takes_fewer_rows_when_their_texts_are_long() -> None:
    """The parity check scores training rows with both scikit-learn and ONNX Runtime: with contracts of 30,000
    characters it reads as many rows as hold about a million characters (20 at least), plus its odd rows."""
    from types import SimpleNamespace

    from kuai.app.services.outputs import MIN_PARITY_ROWS, PARITY_ROWS, PARITY_TEXT_CHARS, parity_frame
    from kuai.engine.types import ColumnType, InputColumn

    schema = (InputColumn("n", "c00000", ColumnType.NUMERIC, ("c00000",)),
              InputColumn("t", "c00001", ColumnType.TEXT, ("c00001",), terms=10))

    def rows(text_chars: int, n: int = 300) -> int:
        frame = pd.DataFrame({"c00000": np.arange(n, dtype=np.float32), "c00001": ["x" * text_chars] * n})
        return len(parity_frame(SimpleNamespace(model_frame=frame, schema=schema))) - 3  # the three odd rows

    assert rows(50) == PARITY_ROWS
    assert rows(30_000) == PARITY_TEXT_CHARS // 30_000
    assert rows(2_000_000) == MIN_PARITY_ROWS
