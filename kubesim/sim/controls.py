"""What the live view's keys do to a running control plane, and the frames it publishes.

`PlaneControls` implements kubesim.view.keys.Controls. Keys arrive on the key reader's thread;
pause and speed act on the RealClock at once (it is made for that), a step asks the runner for
exactly one action, and everything that touches the control plane itself (restart, follow,
faults) is queued and run by `tick()`, which the RealTimeRunner calls on the loop's thread
between actions. `tick()` also takes a snapshot at most `fps` times a second and hands it to
`publish` (the live view's renderer thread): the loop never waits for a frame to be drawn.
Used by `kubesim up`.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from kubesim.sim.snapshot import StageTracker, snapshot
from kubesim.view.keys import LATENCY_FAULT
from kubesim.view.state import StageState

MIN_SPEED, MAX_SPEED = 1 / 64, 64.0


class PlaneControls:
    def __init__(
        self,
        plane: Any,
        runner: Any,
        tracker: StageTracker,
        *,
        fps: float = 10.0,
        duplicate_rate: float = 0.5,
    ) -> None:
        self.plane = plane
        self.runner = runner
        self.tracker = tracker
        self.interval = 1.0 / fps
        self.duplicate_rate = duplicate_rate
        self.publish: Callable[[StageState], None] = lambda state: None
        self.save: Callable[[], None] = lambda: None
        self._pending: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._last_frame = 0.0
        self.frames = 0
        tracker.on_busy = self.maybe_publish

    # ----------------------------------------------------------------------------- loop thread
    def tick(self) -> None:
        """On the loop's thread, between actions: run queued key actions, maybe take a frame."""
        while True:
            try:
                action = self._pending.get_nowait()
            except queue.Empty:
                break
            action()
            self._last_frame = 0.0  # show the effect of a key at once
        self.maybe_publish()

    def maybe_publish(self) -> None:
        now = time.monotonic()
        if now - self._last_frame >= self.interval:
            self._last_frame = now
            self.frames += 1
            self.publish(snapshot(self.plane, self.tracker))

    def _later(self, action: Callable[[], None]) -> None:
        self._pending.put(action)
        self.plane.clock.wake()

    # ----------------------------------------------------------------------------- keys
    def toggle_pause(self) -> None:
        clock = self.plane.clock
        clock.set_paused(not clock.paused)
        self._later(lambda: None)

    def step(self) -> None:
        if not self.plane.clock.paused:
            self.tracker.say("n runs one action while paused: press space to pause first")
            return
        self.runner.request_step()
        self._later(lambda: None)

    def speed(self, factor: float) -> None:
        clock = self.plane.clock
        clock.set_speed(min(MAX_SPEED, max(MIN_SPEED, clock.speed * factor)))
        self.tracker.say(f"speed {clock.speed:g}x")
        self._later(lambda: None)

    def restart(self, consumer: str) -> None:
        self.tracker.say(f"restarting {consumer}: its cache is dropped, a fresh LIST follows")
        self._later(lambda: self.plane.restart(consumer))

    def follow_next(self) -> None:
        self._later(self._follow_next)

    def _follow_next(self) -> None:
        self.tracker.read_commands()
        self.tracker.follow_next()

    def unfollow(self) -> None:
        def stop() -> None:
            if self.tracker.follow is not None:
                self.tracker.follow = None
                self.tracker.say("not following anything")

        self._later(stop)

    def toggle_latency(self, consumer: str) -> None:
        def toggle() -> None:
            c = self.plane.consumer(consumer)
            extra = self.tracker.latency_faults.pop(consumer, None)
            if extra is not None:
                c.latency = max(0.0, c.latency - extra)
                self.tracker.say(f"{consumer}: extra latency removed")
            else:
                c.latency += LATENCY_FAULT
                self.tracker.latency_faults[consumer] = LATENCY_FAULT
                self.tracker.say(
                    f"{consumer}: every event now reaches it {LATENCY_FAULT:g} s later"
                )

        self._later(toggle)

    def toggle_duplicates(self) -> None:
        def toggle() -> None:
            faults = self.plane.faults
            if faults.duplicate_rate:
                faults.duplicate_rate = 0.0
                self.tracker.say("duplicate delivery off")
            else:
                faults.duplicate_rate = self.duplicate_rate
                self.tracker.say(
                    "duplicate delivery on: handlers and reconciles must be idempotent"
                )

        self._later(toggle)

    def save_svg(self) -> None:
        self.save()

    def toggle_help(self) -> None:
        self._later(lambda: None)

    def quit(self) -> None:
        self.runner.stop()

    def consumers(self) -> list[str]:
        return [c.name for c in self.plane.consumers]
