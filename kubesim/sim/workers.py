"""The workers of the control plane runtime: each controller's reconciles.

`Workers` is the part of ControlPlane (sim/controlplane.py) that runs reconciles: for each
controller of a process (a ControllerLoop), up to its `workers` keys at once, each taken from its
own workqueue, reconciled through the controller (which reads the process's shared caches and
writes through its own client), journaled under the controller's name with the revisions that
triggered it and the writes it made, and released after its reconcile duration. An error requeues
the key with rate limiting; delayed keys wake the controller at their time.
"""

from __future__ import annotations

from typing import cast

from kubesim.controllers.base import Requeue
from kubesim.model.errors import ApiError
from kubesim.sim.consumer import Consumer, ControllerLoop
from kubesim.sim.parts import PlaneParts
from kubesim.store.base import JournalEntry


class Workers(PlaneParts):
    """Mixed into ControlPlane, whose loop, clock, totals and journal it uses."""

    def schedule_process(self, consumer: Consumer) -> None:
        """Let every controller of the process take the keys its handlers queued."""
        for ctl in consumer.controllers:
            self.schedule_work(ctl)

    def schedule_work(self, ctl: ControllerLoop) -> None:
        if not ctl.process.started:
            return
        ready = len(ctl.queue)
        while ctl.busy < ctl.workers and ready > 0:
            ctl.busy += 1
            ready -= 1
            self.loop.call_later(0, lambda: self.work(ctl), f"reconcile {ctl.name}")
        wake = ctl.queue.next_ready_time()
        if wake is not None and (ctl.wake_at is None or wake < ctl.wake_at):
            ctl.wake_at = wake  # one wake-up per controller: the earliest delayed key
            self.loop.call_at(wake, lambda: self._wake(ctl, wake), f"requeue {ctl.name}")

    def _wake(self, ctl: ControllerLoop, at: float) -> None:
        if ctl.wake_at != at:
            return  # superseded by an earlier wake-up, which already ran
        ctl.wake_at = None
        self.schedule_work(ctl)

    def work(self, ctl: ControllerLoop) -> None:
        queued = ctl.queue.get()
        if queued is None:
            ctl.busy -= 1
            return
        key = cast(str, queued)  # controllers queue string keys (namespace/name)
        # a key the controller queued again by itself (no event behind it) is a requeue
        triggers = ctl.take_triggers(key) or ["requeue"]
        outcome, requeue_after = "ok", None
        try:
            requeue_after = ctl.controller.reconcile(key)
            ctl.queue.forget(key)
        except (Requeue, ApiError) as e:
            outcome = f"error: {e}"
            ctl.stats.errors += 1
            ctl.queue.add_rate_limited(key)
            ctl.triggers.setdefault(key, []).append("retry")
        if requeue_after is not None:
            self._enqueue_after(ctl, key, requeue_after)
        writes = ctl.client.take_writes()
        reads = ctl.client.take_reads()
        self.totals.live_reads += reads
        ctl.stats.reconciles += 1
        self.totals.reconciles += 1
        self.totals.writes += len(writes)
        if writes:
            self.totals.last_write_at = self.clock.now()
        if not writes and outcome == "ok":
            outcome = "no-op"
            ctl.stats.noop_reconciles += 1
        elif outcome == "ok":
            outcome = "wrote"
        ctl.stats.last_reconcile, ctl.stats.last_outcome = key, outcome
        process = ctl.process.stats
        process.last_outcome = outcome
        process.last_reconcile = (
            key if ctl.name == ctl.process.name else f"{ctl.controller.name} {key}"
        )
        self._append(
            JournalEntry(
                "reconcile",
                ctl.name,
                "reconcile",
                key,
                outcome,
                writes[-1][0] if writes else ctl.process.revision,
                self.clock.now(),
                {
                    "triggers": triggers,
                    "writes": [list(w) for w in writes],
                    "duration": ctl.reconcile_duration,
                    **({"reads": reads} if reads else {}),
                },
            )
        )

        def finish() -> None:
            ctl.queue.done(key)
            ctl.busy -= 1
            self.schedule_work(ctl)

        if ctl.reconcile_duration > 0:
            self.loop.call_later(ctl.reconcile_duration, finish, f"done {ctl.name}")
        else:
            finish()
        if writes:
            self.poll()

    def _enqueue_after(self, ctl: ControllerLoop, key: str, delay: float) -> None:
        ctl.triggers.setdefault(key, [])
        if "requeue-after" not in ctl.triggers[key]:
            ctl.triggers[key].append("requeue-after")
        ctl.queue.add_after(key, delay)
        self.schedule_work(ctl)

    def _record_event(
        self, ctl: ControllerLoop, obj: dict, event_type: str, reason: str, message: str
    ) -> None:
        from kubesim.controllers.events import new_event

        try:
            ctl.client.create(
                new_event(
                    obj,
                    event_type,
                    reason,
                    message,
                    ctl.controller.component or ctl.name,
                    self.clock.now(),
                    self.rng,
                )
            )
        except ApiError:
            pass  # an EventRecorder drops events it cannot write; they are best effort
