"""How far a projection is behind the write model, counted in revisions: the one definition of
staleness kubesim shows.

A consumer's projection is at revision `seen` (the last revision its reflector listed or was
delivered). It is behind by the events after `seen`, up to the store's revision (or `upto`), of
the kinds it watches (its key prefixes) and, for a kubelet, of the pods bound to its node (its
field selector). Duplicate deliveries do not hide or add anything, and a dropped watch does not
make a projection look current: only revisions count. `unseen()` answers with that count and the
oldest such revision (from which callers tell how long ago it was written).

`last_run()` reads, from the journal, where each projection of the latest control plane run got
to (for a run that is not in this process: `lag` and the lesson check `behind`), including the
clients that watched through `kubesim serve` during it (their `client` entries: kubectl -w, a
Python client, an operator), beside the run's own processes.

Used by the live view and the summary (kubesim.sim), `kubesim lag`, the lesson check `behind`
and replay's staleness panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.model.objects import loads
from kubesim.store.base import JournalEntry


@dataclass(frozen=True)
class Unseen:
    #: events of the watched kinds after the projection's revision
    events: int
    #: the revision of the oldest of them (None: it has seen everything)
    oldest: int | None


@dataclass
class JournaledRun:
    """The latest control plane run, as journaled."""

    start: JournalEntry
    #: its delivery, relist and controlplane entries, in order
    entries: list[JournalEntry]
    #: per consumer: the revision its projection reached (its last delivery or relist)
    seen: dict[str, int] = field(default_factory=dict)
    relists: dict[str, int] = field(default_factory=dict)
    #: per client of `kubesim serve` that watched during the run: its kinds and key prefixes
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)

    def watch(self, consumer: str) -> dict[str, Any] | None:
        """What `consumer` watched in this run (its `watching()` record), if it ran."""
        return self.consumers().get(consumer)

    def consumers(self) -> dict[str, dict[str, Any]]:
        """Every consumer of the run and what it watched: the run's processes, then clients."""
        own = (self.start.data or {}).get("consumers") or {}
        return {**own, **{k: v for k, v in self.clients.items() if k not in own}}


def last_run(store: Any) -> JournaledRun | None:
    """The latest control plane run in the journal (None if none ran)."""
    starts = store.journal(types=["controlplane"])
    start = next((e for e in reversed(starts) if e.verb == "start"), None)
    if start is None:
        return None
    entries = store.journal(types=["delivery", "relist", "controlplane"], since_seq=start.seq)
    run = JournaledRun(start, entries)
    for e in store.journal(types=["client"], since_seq=start.seq):
        if e.verb == "watch":
            watch = run.clients.setdefault(e.actor, {"kinds": [], "prefixes": []})
            for name in ("kinds", "prefixes"):
                watch[name] += [v for v in (e.data or {}).get(name, []) if v not in watch[name]]
    for e in entries:
        if e.type in ("delivery", "relist"):
            run.seen[e.actor] = max(run.seen.get(e.actor, 0), e.revision)
            if e.type == "relist":
                run.relists[e.actor] = run.relists.get(e.actor, 0) + 1
    return run


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
