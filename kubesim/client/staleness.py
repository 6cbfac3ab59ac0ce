"""How far a projection is behind the write model, counted in revisions: the one definition of
staleness kubesim shows.

A consumer's projection is at revision `seen` (the last revision its reflector listed or was
delivered). It is behind by the events after `seen`, up to the store's revision (or `upto`), of
the kinds it watches (its key prefixes) and, for a kubelet, of the pods bound to its node (its
field selector). Duplicate deliveries do not hide or add anything, and a dropped watch does not
make a projection look current: only revisions count. `unseen()` answers with that count and the
oldest such revision (from which callers tell how long ago it was written).

Used by the live view and the summary (kubesim.sim), `kubesim lag`, the lesson check `behind`
and replay's staleness panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.model.objects import loads


@dataclass(frozen=True)
class Unseen:
    #: events of the watched kinds after the projection's revision
    events: int
    #: the revision of the oldest of them (None: it has seen everything)
    oldest: int | None


def watches(watch: dict[str, Any], key: str, value: bytes) -> bool:
    """Does a consumer that watches `watch` (its `prefixes`, and a `node` for a kubelet: the
    `watching()` record of sim/consumer.py, journaled at start) receive the event of `key`?"""
    if not key.startswith(tuple(watch.get("prefixes") or ())):
        return False
    node = watch.get("node")
    if node and key.startswith("/registry/pods/"):
        return (loads(value).get("spec") or {}).get("nodeName") == node
    if node and key.startswith("/registry/minions/"):
        return key.rsplit("/", 1)[-1] == node
    return True


def unseen(store: Any, watch: dict[str, Any], seen: int, upto: int | None = None) -> Unseen:
    """The events a projection at revision `seen` has not received, up to `upto` (default: the
    store's current revision). Revisions already compacted away count from the floor."""
    first = max(seen + 1, store.compact_revision(), 1)
    end = store.current_revision() if upto is None else upto
    if first > end:
        return Unseen(0, None)
    events = 0
    oldest: int | None = None
    for prefix in watch.get("prefixes") or ():
        for ev in store.events(first, prefix, end):
            if watches(watch, ev.key, ev.value):
                events += 1
                oldest = ev.revision if oldest is None else min(oldest, ev.revision)
    return Unseen(events, oldest)
