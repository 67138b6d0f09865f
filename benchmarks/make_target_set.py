"""Write the labelled target-suggestion set: small CSVs modelled on well-known public datasets.

Each table copies the column names, order, types and value ranges of a public dataset (UCI,
Kaggle, OpenML, seaborn) with synthetic, seeded rows (at most 300), so the set is small enough
to commit and free of licence questions. ``manifest.json`` records the true target of each.

    python benchmarks/make_target_set.py [--out tests/data/targets]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from target_tables import TABLES  # this folder is on the path when the script runs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "targets"


def write_set(out: Path, seed: int = 0) -> list[dict[str, object]]:
    """Write every table and the manifest; return the manifest entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, (stem, target, modelled_on, rows, builder) in enumerate(TABLES):
        frame = builder(np.random.default_rng(seed + number), rows)
        assert target in frame.columns, (stem, target)
        frame.to_csv(out / f"{stem}.csv", index=False)
        entries.append({"file": f"{stem}.csv", "target": target, "modelled_on": modelled_on, "rows": len(frame),
                        "columns": frame.shape[1], "target_position": list(frame.columns).index(target) + 1})
    manifest = {"description": "Synthetic tables that copy the columns of public datasets; 'target' is the column "
                               "that dataset is published to predict. Written by benchmarks/make_target_set.py.",
                "seed": seed, "datasets": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    entries = write_set(arguments.out, arguments.seed)
    size = sum((arguments.out / str(e["file"])).stat().st_size for e in entries)
    print(f"{len(entries)} tables, {size / 1024:,.0f} KB -> {arguments.out}")


if __name__ == "__main__":
    main()
