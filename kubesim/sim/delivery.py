"""The read side of the control plane runtime: LISTs, the watch fan-out, and delivery.

`ReadSide` is the part of ControlPlane (sim/controlplane.py) that moves events from the write
model to the consumers' projections:
- `relist`: a consumer's reflector LISTs its kinds and replaces its caches (start-up, restart,
  410 Expired), journaled with the objects loaded and the time it took;
- `poll`: the store's new events (the API server's watch cache), routed to the consumers whose
  watches want them (sim/router.py), each onto that consumer's channel after its latency;
- the channel is pumped in order (faults may duplicate an event or drop the watch, which the
  reflector then resumes from its last revision, or relists when that was compacted); a watch
  is never dropped inside a revision (etcd's Atomic guarantee);
- after each poll, every open watch gets a BOOKMARK at the polled revision (as the watch cache's
  bookmarks and etcd's progress notifications do), due after its latency and taken once the
  events before it are delivered (at the next pump or poll: bookmarks add no actions to the
  loop): a caught-up watch resumes from a recent revision, so compaction of revisions it never
  needed does not expire it;
- `deliver`: the informers update their caches and call the handlers, which queue keys.
Every delivery is journaled (consumer, revision, time); bookmarks are not.

Each consumer's watch stream has an `epoch`: a drop, relist or restart opens a new one, clears
what the old one still had in flight (channel and bookmark), and every pump, resume or relist
scheduled for the old stream does nothing when it comes due. So nothing queued before a relist
or restart reaches the rebuilt cache.
"""

from __future__ import annotations

from collections.abc import Callable

from kubesim.api.server import WatchEvent
from kubesim.model.errors import Compacted, Expired
from kubesim.model.kinds import Kind
from kubesim.sim.consumer import Consumer
from kubesim.sim.parts import PlaneParts
from kubesim.store.base import JournalEntry


