"""The live view's cost: frames rendered per second, and the control plane's events/s running
flat out on the virtual clock with the view off and on, in the same run.

"On" is what `kubesim up` does: a StageTracker observes the plane, a snapshot is published at
most 10 times a second (wall clock) between actions, and a renderer thread draws each one
(colour, 120x40) into a buffer. Each mode runs the same workload (N Deployments of 5 replicas on
a fresh store, same seed) twice, alternating, and the best run counts. Target: the view costs
the loop at most 20% of its events/s.

Run: python benchmarks/bench_view.py [DEPLOYMENTS]
"""

from __future__ import annotations

import io
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console

from kubesim.api.apply import apply
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.sim.controls import PlaneControls
from kubesim.sim.snapshot import StageTracker, snapshot
from kubesim.store.sqlite import SqliteStore
from kubesim.view.live import frame_delay
from kubesim.view.stages import render
from kubesim.view.state import StageState

MAX_COST = 0.20
T0 = 1_767_225_600.0


def deployment(i: int) -> dict:
    labels = {"app": f"web-{i}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"web-{i}", "namespace": "default"},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    }


class Renderer:
    """The live view's renderer thread, drawing into a buffer instead of a terminal."""

    def __init__(self, width: int = 120, height: int = 40, fps: float = 10.0) -> None:
        self.console = Console(
            file=io.StringIO(),
            width=width,
            height=height,
            force_terminal=True,
            color_system="truecolor",
            _environ={},
        )
        self.interval = 1.0 / fps
        self.latest: StageState | None = None
        self.frames = 0
        self._new = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def publish(self, state: StageState) -> None:
        self.latest = state
        self._new.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._new.wait(self.interval)
            self._new.clear()
            if self.latest is not None:
                started = time.monotonic()
                self.console.file = io.StringIO()
                self.console.print(render(self.latest, self.console.width, self.console.height))
                self.frames += 1
                took = time.monotonic() - started
                self._stop.wait(max(0.0, frame_delay(took, self.interval) - took))

    def __enter__(self) -> Renderer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._new.set()
        self._thread.join()


def run_once(n: int, view: bool, workdir: Path, tag: str) -> tuple[float, int, int, float]:
    """events/s, events, frames and wall seconds of one flat-out run to settled."""
    store = SqliteStore(str(workdir / f"{tag}.db"))
    plane = ControlPlane(store, VirtualClock(T0), SimConfig(seed=1))
    renderer = Renderer() if view else None
    controls = None
    if view:
        tracker = StageTracker(plane)
        controls = PlaneControls(plane, runner=None, tracker=tracker)
        controls.publish = renderer.publish
    plane.start()
    for i in range(n):
        apply(plane.api, deployment(i))
    plane.poll()
    started = time.perf_counter()
    if renderer:
        renderer.__enter__()
    steps = 0
    while plane.step():
        steps += 1
        if controls is not None and steps % 256 == 0:
            controls.tick()
    plane.flush()
    wall = time.perf_counter() - started
    if renderer:
        renderer.__exit__()
    events = plane.totals.events
    store.close()
    return events / wall, events, renderer.frames if renderer else 0, wall


def frames_per_second(width: int, height: int, seconds: float = 1.5) -> float:
    """Render throughput for a busy state (every panel full)."""
    with tempfile.TemporaryDirectory() as d:
        store = SqliteStore(str(Path(d) / "s.db"))
        plane = ControlPlane(store, VirtualClock(T0), SimConfig(seed=1))
        tracker = StageTracker(plane)
        plane.start()
        for i in range(20):
            apply(plane.api, deployment(i))
        plane.poll()
        plane.run_until_settled(max_steps=3000)
        state = snapshot(plane, tracker)
        store.close()
    console = Console(
        file=io.StringIO(),
        width=width,
        height=height,
        force_terminal=True,
        color_system="truecolor",
        _environ={},
    )
    frames, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        console.file = io.StringIO()
        console.print(render(state, width, height))
        frames += 1
    return frames / (time.perf_counter() - started)


def main() -> int:
    # 300 Deployments: each run lasts several seconds, dozens of frames at the 10 frames/s cap,
    # so the cost measured is the view's, not the noise of a run too short to draw in
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for width, height in ((80, 24), (120, 40), (200, 60)):
        print(f"render {width}x{height}: {frames_per_second(width, height):,.0f} frames/s")
    results: dict[bool, list[float]] = {False: [], True: []}
    frames = 0
    with tempfile.TemporaryDirectory() as d:
        for round_ in range(2):
            for view in (False, True):
                rate, events, f, wall = run_once(n, view, Path(d), f"{round_}-{view}")
                results[view].append(rate)
                frames += f
                print(
                    f"  view {'on ' if view else 'off'}: {events:,} events in {wall:.1f} s, "
                    f"{rate:,.0f} events/s" + (f", {f} frames drawn" if view else "")
                )
    off, on = max(results[False]), max(results[True])
    cost = 1 - on / off
    print(
        f"control plane flat out ({n} deployments x 5 replicas): view off {off:,.0f} events/s, "
        f"view on {on:,.0f} events/s: the view costs {cost:.1%} (target <= {MAX_COST:.0%})"
    )
    return 0 if cost <= MAX_COST else 1


if __name__ == "__main__":
    sys.exit(main())
