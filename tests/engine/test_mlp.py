"""The multilayer perceptron family (``kuai.engine.models.mlp``): what the family contract does not check.

The contract (``test_family_contract.py``) fits, explains and converts its first configuration; here: the architecture
the search chooses is the one built, the epoch of the best validation loss is the one kept (and a refit for that many
epochs gives the same model), a regressor predicts in the target's units, and the deadline and row weights hold.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from kuai.engine.models import FAMILIES, Deadline
from kuai.engine.models.mlp import MAX_EPOCHS, PATIENCE
from kuai.engine.types import TaskType

MLP = FAMILIES["mlp"]


def _classes(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = ((X[:, 0] + X[:, 1] ** 2 + 0.5 * rng.normal(size=n)) > 1).astype(np.int64) + (X[:, 2] > 1)
    return X, y


def test_the_searched_architecture_is_the_one_built() -> None:
    params = {"mlp__depth": 3, "mlp__width": 40, "mlp__alpha": 0.01, "mlp__learning_rate_init": 0.002}
    model = MLP.build(params, TaskType.MULTICLASS, seed=0)
    assert model.hidden_layer_sizes == (40, 40, 40)
    assert (model.alpha, model.learning_rate_init) == (0.01, 0.002)
    assert MLP.build(MLP.with_iterations(params, 7), TaskType.REGRESSION, seed=0).max_iter == 7


def test_the_best_epoch_is_kept_and_a_refit_for_that_many_epochs_is_the_same_model() -> None:
    X, y = _classes()
    params = {"mlp__depth": 2, "mlp__width": 64, "mlp__alpha": 1e-6, "mlp__learning_rate_init": 0.01}
    model = MLP.build(params, TaskType.MULTICLASS, seed=0)
    best = MLP.fit(model, X[:400], y[:400], X_valid=X[400:], y_valid=y[400:])
    assert best is not None and 1 <= best <= MAX_EPOCHS - PATIENCE  # it stopped PATIENCE epochs after its best ...
    again = MLP.build(MLP.with_iterations(params, best), TaskType.MULTICLASS, seed=0)
    assert MLP.fit(again, X[:400], y[:400]) == best  # ... and kept that epoch's weights: the same model as best epochs
    assert np.allclose(model.predict_proba(X[400:]), again.predict_proba(X[400:]), atol=1e-6)


def test_a_regressor_learns_a_standardised_target_and_predicts_in_its_units() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(800, 4)).astype(np.float32)
    y = 25_000.0 + 8_000.0 * X[:, 0] - 3_000.0 * X[:, 1] + 200.0 * rng.normal(size=800)
    model = MLP.build(MLP.default_configs(None)[0], TaskType.REGRESSION, seed=0)
    MLP.fit(model, X[:600], y[:600], X_valid=X[600:], y_valid=y[600:])
    error = np.sqrt(np.mean((model.predict(X[600:]) - y[600:]) ** 2))
    assert error < 0.15 * np.std(y)  # on the raw target, Adam's small steps would leave it near 0 after its epochs


def test_a_passed_deadline_stops_after_one_epoch() -> None:
    X, y = _classes()
    model = MLP.build(MLP.default_configs(None)[0], TaskType.MULTICLASS, seed=0)
    assert MLP.fit(model, X[:400], y[:400], X_valid=X[400:], y_valid=y[400:],
                   deadline=Deadline(time.monotonic() - 1)) == 1


@pytest.mark.parametrize("task", [TaskType.BINARY, TaskType.REGRESSION], ids=str)
def test_row_weights_change_the_fit(task: TaskType) -> None:
    X, y = _classes(400)
    y = (y > 0).astype(np.int64) if task is TaskType.BINARY else X[:, 0] * 3.0
    weights = np.where(X[:, 3] > 0, 10.0, 0.1)
    params = MLP.with_iterations(MLP.default_configs(None)[0], 5)
    plain, weighted = (MLP.build(params, task, seed=0) for _ in range(2))
    MLP.fit(plain, X, y)
    MLP.fit(weighted, X, y, sample_weight=weights)
    out = "predict_proba" if task is TaskType.BINARY else "predict"
    assert not np.allclose(getattr(plain, out)(X), getattr(weighted, out)(X))
