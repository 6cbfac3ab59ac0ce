"""The workqueue keeps client-go's promises: dedup, one rerun after processing, FIFO, delays,
rate limits, all on an injected clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubesim.client.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    RateLimitingQueue,
    default_controller_rate_limiter,
)


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def q(clock: Clock) -> RateLimitingQueue:
    return RateLimitingQueue(clock, name="test")


def drain(q: RateLimitingQueue) -> list:
    out = []
    while (k := q.get()) is not None:
        out.append(k)
        q.done(k)
    return out


def test_add_of_a_dirty_key_is_absorbed(q: RateLimitingQueue) -> None:
    for _ in range(3):
        q.add("default/web")
    q.add("default/db")
    assert len(q) == 2
    c = q.counters()
    assert (c.adds_total, c.dedup_total, c.depth) == (2, 2, 2)
    assert drain(q) == ["default/web", "default/db"]


def test_fifo_order(q: RateLimitingQueue) -> None:
    keys = [f"ns/k{i}" for i in range(10)]
    for k in keys:
        q.add(k)
    assert drain(q) == keys


def test_get_on_empty_queue_returns_none(q: RateLimitingQueue) -> None:
    assert q.get() is None


def test_adds_while_processing_give_exactly_one_more_run(q: RateLimitingQueue) -> None:
    q.add("a")
    assert q.get() == "a"
    for _ in range(5):
        q.add("a")
    # not handed out twice at once: it is dirty but not queued while processing
    assert len(q) == 0 and q.get() is None
    assert q.is_processing("a") and q.is_dirty("a")
    q.done("a")
    assert q.get() == "a"
    q.done("a")
    assert q.get() is None


def test_done_without_new_add_does_not_requeue(q: RateLimitingQueue) -> None:
    q.add("a")
    q.done(q.get())
    assert q.get() is None
    assert q.counters().processing == 0


def test_stray_done_of_a_queued_key_does_not_queue_it_twice(q: RateLimitingQueue) -> None:
    q.add("a")
    q.done("a")
    assert drain(q) == ["a"]


@given(st.lists(st.sampled_from(["add", "get", "done"]), max_size=60))
def test_a_key_is_never_processed_twice_at_once_and_no_add_is_lost(ops: list[str]) -> None:
    q = RateLimitingQueue(Clock())
    held = None  # the single key "k" while a worker has it
    pending_since_get = False
    for op in ops:
        if op == "add":
            q.add("k")
            pending_since_get = True
        elif op == "get" and held is None:
            held = q.get()
            if held is not None:
                pending_since_get = False
        elif op == "done" and held is not None:
            q.done(held)
            held = None
    if held is not None:
        q.done(held)
    # every add after the last get is still owed exactly one run
    assert drain(q) == (["k"] if pending_since_get else [])


def test_add_after_waits_for_the_clock(q: RateLimitingQueue, clock: Clock) -> None:
    q.add_after("a", 2.0)
    assert q.get() is None
    assert q.next_ready_time() == clock.t + 2.0
    clock.t += 1.999
    assert q.get() is None
    clock.t += 0.001
    assert q.get() == "a"
    assert q.next_ready_time() is None


def test_add_after_non_positive_delay_adds_now(q: RateLimitingQueue) -> None:
    q.add_after("a", 0)
    q.add_after("b", -1)
    assert drain(q) == ["a", "b"]


def test_add_after_keeps_the_earlier_ready_time(q: RateLimitingQueue, clock: Clock) -> None:
    start = clock.t
    q.add_after("a", 10.0)
    q.add_after("a", 30.0)  # later: ignored
    assert q.next_ready_time() == start + 10.0
    q.add_after("a", 3.0)  # earlier: wins
    assert q.next_ready_time() == start + 3.0
    assert q.waiting() == [(start + 3.0, "a")]
    clock.t = start + 3.0
    assert q.get() == "a"
    q.done("a")
    clock.t = start + 100
    assert q.get() is None  # the superseded entries do not fire again


def test_promotion_order_is_ready_time_then_add_order(q: RateLimitingQueue, clock: Clock) -> None:
    q.add_after("late", 5.0)
    q.add_after("x", 1.0)
    q.add_after("y", 1.0)
    clock.t += 10
    assert q.promote_ready() == 3
    assert q.queued() == ["x", "y", "late"]


def test_exponential_limiter_doubles_and_caps_and_forgets() -> None:
    rl = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [rl.when("a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0  # 5 ms * 2^19 = 2621 s, capped
    assert rl.num_requeues("a") == 20 and rl.num_requeues("b") == 0
    rl.forget("a")
    assert rl.num_requeues("a") == 0 and rl.when("a") == 0.005


def test_token_bucket_burst_then_qps_on_the_injected_clock(clock: Clock) -> None:
    rl = BucketRateLimiter(10.0, 100, clock)
    assert [rl.when(i) for i in range(100)] == [0.0] * 100  # burst
    assert rl.when("x") == pytest.approx(0.1)
    assert rl.when("y") == pytest.approx(0.2)  # reservations stack up
    clock.t += 0.2  # refilled exactly what was owed
    assert rl.when("z") == pytest.approx(0.1)
    clock.t += 100  # refills to the burst, not beyond
    assert [rl.when(i) for i in range(100)] == [0.0] * 100
    assert rl.when("over") == pytest.approx(0.1)


def test_default_limiter_is_the_max_of_both(clock: Clock) -> None:
    rl = default_controller_rate_limiter(clock)
    assert rl.when("a") == 0.005  # per item wins while the bucket has tokens
    for i in range(99):
        rl.when(i)
    assert rl.when("b") == pytest.approx(0.1)  # bucket empty: 0.1 s beats b's 5 ms


def test_add_rate_limited_requeues_with_backoff(q: RateLimitingQueue, clock: Clock) -> None:
    q.add("a")
    key = q.get()
    q.add_rate_limited(key)  # reconcile failed
    q.done(key)
    assert q.num_requeues("a") == 1
    assert q.next_ready_time() == pytest.approx(clock.t + 0.005)
    clock.t += 0.005
    assert q.get() == "a"
    q.add_rate_limited("a")
    q.done("a")
    assert q.next_ready_time() == pytest.approx(clock.t + 0.01)
    q.forget("a")
    assert q.num_requeues("a") == 0
    c = q.counters()
    assert (c.requeues_total, c.retries_total, c.waiting) == (2, 2, 1)


def test_shutdown_ignores_adds_and_drops_waiting(q: RateLimitingQueue, clock: Clock) -> None:
    q.add("a")
    q.add_after("b", 1)
    q.shutdown()
    q.add("c")
    clock.t += 5
    assert q.shutting_down
    assert drain(q) == ["a"]
    assert q.next_ready_time() is None
