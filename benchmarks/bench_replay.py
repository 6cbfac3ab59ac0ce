"""Replay's seek latency and memory over a long history written by a real control plane.

Builds a history of N revisions (default 100,000) with the real ControlPlane on the virtual
clock (a Deployment scaled between 3 and 10 replicas, over and over, seed 1; the store file is
kept in the temporary directory and reused when it exists), then measures:
- indexing: building the replay Timeline (History + Seeker checkpoints), seconds;
- seek: `Timeline.frame(r)` (the whole StageState the player draws) at 1,000 random revisions,
  median and worst, against the 50 ms target; and one step forward from each (stepping);
- memory used by the player: Python allocations held by the Timeline (tracemalloc), and the
  process's peak RSS.

Run: python benchmarks/bench_replay.py [N]
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubesim.api.apply import apply  # noqa: E402
from kubesim.replay.state import Timeline  # noqa: E402
from kubesim.sim.clock import VirtualClock  # noqa: E402
from kubesim.sim.controlplane import ControlPlane, SimConfig  # noqa: E402
from kubesim.store.sqlite import SqliteStore  # noqa: E402

TARGET_MS = 50.0
SEEKS = 1000
T0 = 1_767_225_600.0
MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: nginx, image: "nginx:1.27"}}]}}
"""


def build_history(path: Path, revisions: int) -> None:
    store = SqliteStore(str(path))
    plane = ControlPlane(store, VirtualClock(T0), SimConfig(seed=1))
    plane.start()
    i = 0
    while store.current_revision() < revisions:
        doc = yaml.safe_load(MANIFEST.format(replicas=3 + (i % 2) * 7))
        apply(plane.api, doc, source="web.yaml")
        plane.poll()
        plane.run_until_settled()
        plane.clock.advance_to(plane.clock.now() + 1)
        i += 1
    plane.record_stop()
    store.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    path = Path(tempfile.gettempdir()) / f"kubesim-bench-replay-{n}.db"
    if not path.exists():
        started = time.perf_counter()
        build_history(path, n)
        print(f"history: wrote {path} in {time.perf_counter() - started:.1f} s")
    store = SqliteStore(str(path))
    print(
        f"history: {store.current_revision():,} revisions, "
        f"{len(store.journal(types=['delivery', 'reconcile', 'relist'])):,} read-side "
        f"journal entries, {path.stat().st_size / 1e6:.0f} MB"
    )

    started = time.perf_counter()
    timeline = Timeline(store)
    print(f"indexing (History + Seeker): {time.perf_counter() - started:.2f} s")

    rng = random.Random(1)
    revs = list(timeline.history.revisions())
    sample = [rng.choice(revs) for _ in range(SEEKS)]
    seeks, steps = [], []
    for r in sample:
        t = time.perf_counter()
        timeline.frame(r)
        seeks.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        timeline.frame(min(r + 1, revs[-1]))
        steps.append((time.perf_counter() - t) * 1000)
    med, worst = statistics.median(seeks), max(seeks)
    verdict = "OK" if worst <= TARGET_MS else "OVER TARGET"
    print(
        f"seek over {SEEKS} random revisions: median {med:.2f} ms, worst {worst:.2f} ms "
        f"(target <= {TARGET_MS:.0f} ms: {verdict})"
    )
    print(
        f"step (one revision forward): median {statistics.median(steps):.2f} ms, "
        f"worst {max(steps):.2f} ms (no frame is cached: each is computed from the indexes)"
    )

    del timeline
    tracemalloc.start()
    timeline = Timeline(store)
    for r in sample[:100]:
        timeline.frame(r)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"player memory: {current / 1e6:.1f} MB held by the Timeline (peak while indexing "
        f"{peak / 1e6:.1f} MB); process peak RSS {rss:.0f} MB"
    )
    store.close()
    if os.environ.get("KUBESIM_BENCH_STRICT") and worst > TARGET_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
