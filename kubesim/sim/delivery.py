"""The read side of the control plane runtime: LISTs, the watch fan-out, and delivery.

`ReadSide` is the part of ControlPlane (sim/controlplane.py) that moves events from the write
model to the consumers' projections:
- `relist`: a consumer's reflector LISTs its kinds and replaces its caches (start-up, restart,
  410 Expired), journaled with the objects loaded and the time it took;
- `poll`: the store's new events (the API server's watch cache), routed to the consumers whose
  watches want them (sim/router.py), each onto that consumer's channel after its latency;
- the channel is pumped in order (faults may duplicate an event or drop the watch, which the
  reflector then resumes from its last revision, or relists when that was compacted);
- `deliver`: the informers update their caches and call the handlers, which queue keys.
Every delivery is journaled (consumer, revision, time).
"""

from __future__ import annotations

from kubesim.api.server import WatchEvent
from kubesim.model.errors import Compacted, Expired
from kubesim.sim.consumer import Consumer
from kubesim.store.base import JournalEntry


class ReadSide:
    """Mixed into ControlPlane, whose loop, clock, api, store, router, faults and journal it
    uses."""

    def relist(self, consumer: Consumer, reason: str) -> None:
        """LIST every kind the consumer watches and replace its projection (a rebuild)."""
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

    def restart(self, name: str) -> None:
        """A process restart: its caches are discarded and rebuilt from a fresh LIST, and each
        of its controllers forgets what it kept in memory."""
        consumer = self.consumer(name)
        for informer in consumer.informers.values():
            informer.reset()
        for ctl in consumer.controllers:
            ctl.controller.reset()
            ctl.triggers.clear()
        consumer.channel.clear()
        consumer.watch_down = False
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

    def expire_watch(self, consumer: Consumer) -> None:
        """410 Expired: the events the watch still owed are gone; relist."""
        consumer.channel.clear()
        self.loop.call_later(0, lambda: self.relist(consumer, "expired"), f"relist {consumer.name}")

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
