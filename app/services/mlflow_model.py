"""The MLflow model Kuai registers: the exported ONNX pipeline behind MLflow's pyfunc interface.

Logged as a *model from code* (MLflow loads this file, nothing is unpickled):
``predict`` takes a DataFrame of the original columns, as a user's CSV has
them, and returns what ``kuai predict`` writes — ``prediction`` and one
``proba_<class>`` per class — because it is the same code
(:func:`app.services.scoring.predict_frame`) over the same ONNX file. So
``mlflow models serve`` (and ``kuai serve``) answer exactly as ``kuai predict``.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class KuaiOnnxModel(PythonModel):  # type: ignore[misc]
    def load_context(self, context: Any) -> None:
        from app.services.scoring import load_model

        self.model = load_model(context.artifacts["model"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        from app.services.scoring import predict_frame

        return predict_frame(self.model, pd.DataFrame(model_input))


mlflow.models.set_model(KuaiOnnxModel())
