"""The Store contract on a real etcd (`--store etcd://host:port[,host:port]`), for classrooms.

Opened through `kubesim.store.open_store` like the SQLite file store, by every process of a
class: `kubesim up` on the instructor's machine, `kubesim apply` on the students'. The
semantics are base.py's, and etcd does the work itself:
- objects live under their own keys (/registry/...), each transaction is one etcd txn, and the
  revisions are etcd's: what kubesim shows is what etcd did. A compare-and-swap is a txn compare
  on the key's mod_revision (0: must not exist); a Put writes only when the value differs
  (etcdops.py), so a byte-identical Put writes nothing, as the contract (and Kubernetes'
  GuaranteedUpdate) wants;
- kubesim's own keys live under /kubesim/: the schema marker, the journal sequence and the
  journal. A transaction's journal entries are ONE key (/kubesim/journal/<last seq>, a JSON list)
  put in the same etcd txn as the objects, with the sequence key under a compare on its value,
  so an object and its command record are atomic and the journal is in commit order. The one
  difference from the file store follows from etcd: a journal write is a write, so a
  transaction that changes no object but journals, and `append_journal`, take a revision (as a
  Kubernetes Event or Lease does: revisions have gaps that no watched key explains);
- `events()` is etcd's watch (etcdwatch.py), reads at a past revision are ranges at that
  revision, compaction is etcd's compaction (Compacted carries etcd's floor: etcdrevisions.py).
The rest is beside it: etcdhttp.py (the client: etcd's JSON gateway), etcdops.py (a
transaction's operations, and the values known for plain puts), etcdjournal.py (the
journal's layout), etcdmarker.py (the marker and the store's identity), etcdlock.py (which
process runs the control plane), etcdwatch.py (events and the change notifier).
Everything can sit under a `namespace` (a key prefix, as etcd's own namespaced clients do): the
tests give each store its own; kubesim's CLI uses none, so objects are where kube-apiserver keeps
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kubesim.model.errors import Compacted, StoreReplaced
from kubesim.store import etcdjournal, etcdmarker
from kubesim.store.base import (
    ChangeNotifier,
    ControlPlaneLock,
    Delete,
    Event,
    JournalEntry,
    KeyValue,
    Put,
    Store,
    TxnResult,
)
from kubesim.store.etcdhttp import EtcdError, Gateway, b64, key_end, unb64
from kubesim.store.etcdops import KnownValues, changed, put
from kubesim.store.etcdrevisions import Revisions
from kubesim.store.etcdwatch import EtcdChangeNotifier, History
from kubesim.store.location import parse_location

#: etcd refuses a txn of more than --max-txn-ops (128 by default) operations; the journal and
#: the sequence take two
MAX_OPS = 126
#: journal entries per key when appending a large batch (etcd's requests are at most 1.5 MiB)
JOURNAL_CHUNK = 2000
#: where kubesim (as kube-apiserver) keeps objects: what `clear` deletes besides its own keys
REGISTRY = "/registry/"


class EtcdStore(Store):
    """The Store contract on etcd at `endpoints`: "host:port" each, tried in order, or a
    location (etcd://host:port[,host:port...])."""

    remote = True

    def __init__(
        self, endpoints: str | Sequence[str], *, namespace: str = "", create: bool = True
    ) -> None:
        if isinstance(endpoints, str):
            endpoints = parse_location(endpoints).endpoints
        self.endpoints = tuple(endpoints)
        self.location = "etcd://" + ",".join(self.endpoints)
        self.namespace = namespace
        self._where = self.location + (f" (namespace {namespace})" if namespace else "")
        self._http = Gateway(self.endpoints, self._where)
        self._ns = namespace.encode()
        own = self._ns + b"/kubesim/"
        self._own = (own, key_end(own))
        self._schema_key = own + b"schema"
        self._seq_key = own + b"seq"
        self._journal = own + b"journal/"
        self._seq: int | None = None  # the journal's last seq, as last seen
        self._revisions = Revisions(self._http, self._seq_key)
        self._known = KnownValues()
        self._history = History(self._http, self._accept)
        self._identity = etcdmarker.open_marker(
            self._http, self._schema_key, self._seq_key, self._where, create
        )

    @property
    def where(self) -> str:
        return self._where

    @property
    def gateway(self) -> Gateway:
        return self._http

    # -- keys ------------------------------------------------------------------------------

    def _key(self, key: str) -> bytes:
        return self._ns + key.encode()

    def _accept(self, raw: bytes) -> str | None:
        """The kubesim key of an etcd key, or None for another namespace's or kubesim's own."""
        if not raw.startswith(self._ns) or self._own[0] <= raw < self._own[1]:
            return None
        return raw[len(self._ns) :].decode()

    def _spans(self, prefix: str) -> list[tuple[bytes, bytes]]:
        """The key ranges of `prefix`, less kubesim's own keys."""
        lo = self._key(prefix)
        hi = key_end(lo)  # b"\0": no upper bound
        own_lo, own_hi = self._own
        unbounded = hi == b"\0"
        spans = []
        if lo < own_lo:
            spans.append((lo, own_lo if unbounded or own_lo < hi else hi))
        start = max(lo, own_hi)
        if unbounded or start < hi:
            spans.append((start, hi))
        return spans

    def _kv(self, raw: dict[str, Any]) -> KeyValue:
        return KeyValue(
            unb64(raw["key"])[len(self._ns) :].decode(),
            unb64(raw.get("value")),
            int(raw["create_revision"]),
            int(raw["mod_revision"]),
            int(raw["version"]),
        )

    # -- opening and identity ----------------------------------------------------------------

    def check_identity(self) -> None:
        """StoreReplaced when kubesim's keys were removed (`kubesim reset`) or re-created, or
        the endpoints now lead to another etcd cluster (etcdmarker.py)."""
        etcdmarker.check_identity(self._http, self._schema_key, self._where, self._identity)

    # -- revisions -------------------------------------------------------------------------

    def current_revision(self) -> int:
        return self._revisions.current()

    def created_revision(self) -> int:
        """The revision that wrote this store's marker (in the txn that made it)."""
        return self._identity.created

    def compact_revision(self) -> int:
        return self._revisions.status()[1]

    def compact(self, revision: int) -> None:
        self._revisions.compact(revision)

    # -- writes ----------------------------------------------------------------------------

    def txn(self, ops: Sequence[Put | Delete], journal: Sequence[JournalEntry] = ()) -> TxnResult:
        if len(ops) > 1:
            if len({op.key for op in ops}) != len(ops):
                raise ValueError("a transaction may not name the same key twice (as in etcd)")
            if len(ops) > MAX_OPS:
                raise ValueError(
                    f"a transaction may have at most {MAX_OPS} operations on etcd (its "
                    "--max-txn-ops, 128 by default, less kubesim's journal and sequence)"
                )
        for op in ops:
            if type(op) is Put and not isinstance(op.value, bytes):
                raise TypeError(f"Put value for {op.key} must be bytes")
        return self._commit(ops, [etcdjournal.row(e, None) for e in journal])

    def append_journal(self, entries: Iterable[JournalEntry]) -> None:
        rows = [etcdjournal.row(e, e.revision) for e in entries]
        for i in range(0, len(rows), JOURNAL_CHUNK):
            self._commit((), rows[i : i + JOURNAL_CHUNK])

    def _commit(self, ops: Sequence[Put | Delete], rows: list[list[Any]]) -> TxnResult:
        compares = [
            {"key": b64(self._key(op.key)), "target": "MOD", "result": "EQUAL",
             "mod_revision": op.expect_mod_revision}
            for op in ops
            if op.expect_mod_revision is not None
        ]  # fmt: skip
        checked = [op for op in ops if op.expect_mod_revision is not None]
        success = [self._known.request(self._key(op.key), op) for op in ops]
        failure = [{"request_range": {"key": b64(self._key(op.key))}} for op in checked]
        while True:
            body = {"compare": list(compares), "success": list(success), "failure": failure}
            if rows:
                if self._seq is None:
                    self._read_seq()
                seq = self._seq
                assert seq is not None
                last = seq + len(rows)
                body["compare"].append(
                    {"key": b64(self._seq_key), "target": "VALUE", "result": "EQUAL",
                     "value": b64(str(seq))}
                )  # fmt: skip
                body["success"] += [
                    put(etcdjournal.batch_key(self._journal, last), etcdjournal.encode(rows)),
                    put(self._seq_key, str(last).encode()),
                ]
                body["failure"] = failure + [{"request_range": {"key": b64(self._seq_key)}}]
            answer = self._http.post("/v3/kv/txn", body)
            revision = int(answer["header"]["revision"])
            responses = answer.get("responses", [])
            if answer.get("succeeded"):
                if rows:
                    self._seq = last
                done = [op for op, r in zip(ops, responses, strict=False) if changed(r)]
                self._known.wrote([(self._key(op.key), op) for op in done], revision)
                return TxnResult(True, revision, tuple(op.key for op in done))
            for op, r in zip(checked, responses, strict=False):
                kvs = r.get("response_range", {}).get("kvs")
                current = self._kv(kvs[0]) if kvs else None
                self._known.remember(self._key(op.key), current)
                if (current.mod_revision if current else 0) != op.expect_mod_revision:
                    return TxnResult(False, revision, failed_key=op.key, current=current)
            # the journal's sequence moved (another process journaled): again, with its value
            kvs = responses[-1].get("response_range", {}).get("kvs") if responses else None
            self._seq = int(unb64(kvs[0].get("value"))) if kvs else 0

    def _read_seq(self) -> None:
        kvs = self._http.post("/v3/kv/range", {"key": b64(self._seq_key)}).get("kvs")
        if not kvs:
            raise StoreReplaced(f"the kubesim store in etcd at {self._where} was removed")
        self._seq = int(unb64(kvs[0].get("value")))

    # -- reads -----------------------------------------------------------------------------

    def _range(self, body: dict[str, Any], revision: int) -> dict[str, Any]:
        try:
            return self._http.post("/v3/kv/range", {**body, "revision": revision})
        except EtcdError as e:
            raise self._revisions.past(e, revision) from None

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """`revision` None (or <= 0, as in etcd) reads now."""
        rev = revision if revision is not None and revision > 0 else 0
        kvs = self._range({"key": b64(self._key(key))}, rev).get("kvs")
        kv = self._kv(kvs[0]) if kvs else None
        if kv is not None:
            self._known.know(self._key(key), kv.mod_revision, kv.value)
        return kv

    def range(
        self, prefix: str, revision: int | None = None, limit: int | None = None
    ) -> tuple[list[KeyValue], int]:
        rev = revision if revision is not None and revision > 0 else 0
        items: list[KeyValue] = []
        for lo, hi in self._spans(prefix):
            body: dict[str, Any] = {"key": b64(lo), "range_end": b64(hi)}
            if limit is not None:
                body["limit"] = limit - len(items)
            answer = self._range(body, rev)
            rev = rev or int(answer["header"]["revision"])  # the other spans: the same revision
            items += [self._kv(raw) for raw in answer.get("kvs", ())]
            if limit is not None and len(items) >= limit:
                break
        if not rev:
            rev = self.current_revision()
        return items, rev

    def count(self, prefix: str) -> int:
        total, rev = 0, 0
        for lo, hi in self._spans(prefix):
            body = {"key": b64(lo), "range_end": b64(hi), "count_only": True}
            answer = self._range(body, rev)
            rev = int(answer["header"]["revision"])
            total += int(answer.get("count", 0))
        return total

    def events(
        self,
        start_revision: int,
        prefix: str = "",
        end_revision: int | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Watch from `start_revision` (inclusive). A `limit` never splits a revision."""
        current, floor = self._revisions.status()
        if start_revision < floor:
            raise Compacted(start_revision, floor)
        end = current if end_revision is None else min(end_revision, current)
        if start_revision > end:
            return []
        return self._history.events(max(start_revision, 1), end, prefix, limit)

    def journal(
        self,
        types: Sequence[str] | None = None,
        since_seq: int = 0,
        actor: str | None = None,
        min_revision: int | None = None,
        max_revision: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        return etcdjournal.read(
            self._http,
            self._journal,
            self._where,
            types,
            since_seq,
            actor,
            min_revision,
            max_revision,
            limit,
        )

    # -- across processes: change notifier, control-plane lock, reset ------------------------

    def changes(self, wake: Callable[[], None] | None = None) -> ChangeNotifier:
        """A watch on this store's keys (journal included: a journal write is a commit)."""
        span = (self._ns or b"\0", key_end(self._ns))
        return EtcdChangeNotifier(self._http, span, self.current_revision(), wake)

    def control_plane_lock(self) -> ControlPlaneLock:
        """A key held by a lease, naming the host and pid of `up` (etcdlock.py)."""
        from kubesim.store.etcdlock import EtcdControlPlaneLock

        return EtcdControlPlaneLock(self, self._own[0] + b"control-plane")

    def clear(self) -> bool:
        """Delete kubesim's keys (/registry/..., and its own: journal, marker) but a running
        control plane's lock, and no other program's keys; False if there was no object and no
        journal entry. Its processes' next `check_identity` says the store was removed; etcd's
        revision goes on counting."""
        held = self.count(REGISTRY) > 0 or bool(self.journal(limit=1))
        lock = self._own[0] + b"control-plane"
        spans = self._spans(REGISTRY) + [(self._own[0], lock), (lock + b"\0", self._own[1])]
        for lo, hi in spans:
            self._http.post("/v3/kv/deleterange", {"key": b64(lo), "range_end": b64(hi)})
        return held

    def close(self) -> None:
        self._history.close()
        self._http.close()
