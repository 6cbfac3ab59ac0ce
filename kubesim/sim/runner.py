"""Running the control plane: headless on virtual time, or live in real time against the store.

- `run_virtual(plane, ...)`: until settled, N steps, or a virtual duration (`kubesim reconcile`).
- `RealTimeRunner`: the loop of `kubesim up`. It runs due actions on a RealClock and wakes within
  milliseconds when another process writes the store: the store's change notifier
  (`Store.changes`: for the file store a watchfiles thread on the file and its -wal, for etcd its
  watch) wakes the clock, and a slow poll (1 s) is the fallback. Wake-ups caused by the control
  plane's own writes cost one cheap poll. Every poll first checks that the store is still the
  one it opened (`Store.check_identity`): if it was removed or replaced (`kubesim reset`, `rm`),
  `run` raises StoreReplaced rather than go on writing to a store nobody else can see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kubesim.sim.controlplane import ControlPlane

FALLBACK_POLL = 1.0


def run_virtual(
    plane: ControlPlane,
    *,
    steps: int | None = None,
    duration: float | None = None,
    idle: float | None = None,
    on_step: Callable[[], None] | None = None,
) -> bool:
    """Run on the virtual clock (ControlPlane.run_until_settled); True if it settled.

    Settled means nothing is left to do, or (with `idle`) that the next action is a timer more
    than `idle` seconds after the last write: the cluster is quiet and only requeue timers (a
    Deployment's progress deadline, say) are pending. Time is not run forward to them; a run of
    `duration` otherwise ends at the end of that duration, even when it settled or stopped early.
    """
    until = plane.clock.now() + duration if duration is not None else None
    settled = plane.run_until_settled(steps, until, idle=idle, on_step=on_step)
    quiet = settled and plane.loop.next_time() is not None  # settled on `idle`: timers remain
    if until is not None and not quiet:
        plane.clock.advance_to(until)
    return settled


class RealTimeRunner:
    """Drives a ControlPlane whose clock is a RealClock until `stop()` or a time limit."""

    def __init__(self, plane: ControlPlane, *, watch: bool = True) -> None:
        """`watch`: wake on other processes' writes (else only the slow poll notices them)."""
        self.plane = plane
        self.watcher = plane.store.changes(plane.clock.wake) if watch else None
        self._stop = threading.Event()
        self.step_requests = 0
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stop.set()
        self.plane.clock.wake()

    def request_step(self) -> None:
        """While paused: run exactly one action (the live view's `n`)."""
        with self._lock:
            self.step_requests += 1
        self.plane.clock.wake()

    def run(self, duration: float | None = None, tick: Callable[[], Any] | None = None) -> None:
        plane, clock = self.plane, self.plane.clock
        if self.watcher:
            self.watcher.start()
        wall_end = time.monotonic() + duration / clock.speed if duration is not None else None
        last_poll = time.monotonic()
        try:
            while not self._stop.is_set():
                if wall_end is not None and time.monotonic() >= wall_end:
                    break
                external = self.watcher is not None and self.watcher.changed.is_set()
                if external or time.monotonic() - last_poll >= FALLBACK_POLL:
                    if self.watcher:
                        self.watcher.changed.clear()
                    plane.store.check_identity()
                    plane.poll()
                    last_poll = time.monotonic()
                if clock.paused:
                    with self._lock:
                        pending, self.step_requests = self.step_requests, 0
                    for _ in range(pending):
                        action = plane.loop.peek()
                        if action is not None:
                            clock.advance_to(action.time)
                            plane.step()
                else:
                    while (
                        plane.loop.next_time() is not None and plane.loop.next_time() <= clock.now()
                    ):
                        plane.step()
                plane.flush()
                if tick is not None:
                    tick()
                clock.wait_until(plane.loop.next_time(), max_wait=0.05)
        finally:
            if self.watcher:
                self.watcher.stop()
            plane.flush()
