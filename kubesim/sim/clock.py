"""The control plane's clocks: virtual (deterministic, as fast as the CPU allows) or real.

Nothing in the read side reads the wall clock or sleeps except `RealClock`; everything else asks
the clock it was given. Used by the event loop (sim/loop.py) and handed to the API server and the
controllers as a `now()` callable.
"""

from __future__ import annotations

import threading
import time


class VirtualClock:
    """Time moves only when the event loop moves it to the next action's time."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = t

    def wait_until(self, t: float) -> bool:
        """Virtual time never waits: jump there. Returns False (not woken early)."""
        self.advance_to(t)
        return False

    def wake(self) -> None:
        """Nothing to wake on a virtual clock."""


class RealClock:
    """Wall time scaled by `speed` (2.0 runs twice as fast), starting at `start`.

    `wait_until` sleeps until the scaled time arrives, or until `wake()` is called (a write from
    another process, a key press), whichever comes first. `speed` can change while running
    (the live view's +/- keys) and `paused` stops time.
    """

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        self._base_virtual = time.time() if start is None else start
        self._base_wall = time.monotonic()
        self._speed = speed
        self._paused = False
        self._event = threading.Event()

    def now(self) -> float:
        if self._paused:
            return self._base_virtual
        return self._base_virtual + (time.monotonic() - self._base_wall) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        self._rebase()
        self._speed = speed
        self.wake()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        self._rebase()
        self._paused = paused
        self.wake()

    def _rebase(self) -> None:
        self._base_virtual = self.now()
        self._base_wall = time.monotonic()

    def advance_to(self, t: float) -> None:
        """Stepping while paused: jump the paused clock to `t`."""
        if self._paused and t > self._base_virtual:
            self._base_virtual = t

    def wait_until(self, t: float | None, max_wait: float = 0.25) -> bool:
        """Sleep until time `t` (None: until woken or `max_wait`); True if woken early."""
        if self._paused or t is None:
            wall = max_wait
        else:
            wall = min(max_wait, max(0.0, (t - self.now()) / self._speed))
        woken = self._event.wait(wall)
        self._event.clear()
        return woken

    def wake(self) -> None:
        self._event.set()
