"""`kubesim demo`: a narrated, autonomous scenario, about a minute at the default speed.

Scenes: apply the sample Deployment (a command, then the stages: events, reconciles, pods
Running), scale it, slow one controller's watch down (stale reads), restart another (its
projection rebuilt by a LIST), then the summary. It runs in a temporary store, never the
learner's. Stage lines are plain text (at most 79 columns); narration lines start with `#`.
`fast=True` runs on the virtual clock without waiting (tests); otherwise a RealClock scaled by
`speed` paces it. Called by kubesim/cli/demo.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.store.base import JournalEntry

Write = Callable[[str], None]
WIDTH = 79

NARRATION: list[tuple[str, list[str]]] = [
    (
        "A command",
        [
            "kubectl apply sends a command. The API server (the command bus)",
            "validates it and writes ONE object to etcd (the write model).",
            "No pod exists yet: nothing has read the write yet.",
        ],
    ),
    (
        "The read side reacts",
        [
            "Each controller keeps a cache (its read model), fed by the watch",
            "stream (the event bus). Its reconcile loop (the projection handler)",
            "writes the next stage: ReplicaSet, Pods, binding, Running.",
        ],
    ),
    (
        "Scale it",
        [
            "A new command: 5 replicas. Only the Deployment changes; the",
            "controllers project that change down the same chain.",
        ],
    ),
    (
        "Stale reads",
        [
            "The replicaset-controller's watch now lags 3 s (real clusters: ~10 ms).",
            "It decides from its old cache: the new pods come 3 s late, and its",
            "status writes from stale copies get 409 Conflict instead of clobbering.",
        ],
    ),
    (
        "A restart",
        [
            "The scheduler restarts: its cache is gone. It rebuilds the projection",
            "with a fresh LIST, then watches again from that revision.",
        ],
    ),
]


class DemoLog:
    """Compact stage lines: events (not Event objects), reconciles that wrote, relists."""

    def __init__(self, plane: Any, write: Write) -> None:
        self.plane = plane
        self.write = write
        self.start = plane.clock.now()
        plane.observers.append(self.observe)

    def line(self, t: float, revision: int, stage: str, text: str) -> None:
        row = f"{t - self.start:6.2f}s r{revision:<4} {stage:<9} {text}"
        self.write(row if len(row) <= WIDTH else row[: WIDTH - 3] + "...")

    def observe(self, item: WatchEvent | JournalEntry) -> None:
        now = self.plane.clock.now()
        if isinstance(item, WatchEvent):
            if item.kind.kind in ("Event", "Node", "Lease", "Endpoints"):
                return
            md = item.obj["metadata"]
            self.line(now, item.revision, "event", f"{item.type} {item.kind.kind} {md['name']}")
        elif item.type == "reconcile" and (item.data or {}).get("writes"):
            writes = [w for w in item.data["writes"] if "/events/" not in str(w[2])]
            if writes:
                self.line(
                    item.time,
                    item.revision,
                    "reconcile",
                    f"{item.actor} {item.target.split('/')[-1]} -> {len(writes)} write(s)",
                )
        elif item.type == "restart":
            self.line(item.time, item.revision, "restart", f"{item.actor}: cache dropped")
        elif item.type == "relist" and item.outcome != "start":
            self.line(
                item.time,
                item.revision,
                "relist",
                f"{item.actor}: LIST {(item.data or {}).get('objects', 0)} objects "
                f"({item.outcome})",
            )


def run_demo(
    write: Write, *, speed: float = 1.0, fast: bool = False, pause: float = 6.0
) -> list[str]:
    """Play the scenario; returns the summary lines (also written)."""
    with tempfile.TemporaryDirectory(prefix="kubesim-demo-") as tmp:
        return _play(Path(tmp) / "store.db", write, speed, fast, pause)


def _play(path: Path, write: Write, speed: float, fast: bool, pause: float) -> list[str]:
    from kubesim.api.apply import apply
    from kubesim.api.manifest import read_manifests
    from kubesim.api.subresources import scale
    from kubesim.data import manifests_dir
    from kubesim.sim.clock import RealClock, VirtualClock
    from kubesim.sim.controlplane import ControlPlane, SimConfig
    from kubesim.store import open_store

    store = open_store(str(path))
    clock = VirtualClock(0.0) if fast else RealClock(start=0.0, speed=speed)
    plane = ControlPlane(store, clock, SimConfig(seed=0))
    DemoLog(plane, write)
    deploy_kind = plane.api.registry().for_kind("Deployment")

    def narrate(scene: int) -> None:
        title, lines = NARRATION[scene]
        write("")
        write(f"# {scene + 1}. {title}")
        for text in lines:
            write(f"#    {text}")
        wait(pause)

    def wait(seconds: float) -> None:
        end = clock.now() + seconds
        while clock.now() < end:
            clock.wait_until(end)

    def run_for(seconds: float) -> None:
        until = clock.now() + seconds
        while True:
            nxt = plane.loop.next_time()
            if nxt is None or nxt > until:
                break
            while clock.now() < nxt:
                clock.wait_until(nxt)
            plane.step()
        wait(max(0.0, until - clock.now()))
        plane.flush()

    def command(text: str) -> None:
        write(f"$ {text}")

    try:
        narrate(0)
        command("kubectl apply -f web-deployment.yaml")
        doc = next(d for d in read_manifests([str(manifests_dir() / "web-deployment.yaml")]))
        result = apply(plane.api, doc.obj)
        write(f"{result.kubectl_line}   (revision {result.revision}; pods: 0)")
        narrate(1)
        plane.start()
        run_for(3.0)
        narrate(2)
        command("kubectl scale deployment/web --replicas=5")
        scale(plane.api, deploy_kind, "default", "web", 5)
        plane.poll()
        run_for(3.0)
        narrate(3)
        plane.consumer("replicaset-controller").latency = 3.0
        command("kubectl scale deployment/web --replicas=8")
        scale(plane.api, deploy_kind, "default", "web", 8)
        plane.poll()
        run_for(8.0)
        conflicts = store.journal(types=["command"], actor="replicaset-controller")
        lost = sum(1 for e in conflicts if e.outcome == "conflict")
        write(f"# replicaset-controller: {lost} write(s) refused with 409 Conflict, retried")
        plane.consumer("replicaset-controller").latency = 0.01
        narrate(4)
        plane.restart("scheduler")
        run_for(3.0)
        plane.record_stop()
        write("")
        write("# Summary: one command per scene; everything else was the read side.")
        lines = summary(plane)
        for line in lines:
            write(line)
        write("")
        write("# Now try it yourself: kubesim lesson start 1")
        return lines
    finally:
        store.close()


def summary(plane: Any) -> list[str]:
    """Totals and one row per consumer, narrow enough for 80 columns."""
    from kubesim.view.table_text import align_rows

    t = plane.totals
    reads = t.list_items + t.deliveries
    lines = [
        f"store at revision {plane.store.current_revision()}: {t.writes} writes by controllers, "
        f"{reads} reads",
        f"(LIST items {t.list_items} + watch events delivered {t.deliveries}; plus "
        f"{plane.cache_reads()} cache reads)",
        "",
    ]
    rows = [["CONSUMER", "READ MODEL", "EVENTS", "RECONCILES", "WRITES", "LISTS"]]
    for c in plane.consumers:
        rows.append(
            [
                c.name,
                f"r{c.revision} ({c.cached_objects()})",
                str(c.stats.deliveries),
                str(c.stats.reconciles),
                str(c.client.stats.writes),
                str(c.stats.relists),
            ]
        )
    lines[2:2] = ["READ MODEL: the revision each cache is at (and the objects in it)", ""]
    return lines + align_rows(rows).rstrip("\n").split("\n")
