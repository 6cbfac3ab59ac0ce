"""The informer cache's indexes: which keys each namespace, owner, label and custom index holds.

`Indexes` keeps, for the objects of one kubesim.client.cache.Indexer, insertion-ordered key sets
by namespace, by controller owner UID, by any owner UID, by label `key=value` and by each custom
index function's values (client-go's indices, thread_safe_store.go updateIndices). `refs_of`
says what one object contributes (a `Refs` tuple, kept by the Indexer per key); `add`, `move`
and `remove` keep the sets right as objects come, change and go; `select` answers a label
selector from the sets. Called by kubesim.client.cache only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kubesim.model.labels import Requirement, Selector
from kubesim.model.objects import Object, labels_of

#: An index function: the index values of one object (client-go IndexFunc).
IndexFunc = Callable[[Object], list[str]]

KeySet = dict[str, None]  # an insertion-ordered set of keys
Refs = tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
# what one object contributes to the indexes:
# (namespace, controller uid, owner uids, labels (k, v), custom (index name, value))

EMPTY: dict[str, Any] = {}


def _add_to(index: dict[str, KeySet], value: str, key: str) -> None:
    keys = index.get(value)
    if keys is None:
        index[value] = {key: None}
    else:
        keys[key] = None


def _remove_from(index: dict[str, KeySet], value: str, key: str) -> None:
    keys = index.get(value)
    if keys is not None:
        keys.pop(key, None)
        if not keys:
            del index[value]


class Indexes:
    """The key sets of one cache (see the module docstring)."""

    def __init__(self, indexers: dict[str, IndexFunc]) -> None:
        self.indexers = indexers
        self.by_namespace: dict[str, KeySet] = {}
        self.by_controller: dict[str, KeySet] = {}
        self.by_owner: dict[str, KeySet] = {}
        self.by_label: dict[str, dict[str, KeySet]] = {}  # label key -> value -> keys
        self.by_index: dict[str, dict[str, KeySet]] = {name: {} for name in indexers}

    def refs_of(self, obj: Object, meta: dict[str, Any] | None = None) -> Refs:
        if meta is None:
            meta = obj.get("metadata") or EMPTY
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

    def add(self, key: str, refs: Refs) -> None:
        namespace, controller, owners, labels, custom = refs
        if namespace:
            try:
                self.by_namespace[namespace][key] = None
            except KeyError:
                self.by_namespace[namespace] = {key: None}
        if controller:
            try:
                self.by_controller[controller][key] = None
            except KeyError:
                self.by_controller[controller] = {key: None}
        by_owner = self.by_owner
        for uid in owners:
            try:
                by_owner[uid][key] = None
            except KeyError:
                by_owner[uid] = {key: None}
        by_label = self.by_label
        for lk, lv in labels:
            try:
                by_label[lk][lv][key] = None
            except KeyError:
                by_label.setdefault(lk, {})[lv] = {key: None}
        for name, value in custom:
            _add_to(self.by_index[name], value, key)

    def move(self, key: str, old: Refs, new: Refs) -> None:
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
        self.remove(key, gone)
        self.add(key, came)

    def remove(self, key: str, refs: Refs) -> None:
        namespace, controller, owners, labels, custom = refs
        if namespace:
            _remove_from(self.by_namespace, namespace, key)
        if controller:
            _remove_from(self.by_controller, controller, key)
        for uid in owners:
            _remove_from(self.by_owner, uid, key)
        for lk, lv in labels:
            values = self.by_label.get(lk)
            if values is not None:
                _remove_from(values, lv, key)
                if not values:
                    del self.by_label[lk]
        for name, value in custom:
            _remove_from(self.by_index[name], value, key)

    def select(
        self, items: dict[str, Object], namespace: str | None, selector: Selector
    ) -> list[Object]:
        """Objects of `items` in `namespace` ("" or None: all) whose labels match `selector`.

        Every result is in the namespace's key set and, for each `In` requirement, in the label
        index's keys for its values: the smallest of these sets drives, membership in the others
        filters, and the remaining requirements (NotIn, Exists, DoesNotExist) are checked on the
        candidates' labels. Results come in the driving set's insertion order.
        """
        required: list[KeySet] = []
        rest: list[Requirement] = []
        if namespace:
            ns_keys = self.by_namespace.get(namespace)
            if not ns_keys:
                return []
            required.append(ns_keys)
        for req in selector:
            if req.operator != "In":
                rest.append(req)
                continue
            values = self.by_label.get(req.key) or EMPTY
            sets = [values[v] for v in dict.fromkeys(req.values) if v in values]
            if not sets:
                return []
            required.append(union(sets))
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


def union(sets: list[KeySet]) -> KeySet:
    if len(sets) == 1:
        return sets[0]
    out: KeySet = {}
    for keys in sets:
        out.update(keys)
    return out
