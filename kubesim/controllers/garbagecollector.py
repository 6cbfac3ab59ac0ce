"""The garbage collector (`kube-controller-manager/garbagecollector`): cascading deletion
through ownerReferences.

Its projection is the kinds that own or are owned in kubesim: Deployment, ReplicaSet, Pod,
Service and ConfigMap by default (`GarbageCollector(kinds=[...])` adds custom resources). The
ownership graph (owner uid -> dependents) is read from those caches: a `uid` index finds an
owner, the cache's by_owner index finds its dependents. One workqueue key per object,
`<Kind>/<namespace>/<name>`, and one level-driven reconcile that does what the real GC's
attemptToDelete and attemptToOrphan workers do (k8s pkg/controller/garbagecollector/
garbagecollector.go, graph_builder.go):

- owner being deleted with the `orphan` finalizer: remove its ownerReference from every
  dependent, then remove the finalizer (the API then deletes the owner);
- owner being deleted with `foregroundDeletion`: its dependents are queued; once no dependent
  with `blockOwnerDeletion: true` is left, remove the finalizer (the API deletes the owner);
- a dependent whose owners are all gone (or waiting for their dependents) is deleted: with
  Foreground if it has dependents of its own and an owner waits on it (so the cascade goes
  down), else with the policy its own finalizers ask for, else Background. An owner that is
  gone is only dropped from the ownerReferences of a dependent that has a live owner left.

The GC is the one controller that reads the API server directly: before acting on a dependent
it GETs it and each of its owners (a quorum read, checking the uid), as attemptToDeleteItem
does, because acting on a stale cache here would delete live objects. `live_gets` counts them;
owners found absent are remembered (uids are never reused), as the real absentOwnerCache does.

Triggers (the graph builder's): an object deleted queues its dependents and any owner waiting
for it; an object that starts foreground or orphan deletion queues itself (and, foreground, its
dependents); an object added (or whose ownerReferences change) with an owner not in the graph
is queued so the live GET can decide. Deviations: owners of kinds outside the projection are
checked only on those triggers (their deletion is not watched); an ownerReference whose kind
kubesim does not know is treated as a live owner (never delete on doubt) rather than retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from kubesim.client.informer import DeletedFinalStateUnknown, Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec, split_key
from kubesim.model.errors import KubesimError, NotFound
from kubesim.model.kinds import Kind
from kubesim.model.objects import cache_key, deepcopy, uid_of

Object = dict[str, Any]

#: the finalizers the API server adds for Foreground and Orphan deletion (metav1)
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"

#: owners before their usual dependents, so a (re)list finds most owners already in the graph
DEFAULT_KINDS = ("Deployment", "ReplicaSet", "Pod", "Service", "ConfigMap")
UID_INDEX = "uid"
#: garbagecollector.go: absentOwnerCache = NewReferenceCache(500)
ABSENT_OWNER_CACHE_SIZE = 500


def _uid_index(obj: Object) -> list[str]:
    uid = uid_of(obj)
    return [uid] if uid else []


def _refs(obj: Object | None) -> list[dict[str, Any]]:
    if obj is None:
        return []
    return (obj.get("metadata") or {}).get("ownerReferences") or []


def _finalizers(obj: Object) -> list[str]:
    return (obj.get("metadata") or {}).get("finalizers") or []


def _deleting(obj: Object) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def deleting_dependents(obj: Object) -> bool:
    """Foreground deletion in progress: the owner waits for its blocking dependents."""
    return _deleting(obj) and FOREGROUND in _finalizers(obj)


def orphaning(obj: Object) -> bool:
    return _deleting(obj) and ORPHAN in _finalizers(obj)


def _blocks(dependent: Object, owner_uid: str) -> bool:
    return any(r.get("uid") == owner_uid and r.get("blockOwnerDeletion") for r in _refs(dependent))


class GarbageCollector(Controller):
    name = "garbagecollector"
    component = "garbage-collector-controller"
    workers = 20  # --concurrent-gc-syncs

    def __init__(self, kinds: Iterable[str] | None = None) -> None:
        self.kinds = list(kinds) if kinds is not None else list(DEFAULT_KINDS)
        #: live GETs against the API server (the GC's quorum reads)
        self.live_gets = 0
        self._absent: dict[str, None] = {}

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec(kind, indexers={UID_INDEX: _uid_index}) for kind in self.kinds]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        for kind in self.kinds:
            ctx.handle(
                kind,
                Handler(
                    on_add=partial(self._changed, kind, None),
                    on_update=partial(self._changed, kind),
                    on_delete=partial(self._deleted, kind),
                ),
            )

    # ----------------------------------------------------------------------------- graph
    def _key(self, kind: str, obj: Object) -> str:
        return f"{kind}/{cache_key(obj)}"

    def _find(self, uid: str) -> tuple[str, Object] | None:
        """The object with this uid in the graph (any of the GC's caches), if any."""
        for kind in self.kinds:
            found = self.ctx.lister(kind).by_index(UID_INDEX, uid)
            if found:
                return kind, found[0]
        return None

    def _dependents(self, uid: str) -> list[tuple[str, Object]]:
        out = []
        for kind in sorted(self.kinds):
            deps = self.ctx.lister(kind).by_owner(uid)
            out += [(kind, d) for d in sorted(deps, key=cache_key)]
        return out

    # ----------------------------------------------------------------------------- events
    def _changed(self, kind: str, old: Object | None, new: Object) -> None:
        for flag in (deleting_dependents, orphaning):
            if flag(new) and (old is None or not flag(old)):
                self.ctx.enqueue(self._key(kind, new))
                if flag is deleting_dependents:
                    for dep_kind, dep in self._dependents(uid_of(new)):
                        self.ctx.enqueue(self._key(dep_kind, dep))
        old_refs, new_refs = _refs(old), _refs(new)
        if old is not None and old_refs == new_refs:
            return
        if any(self._find(r.get("uid", "")) is None for r in new_refs):
            self.ctx.enqueue(self._key(kind, new))
        if old is not None:  # a waiting owner may have lost a blocking dependent
            self._enqueue_waiting_owners(old_refs + new_refs)

    def _deleted(self, kind: str, obj: Object | DeletedFinalStateUnknown) -> None:
        obj = object_of(obj)
        for dep_kind, dep in self._dependents(uid_of(obj)):
            self.ctx.enqueue(self._key(dep_kind, dep))
        self._enqueue_waiting_owners(_refs(obj))

    def _enqueue_waiting_owners(self, refs: list[dict[str, Any]]) -> None:
        for uid in sorted({r.get("uid", "") for r in refs}):
            found = self._find(uid)
            if found and deleting_dependents(found[1]):
                self.ctx.enqueue(self._key(*found))

    # ----------------------------------------------------------------------------- reconcile
    def reconcile(self, key: str) -> float | None:
        kind_name, rest = key.split("/", 1)
        namespace, name = split_key(rest)
        obj = self.ctx.lister(kind_name).get(namespace, name)
        if obj is None:
            return None  # gone: its deletion queued its dependents
        try:
            kind = self.ctx.kinds(kind_name)
        except KubesimError:
            return None  # a custom resource whose CRD is gone: nothing left to collect
        if orphaning(obj):
            self._orphan_dependents(kind, obj)
        elif deleting_dependents(obj):
            self._process_deleting_dependents(kind, obj)
        elif not _deleting(obj) and _refs(obj):
            self._attempt_to_delete(kind, obj)
        return None

    def _orphan_dependents(self, kind: Kind, owner: Object) -> None:
        uid = uid_of(owner)
        for dep_kind, dep in self._dependents(uid):
            self._remove_refs(self.ctx.kinds(dep_kind), dep, {uid})
        self._remove_finalizer(kind, owner, ORPHAN)

    def _process_deleting_dependents(self, kind: Kind, owner: Object) -> None:
        uid = uid_of(owner)
        blocking = [(k, d) for k, d in self._dependents(uid) if _blocks(d, uid)]
        if not blocking:
            self._remove_finalizer(kind, owner, FOREGROUND)
            return
        for dep_kind, dep in blocking:
            if not deleting_dependents(dep):
                self.ctx.enqueue(self._key(dep_kind, dep))

    def _attempt_to_delete(self, kind: Kind, item: Object) -> None:
        md = item["metadata"]
        namespace, name = md.get("namespace"), md["name"]
        latest = self._live_get(kind, namespace, name)
        if latest is None or uid_of(latest) != uid_of(item) or _deleting(latest):
            return
        solid, dangling, waiting = self._classify(latest)
        if solid:
            if dangling or waiting:
                gone = {r["uid"] for r in dangling + waiting}
                self._remove_refs(kind, latest, gone)
            return
        if waiting and self._dependents(uid_of(latest)):
            if any(deleting_dependents(d) for _, d in self._dependents(uid_of(latest))):
                self._unblock(kind, latest, {r["uid"] for r in waiting})  # avoid a cycle
            self._delete(kind, namespace, name, "Foreground")
            return
        finalizers = _finalizers(latest)
        policy = (
            "Orphan"
            if ORPHAN in finalizers
            else ("Foreground" if FOREGROUND in finalizers else "Background")
        )
        self._delete(kind, namespace, name, policy)

    def _classify(self, item: Object) -> tuple[list, list, list]:
        """Its ownerReferences as solid (owner live), dangling (owner gone) and waiting (owner
        deleting its dependents in the foreground)."""
        solid, dangling, waiting = [], [], []
        namespace = item["metadata"].get("namespace")
        for ref in _refs(item):
            try:
                owner_kind = self.ctx.kinds(ref.get("kind", ""))
            except KubesimError:
                solid.append(ref)  # unknown to kubesim: never delete on doubt
                continue
            if owner_kind.namespaced and not namespace:
                solid.append(ref)  # a namespaced owner of a cluster-scoped object: invalid
                continue
            owner = self._owner(owner_kind, namespace if owner_kind.namespaced else None, ref)
            if owner is None:
                dangling.append(ref)
            elif deleting_dependents(owner):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    def _owner(self, kind: Kind, namespace: str | None, ref: dict[str, Any]) -> Object | None:
        uid = ref.get("uid", "")
        if uid in self._absent:
            return None
        owner = self._live_get(kind, namespace, ref.get("name", ""))
        if owner is None or uid_of(owner) != uid:
            self._absent[uid] = None
            if len(self._absent) > ABSENT_OWNER_CACHE_SIZE:
                del self._absent[next(iter(self._absent))]
            return None
        return owner

    # ----------------------------------------------------------------------------- I/O
    def _live_get(self, kind: Kind, namespace: str | None, name: str) -> Object | None:
        """The GC's quorum read: the one read a controller makes past its informers."""
        self.live_gets += 1
        return self.ctx.client.get(kind, namespace, name)

    def _delete(self, kind: Kind, namespace: str | None, name: str, policy: str) -> None:
        try:
            self.ctx.client.delete(kind, namespace, name, propagation=policy)
        except NotFound:
            pass

    def _patch(self, kind: Kind, obj: Object, change: Any) -> None:
        """PATCH the live object (uid-checked); `change(copy)` returns False for no change."""
        uid = uid_of(obj)
        md = obj["metadata"]

        def mutate(live: Object) -> Object | None:
            if uid_of(live) != uid:
                return None
            return live if change(live) else None

        try:
            self.ctx.client.patch(kind, md.get("namespace"), md["name"], mutate)
        except NotFound:
            pass

    def _remove_refs(self, kind: Kind, obj: Object, uids: set[str]) -> None:
        def change(live: Object) -> bool:
            refs = _refs(live)
            kept = [r for r in refs if r.get("uid") not in uids]
            if len(kept) == len(refs):
                return False
            if kept:
                live["metadata"]["ownerReferences"] = kept
            else:
                live["metadata"].pop("ownerReferences", None)
            return True

        self._patch(kind, obj, change)

    def _unblock(self, kind: Kind, obj: Object, uids: set[str]) -> None:
        def change(live: Object) -> bool:
            refs = deepcopy(_refs(live))
            for ref in refs:
                if ref.get("uid") in uids:
                    ref["blockOwnerDeletion"] = False
            live["metadata"]["ownerReferences"] = refs
            return True

        self._patch(kind, obj, change)

    def _remove_finalizer(self, kind: Kind, obj: Object, finalizer: str) -> None:
        def change(live: Object) -> bool:
            finalizers = _finalizers(live)
            if finalizer not in finalizers:
                return False
            kept = [f for f in finalizers if f != finalizer]
            if kept:
                live["metadata"]["finalizers"] = kept
            else:
                live["metadata"].pop("finalizers", None)
            return True

        self._patch(kind, obj, change)
