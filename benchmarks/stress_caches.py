"""Long run of the read side under faults: every informer cache equals the store, always.

Runs kubesim.sim.stress trials: for each seed and each fault mix (duplicate delivery, dropped
watches, compaction, process restarts with writes racing the relist, watch latency up to 1 s,
and all of them together), a control plane on a virtual clock while a seeded user writes
Deployments and ConfigMaps in bursts. After every step, every synced consumer's caches are
compared with the store's state at the consumer's revision (both the last event's and the last
bookmark's), for the kinds and field selectors it watches. Prints one line per mix, then the
totals: trials, steps, user writes, cache-vs-store checks and violations (with the first few),
and exits 1 if there was any violation.

Run: python benchmarks/stress_caches.py [--seeds 5] [--steps 2000] [--mix NAME ...]
(the defaults take about two minutes; tests/reliability/test_read_caches.py runs a short version)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from kubesim.sim.stress import MIXES, TrialResult, run_trial


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="trials per fault mix")
    parser.add_argument("--steps", type=int, default=2000, help="steps per trial")
    parser.add_argument("--mix", action="append", choices=sorted(MIXES), help="only this mix")
    args = parser.parse_args()
    if args.seeds < 1 or args.steps < 1:
        parser.error("--seeds and --steps must be at least 1")
    mixes = args.mix or list(MIXES)
    results: list[TrialResult] = []
    wall = time.perf_counter()
    print(f"{'MIX':<32} {'TRIALS':>6} {'STEPS':>8} {'WRITES':>7} {'CHECKS':>9} {'VIOLATIONS':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for mix in mixes:
            done = [
                run_trial(seed, mix, args.steps, str(Path(tmp) / f"{mix}-{seed}.db"))
                for seed in range(args.seeds)
            ]
            results += done
            print(_row(mix, done), flush=True)
    print(_row("total", results))
    bad = [r for r in results if r.violations]
    faults = {
        "restarts": sum(r.restarts for r in results),
        "relists": sum(r.relists for r in results),
        "watch resumes": sum(r.resumes for r in results),
        "compactions": sum(r.compactions for r in results),
        "duplicates delivered": sum(r.duplicates for r in results),
    }
    print("faults: " + ", ".join(f"{n:,} {name}" for name, n in faults.items()))
    print(f"wall time {time.perf_counter() - wall:.1f}s")
    for r in bad[:5]:
        print(f"violation (seed {r.seed}, {r.mix}, step {r.steps}): {r.violations[0]}")
    return 1 if bad else 0


def _row(name: str, results: list[TrialResult]) -> str:
    return (
        f"{name:<32} {len(results):>6} {sum(r.steps for r in results):>8,} "
        f"{sum(r.writes for r in results):>7,} {sum(r.checks for r in results):>9,} "
        f"{sum(len(r.violations) for r in results):>10}"
    )


if __name__ == "__main__":
    sys.exit(main())
