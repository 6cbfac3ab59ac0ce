"""The informer cache: client-go's Indexer (tools/cache thread_safe_store.go, index.go, store.go).

Objects are kept by client-go's key (`ns/name`, or `name` when cluster-scoped) with built-in
indexes by namespace, by controller owner UID, by any owner UID and by label `key=value`, plus
optional custom index functions (client-go Indexers), e.g. pods by `spec.nodeName`.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubesim.model.labels import Requirement, Selector
from kubesim.model.objects import Object, cache_key, labels_of

#: An index function: the index values of one object (client-go IndexFunc).
IndexFunc = Callable[[Object], list[str]]

_KeySet = dict[str, None]  # an insertion-ordered set of keys
_Refs = tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
# what one object contributes to the built-in indexes:
# (namespace, controller uid, owner uids, labels (k, v), custom (index name, value))


_EMPTY: dict[str, Any] = {}


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


def _add_to(index: dict[str, _KeySet], value: str, key: str) -> None:
    keys = index.get(value)
    if keys is None:
        index[value] = {key: None}
    else:
        keys[key] = None


def _remove_from(index: dict[str, _KeySet], value: str, key: str) -> None:
    keys = index.get(value)
    if keys is not None:
        keys.pop(key, None)
        if not keys:
            del index[value]


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
        self._refs: dict[str, _Refs] = {}
        self._by_namespace: dict[str, _KeySet] = {}
        self._by_controller: dict[str, _KeySet] = {}
        self._by_owner: dict[str, _KeySet] = {}
        self._by_label: dict[str, dict[str, _KeySet]] = {}  # label key -> value -> keys
        self._by_index: dict[str, dict[str, _KeySet]] = {name: {} for name in self.indexers}
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
        return [items[k] for k in self._by_namespace.get(namespace, ())]

    def by_controller(self, uid: str) -> list[Object]:
        """Objects whose controller ownerReference has this UID."""
        items = self._items
        return [items[k] for k in self._by_controller.get(uid, ())]

    def by_owner(self, uid: str) -> list[Object]:
        """Objects with any ownerReference of this UID (controller or not)."""
        items = self._items
        return [items[k] for k in self._by_owner.get(uid, ())]

    def by_index(self, name: str, value: str) -> list[Object]:
        """Objects a custom index function mapped to `value` (client-go ByIndex)."""
        if name not in self._by_index:
            raise KeyError(f"index with name {name} does not exist")
        items = self._items
        return [items[k] for k in self._by_index[name].get(value, ())]

    def by_selector(self, namespace: str | None, selector: Selector) -> list[Object]:
        """Objects in `namespace` ("" or None: all) whose labels match `selector`.

        Every result is in the namespace's key set and, for each `In` requirement, in the label
        index's keys for its values: the smallest of these sets drives, membership in the others
        filters, and the remaining requirements (NotIn, Exists, DoesNotExist) are checked on the
        candidates' labels. Results come in the driving set's insertion order.
        """
        required: list[_KeySet] = []
        rest: list[Requirement] = []
        if namespace:
            ns_keys = self._by_namespace.get(namespace)
            if not ns_keys:
                return []
            required.append(ns_keys)
        for req in selector:
            if req.operator != "In":
                rest.append(req)
                continue
            values = self._by_label.get(req.key) or _EMPTY
            sets = [values[v] for v in dict.fromkeys(req.values) if v in values]
            if not sets:
                return []
            required.append(_union(sets))
        items = self._items
        if required:
            required.sort(key=len)
            driver, others = required[0], required[1:]
            keys: Iterable[str] = (k for k in driver if all(k in o for o in others))
        else:
            keys = items
        if not rest:
            return [items[k] for k in keys]
        return [
            obj
            for obj in (items[k] for k in keys)
            if all(req.matches(labels_of(obj)) for req in rest)
        ]

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
        refs = self._refs_of(obj)
        if old is not None:
            self._check_leaving(key, old)
            self._reindex(key, self._refs[key], refs)
        else:
            self._index(key, refs)
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
        self._unindex(key, self._refs.pop(key))
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
        items, refs_map, refs_of, index = self._items, self._refs, self._refs_of, self._index
        deltas = ReplaceDeltas()
        added, updated = deltas.added, deltas.updated
        rv = self._rv
        for obj in objects:
            meta = obj.get("metadata") or _EMPTY
            ns = meta.get("namespace") or ""
            key = f"{ns}/{meta.get('name', '')}" if ns else meta.get("name", "")
            refs = refs_of(obj, meta)
            if key in items:  # listed twice: the last one wins; the deltas already name it
                self._reindex(key, refs_map[key], refs)
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

    def _refs_of(self, obj: Object, meta: dict[str, Any] | None = None) -> _Refs:
        if meta is None:
            meta = obj.get("metadata") or _EMPTY
        controller = ""
        owners: tuple[str, ...] = ()
        owner_refs = meta.get("ownerReferences")
        if owner_refs:
            uids: dict[str, None] = {}
            for ref in owner_refs:
                uid = ref.get("uid", "")
                uids[uid] = None
                if not controller and ref.get("controller"):
                    controller = uid
            owners = tuple(uids)
        labels = meta.get("labels")
        custom: tuple[tuple[str, str], ...] = ()
        if self.indexers:
            custom = tuple((name, value) for name, fn in self.indexers.items() for value in fn(obj))
        return (
            meta.get("namespace") or "",
            controller,
            owners,
            tuple(labels.items()) if labels else (),
            custom,
        )

    def _index(self, key: str, refs: _Refs) -> None:
        namespace, controller, owners, labels, custom = refs
        if namespace:
            try:
                self._by_namespace[namespace][key] = None
            except KeyError:
                self._by_namespace[namespace] = {key: None}
        if controller:
            try:
                self._by_controller[controller][key] = None
            except KeyError:
                self._by_controller[controller] = {key: None}
        by_owner = self._by_owner
        for uid in owners:
            try:
                by_owner[uid][key] = None
            except KeyError:
                by_owner[uid] = {key: None}
        by_label = self._by_label
        for lk, lv in labels:
            try:
                by_label[lk][lv][key] = None
            except KeyError:
                by_label.setdefault(lk, {})[lv] = {key: None}
        for name, value in custom:
            _add_to(self._by_index[name], value, key)

    def _reindex(self, key: str, old: _Refs, new: _Refs) -> None:
        """Move `key` between index entries, leaving it in place where nothing changed (so the
        namespace index keeps the cache's order)."""
        if old == new:
            return
        kept_labels = set(old[3]) & set(new[3])
        kept_custom = set(old[4]) & set(new[4])
        gone = (
            "" if old[0] == new[0] else old[0],
            "" if old[1] == new[1] else old[1],
            tuple(u for u in old[2] if u not in new[2]),
            tuple(p for p in old[3] if p not in kept_labels),
            tuple(p for p in old[4] if p not in kept_custom),
        )
        came = (
            "" if old[0] == new[0] else new[0],
            "" if old[1] == new[1] else new[1],
            tuple(u for u in new[2] if u not in old[2]),
            tuple(p for p in new[3] if p not in kept_labels),
            tuple(p for p in new[4] if p not in kept_custom),
        )
        self._unindex(key, gone)
        self._index(key, came)

    def _unindex(self, key: str, refs: _Refs) -> None:
        namespace, controller, owners, labels, custom = refs
        if namespace:
            _remove_from(self._by_namespace, namespace, key)
        if controller:
            _remove_from(self._by_controller, controller, key)
        for uid in owners:
            _remove_from(self._by_owner, uid, key)
        for lk, lv in labels:
            values = self._by_label.get(lk)
            if values is not None:
                _remove_from(values, lv, key)
                if not values:
                    del self._by_label[lk]
        for name, value in custom:
            _remove_from(self._by_index[name], value, key)

    def _see_rv(self, obj: Object) -> None:
        v = (obj.get("metadata") or {}).get("resourceVersion")
        if v and int(v) > self._rv:
            self._rv = int(v)


def _union(sets: list[_KeySet]) -> _KeySet:
    if len(sets) == 1:
        return sets[0]
    out: _KeySet = {}
    for keys in sets:
        out.update(keys)
    return out
