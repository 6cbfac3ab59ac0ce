"""The informer cache: client-go's Indexer (tools/cache thread_safe_store.go, index.go, store.go).

Objects are kept by client-go's key (`ns/name`, or `name` when cluster-scoped) with built-in
indexes by namespace, by controller owner UID, by any owner UID and by label `key=value`, plus
optional custom index functions (client-go Indexers), e.g. pods by `spec.nodeName`; the index
upkeep is kubesim.client.index's.

Objects are stored and handed out AS GIVEN: no copy on write, none on read (this is what keeps a
100,000-object relist fast, and what client-go does). So objects returned by get/list/by_* are
shared with the cache and MUST NOT be mutated: deep-copy first (kubesim.model.objects.deepcopy),
change the copy, write it through the API. Likewise, an object handed to add/update/replace belongs
to the cache from then on. `Indexer(check_mutation=True)` enforces this in tests: it fingerprints
every stored object and `verify_unmutated()` raises MutationError naming any object changed in
place (also those already replaced or deleted since).

Iteration order is insertion order (dicts), never hash order: the same sequence of operations
gives the same order. Callers that need a specific order sort.

Used by the informer (kubesim.client), which applies watch events and relists and calls handlers
with what the cache returns, and by controllers through their listers.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from kubesim.client.index import EMPTY, Indexes, IndexFunc, Refs
from kubesim.model.labels import Selector
from kubesim.model.objects import Object, cache_key


class MutationError(AssertionError):
    """An object in the cache was changed in place."""


@dataclass
class ReplaceDeltas:
    """What a Replace (relist) changed; the informer turns these into handler calls.

    `updated` holds every key that was in the cache before and is in the list, unchanged or not
    (as client-go's Replaced deltas do); the informer compares resourceVersions to tell a resync
    (same RV) from a real update. `deleted` gives the last state the cache knew (client-go wraps
    it in DeletedFinalStateUnknown).
    """

    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, Object]] = field(default_factory=list)  # (key, old object)
    deleted: list[tuple[str, Object]] = field(default_factory=list)  # (key, last known object)


def _fingerprint(obj: Object) -> int:
    return hash(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS))


class Indexer:
    """client-go's Indexer over plain object dicts (see the module docstring for the rules)."""

    def __init__(
        self,
        indexers: dict[str, IndexFunc] | None = None,
        check_mutation: bool = False,
    ) -> None:
        self.indexers: dict[str, IndexFunc] = dict(indexers or {})
        self.check_mutation = check_mutation
        #: the resourceVersion of the last relist (Replace), as client-go's reflector keeps it
        self.last_sync_resource_version = ""
        self._rv = 0
        self._clear()

    def _clear(self) -> None:
        self._items: dict[str, Object] = {}
        self._refs: dict[str, Refs] = {}
        self._indexes = Indexes(self.indexers)
        self._fingerprints: dict[str, int] = {}
        self._mutated: dict[str, None] = {}

    # -- reads -----------------------------------------------------------------------------

    def get(self, key: str) -> Object | None:
        """The object under `key` (shared: do not mutate), or None."""
        return self._items.get(key)

    def get_by_obj(self, obj: Object) -> Object | None:
        return self._items.get(cache_key(obj))

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def list(self) -> list[Object]:
        return list(self._items.values())

    def list_keys(self) -> list[str]:
        return list(self._items)

    def list_namespace(self, namespace: str) -> list[Object]:
        """Objects in `namespace`; "" means all namespaces (metav1.NamespaceAll)."""
        if not namespace:
            return self.list()
        items = self._items
        return [items[k] for k in self._indexes.by_namespace.get(namespace, ())]

    def by_controller(self, uid: str) -> list[Object]:
        """Objects whose controller ownerReference has this UID."""
        items = self._items
        return [items[k] for k in self._indexes.by_controller.get(uid, ())]

    def by_owner(self, uid: str) -> list[Object]:
        """Objects with any ownerReference of this UID (controller or not)."""
        items = self._items
        return [items[k] for k in self._indexes.by_owner.get(uid, ())]

    def by_index(self, name: str, value: str) -> list[Object]:
        """Objects a custom index function mapped to `value` (client-go ByIndex)."""
        by_index = self._indexes.by_index
        if name not in by_index:
            raise KeyError(f"index with name {name} does not exist")
        items = self._items
        return [items[k] for k in by_index[name].get(value, ())]

    def by_selector(self, namespace: str | None, selector: Selector) -> list[Object]:
        """Objects in `namespace` ("" or None: all) whose labels match `selector` (see
        Indexes.select for how the indexes answer it)."""
        return self._indexes.select(self._items, namespace, selector)

    @property
    def resource_version(self) -> int:
        """The highest resourceVersion seen (objects stored and relists), 0 if none."""
        return self._rv

    # -- writes ----------------------------------------------------------------------------

    def add(self, obj: Object) -> Object | None:
        """Store `obj` under its key (same as update); returns the object it replaced, if any."""
        return self.update(obj)

    def update(self, obj: Object) -> Object | None:
        """Store `obj` under its key, keeping the indexes right; returns the previous object."""
        key = cache_key(obj)
        old = self._items.get(key)
        refs = self._indexes.refs_of(obj)
        if old is not None:
            self._check_leaving(key, old)
            self._indexes.move(key, self._refs[key], refs)
        else:
            self._indexes.add(key, refs)
        self._items[key] = obj
        self._refs[key] = refs
        if self.check_mutation:
            self._fingerprints[key] = _fingerprint(obj)
        self._see_rv(obj)
        return old

    def delete(self, key_or_obj: str | Object) -> Object | None:
        """Remove the object by key or by object; returns what was stored, or None."""
        key = key_or_obj if isinstance(key_or_obj, str) else cache_key(key_or_obj)
        old = self._items.pop(key, None)
        if old is None:
            return None
        self._check_leaving(key, old)
        self._indexes.remove(key, self._refs.pop(key))
        self._fingerprints.pop(key, None)
        return old

    def replace(self, objects: Iterable[Object], resource_version: str | int) -> ReplaceDeltas:
        """Swap the whole content for `objects` (a relist), rebuilding the indexes at once.

        Returns the deltas this implies (see ReplaceDeltas). `resource_version` (the list's)
        becomes `last_sync_resource_version`. A key listed twice keeps the last object.
        """
        # A relist allocates several containers per object; with the cyclic GC on, the
        # collections it triggers walk the whole (large) heap again and again. Nothing here
        # makes cycles, so pause it for the duration.
        gc_enabled = gc.isenabled()
        gc.disable()
        try:
            deltas = self._replace(objects)
        finally:
            if gc_enabled:
                gc.enable()
        self.last_sync_resource_version = str(resource_version)
        if resource_version and int(resource_version) > self._rv:
            self._rv = int(resource_version)
        return deltas

    def _replace(self, objects: Iterable[Object]) -> ReplaceDeltas:
        old_items, old_fingerprints, mutated = self._items, self._fingerprints, self._mutated
        self._clear()
        self._mutated = mutated
        indexes = self._indexes
        items, refs_map, refs_of, index = self._items, self._refs, indexes.refs_of, indexes.add
        deltas = ReplaceDeltas()
        added, updated = deltas.added, deltas.updated
        rv = self._rv
        for obj in objects:
            meta = obj.get("metadata") or EMPTY
            ns = meta.get("namespace") or ""
            key = f"{ns}/{meta.get('name', '')}" if ns else meta.get("name", "")
            refs = refs_of(obj, meta)
            if key in items:  # listed twice: the last one wins; the deltas already name it
                indexes.move(key, refs_map[key], refs)
            else:
                old = old_items.get(key)
                if old is None:
                    added.append(key)
                else:
                    updated.append((key, old))
                index(key, refs)
            items[key] = obj
            refs_map[key] = refs
            v = meta.get("resourceVersion")
            if v:
                n = int(v)
                if n > rv:
                    rv = n
        self._rv = rv
        deltas.deleted = [(k, o) for k, o in old_items.items() if k not in items]
        if self.check_mutation:
            for key, old in old_items.items():
                if _fingerprint(old) != old_fingerprints.get(key):
                    self._mutated[key] = None
            self._fingerprints = {k: _fingerprint(o) for k, o in items.items()}
        return deltas

    # -- mutation check --------------------------------------------------------------------

    def verify_unmutated(self) -> None:
        """Raise MutationError if an object was changed in place after it was stored.

        Needs `check_mutation=True`. Objects that left the cache (update, delete, replace) are
        checked as they leave, and reported here.
        """
        if not self.check_mutation:
            raise RuntimeError("verify_unmutated needs Indexer(check_mutation=True)")
        bad = dict(self._mutated)
        for key, obj in self._items.items():
            if _fingerprint(obj) != self._fingerprints.get(key):
                bad[key] = None
        if bad:
            raise MutationError(
                "objects in the informer cache were mutated in place (deep-copy before "
                f"changing them): {', '.join(sorted(bad))}"
            )

    def _check_leaving(self, key: str, old: Object) -> None:
        if self.check_mutation and _fingerprint(old) != self._fingerprints.get(key):
            self._mutated[key] = None

    # -- indexing --------------------------------------------------------------------------
    def _see_rv(self, obj: Object) -> None:
        v = (obj.get("metadata") or {}).get("resourceVersion")
        if v and int(v) > self._rv:
            self._rv = int(v)
