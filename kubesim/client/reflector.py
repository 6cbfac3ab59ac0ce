"""client-go's Reflector for one consumer: LIST into its informers, then WATCH from that revision.

- `list_and_replace()`: LIST every kind the consumer's informers watch at one revision and
  Replace each informer's cache with the result (`store.Replace(items, listRV)`); the watch then
  continues from that revision. Returns how many objects were loaded and how long it took, which
  the runtime journals as a relist.
- `deliver(event)`: one watch event; an event at or before the last revision seen is one the
  LIST already brought (or a duplicate), and is ignored; the other events of the revision
  just delivered are not (one transaction may change several keys). A duplicate (the fault)
  at or below that revision is handed on only to a cache that holds the object at exactly that
  resourceVersion (a resync); it never replaces a newer object nor brings back a deleted one.
- `bookmark(revision)`: a BOOKMARK (the watch cache's progress notification): every event up to
  `revision` has been delivered, so the watch may resume from there even when the revisions in
  between were of other kinds only (what keeps a caught-up watch clear of compaction).
- `resume(up_to)`: after a dropped watch, the events after the last revision seen (etcd's
  Resumable guarantee). If that revision was compacted, the API answers 410 Expired and the
  reflector must relist: `Expired` is raised with the watch cache's message.

The control plane runtime (kubesim/sim) decides when events arrive (latency, faults); this class
holds what the reflector knows: the last revision it has seen (`last_sync_revision`, client-go's
lastSyncResourceVersion: advanced by LISTs, events and bookmarks; a watch resumes from it), and
the last revision a LIST or an event brought into the caches (`projection_revision`, what the
journal and the views show as the projection's revision).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kubesim.api.server import ApiServer, WatchEvent
from kubesim.client.informer import Informer
from kubesim.model.errors import Compacted, Expired


@dataclass(frozen=True)
class ListResult:
    objects: int  # objects loaded into the caches (after field selectors)
    items: int  # items the LIST returned (the read cost)
    revision: int  # the list's resourceVersion
    seconds: float  # wall time of the LIST and the Replace


class Reflector:
    def __init__(self, api: ApiServer, informers: dict[str, Informer]) -> None:
        self.api = api
        self.informers = informers
        self.last_sync_revision = 0
        self.projection_revision = 0
        #: the revision of the last watch event: more events of that revision may follow (one
        #: transaction can change several keys: a CRD and its custom resources)
        self._open_revision = 0

    def reset(self) -> None:
        """A restarted process: its caches are gone and it has seen no revision."""
        for informer in self.informers.values():
            informer.reset()
        self.last_sync_revision = self.projection_revision = self._open_revision = 0

    def wants(self, event: WatchEvent) -> bool:
        return any(i.wants(event) for i in self.informers.values())

    def list_and_replace(self) -> ListResult:
        wall = time.perf_counter()
        revision = self.api.store.current_revision()
        objects = items = 0
        for informer in self.informers.values():
            listed, revision = self.api.list(informer.kind, revision=revision)
            items += len(listed)
            objects += informer.on_list(listed, revision)
        self.last_sync_revision = self.projection_revision = revision
        self._open_revision = 0
        return ListResult(objects, items, revision, time.perf_counter() - wall)

    def deliver(self, event: WatchEvent, duplicate: bool = False) -> bool:
        """Hand a watch event to the informers that want it; False if it changed nothing (an
        event the LIST already brought, or a duplicate of an object the cache no longer holds
        at that resourceVersion)."""
        same_revision = event.revision == self._open_revision and not duplicate
        if event.revision <= self.last_sync_revision and not same_revision:
            if not duplicate:
                return False
            resynced = [i.on_duplicate(event) for i in self.informers.values() if i.wants(event)]
            return any(resynced)
        for informer in self.informers.values():
            if informer.wants(event):
                informer.on_event(event)
        self.last_sync_revision = self.projection_revision = event.revision
        self._open_revision = event.revision
        return True

    def bookmark(self, revision: int) -> None:
        """A BOOKMARK: every event this watch wants up to `revision` has been delivered."""
        if revision > self.last_sync_revision:
            self.last_sync_revision = revision
            self._open_revision = 0

    def resume(self, up_to: int) -> list[WatchEvent]:
        """The events this reflector wants after its last revision, up to `up_to`."""
        kinds = [i.kind for i in self.informers.values()]
        try:
            events = self.api.watch(kinds, self.last_sync_revision)
        except Compacted as e:
            raise Expired(
                f"too old resource version: {self.last_sync_revision} ({e.compact_revision})"
            ) from e
        return [ev for ev in events if ev.revision <= up_to and self.wants(ev)]