class ReadSide(PlaneParts):
    """Mixed into ControlPlane, whose loop, clock, api, store, router, faults and journal it
    uses."""

    def relist(self, consumer: Consumer, reason: str) -> None:
        """LIST every kind the consumer watches and replace its projection (a rebuild), then
        watch from the list's revision (a new watch stream: nothing queued before survives)."""
        self._new_watch(consumer)
        consumer.watch_down = False
        consumer.current_trigger = f"relist@{self.store.current_revision()}"
        result = consumer.reflector.list_and_replace()
        self.totals.list_items += result.objects  # what the LISTs returned (field selectors on)
        consumer.stats.relists += 1
        consumer.stats.relist_objects += result.objects
        consumer.stats.relist_seconds += result.seconds
        consumer.stats.lists += len(consumer.informers)
        consumer.stats.watches += len(consumer.informers)
        self._append(
            JournalEntry(
                "relist",
                consumer.name,
                "list",
                "",
                reason,
                result.revision,
                self.clock.now(),
                {
                    "objects": result.objects,
                    "seconds": round(result.seconds, 6),
                    "lists": len(consumer.informers),
                },
            )
        )
        if not consumer.started:
            consumer.started = True
            for ctl in consumer.controllers:
                ctl.controller.start()
        self.schedule_process(consumer)

    def schedule_relist(self, consumer: Consumer, reason: str) -> None:
        """Relist as the next action, unless another watch stream opens first."""
        self._for_watch(consumer, 0, lambda: self.relist(consumer, reason), f"list {consumer.name}")

    def restart(self, name: str) -> None:
        """A process restart: its caches are discarded and rebuilt from a fresh LIST, and each
        of its controllers forgets what it kept in memory. Whatever its old watch still had in
        flight or scheduled is gone with it."""
        consumer = self.consumer(name)
        revision = consumer.revision
        consumer.reflector.reset()
        for ctl in consumer.controllers:
            ctl.controller.reset()
            ctl.triggers.clear()
        self._new_watch(consumer)
        consumer.watch_down = True  # no watch until the relist opens one
        self._append(JournalEntry("restart", name, time=self.clock.now(), revision=revision))
        self.schedule_relist(consumer, "restart")

    def poll(self) -> int:
        """Fan the store's new events out to the consumers that watch them, then send every
        open watch a bookmark at the polled revision."""
        try:
            events = self.api.watch(self._watched_kinds, self.polled)
        except Compacted:
            # the watch cache fell behind a compaction: it restarts, ending every watch it
            # served; each reflector resumes from its revision (410 and a relist if too old)
            self.polled = self.store.current_revision()
            for consumer in self.consumers:
                if consumer.started and not consumer.watch_down:
                    self._drop_watch(consumer)
            return 0
        for ev in events:
            self.polled = ev.revision
            self.totals.events += 1
            self.routing = self.router.targets(ev)  # what observers of `ev` may read
            for observe in self.observers:
                observe(ev)
            for consumer in self.routing:
                self._schedule_delivery(consumer, ev)
            self.faults.after_event(self, ev)
        if events:
            for consumer in self.consumers:
                self._bookmark(consumer)
        return len(events)

    def _watched_kinds(self, revision: int) -> list[Kind]:
        """The kinds of the registry as of `revision` (the end of the events polled: no store
        read unless a CRD changed), plus any kind a consumer watches that just left it (a
        deleted CRD: its custom resources are deleted in the same revision, and their watchers
        must still get those DELETED events)."""
        registry = self.api.registry_through(revision)
        cached = self._kinds_for
        if cached is not None and cached[0] is registry and cached[1] == len(self.consumers):
            return cached[2]
        kinds = registry.kinds
        known = {(k.group, k.kind) for k in kinds}
        extra = {
            (i.kind.group, i.kind.kind): i.kind
            for c in self.consumers
            for i in c.informers.values()
            if (i.kind.group, i.kind.kind) not in known
        }
        watched = [*kinds, *extra.values()] if extra else kinds
        self._kinds_for = (registry, len(self.consumers), watched)
        return watched

    def _schedule_delivery(self, consumer: Consumer, ev: WatchEvent) -> None:
        """Put the event on the consumer's watch channel, due after its latency."""
        if consumer.watch_down:
            return  # the watch is closed: the reflector fetches it when it resumes
        self._take_bookmark(consumer)
        due = self.clock.now() + consumer.latency
        consumer.channel.append((due, ev, False))
        if self.faults.duplicate(self.rng):
            consumer.channel.append((due, ev, True))
        self._schedule_pump(consumer)

    def _bookmark(self, consumer: Consumer) -> None:
        """A BOOKMARK at the polled revision on an open watch that has not reached it; one
        pending at a time (a newer one takes the revision of one not yet due)."""
        self._take_bookmark(consumer)
        reflector = consumer.reflector
        if (
            consumer.watch_down
            or not consumer.started
            or reflector.last_sync_revision >= self.polled
        ):
            return
        mark = consumer.bookmark
        due = mark[0] if mark else self.clock.now() + consumer.latency
        consumer.bookmark = (due, self.polled)

    def _take_bookmark(self, consumer: Consumer) -> None:
        """The reflector takes the pending bookmark if it is due and no event is before it."""
        mark = consumer.bookmark
        if mark is not None and not consumer.channel and mark[0] <= self.clock.now():
            consumer.bookmark = None
            consumer.reflector.bookmark(mark[1])

    def _schedule_pump(self, consumer: Consumer) -> None:
        if consumer.pump_scheduled or not consumer.channel:
            return
        due = consumer.channel[0][0]
        consumer.pump_scheduled = True
        self._for_watch(consumer, due, lambda: self._pump(consumer), f"deliver to {consumer.name}")

    def _pump(self, consumer: Consumer) -> None:
        """Deliver every event that is due on the channel, in order (one watch response: the
        reflector hands them to the informer before a worker picks up the keys they queued),
        then the bookmark if it is due and nothing is left before it."""
        consumer.pump_scheduled = False
        now = self.clock.now()
        reflector = consumer.reflector
        while consumer.channel and consumer.channel[0][0] <= now:
            _, ev, duplicate = consumer.channel[0]
            # a watch closes between revisions, never inside one
            if ev.revision > reflector.last_sync_revision and self.faults.dropped(consumer):
                self._drop_watch(consumer)
                return
            consumer.channel.popleft()
            self.deliver(consumer, ev, duplicate)
        self._take_bookmark(consumer)
        self._schedule_pump(consumer)

    def _drop_watch(self, consumer: Consumer) -> None:
        """The watch closed: what was in flight is lost; the reflector resumes next."""
        self._new_watch(consumer)
        consumer.watch_down = True
        self._for_watch(consumer, 0, lambda: self.resume_watch(consumer), f"resume {consumer.name}")

    def resume_watch(self, consumer: Consumer) -> None:
        """The reflector re-watches from its last revision (relists if that was compacted)."""
        consumer.watch_down = False
        self._append(
            JournalEntry(
                "watch-resume", consumer.name, revision=consumer.revision, time=self.clock.now()
            )
        )
        consumer.stats.watches += len(consumer.informers)
        try:
            events = consumer.reflector.resume(self.polled)
        except Expired:
            self.relist(consumer, "expired")  # 410: the revision it had was compacted
            return
        for ev in events:
            self._schedule_delivery(consumer, ev)
        self._bookmark(consumer)

    def _new_watch(self, consumer: Consumer) -> None:
        """Start a new watch stream: drop what the old one had in flight, and make whatever
        was scheduled for it (pumps, resumes, relists) do nothing."""
        consumer.epoch += 1
        consumer.channel.clear()
        consumer.bookmark = None
        consumer.pump_scheduled = False

    def _for_watch(
        self, consumer: Consumer, when: float, action: Callable[[], None], label: str
    ) -> None:
        """Schedule `action` at `when` (0, or any past time: now) for the consumer's current
        watch stream only."""
        epoch = consumer.epoch

        def run() -> None:
            if consumer.epoch == epoch:
                action()

        self.loop.call_at(when, run, label)

    def deliver(self, consumer: Consumer, ev: WatchEvent, duplicate: bool = False) -> None:
        consumer.current_trigger = ev.revision
        if not consumer.reflector.deliver(ev, duplicate):
            return  # already in the projection (it came with a LIST)
        consumer.stats.deliveries += 1
        self.totals.deliveries += 1
        if duplicate:
            consumer.stats.duplicates += 1
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
        self.schedule_process(consumer)
