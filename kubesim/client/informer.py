"""A shared informer for one kind: the read model (projection) a consumer keeps of the cluster.

The reflector's LIST lands in `on_list` (client-go `store.Replace` at the list's revision), each
watch event in `on_event`; the cache (Indexer) is updated first, then the handlers are called, as
client-go's processDeltas does. An update whose resourceVersion did not change is a resync: only
handlers that asked for resyncs see it. A field filter (`accept`) plays the part of a watch's
fieldSelector: an object that stops matching is delivered as a delete, one that starts matching as
an add (a kubelet watches only pods bound to its node).

Used by the control plane's consumers (sim/consumer.py) and by controllers through `lister`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.client.cache import Indexer, IndexFunc
from kubesim.model.kinds import Kind
from kubesim.model.objects import cache_key, resource_version_of

Object = dict[str, Any]


@dataclass
class Handler:
    """ResourceEventHandlerFuncs: any of the three may be None."""

    on_add: Callable[[Object], None] | None = None
    on_update: Callable[[Object, Object], None] | None = None
    on_delete: Callable[[Object], None] | None = None
    wants_resync: bool = False

    @classmethod
    def each(cls, fn: Callable[[Object], None]) -> Handler:
        """Call `fn` with the object of every add, update (the new one) and delete (a
        tombstone unwrapped)."""
        return cls(
            on_add=fn,
            on_update=lambda old, new: fn(new),
            on_delete=lambda obj: fn(object_of(obj)),
        )


@dataclass
class DeletedFinalStateUnknown:
    """A tombstone: the object vanished during a relist; `obj` is the last state known."""

    key: str
    obj: Object


@dataclass
class InformerStats:
    events: int = 0
    resyncs: int = 0
    #: lister calls on the cache (the control plane's "cache reads")
    reads: int = 0


class Informer:
    def __init__(
        self,
        kind: Kind,
        *,
        accept: Callable[[Object], bool] | None = None,
        indexers: dict[str, IndexFunc] | None = None,
        check_mutation: bool = False,
    ) -> None:
        self.kind = kind
        self.accept = accept
        self.cache = Indexer(indexers, check_mutation=check_mutation)
        self.handlers: list[Handler] = []
        self.has_synced = False
        self.stats = InformerStats()
        self._indexers = indexers
        self._check_mutation = check_mutation

    def add_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def reset(self) -> None:
        """A restarted process: the cache is gone, nothing is synced."""
        self.cache = Indexer(self._indexers, check_mutation=self._check_mutation)
        self.has_synced = False

    # ----------------------------------------------------------------------------- feeding
    def on_list(self, items: list[Object], revision: int) -> int:
        """LIST result: replace the cache and notify; returns how many objects it loaded."""
        if self.accept is not None:
            items = [o for o in items if self.accept(o)]
        deltas = self.cache.replace(items, revision)
        for key in deltas.added:
            self._notify_add(self.cache.get(key))
        for key, old in deltas.updated:
            self._notify_update(old, self.cache.get(key))
        for key, old in deltas.deleted:
            self._notify_delete(DeletedFinalStateUnknown(key, old))
        self.has_synced = True
        return len(items)

    def wants(self, event: WatchEvent) -> bool:
        """Would this informer's watch (kind and field selector) deliver the event at all?"""
        if event.kind.group != self.kind.group or event.kind.kind != self.kind.kind:
            return False
        if self.accept is None:
            return True
        return self.accept(event.obj) or cache_key(event.obj) in self.cache

    def on_event(self, event: WatchEvent) -> None:
        """One watch event, already known to be wanted (see `wants`)."""
        self.stats.events += 1
        obj = event.obj
        key = cache_key(obj)
        if event.type == "DELETED" or (self.accept is not None and not self.accept(obj)):
            old = self.cache.delete(key)
            if old is not None:
                self._notify_delete(obj)
            return
        old = self.cache.update(obj)
        if old is None:
            self._notify_add(obj)
        else:
            self._notify_update(old, obj)

    def on_duplicate(self, event: WatchEvent) -> bool:
        """An event delivered again after the cache moved on to (or past) its revision: a
        resync of the object when the cache holds it at exactly that resourceVersion, else
        nothing (it must never replace a newer object, nor bring back a deleted one)."""
        if event.type == "DELETED":
            return False
        cached = self.cache.get(cache_key(event.obj))
        if cached is None or resource_version_of(cached) != event.revision:
            return False
        self.on_event(event)
        return True

    # ----------------------------------------------------------------------------- handlers
    def _notify_add(self, obj: Object | None) -> None:
        for h in self.handlers:
            if h.on_add:
                h.on_add(obj)

    def _notify_update(self, old: Object, new: Object | None) -> None:
        resync = resource_version_of(old) == resource_version_of(new)
        if resync:
            self.stats.resyncs += 1
        for h in self.handlers:
            if h.on_update and (not resync or h.wants_resync):
                h.on_update(old, new)

    def _notify_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        for h in self.handlers:
            if h.on_delete:
                h.on_delete(obj)


def object_of(obj: Object | DeletedFinalStateUnknown) -> Object:
    """The object of a delete notification, unwrapping a tombstone."""
    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj


class Lister:
    """Read-only access to an informer's cache; objects must not be mutated. Each call counts
    as a read in the informer's stats."""

    __slots__ = ("informer", "_stats")

    def __init__(self, informer: Informer) -> None:
        self.informer = informer
        self._stats = informer.stats

    def get(self, namespace: str | None, name: str) -> Object | None:
        self._stats.reads += 1
        return self.informer.cache.get(f"{namespace}/{name}" if namespace else name)

    def list(self, namespace: str | None = None) -> list[Object]:
        self._stats.reads += 1
        if namespace:
            return self.informer.cache.list_namespace(namespace)
        return self.informer.cache.list()

    def by_controller(self, uid: str) -> list[Object]:
        self._stats.reads += 1
        return self.informer.cache.by_controller(uid)

    def by_owner(self, uid: str) -> list[Object]:
        self._stats.reads += 1
        return self.informer.cache.by_owner(uid)

    def by_index(self, name: str, value: str) -> list[Object]:
        self._stats.reads += 1
        return self.informer.cache.by_index(name, value)

    def by_selector(self, namespace: str | None, selector: Any) -> list[Object]:
        self._stats.reads += 1
        return self.informer.cache.by_selector(namespace, selector)
