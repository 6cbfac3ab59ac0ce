"""The API server: the command bus of kubesim and the only code that writes objects to the store.

Every write goes the way kube-apiserver's does: decode (type checks), default, fill the system
fields (uid, creationTimestamp, generateName, generation), validate, then one compare-and-swap
transaction on the key's mod revision, with the command's journal entry in the same transaction.
Reads return Kubernetes-shaped dicts whose `metadata.resourceVersion` is the key's mod revision.

Callers: the CLI (as actor "user"), the controllers (as actor = their consumer name), lessons and
the replay tools. Client-side apply lives in api/apply.py, deletion in api/delete.py.
"""

from __future__ import annotations

import builtins
import gc
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubesim.api import strategy
from kubesim.api.admission import NamespaceLifecycle, allocate_cluster_ip
from kubesim.api.bootstrap import initial_objects
from kubesim.api.names import generate_name, new_uid
from kubesim.api.retry import CasRetry
from kubesim.api.writecache import WriteCache
from kubesim.model.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    Invalid,
    NotFound,
    StoreCorrupt,
)
from kubesim.model.kinds import BUILTIN_KINDS, Kind, Registry, builtin
from kubesim.model.labels import Selector, matches
from kubesim.model.objects import deepcopy, dumps, loads
from kubesim.store.base import Delete, JournalEntry, KeyValue, Put, Store

CRD = builtin("CustomResourceDefinition")
NAMESPACE = builtin("Namespace")
_CRD_PREFIX = CRD.prefix()

#: how many generated names a create tries before it gives up (AlreadyExists)
MAX_CAS_RETRIES = 20


@dataclass
class WriteResult:
    """What a write did: the object as stored, the revision, and whether anything changed."""

    obj: dict[str, Any]
    revision: int
    changed: bool


