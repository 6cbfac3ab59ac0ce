"""kubesim's journal in etcd: how entries are stored and read back.

Called by kubesim/store/etcd.py only. A transaction's journal entries are ONE etcd key,
PREFIX/<seq of its last entry, 16 digits>, holding a JSON list of rows (entries' fields in
JournalEntry's order); the key is put in the same etcd txn as the objects it describes. Keys
sort in seq order, so `since_seq` is a range starting at the key of since_seq + 1 (the key of a
batch is its LAST seq, so the batch holding since_seq + 1 is the first key at or after it). An
entry whose revision is stored as null took the revision of the txn that wrote it: its key's
mod_revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from kubesim.model.errors import StoreCorrupt
from kubesim.store.base import JournalEntry
from kubesim.store.etcdhttp import Gateway, b64, key_end, unb64

#: keys per range request when reading
PAGE = 1000
_NON_STR_KEYS = orjson.OPT_NON_STR_KEYS


def row(e: JournalEntry, revision: int | None) -> list[Any]:
    """An entry as stored: revision None means the revision of the txn that writes it."""
    return [e.type, e.actor, e.verb, e.target, e.outcome, revision, e.time, e.data]


def batch_key(prefix: bytes, last_seq: int) -> bytes:
    return prefix + b"%016d" % last_seq


def encode(rows: list[list[Any]]) -> bytes:
    return orjson.dumps(rows, option=_NON_STR_KEYS)


def read(
    gateway: Gateway,
    prefix: bytes,
    where: str,
    types: Sequence[str] | None,
    since_seq: int,
    actor: str | None,
    min_revision: int | None,
    max_revision: int | None,
    limit: int | None,
) -> list[JournalEntry]:
    """Journal entries with seq > since_seq, filtered, in seq order (Store.journal)."""
    out: list[JournalEntry] = []
    if types is not None and not types:
        return out
    wanted = None if types is None else set(types)
    lo, hi = batch_key(prefix, since_seq + 1), key_end(prefix)
    rev = 0  # every page at the revision of the first
    while True:
        body = {"key": b64(lo), "range_end": b64(hi), "limit": PAGE, "revision": rev}
        answer = gateway.post("/v3/kv/range", body)
        rev = int(answer["header"]["revision"])
        kvs = answer.get("kvs", ())
        for raw in kvs:
            key = unb64(raw["key"])
            try:
                rows = orjson.loads(unb64(raw.get("value")))
                first = int(key[len(prefix) :]) - len(rows) + 1
            except ValueError as e:
                detail = f"the journal key {key.decode(errors='replace')} does not decode: {e}"
                raise StoreCorrupt(where, detail) from e
            for i, (t, a, v, tg, o, r, tm, d) in enumerate(rows):
                seq = first + i
                r = int(raw["mod_revision"]) if r is None else r
                if (
                    seq <= since_seq
                    or (wanted is not None and t not in wanted)
                    or (actor is not None and a != actor)
                    or (min_revision is not None and r < min_revision)
                    or (max_revision is not None and r > max_revision)
                ):
                    continue
                out.append(JournalEntry(t, a, v, tg, o, r, tm, d, seq))
                if limit is not None and len(out) >= limit:
                    return out
        if not answer.get("more") or not kvs:
            return out
        lo = unb64(kvs[-1]["key"]) + b"\0"
