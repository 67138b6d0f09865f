"""How often Kuai suggests the right target on the labelled sets.

Two sets, reported apart: ``tests/data/targets`` (synthetic tables written by the team,
``benchmarks/make_target_set.py``) and ``tests/data/targets_public`` (public tables the team did not write,
renamed and reordered: ``benchmarks/make_public_target_set.py``). Each CSV is read with the product's reader and
profiled with ``kuai.engine.data.profile.profile_dataset`` exactly as the app and ``kuai profile`` do; a hit is
the true target (or a column the manifest lists under ``also``: another published target of the same table) as
the top suggestion (top-1) or among the first three candidates (top-3).

    python benchmarks/target_suggestion.py [--data tests/data/targets ...] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

from kuai.engine import read_table
from kuai.engine.data.profile import profile_dataset

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "targets"
PUBLIC = ROOT / "tests" / "data" / "targets_public"


@dataclass(frozen=True)
class Outcome:
    file: str
    truth: str
    also: tuple[str, ...]
    suggested: str | None
    candidates: tuple[str, ...]
    reason: str
    seconds: float

    @property
    def rank(self) -> int | None:
        ranks = [self.candidates.index(name) + 1 for name in (self.truth, *self.also) if name in self.candidates]
        return min(ranks, default=None)


def evaluate(data: Path = DATA, *, with_checks: bool = True) -> list[Outcome]:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    outcomes = []
    for entry in manifest["datasets"]:
        started = time.perf_counter()
        frame = read_table(data / entry["file"])
        profile = profile_dataset(frame, with_checks=with_checks)
        outcomes.append(Outcome(entry["file"], entry["target"], tuple(entry.get("also", ())),
                                profile.target.suggested, profile.target.candidates, profile.target.reason,
                                time.perf_counter() - started))
    return outcomes


def hit_rates(outcomes: list[Outcome]) -> tuple[float, float]:
    """Top-1 and top-3 hit rates."""
    top1 = sum(o.rank == 1 for o in outcomes) / len(outcomes)
    top3 = sum(o.rank is not None and o.rank <= 3 for o in outcomes) / len(outcomes)
    return top1, top3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[DATA, PUBLIC])
    parser.add_argument("--verbose", action="store_true", help="print every table, not only the misses")
    arguments = parser.parse_args()
    for data in arguments.data:
        print(f"== {data.relative_to(ROOT) if data.is_relative_to(ROOT) else data}")
        report(evaluate(data), verbose=arguments.verbose)


def report(outcomes: list[Outcome], *, verbose: bool) -> None:
    for outcome in outcomes:
        if verbose or outcome.rank != 1:
            mark = "ok  " if outcome.rank == 1 else f"#{outcome.rank or '-'}  "
            print(f"{mark}{outcome.file:<38} truth={outcome.truth!r:<28} suggested={outcome.suggested!r}  "
                  f"({outcome.reason})")
    top1, top3 = hit_rates(outcomes)
    n = len(outcomes)
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"\n{n} tables: top-1 {top1:.1%} ({round(top1 * n)}/{n}), top-3 {top3:.1%} ({round(top3 * n)}/{n}); "
          f"profile with checks {sum(o.seconds for o in outcomes):.1f} s in all, slowest {slowest.file} "
          f"{slowest.seconds:.2f} s\n")


if __name__ == "__main__":
    main()
