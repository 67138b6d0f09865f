"""Ingest benchmark: read and profile a large CSV; print wall time and peak memory.

    python benchmarks/ingest.py [--gigabytes 1.0] [--path /tmp/kuai_ingest_1g.csv] [--keep]

Writes a realistic CSV of the requested size (integers, decimals, categories, dates,
booleans, short free text, missing values; seeded), then, in a fresh child process so
that the memory figure is the reader's own, times ``engine.read_table`` and
``engine.profile_dataset`` (with the pre-flight checks, as ``kuai profile`` runs
them) and reports the child's peak resident memory (``ru_maxrss``). Goal (docs/product.md):
under 60 s and under 4x the file size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CHUNK_ROWS = 500_000
CITIES = np.array(["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø", "Ålesund", "Drammen"])
PLANS = np.array(["basic", "standard", "premium", "family", "student"])
WORDS = np.array(["late", "delivery", "great", "service", "refund", "broken", "fast", "friendly", "never", "again"])


def _chunk(rng: np.random.Generator, start: int, n_rows: int) -> pa.Table:
    ids = np.arange(start, start + n_rows)
    tenure = rng.integers(0, 72, n_rows)
    charges = np.round(rng.gamma(2.0, 35.0, n_rows), 2)
    charges_missing = rng.random(n_rows) < 0.02
    days = rng.integers(0, 3650, n_rows).astype("timedelta64[D]") + np.datetime64("2015-01-01")
    notes = [" ".join(rng.choice(WORDS, 4)) for _ in range(min(n_rows, 1000))]
    churn = (rng.random(n_rows) < 1 / (1 + np.exp(0.05 * tenure - 1))).astype(int)
    return pa.table({
        "customer_id": pa.array(ids),
        "signup_date": pa.array(np.datetime_as_string(days)),
        "city": pa.array(CITIES[rng.integers(0, len(CITIES), n_rows)]),
        "plan": pa.array(PLANS[rng.integers(0, len(PLANS), n_rows)]),
        "tenure_months": pa.array(tenure),
        "monthly_charges": pa.array(charges, mask=charges_missing),
        "support_calls": pa.array(rng.poisson(1.2, n_rows)),
        "satisfaction": pa.array(np.round(rng.normal(7.0, 1.5, n_rows), 1)),
        "paperless": pa.array(np.where(rng.random(n_rows) < 0.6, "yes", "no")),
        "last_note": pa.array(np.array(notes)[rng.integers(0, len(notes), n_rows)]),
        "churn": pa.array(churn),
    })


def write_csv(path: Path, gigabytes: float, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    target = gigabytes * 1024**3
    start = 0
    with pa.OSFile(str(path), "wb") as sink:
        writer: pacsv.CSVWriter | None = None
        while sink.tell() < target:
            table = _chunk(rng, start, CHUNK_ROWS)
            if writer is None:
                writer = pacsv.CSVWriter(sink, table.schema, write_options=pacsv.WriteOptions(quoting_style="none"))
            writer.write_table(table)
            start += CHUNK_ROWS
        if writer is not None:
            writer.close()


def measure(path: Path) -> dict[str, float]:
    """Run in a child: read, then profile; report times and the child's peak memory."""
    from kuai import engine

    started = time.perf_counter()
    frame = engine.read_table(path)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    profile = engine.profile_dataset(frame)
    profile_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"rows": float(profile.n_rows), "columns": float(profile.n_columns), "read_s": read_s,
            "profile_s": profile_s, "peak_bytes": float(peak), "target": str(profile.target.suggested)}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--path", type=Path, default=Path("/tmp/kuai_ingest_1g.csv"))
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.path)))
        return
    wanted = arguments.gigabytes * 1024**3
    if not arguments.path.exists() or abs(arguments.path.stat().st_size - wanted) > 0.1 * wanted:
        started = time.perf_counter()
        write_csv(arguments.path, arguments.gigabytes)
        print(f"wrote {arguments.path} in {time.perf_counter() - started:.1f} s")
    size = arguments.path.stat().st_size
    try:
        child = subprocess.run([sys.executable, __file__, "--child", "--path", str(arguments.path)],
                               capture_output=True, text=True, check=True, env=os.environ.copy())
    except subprocess.CalledProcessError as failed:
        print(failed.stderr, file=sys.stderr)
        raise
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    total = figures["read_s"] + figures["profile_s"]
    ratio = figures["peak_bytes"] / size
    print(f"file: {size / 1024**3:.2f} GiB, {figures['rows']:,.0f} rows x {figures['columns']:.0f} columns")
    print(f"read: {figures['read_s']:.1f} s, profile: {figures['profile_s']:.1f} s, total: {total:.1f} s (goal < 60 s)")
    print(f"peak memory: {figures['peak_bytes'] / 1024**3:.2f} GiB = {ratio:.2f}x the file (goal < 4x)")
    print(f"suggested target: {figures['target']}")
    if not arguments.keep:
        arguments.path.unlink()


if __name__ == "__main__":
    main()
