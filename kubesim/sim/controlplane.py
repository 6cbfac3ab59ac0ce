"""The control plane runtime: the watch stream fanned out to each consumer, and their workers.

One `ControlPlane` owns the event loop, the API server the consumers write through (with the
loop's clock and one seeded random generator), and the consumers. Its cycle:

1. `start()`: make sure nodes exist, then each consumer LISTs its kinds (its projection is built
   from a full LIST) and starts its controller once synced.
2. `poll()`: read the store's new events (the watch cache of the API server) and schedule, for
   every consumer whose informers want it, a delivery after that consumer's latency (faults may
   duplicate it, drop the watch, or compact the history so the consumer must relist).
3. `deliver()`: the consumer's informers update their caches and call handlers, which queue keys.
4. `work()`: a worker takes a key and reconciles it; its writes go through the API (new revisions:
   back to 2).

Everything a learner needs to see is journaled (deliveries, reconciles with their triggers and
writes, relists), in batches per tick. Used by `kubesim reconcile`, `kubesim up`, lessons, tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubesim.api.server import ApiServer, WatchEvent
from kubesim.client.clientset import Client
from kubesim.client.informer import Informer
from kubesim.client.reflector import Reflector
from kubesim.client.workqueue import RateLimitingQueue
from kubesim.controllers.base import Controller, ControllerContext, Requeue
from kubesim.model.errors import ApiError, Compacted, Expired
from kubesim.sim.consumer import Consumer
from kubesim.sim.faults import Faults
from kubesim.sim.loop import EventLoop
from kubesim.sim.router import Router
from kubesim.store.base import JournalEntry, Store

#: watch delivery latency when none is configured: etcd's ~10 ms in a healthy cluster
DEFAULT_LATENCY = 0.01


@dataclass
class SimConfig:
    seed: int = 0
    #: per consumer latency in seconds (`--latency NAME=MS` gives milliseconds)
    latency: dict[str, float] = field(default_factory=dict)
    default_latency: float = DEFAULT_LATENCY
    reconcile_duration: dict[str, float] = field(default_factory=dict)
    default_reconcile_duration: float = 0.0
    #: kubelet: seconds from binding to Running
    pod_start_delay: float = 1.0
    nodes: int = 3
    node_allocatable: dict[str, str] = field(
        default_factory=lambda: {"cpu": "8", "memory": "32Gi", "pods": "110"}
    )
    faults: Faults = field(default_factory=Faults)
    #: enforce "objects from the cache are never mutated" (tests)
    check_mutation: bool = False
    #: journal every delivery (off only for throughput experiments)
    journal_deliveries: bool = True


@dataclass
class Totals:
    #: virtual time of the last write a consumer made (when the cluster last changed)
    last_write_at: float | None = None
    events: int = 0
    deliveries: int = 0
    reconciles: int = 0
    writes: int = 0
    list_items: int = 0
    cache_reads: int = 0


class ControlPlane:
    def __init__(
        self,
        store: Store,
        clock: Any,
        config: SimConfig | None = None,
        controllers: Iterable[Controller] | None = None,
    ) -> None:
        self.config = config or SimConfig()
        self.store = store
        self.clock = clock
        self.rng = random.Random(self.config.seed)
        self.api = ApiServer(store, clock=clock.now, rng=self.rng)
        self.loop = EventLoop(clock)
        self.consumers: list[Consumer] = []
        self.polled = store.current_revision()
        self._journal: list[JournalEntry] = []
        self._journal_time = clock.now()
        self.faults = self.config.faults
        self.totals = Totals()
        self._extra = list(controllers or [])
        self.router = Router()
        #: called with every watch event polled and every journal entry the read side writes
        self.observers: list[Callable[[WatchEvent | JournalEntry], None]] = []

    # ----------------------------------------------------------------------------- setup
    def start(self) -> None:
        from kubesim.controllers import default_controllers
        from kubesim.controllers.nodes import ensure_nodes

        nodes = ensure_nodes(self.api, self.config.nodes, self.config.node_allocatable)
        for controller in [*default_controllers(nodes, self.config), *self._extra]:
            self.add_consumer(controller)
        self._append(
            JournalEntry(
                "controlplane",
                "kubesim",
                "start",
                outcome="started",
                revision=self.store.current_revision(),
                time=self.clock.now(),
                data={
                    "consumers": {c.name: c.watching() for c in self.consumers},
                    "seed": self.config.seed,
                },
            )
        )
        self.poll()

    def add_consumer(self, controller: Controller) -> Consumer:
        informers = {
            spec.kind: Informer(
                self.api.registry().for_kind(spec.kind),
                accept=spec.filter(),
                indexers=spec.indexers,
                check_mutation=self.config.check_mutation,
            )
            for spec in controller.informers()
        }
        consumer = Consumer(
            controller,
            informers,
            RateLimitingQueue(self.clock.now, name=controller.name),
            Client(self.api, controller.name),
            latency=self.config.latency.get(controller.name, self.config.default_latency),
            reflector=Reflector(self.api, informers),
            reconcile_duration=self.config.reconcile_duration.get(
                controller.name, self.config.default_reconcile_duration
            ),
        )
        ctx = ControllerContext(
            name=controller.name,
            informers=informers,
            queue=consumer.queue,
            client=consumer.client,
            now=self.clock.now,
            rng=self.rng,
            kinds=lambda k: self.api.registry().for_kind(k),
            record_event=lambda *a, **kw: self._record_event(consumer, *a, **kw),
            enqueue=consumer.enqueue,
            enqueue_after=lambda key, delay: self._enqueue_after(consumer, key, delay),
            reads=consumer.reads,
        )
        controller.setup(ctx)
        self.consumers.append(consumer)
        self.router.add(consumer, controller.informers())
        self.loop.call_later(0, lambda: self.relist(consumer, "start"), f"list {controller.name}")
        return consumer

    def consumer(self, name: str) -> Consumer:
        for c in self.consumers:
            if c.name == name:
                return c
        raise KeyError(name)

    # ----------------------------------------------------------------------------- read side
    def relist(self, consumer: Consumer, reason: str) -> None:
        """LIST every kind the consumer watches and replace its projection (a rebuild)."""
        consumer.current_trigger = f"relist@{self.store.current_revision()}"
        result = consumer.reflector.list_and_replace()
        self.totals.list_items += result.items
        consumer.client.stats.list_items += result.items
        consumer.delivered_at = self.clock.now()
        consumer.stats.relists += 1
        consumer.stats.relist_objects += result.objects
        consumer.stats.relist_seconds += result.seconds
        self._append(
            JournalEntry(
                "relist",
                consumer.name,
                "list",
                "",
                reason,
                result.revision,
                self.clock.now(),
                {"objects": result.objects, "seconds": round(result.seconds, 6)},
            )
        )
        if not consumer.started:
            consumer.started = True
            consumer.controller.start()
        self.schedule_work(consumer)

    def restart(self, name: str) -> None:
        """Controller restart: its cache is discarded and rebuilt from a fresh LIST."""
        consumer = self.consumer(name)
        for informer in consumer.informers.values():
            informer.reset()
        consumer.controller.reset()
        consumer.channel.clear()
        consumer.watch_down = False
        consumer.triggers.clear()
        self._append(
            JournalEntry("restart", name, time=self.clock.now(), revision=consumer.revision)
        )
        self.loop.call_later(0, lambda: self.relist(consumer, "restart"), f"restart {name}")

    def poll(self) -> int:
        """Fan the store's new events out to the consumers that watch them."""
        kinds = self.api.registry().kinds
        try:
            events = self.api.watch(kinds, self.polled)
        except Compacted:
            self.polled = self.store.current_revision()
            return 0
        for ev in events:
            self.polled = ev.revision
            self.totals.events += 1
            for observe in self.observers:
                observe(ev)
            for consumer in self.router.targets(ev):
                self._schedule_delivery(consumer, ev)
            self.faults.after_event(self, ev)
        return len(events)

    def _schedule_delivery(self, consumer: Consumer, ev: WatchEvent) -> None:
        """Put the event on the consumer's watch channel, due after its latency."""
        if consumer.watch_down:
            return  # the watch is closed: the reflector fetches it when it resumes
        due = self.clock.now() + consumer.latency
        consumer.channel.append((due, ev, False))
        if self.faults.duplicate(self.rng):
            consumer.channel.append((due, ev, True))
        self._schedule_pump(consumer)

    def _schedule_pump(self, consumer: Consumer) -> None:
        if consumer.channel and not consumer.pump_scheduled:
            consumer.pump_scheduled = True
            self.loop.call_at(
                consumer.channel[0][0], lambda: self._pump(consumer), f"deliver to {consumer.name}"
            )

    def _pump(self, consumer: Consumer) -> None:
        """Deliver every event that is due on the channel, in order (one watch response: the
        reflector hands them to the informer before a worker picks up the keys they queued)."""
        consumer.pump_scheduled = False
        now = self.clock.now()
        while consumer.channel and consumer.channel[0][0] <= now:
            _, ev, duplicate = consumer.channel.popleft()
            if self.faults.dropped(self, consumer):
                consumer.channel.clear()  # the watch closed: what was in flight is lost
                consumer.watch_down = True
                break
            self.deliver(consumer, ev, duplicate)
        self._schedule_pump(consumer)

    def resume_watch(self, consumer: Consumer) -> None:
        """The reflector re-watches from its last revision (relists if that was compacted)."""
        consumer.watch_down = False
        consumer.stats.watch_resumes += 1
        self._append(
            JournalEntry(
                "watch-resume", consumer.name, revision=consumer.revision, time=self.clock.now()
            )
        )
        try:
            events = consumer.reflector.resume(self.polled)
        except Expired:
            self.relist(consumer, "expired")  # 410: the revision it had was compacted
            return
        for ev in events:
            self._schedule_delivery(consumer, ev)

    def expire_watch(self, consumer: Consumer) -> None:
        """410 Expired: the events the watch still owed are gone; relist."""
        consumer.channel.clear()
        self.loop.call_later(0, lambda: self.relist(consumer, "expired"), f"relist {consumer.name}")

    def deliver(self, consumer: Consumer, ev: WatchEvent, duplicate: bool = False) -> None:
        consumer.current_trigger = ev.revision
        if not consumer.reflector.deliver(ev, duplicate):
            return  # already in the projection (it came with a LIST)
        consumer.delivered_at = self.clock.now()
        consumer.stats.deliveries += 1
        self.totals.deliveries += 1
        if duplicate:
            consumer.stats.duplicates += 1
        if self.config.journal_deliveries:
            self._append(
                JournalEntry(
                    "delivery",
                    consumer.name,
                    ev.type,
                    ev.key,
                    "duplicate" if duplicate else "",
                    ev.revision,
                    self.clock.now(),
                )
            )
        self.schedule_work(consumer)

    # ----------------------------------------------------------------------------- workers
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

    # ----------------------------------------------------------------------------- running
    def step(self) -> bool:
        """Run exactly one action of the loop; False when there is nothing to do."""
        action = self.loop.step()
        if action is None:
            return False
        self._maybe_flush()
        return True

    def run_until_settled(self, max_steps: int | None = None, until: float | None = None) -> bool:
        """Virtual time: run until nothing is left to do (True), or a limit is reached."""
        steps = 0
        while True:
            next_time = self.loop.next_time()
            if next_time is None:
                self.flush()
                return True
            if until is not None and next_time > until:
                self.clock.advance_to(until)
                self.flush()
                return False
            if max_steps is not None and steps >= max_steps:
                self.flush()
                return False
            self.step()
            steps += 1

    def _append(self, entry: JournalEntry) -> None:
        self._journal.append(entry)
        for observe in self.observers:
            observe(entry)

    def _maybe_flush(self) -> None:
        now = self.clock.now()
        if now != self._journal_time or len(self._journal) >= 2000:
            self.flush()
            self._journal_time = now

    def flush(self) -> None:
        """Write the buffered journal rows (deliveries, reconciles, relists) in one batch."""
        if self._journal:
            self.store.append_journal(self._journal)
            self._journal = []

    def record_stop(self) -> None:
        """Journal that the control plane stopped, with each consumer's projection revision."""
        self._append(
            JournalEntry(
                "controlplane",
                "kubesim",
                "stop",
                outcome="stopped",
                revision=self.store.current_revision(),
                time=self.clock.now(),
                data={"consumers": {c.name: c.revision for c in self.consumers}},
            )
        )
        self.flush()

    def cache_reads(self) -> int:
        return sum(c.reads[0] for c in self.consumers)
