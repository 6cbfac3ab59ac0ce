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
from kubesim.client.staleness import Unseen, unseen
from kubesim.client.workqueue import RateLimitingQueue
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec
from kubesim.sim.consumer import Consumer, ControllerLoop
from kubesim.sim.delivery import ReadSide
from kubesim.sim.faults import Faults
from kubesim.sim.loop import EventLoop
from kubesim.sim.router import Router
from kubesim.sim.workers import Workers
from kubesim.store.base import JournalEntry, Store

#: watch delivery latency when none is configured: etcd's ~10 ms in a healthy cluster
DEFAULT_LATENCY = 0.01


@dataclass
class SimConfig:
    seed: int = 0
    #: per consumer latency in seconds (`--latency NAME=MS` gives milliseconds)
    latency: dict[str, float] = field(default_factory=dict)
    reconcile_duration: dict[str, float] = field(default_factory=dict)
    #: kubelet: seconds from binding to Running
    pod_start_delay: float = 1.0
    nodes: int = 3
    node_allocatable: dict[str, str] = field(
        default_factory=lambda: {"cpu": "8", "memory": "32Gi", "pods": "110"}
    )
    faults: Faults = field(default_factory=Faults)
    #: enforce "objects from the cache are never mutated" (tests)
    check_mutation: bool = False
    #: one informer factory per process (True, as in Kubernetes) or one per controller
    shared_informers: bool = True


@dataclass
class Totals:
    #: virtual time of the last write a consumer made (when the cluster last changed)
    last_write_at: float | None = None
    events: int = 0
    deliveries: int = 0
    reconciles: int = 0
    writes: int = 0
    list_items: int = 0
    #: objects controllers read from the API past their informers (live GETs and LISTs)
    live_reads: int = 0


