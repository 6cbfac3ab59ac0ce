"""client-go's rate-limited delaying workqueue, for a single-threaded discrete-event loop.

Semantics follow client-go util/workqueue (queue.go, delaying_queue.go, rate_limiting_queue.go,
default_rate_limiters.go):

- a FIFO `queue`, a `dirty` set and a `processing` set. `add(k)` does nothing if `k` is dirty;
  if `k` is being processed it is marked dirty but not queued, and `done(k)` queues it again. So
  any number of adds during one reconcile give exactly one more reconcile, and one key is never
  handed out twice at once.
- `add_after(k, delay)`: a delay <= 0 adds now; a key already waiting keeps the earlier ready time.
- `add_rate_limited(k)` is `add_after(k, limiter.when(k))`; `forget(k)` resets the failure count.
- the default controller rate limiter is the max of a per-item exponential back-off
  (5 ms * 2^failures, capped at 1000 s) and a global token bucket (10 qps, burst 100).

Differences forced by the simulation: nothing blocks and nothing reads the wall clock. `get()`
returns None when no key is ready (the event loop polls), time comes from an injected
`now()` in seconds, and delayed keys are promoted lazily: `get()`, `len()` and `counters()` first
move every key whose ready time has come into the queue (earliest ready time first, ties in the
order they were added). `next_ready_time()` tells the loop when to wake up next; `promote_ready()`
does the promotion explicitly. Iteration order never depends on hashing.

Used by kubesim.controllers (one queue per controller) and kubesim.sim (scheduling wake-ups, the
live view's queue depths).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]

#: client-go DefaultControllerRateLimiter numbers.
DEFAULT_BASE_DELAY = 0.005
DEFAULT_MAX_DELAY = 1000.0
DEFAULT_QPS = 10.0
DEFAULT_BURST = 100


class RateLimiter(Protocol):
    """client-go workqueue.RateLimiter: how long an item waits before its next retry."""

    def when(self, item: Hashable) -> float: ...

    def forget(self, item: Hashable) -> None: ...

    def num_requeues(self, item: Hashable) -> int: ...


class ItemExponentialFailureRateLimiter:
    """`base * 2^failures`, capped at `max_delay`; each `when` counts one more failure."""

    def __init__(self, base_delay: float, max_delay: float) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exp = self._failures.get(item, 0)
        self._failures[item] = exp + 1
        if exp >= 64:  # client-go guards the same overflow; the cap has long been reached
            return self.max_delay
        return min(self.base_delay * 2**exp, self.max_delay)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """A global token bucket (golang.org/x/time/rate `Reserve().Delay()`) on the injected clock.

    The bucket starts full. Each `when` takes one token, going negative if need be: the delay is
    the time until the balance is back to zero. It tracks no items.
    """

    def __init__(self, qps: float, burst: int, now: Clock) -> None:
        self.qps = qps
        self.burst = burst
        self._now = now
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, item: Hashable) -> float:
        t = self._now()
        last = t if self._last is None or t < self._last else self._last
        tokens = min(self._tokens + (t - last) * self.qps, float(self.burst)) - 1.0
        self._tokens, self._last = tokens, t
        return -tokens / self.qps if tokens < 0 else 0.0

    def forget(self, item: Hashable) -> None:
        return None

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest delay of several limiters; every limiter sees every call."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        return max((limiter.when(item) for limiter in self.limiters), default=0.0)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max((limiter.num_requeues(item) for limiter in self.limiters), default=0)


def default_controller_rate_limiter(now: Clock) -> MaxOfRateLimiter:
    """client-go DefaultControllerRateLimiter: per-item 5 ms..1000 s, overall 10 qps burst 100."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY),
        BucketRateLimiter(DEFAULT_QPS, DEFAULT_BURST, now),
    )


@dataclass(frozen=True)
class QueueCounters:
    """What the live view shows of a queue (client-go's workqueue metrics, roughly)."""

    depth: int  # keys queued and ready (workqueue_depth)
    processing: int  # keys handed out by get() and not yet done()
    waiting: int  # keys waiting for add_after's ready time
    adds_total: int  # adds that marked a key dirty (workqueue_adds_total)
    dedup_total: int  # adds absorbed because the key was already dirty
    retries_total: int  # add_after / add_rate_limited calls (workqueue_retries_total)
    requeues_total: int  # add_rate_limited calls (failed reconciles sent back)


