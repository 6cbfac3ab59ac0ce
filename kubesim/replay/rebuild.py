"""The projection rebuild problem, measured: one consumer's cache rebuilt from the event stream.

`rebuild(store, history, consumer)` creates fresh kubesim.client informers for the kinds the
consumer watches (its prefixes, and for a kubelet only the pods of its node, as its field
selector), then replays the store's events into them, from the beginning (or, if the history was
compacted, a LIST at the oldest revision still kept, then the events after it) up to the
consumer's last projection revision in the journal. It counts the events processed and the time
taken, and compares the rebuilt cache with the live projection: the store's objects at that
revision, filtered the same way. This runs read-side code (the informers); it runs no controller.

Events are built from store Events as the API would serve them (a small stand-in for
kubesim.api.server.WatchEvent, which replay may not import: the informer only reads type, obj,
key, revision and kind).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kubesim.client.informer import Informer
from kubesim.model.errors import KubesimError
from kubesim.model.kinds import BUILTIN_KINDS, Kind
from kubesim.model.objects import cache_key
from kubesim.replay.history import PODS, History, Watch
from kubesim.replay.seek import Seeker
from kubesim.store.base import Event, KeyValue, Store

_BATCH = 5000


@dataclass
class ReplayedEvent:
    """What an informer reads of a watch event."""

    type: str
    kind: Kind
    obj: dict[str, Any]
    revision: int
    key: str


@dataclass
class RebuildResult:
    consumer: str
    #: the revision rebuilt up to (the consumer's last projection revision)
    revision: int
    #: where the replay started: 1, or the oldest revision kept (then a LIST came first)
    started_at: int
    listed: int
    events: int
    seconds: float
    objects: int
    live_objects: int
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.different)


def _kind_for(prefix: str) -> Kind:
    for k in BUILTIN_KINDS:
        if k.prefix() == prefix:
            return k
    parts = prefix.strip("/").split("/")  # a custom resource: /registry/<group>/<plural>/
    return Kind(parts[-1], parts[1] if len(parts) > 2 else "", "", parts[-1], parts[-1], True)


def _decode(store: Store, kv: KeyValue | Event) -> dict[str, Any]:
    revision = kv.mod_revision if isinstance(kv, KeyValue) else kv.revision
    obj = store.load_object(kv.value, kv.key, revision)
    obj["metadata"]["resourceVersion"] = str(revision)
    return obj


def _informers(watch: Watch) -> dict[str, Informer]:
    out = {}
    for prefix in watch.prefixes:
        accept = None
        if watch.node and prefix == PODS:
            node = watch.node
            accept = lambda o, node=node: (o.get("spec") or {}).get("nodeName") == node  # noqa: E731
        out[prefix] = Informer(_kind_for(prefix), accept=accept)
    return out


def rebuild(store: Store, history: History, consumer: str) -> RebuildResult:
    watch = history.watches.get(consumer)
    if watch is None:
        known = ", ".join(sorted(history.watches)) or "none: no control plane has run"
        raise KubesimError(f'no consumer "{consumer}" in the journal (consumers: {known})')
    side = Seeker(history).at(len(history.seqs))
    target = (side.consumers.get(consumer) or _none()).revision or history.current
    informers = _informers(watch)
    started = time.perf_counter()
    floor = store.compact_revision()
    listed = events = 0
    start = 1
    if floor > 1:  # the history before the floor is gone: LIST at the floor, then watch
        for prefix, informer in informers.items():
            kvs, _ = store.range(prefix, floor)
            listed += informer.on_list([_decode(store, kv) for kv in kvs], floor)
        start = floor + 1
    while start <= target:
        batch = store.events(start, end_revision=target, limit=_BATCH)
        if not batch:
            break
        for ev in batch:
            prefix = next((p for p in watch.prefixes if ev.key.startswith(p)), None)
            if prefix is None:
                continue
            informer = informers[prefix]
            obj = _decode(store, ev)
            kind = "DELETED" if ev.type == "DELETE" else ("ADDED" if ev.is_create else "MODIFIED")
            replayed = ReplayedEvent(kind, informer.kind, obj, ev.revision, ev.key)
            if informer.accept is None or informer.accept(obj) or cache_key(obj) in informer.cache:
                informer.on_event(replayed)
                events += 1
        start = batch[-1].revision + 1
    seconds = time.perf_counter() - started
    result = RebuildResult(consumer, target, max(floor, 1), listed, events, seconds, 0, 0)
    _compare(store, informers, target, result)
    return result


def _compare(
    store: Store, informers: dict[str, Informer], revision: int, result: RebuildResult
) -> None:
    """The rebuilt caches against the store's objects at `revision`, filtered the same way."""
    for prefix, informer in informers.items():
        kvs, _ = store.range(prefix, revision)
        live = {}
        for kv in kvs:
            obj = _decode(store, kv)
            if informer.accept is None or informer.accept(obj):
                live[cache_key(obj)] = obj
        rebuilt = {cache_key(o): o for o in informer.cache.list()}
        result.objects += len(rebuilt)
        result.live_objects += len(live)
        kind = informer.kind.plural
        result.missing += [f"{kind}/{k}" for k in live if k not in rebuilt]
        result.extra += [f"{kind}/{k}" for k in rebuilt if k not in live]
        result.different += [
            f"{kind}/{k}" for k, o in live.items() if k in rebuilt and rebuilt[k] != o
        ]


def _none():  # noqa: ANN202
    from kubesim.replay.seek import ConsumerState

    return ConsumerState()
