"""The workers of the control plane runtime: each consumer's reconciles.

`Workers` is the part of ControlPlane (sim/controlplane.py) that runs reconciles: up to a
consumer's `workers` keys at once, each taken from its workqueue, reconciled through the
controller (which reads its caches and writes through the API), journaled with the revisions that
triggered it and the writes it made, and released after the consumer's reconcile duration. An
error requeues the key with rate limiting; delayed keys wake the consumer at their time.
"""

from __future__ import annotations

from kubesim.controllers.base import Requeue
from kubesim.model.errors import ApiError
from kubesim.sim.consumer import Consumer
from kubesim.store.base import JournalEntry


class Workers:
    """Mixed into ControlPlane, whose loop, clock, totals and journal it uses."""

    def schedule_work(self, consumer: Consumer) -> None:
        if not consumer.started:
            return
        ready = len(consumer.queue)
        while consumer.busy < consumer.workers and ready > 0:
            consumer.busy += 1
            ready -= 1
            self.loop.call_later(0, lambda: self.work(consumer), f"reconcile {consumer.name}")
        wake = consumer.queue.next_ready_time()
        if wake is not None and (consumer.wake_at is None or wake < consumer.wake_at):
            consumer.wake_at = wake  # one wake-up per consumer: the earliest delayed key
            self.loop.call_at(wake, lambda: self._wake(consumer, wake), f"requeue {consumer.name}")

    def _wake(self, consumer: Consumer, at: float) -> None:
        if consumer.wake_at != at:
            return  # superseded by an earlier wake-up, which already ran
        consumer.wake_at = None
        self.schedule_work(consumer)

    def work(self, consumer: Consumer) -> None:
        key = consumer.queue.get()
        if key is None:
            consumer.busy -= 1
            return
        # a key the controller queued again by itself (no event behind it) is a requeue
        triggers = consumer.take_triggers(key) or ["requeue"]
        outcome, requeue_after = "ok", None
        try:
            requeue_after = consumer.controller.reconcile(key)
            consumer.queue.forget(key)
        except (Requeue, ApiError) as e:
            outcome = f"error: {e}"
            consumer.stats.errors += 1
            consumer.queue.add_rate_limited(key)
            consumer.triggers.setdefault(key, []).append("retry")
        if requeue_after is not None:
            self._enqueue_after(consumer, key, requeue_after)
        writes = consumer.client.take_writes()
        consumer.stats.reconciles += 1
        self.totals.reconciles += 1
        self.totals.writes += len(writes)
        if writes:
            self.totals.last_write_at = self.clock.now()
        if not writes and outcome == "ok":
            outcome = "no-op"
            consumer.stats.noop_reconciles += 1
        elif outcome == "ok":
            outcome = "wrote"
        consumer.stats.last_reconcile, consumer.stats.last_outcome = key, outcome
        self._append(
            JournalEntry(
                "reconcile",
                consumer.name,
                "reconcile",
                key,
                outcome,
                writes[-1][0] if writes else consumer.revision,
                self.clock.now(),
                {
                    "triggers": triggers,
                    "writes": [list(w) for w in writes],
                    "duration": consumer.reconcile_duration,
                },
            )
        )

        def finish() -> None:
            consumer.queue.done(key)
            consumer.busy -= 1
            self.schedule_work(consumer)

        if consumer.reconcile_duration > 0:
            self.loop.call_later(consumer.reconcile_duration, finish, f"done {consumer.name}")
        else:
            finish()
        if writes:
            self.poll()

    def _enqueue_after(self, consumer: Consumer, key: str, delay: float) -> None:
        consumer.triggers.setdefault(key, [])
        if "requeue-after" not in consumer.triggers[key]:
            consumer.triggers[key].append("requeue-after")
        consumer.queue.add_after(key, delay)
        self.schedule_work(consumer)

    def _record_event(
        self, consumer: Consumer, obj: dict, event_type: str, reason: str, message: str
    ) -> None:
        from kubesim.controllers.events import new_event

        try:
            consumer.client.create(
                new_event(
                    obj, event_type, reason, message, consumer.name, self.clock.now(), self.rng
                )
            )
        except ApiError:
            pass  # an EventRecorder drops events it cannot write; they are best effort