class RateLimitingQueue:
    """client-go's rate-limiting delaying workqueue, polled instead of blocking.

    `now` returns the (virtual) time in seconds. `rate_limiter` defaults to
    `default_controller_rate_limiter(now)`. `name` is the consumer's name, for the view.
    """

    def __init__(
        self,
        now: Clock,
        rate_limiter: RateLimiter | None = None,
        name: str = "",
    ) -> None:
        self.name = name
        self._now = now
        self.rate_limiter: RateLimiter = rate_limiter or default_controller_rate_limiter(now)
        self._queue: deque[Hashable] = deque()
        # dicts used as insertion-ordered sets
        self._dirty: dict[Hashable, None] = {}
        self._processing: dict[Hashable, None] = {}
        # delayed keys: heap of (ready_at, seq, key) plus the live entry per key; an entry whose
        # (ready_at, seq) no longer matches _waiting[key] is stale and skipped
        self._heap: list[tuple[float, int, Hashable]] = []
        self._waiting: dict[Hashable, tuple[float, int]] = {}
        self._seq = 0
        self._shutting_down = False
        self._adds = 0
        self._dedups = 0
        self._retries = 0
        self._requeues = 0

    # -- the basic queue (queue.go) ------------------------------------------------------------

    def add(self, item: Hashable) -> None:
        """Mark `item` as needing processing (queue.go Add)."""
        if self._shutting_down:
            return
        if item in self._dirty:
            self._dedups += 1
            return
        self._adds += 1
        self._dirty[item] = None
        if item in self._processing:
            return
        self._queue.append(item)

    def get(self) -> Hashable | None:
        """The next ready key, now being processed; None if none is ready. Call done() after."""
        self.promote_ready()
        if not self._queue:
            return None
        item = self._queue.popleft()
        self._processing[item] = None
        del self._dirty[item]
        return item

    def done(self, item: Hashable) -> None:
        """Processing of `item` finished; if it was added meanwhile, queue it again."""
        if item not in self._processing:  # a stray done() must not queue a key twice
            return
        del self._processing[item]
        if item in self._dirty:
            self._queue.append(item)

    def __len__(self) -> int:
        """Keys queued and ready now (client-go Len: not counting processing or waiting)."""
        self.promote_ready()
        return len(self._queue)

    def is_dirty(self, item: Hashable) -> bool:
        return item in self._dirty

    def is_processing(self, item: Hashable) -> bool:
        return item in self._processing

    def shutdown(self) -> None:
        """Ignore further adds and drop waiting keys; get() still hands out what is queued."""
        self._shutting_down = True
        self._heap.clear()
        self._waiting.clear()

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    # -- delaying (delaying_queue.go) ----------------------------------------------------------

    def add_after(self, item: Hashable, delay: float) -> None:
        """Add `item` once `delay` seconds have passed; a key already waiting keeps the earlier
        ready time. A delay <= 0 adds now."""
        if self._shutting_down:
            return
        self._retries += 1
        if delay <= 0:
            self.add(item)
            return
        ready_at = self._now() + delay
        current = self._waiting.get(item)
        if current is not None and current[0] <= ready_at:
            return
        self._seq += 1
        self._waiting[item] = (ready_at, self._seq)
        heapq.heappush(self._heap, (ready_at, self._seq, item))

    def next_ready_time(self) -> float | None:
        """The earliest ready time of a waiting key (for the loop's next wake-up), or None."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def promote_ready(self) -> int:
        """Add every waiting key whose ready time has come; returns how many were added."""
        if not self._heap:
            return 0
        t = self._now()
        promoted = 0
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > t:
                return promoted
            _, _, item = heapq.heappop(self._heap)
            del self._waiting[item]
            self.add(item)
            promoted += 1

    def _drop_stale(self) -> None:
        heap, waiting = self._heap, self._waiting
        while heap:
            ready_at, seq, item = heap[0]
            if waiting.get(item) == (ready_at, seq):
                return
            heapq.heappop(heap)

    # -- rate limiting (rate_limiting_queue.go) ------------------------------------------------

    def add_rate_limited(self, item: Hashable) -> None:
        """Requeue after the rate limiter's delay (counts one more failure for `item`)."""
        if self._shutting_down:
            return
        self._requeues += 1
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: Hashable) -> None:
        """Stop tracking failures of `item` (call after a successful reconcile)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return self.rate_limiter.num_requeues(item)

    # -- for the view --------------------------------------------------------------------------

    def counters(self) -> QueueCounters:
        self.promote_ready()
        return QueueCounters(
            depth=len(self._queue),
            processing=len(self._processing),
            waiting=len(self._waiting),
            adds_total=self._adds,
            dedup_total=self._dedups,
            retries_total=self._retries,
            requeues_total=self._requeues,
        )

    def queued(self) -> list[Hashable]:
        """The ready keys in the order get() will hand them out (a copy)."""
        self.promote_ready()
        return list(self._queue)

    def waiting(self) -> list[tuple[float, Hashable]]:
        """Waiting keys with their ready times, earliest first (a copy)."""
        entries = sorted((at, seq, k) for k, (at, seq) in self._waiting.items())
        return [(at, k) for at, _, k in entries]