@dataclass(frozen=True)
class WatchEvent:
    """A watch event as the API serves it: ADDED, MODIFIED or DELETED with the object."""

    type: str
    kind: Kind
    obj: dict[str, Any]
    revision: int
    key: str


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic GC off for a bulk decode. A LIST of 100,000 objects allocates millions
    of dicts and lists; each allocation burst makes the GC scan everything allocated so far
    again (more than half a relist's time), though JSON builds no reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decode(kv: KeyValue, store: Store | None = None) -> dict[str, Any]:
    """The stored bytes as an object whose resourceVersion is the key's mod revision.

    Bytes that are not an object (a corrupt page of the store file) raise StoreCorrupt naming
    the key, and the store when it is given."""
    obj = load_stored(kv.value, kv.key, kv.mod_revision, store)
    obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
    return obj


def load_stored(
    value: bytes, key: str, revision: int, store: Store | None = None
) -> dict[str, Any]:
    """A stored value as an object with a metadata mapping, or StoreCorrupt (Store.load_object;
    without a store the error cannot name the file)."""
    if store is not None:
        return store.load_object(value, key, revision)
    try:
        obj = loads(value)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        return obj
    raise StoreCorrupt("file", f"the value of {key} at revision {revision} does not decode")


def encode(obj: dict[str, Any]) -> bytes:
    """What is stored: the object without resourceVersion (etcd's mod revision carries it)."""
    md = obj["metadata"]
    rv = md.pop("resourceVersion", None)
    try:
        return dumps(obj)
    finally:
        if rv is not None:
            md["resourceVersion"] = rv


class ApiServer:
    """Kubernetes' API semantics over a `Store`.

    `clock` stamps creationTimestamp and the journal (wall clock on the command side, the control
    plane's clock on the read side); `rng` makes generated names and uids (seeded for determinism);
    `write_cache`: keep a copy of what it writes for its next update (default: when the store's
    reads are remote, etcd).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        write_cache: bool | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()
        self._registry: Registry | None = None
        self.namespaces = NamespaceLifecycle(store, clock)
        self._registry_rev = -1
        #: the registry in hand is known current up to this revision (a read, or a watch that
        #: saw no CRD change since one: see registry_through)
        self._registry_through = -1
        #: what this API server last wrote or read for each key, for writes (writecache.py):
        #: kept when a read costs a round trip (`write_cache` None: the store says)
        keep = store.remote if write_cache is None else write_cache
        self._written = WriteCache() if keep else WriteCache(max_keys=0)
        if store.current_revision() == store.created_revision():
            self._bootstrap()

    # ----------------------------------------------------------------------------- kinds
    def registry(self) -> Registry:
        """Built-in kinds plus the kinds of every stored CRD (rebuilt when CRDs change)."""
        kvs, read_at = self.store.range(CRD.prefix())
        rev = max((kv.mod_revision for kv in kvs), default=0) + len(kvs)
        if self._registry is None or rev != self._registry_rev:
            reg = Registry(BUILTIN_KINDS)
            if kvs:
                from kubesim.api import crd as crds
            for kv in kvs:
                crd = load_stored(kv.value, kv.key, kv.mod_revision, self.store)
                if not (crd.get("metadata") or {}).get("deletionTimestamp"):
                    reg.add(crds.kinds_from_crd(crd))
            self._registry, self._registry_rev = reg, rev
        self._registry_through = read_at
        return self._registry

    def registry_through(self, revision: int) -> Registry:
        """The registry as of `revision` or later, without a store read when the one in hand is
        known current up to it: it was read at or after `revision`, or this API's watch has read
        every event up to `revision` and none was a CRD's (the API server's CRD informer, kept
        current by the watch; see watch_progress). Else `registry()` reads the CRDs."""
        if self._registry is not None and self._registry_through >= revision:
            return self._registry
        return self.registry()

    def kind_for(self, obj: dict[str, Any]) -> Kind:
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        builtin_kind = self._builtin_gvk.get((api_version, kind))  # no store read for these
        return builtin_kind or self.registry().for_object(api_version, kind)

    _builtin_gvk = {(k.api_version, k.kind): k for k in BUILTIN_KINDS}

    # ----------------------------------------------------------------------------- reads
    def get(
        self, kind: Kind, namespace: str | None, name: str, revision: int | None = None
    ) -> dict[str, Any]:
        kv = self.store.get(kind.key(namespace, name), revision)
        if kv is None:
            raise self.not_found(kind, name)
        return decode(kv, self.store)

    def try_get(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any] | None:
        kv = self.store.get(kind.key(namespace, name))
        return decode(kv, self.store) if kv else None

    def list(
        self,
        kind: Kind,
        namespace: str | None = None,
        selector: Selector | None = None,
        revision: int | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Objects of a kind (in one namespace, or all), and the list's resourceVersion."""
        kvs, rev = self.store.range(kind.prefix(namespace), revision)
        with gc_paused():  # decoding is a burst of acyclic dicts: no cycles for the GC to find
            items = [decode(kv, self.store) for kv in kvs]
        if selector:
            items = [o for o in items if matches(selector, o["metadata"].get("labels"))]
        return items, rev

    def watch(
        self,
        kinds: Sequence[Kind] | Callable[[int], Sequence[Kind]],
        after_revision: int,
        limit: int | None = None,
    ) -> Sequence[WatchEvent]:
        """Events strictly after `after_revision` (the API's watch is exclusive, etcd's is not)."""
        return self.watch_progress(kinds, after_revision, limit)[0]

    def watch_progress(
        self,
        kinds: Sequence[Kind] | Callable[[int], Sequence[Kind]],
        after_revision: int,
        limit: int | None = None,
    ) -> tuple[Sequence[WatchEvent], int]:
        """`watch`, and the revision this read reached: every event up to it, of any kind, has
        been read (a BOOKMARK's resourceVersion, etcd's progress notification). A caller that
        watches again from there is not expired by a compaction of revisions that held only
        other kinds. `kinds` may be a function of that revision (the control plane's poll: the
        kinds of the registry as of the events read, see registry_through)."""
        out: builtins.list[WatchEvent] = []
        events = self.store.events(after_revision + 1, "/registry/", limit=limit)
        progress = events[-1].revision if events else after_revision
        if self._registry_through >= after_revision and not any(
            ev.key.startswith(_CRD_PREFIX) for ev in events
        ):
            self._registry_through = max(self._registry_through, progress)
        if callable(kinds):
            kinds = kinds(progress)
        by_prefix = {k.prefix(): k for k in kinds}
        for ev in events:
            kind = _kind_of_key(ev.key, by_prefix)
            if kind is None:
                continue
            obj = load_stored(ev.value, ev.key, ev.revision, self.store)
            obj["metadata"]["resourceVersion"] = str(ev.revision)
            if ev.type == "DELETE":
                etype = "DELETED"
            else:
                etype = "ADDED" if ev.version == 1 else "MODIFIED"
            out.append(WatchEvent(etype, kind, obj, ev.revision, ev.key))
        return out, progress

    # ----------------------------------------------------------------------------- writes
    def create(
        self,
        obj: dict[str, Any],
        *,
        actor: str = "user",
        dry_run: bool = False,
        verb: str = "create",
        journal_data: dict[str, Any] | None = None,
        decoded: bool = False,
        managed_fields: builtins.list[dict[str, Any]] | None = None,
    ) -> WriteResult:
        """POST. `decoded`: the caller already ran the decoder's checks on this body (apply
        checks the manifest before it diffs it). `managed_fields`: the field manager's record
        of a server-side apply (any other create starts without one, as kubesim tracks no
        other operation's fields)."""
        kind = self.kind_for(obj)
        try:
            return self._create(
                kind, obj, actor, dry_run, verb, journal_data, decoded, managed_fields
            )
        except ApiError as e:
            if not dry_run:
                md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
                name = str(md.get("name") or md.get("generateName") or "")
                ns = (md.get("namespace") or "default") if kind.namespaced else None
                self.reject(e, actor, verb, kind, kind.key(ns, name), journal_data)
            raise

    def _create(
        self,
        kind: Kind,
        obj: dict[str, Any],
        actor: str,
        dry_run: bool,
        verb: str,
        journal_data: dict[str, Any] | None,
        decoded: bool,
        managed_fields: builtins.list[dict[str, Any]] | None = None,
    ) -> WriteResult:
        obj = deepcopy(obj)
        md = obj.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise BadRequest(
                f'{kind.kind} in version "{kind.version}" cannot be handled as a '
                f"{kind.kind}: json: cannot unmarshal into Go struct field "
                f"{kind.kind}.metadata of type v1.ObjectMeta"
            )
        if md.get("resourceVersion"):
            raise BadRequest("resourceVersion should not be set on objects to be created")
        strategy.prepare_for_create(kind, obj, new_uid(self.rng), self.clock(), decoded)
        if managed_fields is not None:
            md["managedFields"] = managed_fields
        name = md.get("name") or ""
        ns = md.get("namespace")
        if not name and md.get("generateName"):
            name = md["name"] = generate_name(md["generateName"], self.rng)
        strategy.validate(kind, obj, None)
        if kind.namespaced:
            self.namespaces.admit(ns)
        if kind.kind == "Service":
            allocate_cluster_ip(self.store, obj, self.rng)
        key = kind.key(ns, name)
        if dry_run:
            existing = self.store.get(key)
            if existing:
                raise self._already_exists(kind, name, decode(existing, self.store))
            current = self.store.current_revision()
            obj["metadata"]["resourceVersion"] = str(current)
            return WriteResult(obj, current, False)
        for _ in range(MAX_CAS_RETRIES):
            entry = self.command_entry(actor, verb, kind, key, "created", obj, journal_data)
            data = encode(obj)
            result = self.store.txn([Put(key, data, 0)], [entry])
            if result.succeeded:
                if kind.plural != "events":  # kube-apiserver's watch cache skips Events too
                    self._written.written(key, data, result.revision, None)
                obj["metadata"]["resourceVersion"] = str(result.revision)
                return WriteResult(obj, result.revision, True)
            if not md.get("generateName") and result.current is not None:
                raise self._already_exists(kind, name, decode(result.current, self.store))
            # a generated name collided: pick another, as the apiserver retries generateName
            name = md["name"] = generate_name(md["generateName"], self.rng)
            key = kind.key(ns, name)
        raise self._already_exists(kind, name, obj)

    def update(
        self,
        obj: dict[str, Any],
        *,
        actor: str = "user",
        subresource: str | None = None,
        verb: str | None = None,
        journal_data: dict[str, Any] | None = None,
        outcome: str = "configured",
    ) -> WriteResult:
        """PUT: replace the object (or its status with subresource="status").

        A resourceVersion in the body pins the write: a stale one is a 409 Conflict. Without one
        the update is unconditional, as for Deployments, ReplicaSets and Pods.
        """
        kind = self.kind_for(obj)
        md = obj.get("metadata") or {}
        name, ns = md.get("name", ""), md.get("namespace")
        pinned = (
            _pinned_version(kind, name, md["resourceVersion"])
            if md.get("resourceVersion")
            else None
        )

        def mutate(live: dict[str, Any]) -> dict[str, Any]:
            return deepcopy(obj)

        return self.guaranteed_update(
            kind,
            ns,
            name,
            mutate,
            actor=actor,
            subresource=subresource,
            verb=verb or ("update-status" if subresource == "status" else "update"),
            pinned_revision=pinned,
            journal_data=journal_data,
            outcome=outcome,
        )

    def update_status(self, obj: dict[str, Any], *, actor: str = "user") -> WriteResult:
        return self.update(obj, actor=actor, subresource="status")

    def guaranteed_update(
        self,
        kind: Kind,
        namespace: str | None,
        name: str,
        mutate: Callable[[dict[str, Any]], dict[str, Any] | None],
        *,
        actor: str,
        verb: str,
        subresource: str | None = None,
        pinned_revision: int | None = None,
        journal_data: dict[str, Any] | None = None,
        outcome: str = "configured",
    ) -> WriteResult:
        """Read, mutate, validate, compare-and-swap; re-read and retry when another writer won.

        `mutate(live_copy)` returns the desired object (or None for "nothing to do"). A write
        that changes nothing stores nothing: no revision, no event (the journal still records
        the command, as unchanged).

        The read is skipped when this API server holds the object as it last wrote or read it
        (api/writecache.py, kube-apiserver's cachedExistingObject): the compare-and-swap on that
        copy's mod revision fails if it is stale, and returns the current value to start again
        from. A decision taken on the copy without writing (a precondition or the update failed,
        nothing changed) is taken again on a fresh read unless the copy was current.
        """
        key = kind.key(namespace, name)
        if pinned_revision is not None:  # the request carried a resourceVersion: journal it
            journal_data = {**(journal_data or {}), "resourceVersion": str(pinned_revision)}
        retry = CasRetry()
        try:
            kv = self._written.get(key)
            current = kv is None  # a cached copy is a suggestion until a compare confirms it
            if current:
                kv = self._read(key)
            while True:
                if kv is None:
                    raise self.not_found(kind, name)
                try:
                    if pinned_revision is not None and pinned_revision != kv.mod_revision:
                        raise self.conflict(kind, name)
                    old = decode(kv, self.store)
                    desired = mutate(decode(kv, self.store))
                    new = (
                        None
                        if desired is None
                        else strategy.prepare_for_update(kind, desired, old, subresource)
                    )
                except ApiError:
                    if not current:  # taken on the copy: again on a fresh read, unless it was
                        fresh, current = self._read(key), True
                        if not _same(fresh, kv):
                            kv = fresh
                            continue
                    raise
                if new is not None and strategy.should_delete_during_update(new, old):
                    done = self._finalize(kind, key, new, kv, actor, verb, journal_data)
                    if done is not None:
                        self._written.forget(key)
                        return done
                    if current:
                        retry.lost()
                    kv, current = self._read(key), True
                    continue
                data = None if new is None else encode(new)
                if new is None or data == kv.value:  # nothing to write
                    if not current:
                        fresh, current = self._read(key), True
                        if not _same(fresh, kv):
                            kv = fresh
                            continue
                    if new is None:
                        return WriteResult(old, kv.mod_revision, False)
                    entry = self.command_entry(
                        actor, verb, kind, key, "unchanged", new, journal_data, kv.mod_revision
                    )
                    self.store.append_journal([entry])
                    return WriteResult(old, kv.mod_revision, False)
                assert data is not None
                entry = self.command_entry(actor, verb, kind, key, outcome, new, journal_data)
                result = self.store.txn([Put(key, data, kv.mod_revision)], [entry])
                if result.succeeded:
                    self._written.written(key, data, result.revision, kv)
                    new["metadata"]["resourceVersion"] = str(result.revision)
                    return WriteResult(new, result.revision, True)
                # another writer won (or the copy was stale): its value came back with the failed
                # compare (None: deleted)
                if current:
                    retry.lost()
                kv, current = self._remember(key, result.current), True
        except ApiError as e:
            self.reject(e, actor, verb, kind, key, journal_data)
            raise

    def _read(self, key: str) -> KeyValue | None:
        """The key's value now, kept as this API server's copy."""
        return self._remember(key, self.store.get(key))

    def _remember(self, key: str, kv: KeyValue | None) -> KeyValue | None:
        if kv is None:
            self._written.forget(key)
        else:
            self._written.put(kv)
        return kv

    def _finalize(self, kind, key, obj, kv, actor, verb, journal_data) -> WriteResult | None:
        """The last finalizer of a deleting object was removed: the object goes away. None if
        another writer changed it first (the caller reads it again and retries)."""
        entry = self.command_entry(actor, verb, kind, key, "deleted", obj, journal_data)
        result = self.store.txn([Delete(key, kv.mod_revision)], [entry])
        if not result.succeeded:
            return None
        return WriteResult(obj, result.revision, True)

    # ----------------------------------------------------------------------------- helpers
    def _already_exists(self, kind: Kind, name: str, existing: dict[str, Any]) -> AlreadyExists:
        prefix = (
            "object is being deleted: " if existing["metadata"].get("deletionTimestamp") else ""
        )
        return AlreadyExists(
            f'{prefix}{kind.group_resource} "{name}" already exists', details=_details(kind, name)
        )

    @staticmethod
    def not_found(kind: Kind, name: str) -> NotFound:
        return NotFound(f'{kind.group_resource} "{name}" not found', details=_details(kind, name))

    @staticmethod
    def conflict(kind: Kind, name: str) -> Conflict:
        return Conflict(
            f'Operation cannot be fulfilled on {kind.group_resource} "{name}": the object has '
            "been modified; please apply your changes to the latest version and try again",
            details=_details(kind, name),
        )

    def command_entry(
        self,
        actor: str,
        verb: str,
        kind: Kind,
        key: str,
        outcome: str,
        obj: dict[str, Any],
        data: dict[str, Any] | None = None,
        revision: int = 0,
    ) -> JournalEntry:
        """The journal entry of a command on `obj`. A write's entry gets its revision from the
        store's txn; one that wrote nothing (unchanged) passes the revision it read."""
        md = obj.get("metadata") or {}
        info = {"kind": kind.kind, "name": md.get("name", ""), "namespace": md.get("namespace")}
        if data:
            info.update(data)
        return JournalEntry("command", actor, verb, key, outcome, revision, self.clock(), info)

    def journal_command(
        self, actor: str, verb: str, target: str, outcome: str, data: dict[str, Any] | None = None
    ) -> None:
        """Record a command that wrote nothing (rejected, unchanged, dry run)."""
        self.store.append_journal(
            [
                JournalEntry(
                    "command",
                    actor,
                    verb,
                    target,
                    outcome,
                    self.store.current_revision(),
                    self.clock(),
                    data,
                )
            ]
        )

    def journal_read(
        self, actor: str, verb: str, target: str, revision: int, data: dict[str, Any] | None = None
    ) -> None:
        """Record a read of the past (time travel: `get --at-revision`, `replay`): the journal's
        `read` entries. It writes nothing else and takes no revision. Reads of the present are
        not recorded."""
        self.store.append_journal(
            [JournalEntry("read", actor, verb, target, "read", revision, self.clock(), data)]
        )

    def reject(
        self,
        error: ApiError,
        actor: str,
        verb: str,
        kind: Kind,
        key: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Journal a command the API refused ("conflict" for a 409 Conflict, else "rejected"), at
        the current revision: a refused command takes none. Marks the error `journaled`."""
        if getattr(error, "journaled", False):
            return
        error.journaled = True  # type: ignore[attr-defined]
        ns_name = key.rsplit("/", 2)[-2:] if kind.namespaced else [None, key.rsplit("/", 1)[-1]]
        info = {
            "kind": kind.kind,
            "name": ns_name[1],
            "namespace": ns_name[0],
            "reason": error.reason,
            "message": error.message,
            **(data or {}),
        }
        outcome = "conflict" if isinstance(error, Conflict) else "rejected"
        self.journal_command(actor, verb, key, outcome, info)

    def _bootstrap(self) -> None:
        ops, entries = [], []
        for obj in initial_objects():
            kind = self.kind_for(obj)
            strategy.prepare_for_create(kind, obj, new_uid(self.rng), self.clock())
            md = obj["metadata"]
            key = kind.key(md.get("namespace"), md["name"])
            ops.append(Put(key, encode(obj), 0))
            entries.append(
                self.command_entry("kube-apiserver", "create", kind, key, "created", obj)
            )
        self.store.txn(ops, entries)


def _same(fresh: KeyValue | None, kv: KeyValue) -> bool:
    """A fresh read finds the key at the revision of the copy `kv`: the copy was current."""
    return fresh is not None and fresh.mod_revision == kv.mod_revision


def _details(kind: Kind, name: str) -> dict[str, Any]:
    """The `details` of a Status error about one object."""
    return {"name": name, "group": kind.group, "kind": kind.plural}


def _kind_of_key(key: str, by_prefix: dict[str, Kind]) -> Kind | None:
    for prefix, kind in by_prefix.items():
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            if rest.count("/") == (1 if kind.namespaced else 0):
                return kind
    return None


def _pinned_version(kind: Kind, name: str, text: Any) -> int:
    """A resourceVersion in an update's body, parsed as the storage versioner does
    (strconv.ParseUint; a bad one is a 422 on metadata.resourceVersion)."""
    from kubesim.api.validation.field import invalid

    text = str(text)
    digits = text.isascii() and text.isdigit()
    if digits and len(text.lstrip("0")) <= 20 and int(text) < 2**64:
        return int(text)
    reason = "value out of range" if digits else "invalid syntax"
    detail = f'strconv.ParseUint: parsing "{text}": {reason}'
    raise Invalid(kind.kind, name, [invalid("metadata.resourceVersion", text, detail)], kind.group)
