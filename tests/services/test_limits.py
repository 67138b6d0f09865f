"""A memory limit per training process: a model that would not fit fails its own trial, the study goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kuai.app.services.limits import MIN_LIMIT_MB, memory_limit_mb, physical_memory_mb
from kuai.storage import SettingError
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
GREEDY_RUN = """
import json, sys
from pathlib import Path
from typing import Any
from kuai.app.services.limits import apply_memory_limit
limit = apply_memory_limit(int(sys.argv[2]))
import numpy as np
from kuai import engine
from kuai.app.services.training import TrainOptions, frame_and_spec
from kuai.engine.models import FAMILIES

family = type(FAMILIES["linear"])
original = family.fit
calls = {"n": 0}

def greedy_fit(self, model, X, y, **kwargs):  # fault injection: the first two linear fits want 8 GB
    calls["n"] += 1
    if calls["n"] <= 2:
        np.ones((8, 2**27))  # 8 GB, more than the limit, less than the machine
    return original(self, model, X, y, **kwargs)

family.fit = greedy_fit
path = Path(sys.argv[1])
frame, spec, _ = frame_and_spec(engine.read_table(path), TrainOptions(data_path=path, target="churn"))
result = engine.train(frame, spec, budget=engine.SearchBudget(time_budget_s=15, families=("linear", "lightgbm")))
print(json.dumps({"limit": limit, "model": result.model_name,
                  "failed": [t.message for t in result.trials if t.state == "failed"],
                  "complete": sum(t.state == "complete" for t in result.trials)}))
"""


@pytest.mark.slow
def test_a_model_that_would_not_fit_fails_alone_under_the_limit(reliability: object) -> None:
    if physical_memory_mb() < 12 * 1024:
        pytest.skip("needs a machine where 8 GB would fit without the limit")
    result = subprocess.run([sys.executable, "-c", GREEDY_RUN, str(SAMPLES / "customer_churn.csv"), "6000"],
                            capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["limit"] == 6000
    memory_errors = [m for m in outcome["failed"] if m.startswith("MemoryError")]
    assert len(memory_errors) == 2, outcome["failed"]  # the two greedy fits failed, each in its own trial ...
    assert outcome["complete"] >= 3 and outcome["model"]  # ... and the search went on to a model


def test_the_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUAI_WORKER_MEMORY_MB", "0")
    assert memory_limit_mb() is None
    monkeypatch.setenv("KUAI_WORKER_MEMORY_MB", "4096")
    assert memory_limit_mb() == 4096
    for unusable in ("10", "lots", "-5", "inf"):  # too small to start a training, not a number: refused, not ignored
        monkeypatch.setenv("KUAI_WORKER_MEMORY_MB", unusable)
        with pytest.raises(SettingError, match=f"KUAI_WORKER_MEMORY_MB='{unusable}'.*at least {MIN_LIMIT_MB:,}"):
            memory_limit_mb()


def test_a_memory_error_names_the_limit_that_applies(monkeypatch: pytest.MonkeyPatch, reliability: Any) -> None:
    """B144: under 'ulimit -v' with no Kuai setting, the message names the process's own limit, not
    KUAI_WORKER_MEMORY_MB; a limit Kuai set is named by its setting; no limit at all is the machine's memory."""
    import resource

    from kuai.app.services import limits

    current = {"soft": 400_000 * 1024}
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (current["soft"], resource.RLIM_INFINITY))
    monkeypatch.setattr(resource, "setrlimit", lambda _which, pair: current.update(soft=pair[0]))
    monkeypatch.setattr(limits, "_KUAI_LIMIT", {})
    monkeypatch.delenv("KUAI_WORKER_MEMORY_MB", raising=False)
    outside = limits.memory_limit_text()
    assert "ulimit -v" in outside and "391 MB" in outside and "KUAI_" not in outside
    assert limits.apply_memory_limit(2048) == 390  # a lower limit set outside is kept, and still named as such
    assert "ulimit -v" in limits.memory_limit_text()
    current["soft"] = resource.RLIM_INFINITY
    monkeypatch.setenv("KUAI_READ_MEMORY_MB", "3000")
    limits.apply_memory_limit(3000, setting="KUAI_READ_MEMORY_MB")
    own = limits.memory_limit_text()
    assert "KUAI_READ_MEMORY_MB=3000" in own and "3,000 MB" in own and "ulimit" not in own
    current["soft"] = resource.RLIM_INFINITY
    assert "no address-space limit" in limits.memory_limit_text()
    reliability.bad_input("coded")
