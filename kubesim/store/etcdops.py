"""The operations of an etcd transaction for kubesim's writes, and what the store knows of the
values it last wrote or read (to send a Put as a plain put when it may).

A Put is a nested txn that writes only when the value differs, so a byte-identical Put writes
nothing, as the Store contract (and Kubernetes' GuaranteedUpdate) wants. A Put whose compare
already rules that out is a plain put (a quarter less time in etcd): the key must not exist, or
must be at a mod revision whose value this store wrote or read and knows differs
(`KnownValues`: a hash of the value per key). Used by kubesim/store/etcd.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubesim.store.base import Delete, KeyValue, Put
from kubesim.store.etcdhttp import b64

#: keys whose (mod revision, value hash) the store keeps, for plain puts
MAX_KNOWN = 100_000


def put(key: bytes, value: bytes) -> dict[str, Any]:
    return {"request_put": {"key": b64(key), "value": b64(value)}}


def changed(response: dict[str, Any]) -> bool:
    """Whether the txn operation answered by `response` changed its key."""
    if "response_put" in response:
        return True
    if "response_delete_range" in response:
        return int(response["response_delete_range"].get("deleted", 0)) > 0
    return not response.get("response_txn", {}).get("succeeded", False)


class KnownValues:
    """etcd key -> (mod revision, hash of the value) this store wrote or read last."""

    def __init__(self) -> None:
        self._known: dict[bytes, tuple[int, int]] = {}

    def request(self, key: bytes, op: Put | Delete) -> dict[str, Any]:
        """A Delete; a Put that writes only if the value differs (a nested txn), or a plain put
        when the txn's compare on the key already means it differs."""
        if not isinstance(op, Put):
            return {"request_delete_range": {"key": b64(key)}}
        expect = op.expect_mod_revision
        if expect == 0:
            return put(key, op.value)  # the key must not exist: nothing to be identical to
        if expect is not None:
            known = self._known.get(key)
            if known is not None and known[0] == expect and known[1] != hash(op.value):
                return put(key, op.value)
        same = {"key": b64(key), "target": "VALUE", "result": "EQUAL", "value": b64(op.value)}
        return {"request_txn": {"compare": [same], "failure": [put(key, op.value)]}}

    def wrote(self, keyed: Sequence[tuple[bytes, Put | Delete]], revision: int) -> None:
        """The operations (with their etcd keys) that changed their key at `revision`."""
        for key, op in keyed:
            if isinstance(op, Put):
                self.know(key, revision, op.value)
            else:
                self._known.pop(key, None)

    def remember(self, key: bytes, kv: KeyValue | None) -> None:
        """What a read (or a failed compare) found at `key`."""
        if kv is None:
            self._known.pop(key, None)
        else:
            self.know(key, kv.mod_revision, kv.value)

    def know(self, key: bytes, revision: int, value: bytes) -> None:
        if len(self._known) >= MAX_KNOWN:
            self._known.clear()
        self._known[key] = (revision, hash(value))
