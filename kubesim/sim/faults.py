"""Faults a lesson (or `--duplicate-rate`, `--drop-watch-every`, `--compact-every`) switches on.

- duplicate delivery: an event's object is handed to the consumer's informers a second time, as
  a relist or a resync hands them objects they already hold (one watch stream never repeats an
  event: the duplicate has the same resourceVersion, so handlers see it as a resync);
- watch drop every N deliveries to a consumer: the watch closes, events in flight are lost, and the
  reflector resumes from the last revision it saw (nothing is missed: etcd's Resumable guarantee);
- compaction every N revisions: the store forgets older history; a consumer whose watch still owes
  it events older than that gets 410 Expired and must relist (its projection is rebuilt).

Controller restarts and reconcile durations are configured on the control plane itself.
Used by sim/controlplane.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubesim.model.errors import Compacted
from kubesim.store.base import JournalEntry

if TYPE_CHECKING:
    from kubesim.api.server import WatchEvent
    from kubesim.sim.consumer import Consumer
    from kubesim.sim.controlplane import ControlPlane


@dataclass
class Faults:
    duplicate_rate: float = 0.0
    drop_watch_every: int = 0
    compact_every: int = 0
    _deliveries: dict[str, int] = field(default_factory=dict)

    def active(self) -> list[str]:
        on = []
        if self.duplicate_rate:
            on.append(f"duplicate delivery {self.duplicate_rate:.0%}")
        if self.drop_watch_every:
            on.append(f"watch drop every {self.drop_watch_every} events")
        if self.compact_every:
            on.append(f"compaction every {self.compact_every} revisions")
        return on

    def duplicate(self, rng: random.Random) -> bool:
        return self.duplicate_rate > 0 and rng.random() < self.duplicate_rate

    def after_event(self, plane: ControlPlane, ev: WatchEvent) -> None:
        """Compact when due; a consumer still owed older events loses its watch (410)."""
        if not self.compact_every or ev.revision % self.compact_every:
            return
        try:
            plane.store.compact(ev.revision)
        except Compacted:
            return
        plane._append(
            JournalEntry(
                "compaction", "kube-apiserver", revision=ev.revision, time=plane.clock.now()
            )
        )
        for consumer in plane.consumers:
            if consumer.channel and consumer.channel[0][1].revision < ev.revision:
                plane.expire_watch(consumer)

    def dropped(self, plane: ControlPlane, consumer: Consumer) -> bool:
        """Count a delivery; every Nth the watch drops and the reflector resumes."""
        if not self.drop_watch_every:
            return False
        n = self._deliveries.get(consumer.name, 0) + 1
        self._deliveries[consumer.name] = n
        if n % self.drop_watch_every:
            return False
        plane.loop.call_later(0, lambda: plane.resume_watch(consumer), f"resume {consumer.name}")
        return True
