"""The API server's copy of the objects it last wrote or read for a write: a suggestion that
saves a read before a compare-and-swap.

kube-apiserver's GuaranteedUpdate (k8s.io/apiserver/pkg/storage/etcd3/store.go) starts from the
watch cache's copy of the object (`cachedExistingObject`) instead of reading etcd: the write's
transaction compares the key's mod revision with that copy's, so a stale copy cannot be written
over; when the compare fails, the transaction's else branch returns the current value and the
update runs again on it. A decision taken without writing (a precondition failed, the update
failed, or nothing changed) is taken again on a fresh read unless the copy was current
(`origStateIsCurrent`). ApiServer.guaranteed_update does the same with this cache, which holds
what that ApiServer itself wrote or read last for each key (bounded: the least recently used
keys are dropped), on a store whose reads are remote (etcd: `Store.remote`; a file store's
read costs less than the memory). Events are not kept when created (kube-apiserver's watch
cache is off for events by default, DefaultWatchCacheSizes): they are many and hardly ever
updated, and would push out the objects that are. Used by kubesim/api/server.py only.
"""

from __future__ import annotations

from kubesim.store.base import KeyValue

#: keys kept (about 1-2 KB each); the least recently written or read go first
MAX_KEYS = 20_000


class WriteCache:
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._kvs: dict[str, KeyValue] = {}

    def get(self, key: str) -> KeyValue | None:
        return self._kvs.get(key)

    def put(self, kv: KeyValue) -> None:
        if self.max_keys <= 0:  # kept off (a file store: its reads are cheap)
            return
        self._kvs.pop(kv.key, None)  # to the end: the most recent
        self._kvs[kv.key] = kv
        if len(self._kvs) > self.max_keys:
            del self._kvs[next(iter(self._kvs))]

    def written(self, key: str, value: bytes, revision: int, old: KeyValue | None) -> None:
        """`value` was written at `revision` over `old` (None: created)."""
        if old is None:
            self.put(KeyValue(key, value, revision, revision, 1))
        else:
            self.put(KeyValue(key, value, old.create_revision, revision, old.version + 1))

    def forget(self, key: str) -> None:
        self._kvs.pop(key, None)

    def __len__(self) -> int:
        return len(self._kvs)
