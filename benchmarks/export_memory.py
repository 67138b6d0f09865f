"""Peak memory of exporting a large tree blend to ONNX: skl2onnx's plain assembly against Kuai's export.

Kuai's export (``exporters.to_onnx_model``) keeps each tree-ensemble node serialized while skl2onnx
assembles the graph, and the training tail frees the graph before ONNX Runtime loads it for the
parity check. This script fits the kind of model that made the export the peak of a 300 s training
on wine_quality_red (a soft-voting blend of a 100-tree extra-trees forest grown to single rows and a
depth-8 CatBoost, 6 classes, 1,600 rows), then measures in fresh processes, above the memory held
before each step:

- ``plain``: ``skl2onnx.convert_sklearn`` with every node in place (what the export did before);
- ``kuai``: ``exporters.to_onnx_model``;
- ``session``: ONNX Runtime's session on the serialized model (the parity check's cost).

Run: ``.venv/bin/python benchmarks/export_memory.py``; it prints one line per measure.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_ROWS, N_FEATURES, N_CLASSES = 1600, 11, 6


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def _fit(path: Path) -> None:
    import numpy as np
    import pandas as pd
    from catboost import CatBoostClassifier
    from sklearn.ensemble import ExtraTreesClassifier, VotingClassifier
    from sklearn.pipeline import Pipeline

    from kuai.engine.models.preprocessing import build_input_schema, build_preprocessor, to_model_frame
    from kuai.engine.types import ColumnType, TaskSpec, TaskType

    rng = np.random.default_rng(0)
    raw = pd.DataFrame(rng.normal(size=(N_ROWS, N_FEATURES)), columns=[f"x{i}" for i in range(N_FEATURES)])
    y = np.digitize(raw.sum(axis=1) + rng.normal(scale=2.0, size=N_ROWS), [-3, -1, 0, 1, 3])
    spec = TaskSpec(target="y", task=TaskType.MULTICLASS, metric="log_loss", features=tuple(raw.columns),
                    feature_types={c: ColumnType.NUMERIC for c in raw.columns})
    schema = build_input_schema(raw, spec)
    X = to_model_frame(raw, schema)

    def member(model: object) -> Pipeline:
        return Pipeline([("prep", build_preprocessor(schema, encoding="ordinal", scale=False)), ("model", model)])

    blend = VotingClassifier([
        ("extra_trees", member(ExtraTreesClassifier(n_estimators=100, max_features=0.3, random_state=0))),
        ("catboost", member(CatBoostClassifier(depth=8, iterations=400, verbose=False, random_seed=0,
                                               thread_count=2, allow_writing_files=False))),
    ], voting="soft", flatten_transform=False).fit(X, y)
    path.write_bytes(pickle.dumps((blend, schema, X)))  # our own object, read back by this script only


def _measure(step: str, path: Path) -> None:
    import gc

    from kuai.engine.search.memory import release_memory

    peak = [0.0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.005)

    from kuai import exporters
    from kuai.engine.types import TaskType
    from kuai.exporters.onnx_export import TARGET_OPSET

    blend, schema, X = pickle.loads(path.read_bytes())
    exporters.register_converters()
    serialized = exporters.to_onnx_model(blend, schema, TaskType.MULTICLASS).SerializeToString()
    gc.collect()
    release_memory()
    threading.Thread(target=sample, daemon=True).start()
    base = peak[0] = _rss_mb()
    started = time.perf_counter()
    if step == "plain":
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        types = [(name, FloatTensorType([None, 1])) for column in schema for name in column.model_inputs]
        model = convert_sklearn(blend, initial_types=types, target_opset=dict(TARGET_OPSET),
                                options={id(blend): {"zipmap": False}})
    elif step == "kuai":
        model = exporters.to_onnx_model(blend, schema, TaskType.MULTICLASS)
    else:
        model = exporters.OnnxScorer(serialized)
    seconds = time.perf_counter() - started
    time.sleep(0.05)
    del model
    print(f"{step:8s} peak above base {peak[0] - base:7.0f} MB   {seconds:5.1f} s   "
          f"(ONNX file {len(serialized) / 2**20:.1f} MB)", flush=True)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) == 3:
        _measure(sys.argv[1], Path(sys.argv[2]))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blend.pkl"
        _fit(path)
        for step in ("plain", "kuai", "session"):
            subprocess.run([sys.executable, __file__, step, str(path)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
