"""Faults a lesson (or `--duplicate-rate`, `--drop-watch-every`, `--compact-every`) switches on.

- duplicate delivery: an event's object is handed to the consumer's informers a second time, as
  a relist or a resync hands them objects they already hold (one watch stream never repeats an
  event: the duplicate has the same resourceVersion, so handlers see it as a resync);
- watch drop every N deliveries to a consumer: the watch closes, events in flight are lost, and the
  reflector resumes from the last revision it saw (nothing is missed: etcd's Resumable guarantee);
- compaction every N revisions: the store forgets the history before the last N revisions (as
  kube-apiserver's compactor does every 5 minutes: it compacts to the revision it saw one
  interval before, keeping one interval of history). As in Kubernetes, a watch that
  is open keeps going (the API server's watch cache, not etcd's history, serves it, and holds
  the events it still owes); only a watch that must RESUME from a compacted revision (after a
  drop) gets 410 Expired, and its reflector relists (its projection is rebuilt). Bookmarks keep
  a caught-up watch's revision recent (sim/delivery.py).

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
    _block: int = 0  # the last block of compact_every revisions an event was seen in

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
        """Compact when due: at the first event of each block of N revisions, to the start of
        the block before (with a revision per event, as in a file store, that is the event at
        a multiple of N; in etcd, where journal writes take revisions too, that revision may
        have no event). Open watches carry on; see the module docstring."""
        every = self.compact_every
        if not every:
            return
        block = ev.revision // every
        if block <= self._block:
            return
        self._block = block
        target = (block - 1) * every
        if target < every:
            return
        try:
            plane.store.compact(target)
        except Compacted:
            return
        plane._append(
            JournalEntry("compaction", "kube-apiserver", revision=target, time=plane.clock.now())
        )

    def dropped(self, consumer: Consumer) -> bool:
        """Count a delivery; True for every Nth: the watch drops (the read side resumes it)."""
        if not self.drop_watch_every:
            return False
        n = self._deliveries.get(consumer.name, 0) + 1
        self._deliveries[consumer.name] = n
        return n % self.drop_watch_every == 0
