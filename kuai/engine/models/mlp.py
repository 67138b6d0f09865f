"""A multilayer perceptron (scikit-learn's ``MLPClassifier`` / ``MLPRegressor``) whose architecture is searched.

The search chooses the depth (hidden layers), the width (units per layer), the L2 penalty and the learning rate.
scikit-learn's perceptron has no dropout; its L2 penalty (``alpha``) is the regulariser searched instead, and early
stopping on the fold's validation rows is the other.

Training runs an epoch at a time (``partial_fit``, Adam) and keeps the weights of the epoch with the best validation
loss, stopping after ``PATIENCE`` epochs without a better one, at ``MAX_EPOCHS`` or at the deadline. A regressor
learns a standardised target, and its output layer is then rescaled to the target's units, so the fitted model is a
plain ``MLPRegressor`` (exported by skl2onnx as it is) that predicts in the target's units.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from kuai.engine.models._base import (
    DataShape,
    Deadline,
    ExportCost,
    FitCost,
    MemoryCost,
    ModelFamily,
    ShapRoute,
    weighted,
)
from kuai.engine.types import TaskType

MAX_EPOCHS = 200
PATIENCE = 10  # epochs without a better validation loss before the fit stops
MIN_DELTA = 1e-4  # a validation loss this much lower (relative) counts as better


class MLPFamily(ModelFamily):
    name = "mlp"
    label = "Neural network (multilayer perceptron)"
    short_label = "Neural network"
    search_order = None  # only when asked for: it did not clearly earn its time (docs/search.md, "Order")
    encoding = "onehot"
    scale = True
    grows_iterations = True  # epochs: the count reached on the folds is the refit's
    parallel_folds = False  # its epochs are Python loops around NumPy: folds side by side would wait on the GIL
    # estimated, not measured: the inputs as float64 and the hidden layers' activations when it predicts (up to
    # 3 layers of 512 units a row, about 40 bytes per cell of a 200-input matrix)
    memory = MemoryCost(cell_bytes=40.0, fixed_mb=20.0, class_row_bytes=0.0, growth=None)
    export = ExportCost(onnx_per_pickled=0.6, seconds_per_mb=0.1, multiclass_opset5=True)
    # 2.6 s for 16,667 rows x 207 one-hot inputs (14 epochs), a third of LightGBM's time per cell measured beside it
    fit_cost = FitCost(core_s_per_mcell=1.1, per_class=False)
    shap_route = ShapRoute.PERMUTATION
    explains_probability = True
    estimators = ("sklearn.neural_network.MLPClassifier", "sklearn.neural_network.MLPRegressor")
    libraries = ("scikit-learn",)
    preflight_group = None
    grams_first = False  # thousands of gram inputs make every epoch costly; the search may still give it grams

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"mlp__depth": 2, "mlp__width": 128, "mlp__alpha": 1e-4, "mlp__learning_rate_init": 1e-3}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {
            "mlp__depth": trial.suggest_int("mlp__depth", 1, 3),
            "mlp__width": trial.suggest_int("mlp__width", 16, 512, log=True),
            "mlp__alpha": trial.suggest_float("mlp__alpha", 1e-6, 1e-1, log=True),
            "mlp__learning_rate_init": trial.suggest_float("mlp__learning_rate_init", 1e-4, 1e-2, log=True),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        options = self.unprefixed(params)
        cls = MLPClassifier if task.is_classification else MLPRegressor
        return cls(hidden_layer_sizes=(int(options["width"]),) * int(options["depth"]), alpha=float(options["alpha"]),
                   learning_rate_init=float(options["learning_rate_init"]),
                   max_iter=int(options.get("max_iter", MAX_EPOCHS)), random_state=seed)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        """Train epoch by epoch; return the epochs of the best validation loss (all of them without validation
        rows)."""
        classification = hasattr(model, "predict_proba")
        center, spread = (0.0, 1.0) if classification else (float(np.mean(y)), float(np.std(y)) or 1.0)
        target = y if classification else (y - center) / spread
        classes = {"classes": np.unique(np.concatenate([y, y_valid]) if y_valid is not None else y)} \
            if classification else {}
        if y_valid is not None and len(y_valid) == 0:
            X_valid = y_valid = None
        best_loss, best_epoch, best_weights = np.inf, 0, None
        epochs, seed = int(model.max_iter), int(model.random_state or 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # partial_fit warns when a class of ``classes`` is missing from a batch
            for epoch in range(1, epochs + 1):
                # partial_fit draws its shuffle from ``random_state`` afresh each call: one seed an epoch, so the
                # epochs see their rows in different orders (and a refit for as many epochs sees the same ones)
                model.set_params(random_state=seed + epoch)
                model.partial_fit(X, target, **classes, **weighted(sample_weight))
                classes = {}
                if X_valid is None or y_valid is None:
                    best_epoch = epoch
                else:
                    loss = _loss(model, X_valid, y_valid, classification, center, spread)
                    if loss < best_loss * (1 - MIN_DELTA):
                        best_loss, best_epoch = loss, epoch
                        best_weights = ([w.copy() for w in model.coefs_], [b.copy() for b in model.intercepts_])
                    elif epoch - best_epoch >= PATIENCE:
                        break
                if deadline is not None and deadline.passed():
                    break
        model.set_params(random_state=seed)
        if best_weights is not None:
            model.coefs_, model.intercepts_ = best_weights
        del model._optimizer  # Adam's moments: twice the weights again in every pickled fold model
        if not classification:  # the output layer is linear: rescaled, it predicts in the target's units
            model.coefs_[-1] = model.coefs_[-1] * spread
            model.intercepts_[-1] = model.intercepts_[-1] * spread + center
        return max(1, best_epoch)

    def fit_all_rows(self, model: Any, X: np.ndarray, y: np.ndarray, *,
                     sample_weight: np.ndarray | None = None) -> None:
        """As the folds fitted: epoch by epoch, a regressor on the standardised target (``max_iter`` epochs)."""
        self.fit(model, X, y, sample_weight=sample_weight)

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {"mlp__max_iter": max(1, n_iterations)}

    def refit_iterations(self, params: dict[str, Any], reached: float, *, n_folds: int) -> int:
        """As many epochs as the folds' best: an epoch over all rows already takes more of Adam's steps."""
        return max(1, int(round(reached)))


def _loss(model: Any, X: np.ndarray, y: np.ndarray, classification: bool, center: float, spread: float) -> float:
    """The validation loss: log loss of the probabilities, or the mean squared error of the standardised target."""
    if classification:
        proba = np.clip(model.predict_proba(X), 1e-15, 1.0)
        index = np.searchsorted(model.classes_, y)
        return float(-np.mean(np.log(proba[np.arange(len(y)), index])))
    return float(np.mean((model.predict(X) - (y - center) / spread) ** 2))
