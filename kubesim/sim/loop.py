"""The one discrete-event loop of the control plane.

A priority queue of (time, sequence, action): actions at the same time run in the order they
were scheduled, so a run is deterministic. `step()` runs exactly one action (the live view's
`n` key); `run()` runs until nothing is left, a time limit, or a step limit. The clock decides
whether time is virtual (jumps) or real (waits). Called by sim/controlplane.py.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any, NamedTuple


class Action(NamedTuple):
    """One scheduled action; ordered by (time, seq), so `fn` is never compared."""

    time: float
    seq: int
    fn: Callable[[], Any]
    label: str = ""


class EventLoop:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self._heap: list[Action] = []
        self._seq = itertools.count()
        self.steps = 0

    def call_at(self, t: float, fn: Callable[[], Any], label: str = "") -> Action:
        action = Action(max(t, self.clock.now()), next(self._seq), fn, label)
        heapq.heappush(self._heap, action)
        return action

    def call_later(self, delay: float, fn: Callable[[], Any], label: str = "") -> Action:
        return self.call_at(self.clock.now() + max(0.0, delay), fn, label)

    def __len__(self) -> int:
        return len(self._heap)

    def next_time(self) -> float | None:
        return self._heap[0].time if self._heap else None

    def peek(self) -> Action | None:
        return self._heap[0] if self._heap else None

    def step(self) -> Action | None:
        """Run the earliest action now (advancing the clock to its time); None if idle."""
        if not self._heap:
            return None
        action = heapq.heappop(self._heap)
        self.clock.advance_to(action.time)
        self.steps += 1
        action.fn()
        return action

    def run_due(self) -> int:
        """Real time: run every action whose time has come; returns how many ran."""
        ran = 0
        now = self.clock.now()
        while self._heap and self._heap[0].time <= now:
            self.step()
            ran += 1
        return ran
