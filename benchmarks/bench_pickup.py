"""How fast `kubesim up` picks up a command written by another process (target: within 50 ms).

Starts `kubesim up --plain` (speed 1, so its clock is the wall clock), then applies ConfigMap
changes from separate processes, one at a time. For each command, the pick-up time is read from
the journal: the first delivery of that revision to a consumer, minus the command's time stamp,
minus the consumer's configured watch latency (10 ms). Prints the median and the worst, and the
baseline: the same commands' apply process time alone.

Run: python benchmarks/bench_pickup.py [--n 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kubesim.sim.controlplane import DEFAULT_LATENCY
from kubesim.store.sqlite import SqliteStore

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: demo}}\ndata: {{n: '{n}'}}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        env = {**os.environ, "KUBESIM_STORE": str(path), "NO_COLOR": "1"}
        subprocess.run(
            [sys.executable, "-m", "kubesim", "get", "ns"], env=env, capture_output=True, check=True
        )  # create the store first
        up = subprocess.Popen(
            [sys.executable, "-m", "kubesim", "up", "--plain"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        manifest = Path(tmp) / "cm.yaml"
        apply_times = []
        try:
            time.sleep(2.0)  # let the control plane start and list
            for i in range(args.n):
                manifest.write_text(CM.format(n=i))
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "kubesim", "apply", "-q", "-f", str(manifest)],
                    env=env,
                    capture_output=True,
                    check=True,
                )
                apply_times.append(time.perf_counter() - t0)
                time.sleep(0.3)
            time.sleep(1.0)
        finally:
            up.terminate()
            up.wait(timeout=10)
        with SqliteStore(str(path)) as store:
            commands = {
                e.revision: e.time
                for e in store.journal(types=["command"])
                if e.actor == "user" and e.outcome in ("created", "configured")
            }
            first: dict[int, float] = {}
            for e in store.journal(types=["delivery"]):
                if e.revision in commands and e.revision not in first:
                    first[e.revision] = e.time
    pickups = [(first[r] - commands[r] - DEFAULT_LATENCY) * 1000 for r in commands if r in first]
    print(f"{len(pickups)}/{len(commands)} commands picked up by `kubesim up`")
    print(
        f"pick-up after the write: median {statistics.median(pickups):.1f} ms, worst "
        f"{max(pickups):.1f} ms (target <= 50 ms)"
    )
    print(
        f"baseline: one `kubesim apply` process takes {statistics.median(apply_times) * 1000:.0f} "
        "ms end to end"
    )


if __name__ == "__main__":
    main()