class ControlPlane(ReadSide, Workers):
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
        # seeded by the seed AND the store's revision: the same seed on the same store gives the
        # same run, while a later run on the same store (a new process) does not hand out the
        # uids and names of an earlier one again
        self.rng = random.Random(f"{self.config.seed}/{store.current_revision()}")
        self.api = ApiServer(store, clock=clock.now, rng=self.rng)
        self.loop = EventLoop(clock)
        self.consumers: list[Consumer] = []
        self.polled = store.current_revision()
        #: (registry, consumers, kinds) the last poll watched (see ReadSide._watched_kinds)
        self._kinds_for: tuple[Any, int, list[Any]] | None = None
        self._journal: list[JournalEntry] = []
        self._journal_time = clock.now()
        self.faults = self.config.faults
        self.totals = Totals()
        self._extra = list(controllers or [])
        self.router = Router()
        #: called with every watch event polled and every journal entry the read side writes
        self.observers: list[Callable[[WatchEvent | JournalEntry], None]] = []
        #: while observers see a watch event: the consumers it goes to (sim/delivery.py poll)
        self.routing: list[Consumer] = []

    # ----------------------------------------------------------------------------- setup
    def start(self) -> None:
        from kubesim.controllers import default_processes
        from kubesim.controllers.nodes import ensure_nodes

        nodes = ensure_nodes(self.api, self.config.nodes, self.config.node_allocatable)
        processes = default_processes(nodes, self.config)
        processes += [(c.name, [c]) for c in self._extra]
        for process, controllers in processes:
            if self.config.shared_informers:
                self.add_process(process, controllers)
            else:
                for c in controllers:  # one informer factory per controller: no sharing
                    self.add_process(controller_name(process, c), [c], process=process)
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
                    "shared_informers": self.config.shared_informers,
                },
            )
        )
        self.poll()

    def add_process(
        self, name: str, controllers: list[Controller], process: str | None = None
    ) -> Consumer:
        """A consumer `name` hosting `controllers`: one shared informer per kind (their specs
        merged, as a SharedInformerFactory hands every controller the same informer), one
        reflector, and for each controller its own workqueue, client and workers. `process`
        names the process the controllers belong to when it is not `name` (no sharing)."""
        specs = merge_informer_specs(name, [s for c in controllers for s in c.informers()])
        informers = {
            spec.kind: Informer(
                self.api.registry().for_kind(spec.kind),
                accept=spec.filter(),
                indexers=spec.indexers,
                check_mutation=self.config.check_mutation,
            )
            for spec in specs
        }
        consumer = Consumer(
            name,
            informers,
            Reflector(self.api, informers),
            latency=self.config.latency.get(name, DEFAULT_LATENCY),
        )
        for controller in controllers:
            full = controller_name(process or name, controller)
            loop = ControllerLoop(
                controller,
                consumer,
                full,
                RateLimitingQueue(self.clock.now, name=full),
                Client(self.api, full),
                reconcile_duration=self.config.reconcile_duration.get(
                    full, self.config.reconcile_duration.get(name, 0.0)
                ),
            )
            consumer.controllers.append(loop)
            controller.setup(self._context(loop))
        self.consumers.append(consumer)
        self.router.add(consumer, specs)
        self.schedule_relist(consumer, "start")
        return consumer

    def _context(self, loop: ControllerLoop) -> ControllerContext:
        return ControllerContext(
            name=loop.name,
            informers=loop.process.informers,
            queue=loop.queue,
            client=loop.client,
            now=self.clock.now,
            rng=self.rng,
            kinds=lambda k: self.api.registry().for_kind(k),
            record_event=lambda *a, **kw: self._record_event(loop, *a, **kw),
            enqueue=loop.enqueue,
            enqueue_after=lambda key, delay: self._enqueue_after(loop, key, delay),
        )

    def consumer(self, name: str) -> Consumer:
        """The consumer process named `name`."""
        for c in self.consumers:
            if c.name == name:
                return c
        raise KeyError(name)

    def controller(self, name: str) -> ControllerLoop:
        """The controller named `name` (`kube-controller-manager/replicaset`, `kube-scheduler`)."""
        for c in self.consumers:
            for loop in c.controllers:
                if loop.name == name:
                    return loop
        raise KeyError(name)

    def staleness(self, consumer: Consumer) -> Unseen:
        """How far `consumer`'s projection is behind the store, in revisions of its kinds."""
        return unseen(self.store, consumer.watching(), consumer.revision)

    def controller_loops(self) -> list[ControllerLoop]:
        return [loop for c in self.consumers for loop in c.controllers]

    # ----------------------------------------------------------------------------- running
    def step(self) -> bool:
        """Run exactly one action of the loop; False when there is nothing to do."""
        action = self.loop.step()
        if action is None:
            return False
        self._maybe_flush()
        return True

    def run_until_settled(
        self,
        max_steps: int | None = None,
        until: float | None = None,
        *,
        idle: float | None = None,
        on_step: Callable[[], None] | None = None,
    ) -> bool:
        """Virtual time: run until nothing is left to do (True), or a limit is reached.

        With `idle`, also settled (True) when the next action is a timer more than `idle`
        seconds after the last write (or the start of this run): the cluster is quiet and only
        requeue timers are pending; time is not run forward to them. `on_step` is called every
        1,000 steps (a progress display)."""
        start = self.clock.now()
        steps = 0
        while True:
            next_time = self.loop.next_time()
            if next_time is None:
                self.flush()
                return True
            if idle is not None:
                last = self.totals.last_write_at
                if next_time - (start if last is None else max(last, start)) > idle:
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
            if on_step is not None and steps % 1000 == 0:
                on_step()

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
        """Lister calls on every consumer's caches."""
        return sum(i.stats.reads for c in self.consumers for i in c.informers.values())


def controller_name(process: str, controller: Controller) -> str:
    """A controller's name in the journal: `kube-controller-manager/replicaset`, or the
    process's own name for a process that is its controller (kube-scheduler, a kubelet, a
    user's controller)."""
    return process if controller.name == process else f"{process}/{controller.name}"


def merge_informer_specs(process: str, specs: list[InformerSpec]) -> list[InformerSpec]:
    """One spec per kind: what a shared informer factory gives controllers that ask for the
    same kind (one informer, every controller's indexers added to it). Controllers of one
    process must agree on a kind's field selector and filter: a filtered informer is not the
    shared one."""
    merged: dict[str, InformerSpec] = {}
    for spec in specs:
        have = merged.get(spec.kind)
        if have is None:
            merged[spec.kind] = spec
            continue
        if (have.field_selector, have.accept) != (spec.field_selector, spec.accept):
            raise ValueError(
                f"{process}: controllers disagree on the {spec.kind} informer's filter"
            )
        indexers = {**(have.indexers or {}), **(spec.indexers or {})}
        merged[spec.kind] = InformerSpec(
            spec.kind, have.field_selector, have.accept, indexers or None
        )
    return list(merged.values())
