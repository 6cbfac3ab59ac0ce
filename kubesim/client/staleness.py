"""How far a projection is behind the write model, counted in revisions: the one definition of
staleness kubesim shows.

A consumer's projection is at revision `seen` (the last revision its reflector listed or was
delivered). It is behind by the events after `seen`, up to the store's revision (or `upto`), of
the kinds it watches (its key prefixes) and, for a kubelet, of the pods bound to its node (its
field selector). Duplicate deliveries do not hide or add anything, and a dropped watch does not
make a projection look current: only revisions count. `unseen()` answers with that count and the
oldest such revision (from which callers tell how long ago it was written).

`last_run()` reads, from the journal, where each projection of the latest control plane run got
to (for a run that is not in this process: `lag` and the lesson check `behind`), the clients of
`kubesim serve` that watched meanwhile included (journal entries of type `client`).

Used by the live view and the summary (kubesim.sim), `kubesim lag`, the lesson check `behind`
and replay's staleness panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.model.fieldselectors import matcher_by_name
from kubesim.model.labels import matches, parse_selector
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
    #: clients of `kubesim serve` that watched during the run, with what they watched
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)

    def consumers(self) -> dict[str, dict[str, Any]]:
        """Every consumer of the run and what it watched: the control plane's processes (from
        its start entry), then the clients that watched through `kubesim serve`."""
        return {**((self.start.data or {}).get("consumers") or {}), **self.clients}

    def watch(self, consumer: str) -> dict[str, Any] | None:
        """What `consumer` watched in this run (its `watching()` record), if it ran."""
        return self.consumers().get(consumer)


def add_client_watch(clients: dict[str, dict[str, Any]], entry: JournalEntry) -> None:
    """Merge a `client` journal entry (a watch a client of `kubesim serve` started) into the
    client's watch record: a client's watches together are its projection, as a process's
    informers are one cache."""
    data = entry.data or {}
    record = clients.setdefault(entry.actor, {"prefixes": [], "kinds": [], "client": True})
    for field_name in ("prefixes", "kinds"):
        for value in data.get(field_name) or ():
            if value not in record[field_name]:
                record[field_name].append(value)
    # what each watch receives: all of its prefix, or (with selectors) what they select
    selectors = [data.get("labelSelector") or "", data.get("fieldSelector") or ""]
    kind = (data.get("kinds") or [""])[0]
    for prefix in data.get("prefixes") or ():
        watch = [prefix, kind, *selectors]
        record.setdefault("watches", [])
        if watch not in record["watches"]:
            record["watches"].append(watch)


def last_run(store: Any) -> JournaledRun | None:
    """The latest control plane run in the journal (None if none ran)."""
    starts = store.journal(types=["controlplane"])
    start = next((e for e in reversed(starts) if e.verb == "start"), None)
    if start is None:
        return None
    entries = store.journal(
        types=["delivery", "relist", "controlplane", "client"], since_seq=start.seq
    )
    run = JournaledRun(start, entries)
    for e in entries:
        if e.type == "client":
            add_client_watch(run.clients, e)
            run.seen[e.actor] = max(run.seen.get(e.actor, 0), e.revision)
        elif e.type in ("delivery", "relist"):
            run.seen[e.actor] = max(run.seen.get(e.actor, 0), e.revision)
            if e.type == "relist":
                run.relists[e.actor] = run.relists.get(e.actor, 0) + 1
    return run


def watches(watch: dict[str, Any], key: str, value: bytes) -> bool:
    """Does a consumer that watches `watch` (its `prefixes`, and a `node` for a kubelet: the
    `watching()` record of sim/consumer.py, journaled at start) receive the event of `key`?"""
    if not key.startswith(tuple(watch.get("prefixes") or ())):
        return False
    if watch.get("watches"):  # a client of kubesim serve: its watches' selectors
        return _selected(watch["watches"], key, value)
    node = watch.get("node")
    if node and key.startswith("/registry/pods/"):
        return (loads(value).get("spec") or {}).get("nodeName") == node
    if node and key.startswith("/registry/minions/"):
        return key.rsplit("/", 1)[-1] == node
    return True


def _selected(client_watches: list[list[str]], key: str, value: bytes) -> bool:
    """Does any of a client's watches (prefix, kind, label selector, field selector) receive
    the event of `key`? An object a selector no longer selects still reaches it, as DELETED,
    only if it matched before: counted here by its value now, which errs towards `unseen`."""
    obj: dict[str, Any] | None = None
    for prefix, kind, labels, fields in client_watches:
        if not key.startswith(prefix):
            continue
        if not labels and not fields:
            return True
        if obj is None:
            obj = loads(value)
        md = obj.get("metadata") or {}
        if labels and not matches(parse_selector(labels), md.get("labels")):
            continue
        match = matcher_by_name(kind, fields) if fields else None
        if match is None or match(obj):
            return True
    return False


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
