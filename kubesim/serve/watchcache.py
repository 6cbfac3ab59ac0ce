"""The watch cache: one reader of the store's history, fanned out to every watching client.

kube-apiserver does not open an etcd watch per client: its cacher watches etcd once per resource
and hands each event to every client watch that matches (kind, namespace, label and field
selectors). kubesim's front does the same with one reader of the store's history for all kinds:
`WatchCache.run` wakes when the store changes (a write through this front, or the store's change
notifier for other processes) and reads the events after the last revision it has seen, and each
`Watcher` queues what matches it.

A watcher starting from an older resourceVersion first gets the events between it and the cache's
revision, read from the store; one below the compaction floor gets a 410 Expired `ERROR` event, as
from the real server, and its client relists. Objects that stop or start matching a field or
label selector arrive as DELETED or ADDED, as the cacher sends them. Used by `app`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.model.errors import Compacted, Expired
from kubesim.model.kinds import Kind
from kubesim.model.labels import Selector, matches

#: how often the cache looks at the store when nothing woke it (writes of other processes
#: normally wake it at once through the store's change notifier)
POLL_S = 0.25
#: events read from the store per round
BATCH = 2000


def expired(revision: int, floor: int) -> dict[str, Any]:
    """The ERROR event of a watch from a compacted resourceVersion (410, as kube-apiserver)."""
    status = Expired(f"too old resource version: {revision} ({floor})").status()
    return {"type": "ERROR", "object": status}


@dataclass(eq=False)
class Watcher:
    """One client watch: what it asked for and the queue of events it has yet to write."""

    kind: Kind
    namespace: str
    client: str
    #: deliver only events after this revision
    after: int
    label_selector: Selector | None = None
    field_match: Callable[[dict[str, Any]], bool] | None = None
    #: with a selector: the objects that matched at the last event, by key (to send DELETED,
    #: with the object as it last matched, when one stops matching; ADDED when one starts)
    matched: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    #: while the watch starts: the cache's events, held until the catch-up read is offered
    held: list[WatchEvent] | None = None

    @property
    def prefix(self) -> str:
        return self.kind.prefix(self.namespace or None)

    def selects(self, obj: dict[str, Any]) -> bool:
        md = obj.get("metadata") or {}
        if self.label_selector is not None and not matches(self.label_selector, md.get("labels")):
            return False
        return self.field_match is None or self.field_match(obj)

    @property
    def filtered(self) -> bool:
        return self.label_selector is not None or self.field_match is not None

    def offer(self, ev: WatchEvent) -> bool:
        """Queue `ev` if this watch receives it (with the type this watch sees); True if so."""
        if self.held is not None:
            self.held.append(ev)
            return False
        return self.accept(ev)

    def release(self) -> None:
        """The catch-up read is offered: offer the events held meanwhile."""
        held, self.held = self.held or [], None
        for ev in held:
            self.accept(ev)

    def accept(self, ev: WatchEvent) -> bool:
        if ev.revision <= self.after or ev.kind != self.kind or not ev.key.startswith(self.prefix):
            return False
        etype = ev.type
        obj = ev.obj
        if self.filtered:
            now = etype != "DELETED" and self.selects(ev.obj)
            was = ev.key in self.matched
            if now:
                self.matched[ev.key] = ev.obj
                etype = "MODIFIED" if was else "ADDED"
            elif was:
                last = self.matched.pop(ev.key)
                if etype != "DELETED":
                    # the cacher sends the previous object at the event's resourceVersion
                    obj = {**last, "metadata": {**last["metadata"]}}
                    obj["metadata"]["resourceVersion"] = str(ev.revision)
                etype = "DELETED"
            else:
                return False
        self.after = ev.revision
        self.queue.put_nowait((etype, obj, ev.revision, ev.key))
        return True

    def close(self, error: dict[str, Any] | None = None) -> None:
        self.queue.put_nowait(("CLOSE", error, 0, ""))


class WatchCache:
    """The fan-out. `read(after)` and `current()` are coroutines (the front runs them on its
    store thread): the events after a revision with the revision reached, and the store's
    current revision."""

    def __init__(
        self,
        read: Callable[[int], Any],
        current: Callable[[], Any],
    ) -> None:
        self.read = read
        self.current = current
        self.revision = 0
        self.watchers: set[Watcher] = set()
        self._wake = asyncio.Event()
        self._stopped = False

    def poke(self) -> None:
        """Something was written: look at the store now (call in the event loop's thread)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        for w in list(self.watchers):
            w.close()

    async def start(self) -> None:
        self.revision = await self.current()

    async def run(self) -> None:
        while not self._stopped:
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            except TimeoutError:
                pass
            self._wake.clear()
            while not self._stopped and await self._round():
                pass

    async def _round(self) -> bool:
        """Read and fan out one batch; True if there may be more."""
        try:
            events, progress = await self.read(self.revision)
        except Compacted as e:
            # the cache fell behind a compaction: every watch must relist, as after a cacher
            # reinitialisation
            for w in list(self.watchers):
                w.close(expired(w.after, e.compact_revision))
            self.revision = await self.current()
            return False
        for ev in events:
            for w in self.watchers:
                w.offer(ev)
        self.revision = max(self.revision, progress)
        return len(events) >= BATCH
