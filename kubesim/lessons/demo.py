"""`kubesim demo`: a narrated, autonomous scenario, about a minute at the default speed.

Scenes: apply the sample Deployment (a command, then the stages: events, reconciles, pods
Running), scale it, slow one controller's watch down (stale reads), restart another (its
projection rebuilt by a LIST), then the summary. It runs in a temporary store, never the
learner's. `SCENES` holds the narration and the seconds each scene takes.

A `Demo` plays the scenes on its clock: a RealClock scaled by `speed`, or (`fast=True`, tests)
the virtual clock, which never waits. With `write`, it prints plain stage lines (at most 79
columns), narration lines starting with `#` and the commands starting with `$`. Without it
(the live view), the narration goes to `caption` (a StageState's caption), `tick` is called
between actions, and `stop`/`request_step` make it a runner for the view's keys (q, n).
Called by kubesim/cli/demo.py.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.controllers import KUBE_CONTROLLER_MANAGER as KCM
from kubesim.controllers import KUBE_SCHEDULER
from kubesim.store.base import JournalEntry

Write = Callable[[str], None]
WIDTH = 79


@dataclass(frozen=True)
class Scene:
    title: str
    lines: tuple[str, ...]
    #: what the learner would type (kubectl's grammar, with kubesim in front), or ""
    command: str
    #: seconds to read the narration before the action, then seconds to watch its effect
    read: float
    watch: float


SCENES: tuple[Scene, ...] = (
    Scene(
        "A command",
        (
            "kubesim apply (kubectl's grammar) sends a command. The API server (the",
            "command bus) validates it and writes ONE object to etcd (the write model).",
            "Nothing runs the read side yet: no controller reads it, no pod exists.",
        ),
        "kubesim apply -f web-deployment.yaml",
        6.0,
        4.0,
    ),
    Scene(
        "The read side reacts",
        (
            "The controllers start: each LISTs into its cache (its read model), then",
            "watches the event stream (the watch API). Each reconcile (a projection",
            "handler) writes the next stage: ReplicaSet, Pods, binding, Running.",
        ),
        "",
        6.0,
        6.0,
    ),
    Scene(
        "Scale it",
        (
            "A new command: 5 replicas. Only the Deployment changes in the write",
            "model; the controllers project that change down the same chain.",
        ),
        "kubesim scale deployment/web --replicas=5",
        5.0,
        5.0,
    ),
    Scene(
        "Stale reads",
        (
            "kube-controller-manager's watch now lags 3 s (real clusters: ~10 ms).",
            "Its ReplicaSet controller decides from that old shared cache: the new pods",
            "come 3 s late, and status writes from stale copies get 409 Conflict.",
        ),
        "kubesim scale deployment/web --replicas=8",
        6.0,
        10.0,
    ),
    Scene(
        "A restart",
        (
            "kube-scheduler restarts: its cache (its read model) is gone. It rebuilds",
            "the projection with a fresh LIST, then watches again from that revision.",
        ),
        "",
        5.0,
        5.0,
    ),
)
#: the live view holds the last caption this long before it closes and the summary prints
END_HOLD = 3.0
LAG = 3.0


def duration(speed: float = 1.0) -> float:
    """Seconds the whole scenario takes at `speed` (about a minute at 1)."""
    return (sum(s.read + s.watch for s in SCENES) + END_HOLD) / speed


class DemoStopped(Exception):
    """The learner pressed q."""


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


class Demo:
    """One run of the scenario over the store at `path`."""

    def __init__(self, path: Path, *, speed: float = 1.0, fast: bool = False) -> None:
        from kubesim.sim.clock import RealClock, VirtualClock
        from kubesim.sim.controlplane import ControlPlane, SimConfig
        from kubesim.store import open_store

        self.store = open_store(path)
        self.fast = fast
        self.clock = VirtualClock(0.0) if fast else RealClock(start=0.0, speed=speed)
        self.plane = ControlPlane(self.store, self.clock, SimConfig(seed=0))
        self.write: Write | None = None
        #: the narration now, for the live view (title line, text, commands)
        self.caption = ""
        self.tick: Callable[[], None] = lambda: None
        #: the live view's StageTracker, if any: the header then shows the latency fault
        self.tracker: Any = None
        self.scene = 0
        self._stop = threading.Event()
        self._steps = 0
        self._lock = threading.Lock()

    # ----------------------------------------------------------------------------- keys
    def stop(self) -> None:
        self._stop.set()
        self.clock.wake()

    def request_step(self) -> None:
        with self._lock:
            self._steps += 1
        self.clock.wake()

    # ----------------------------------------------------------------------------- scenes
    def play(self, write: Write | None = None) -> bool:
        """Play every scene; False if stopped (q) before the end."""
        self.write = write
        if write is not None:
            DemoLog(self.plane, write)
        try:
            self._scenes()
        except DemoStopped:
            return False
        return True

    def _scenes(self) -> None:
        from kubesim.api.apply import apply
        from kubesim.api.manifest import read_manifests
        from kubesim.api.subresources import scale
        from kubesim.data import manifests_dir

        plane = self.plane
        deploy = plane.api.registry().for_kind("Deployment")

        def scale_to(replicas: int) -> None:
            result = scale(plane.api, deploy, "default", "web", replicas)
            self.done(f"{deploy.kubectl_name}/web scaled", result.revision)

        self.narrate(0)
        doc = next(d for d in read_manifests([str(manifests_dir() / "web-deployment.yaml")]))
        result = apply(plane.api, doc.obj)
        self.done(result.kubectl_line, result.revision, "; pods: 0")
        self.narrate(1)
        plane.start()
        self.done()
        self.narrate(2)
        scale_to(5)
        self.narrate(3)
        self._lag(KCM, LAG)
        since = self.store.current_revision()
        scale_to(8)
        conflicts = self.store.journal(
            types=["command"], actor=f"{KCM}/replicaset", min_revision=since
        )
        lost = sum(1 for e in conflicts if e.outcome == "conflict")
        self._say(f"# kcm/replicaset: {lost} write(s) refused with 409 Conflict, retried")
        self._lag(KCM, -LAG)
        self.narrate(4)
        plane.restart(KUBE_SCHEDULER)
        self.done()
        self.caption = (
            "The end\nOne command per scene; everything else was the read side.\n"
            "The totals follow when the view closes."
        )
        self.run_for(END_HOLD)

    def narrate(self, index: int) -> None:
        """Say what comes (and the command about to be typed), give time to read it."""
        self.scene = index
        s = SCENES[index]
        if self.write is not None:
            self.write("")
            self.write(f"# {index + 1}. {s.title}")
            for text in s.lines:
                self.write(f"#    {text}")
        cmd = [f"$ {s.command}"] if s.command else []
        self.caption = "\n".join([f"{index + 1}/{len(SCENES)}  {s.title}", *s.lines, *cmd])
        self.run_for(s.read)

    def done(self, output: str = "", revision: int = 0, note: str = "") -> None:
        """The scene's action was taken: show the command's output, watch its effect."""
        s = SCENES[self.scene]
        if output:
            if self.write is not None:
                self.write(f"$ {s.command}")
                self.write(f"{output}   (revision {revision}{note})")
            self.caption += f"  → {output} (r{revision})"
        self.plane.poll()
        self.run_for(s.watch)

    def _say(self, line: str) -> None:
        """A remark of the narrator: a plain line, or the live view's header message."""
        if self.write is not None:
            self.write(line)
        if self.tracker is not None:
            self.tracker.say(line.removeprefix("# "))

    def _lag(self, name: str, extra: float) -> None:
        """Add (or take back) watch latency, as the view's l key does."""
        consumer = self.plane.consumer(name)
        consumer.latency = max(0.0, consumer.latency + extra)
        if self.tracker is not None:
            if extra > 0:
                self.tracker.latency_faults[name] = extra
            else:
                self.tracker.latency_faults.pop(name, None)

    # ----------------------------------------------------------------------------- time
    def run_for(self, seconds: float) -> None:
        """Run the control plane's actions as their time comes, for `seconds` of clock time
        (paused time does not count; while paused, `request_step` runs one action)."""
        clock, plane, loop = self.clock, self.plane, self.plane.loop
        until = clock.now() + seconds
        while True:
            if self._stop.is_set():
                raise DemoStopped
            paused = getattr(clock, "paused", False)
            if paused:
                with self._lock:
                    steps, self._steps = self._steps, 0
                for _ in range(steps):
                    action = loop.peek()
                    if action is not None:
                        clock.advance_to(action.time)
                        plane.step()
            else:
                while (nxt := loop.next_time()) is not None and nxt <= min(clock.now(), until):
                    plane.step()
            plane.flush()
            self.tick()
            if not paused and clock.now() >= until:
                return
            nxt = loop.next_time()
            target = until if nxt is None else min(until, nxt)
            if self.fast:
                clock.wait_until(target)
            else:
                clock.wait_until(target, max_wait=0.05)

    # ----------------------------------------------------------------------------- the end
    def finish(self, completed: bool) -> list[str]:
        """Stop the control plane; the closing lines: summary and what to do next."""
        self.plane.record_stop()
        lines = [""]
        if not completed:
            lines.append(f"# Demo stopped in scene {self.scene + 1} of {len(SCENES)}.")
        lines.append("# Summary: one command per scene; everything else was the read side.")
        lines += summary(self.plane)
        lines += ["", "# Now try it yourself: kubesim lesson start 1"]
        return lines

    def close(self) -> None:
        self.store.close()


def run_demo(write: Write, *, speed: float = 1.0, fast: bool = False) -> list[str]:
    """Play the scenario as plain lines; returns the summary lines (also written)."""
    with tempfile.TemporaryDirectory(prefix="kubesim-demo-") as tmp:
        demo = Demo(Path(tmp) / "store.db", speed=speed, fast=fast)
        try:
            lines = demo.finish(demo.play(write))
        finally:
            demo.close()
    for line in lines:
        write(line)
    return lines


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
        "READ MODEL: the revision each cache is at (and the objects in it)",
        "",
    ]
    rows = [["CONSUMER", "READ MODEL", "EVENTS", "RECONCILES", "WRITES", "LISTS"]]
    for c in plane.consumers:
        rows.append(
            [
                c.name,
                f"r{c.revision} ({c.cached_objects()})",
                str(c.stats.deliveries),
                str(c.reconciles()),
                str(c.writes()),
                str(c.stats.relists),
            ]
        )
    return lines + align_rows(rows).rstrip("\n").split("\n")
