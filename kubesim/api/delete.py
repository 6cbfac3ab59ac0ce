"""DELETE as kube-apiserver performs it: graceful pod deletion, finalizers, propagation policy.

- The policy is the request's propagationPolicy, else the finalizers already on the object, else
  Background (the default for apps/v1 and core kinds).
- Foreground adds the `foregroundDeletion` finalizer, Orphan adds `orphan`: the object stays,
  with deletionTimestamp set, until the garbage collector removes the finalizer.
- A bound, non-terminal Pod is deleted gracefully: deletionTimestamp = now + grace period
  (request, else spec.terminationGracePeriodSeconds); its kubelet removes it with grace 0.
- Otherwise the object is removed at once; its dependents are left to the garbage collector.
- Deleting a CRD removes its custom resources with it; a Namespace turns Terminating, and the
  namespace controller empties it and then finalizes it.

Called by the CLI (`kubesim delete`), the garbage collector and the kubelets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.api.retry import CasRetry
from kubesim.api.server import NAMESPACE, ApiServer, decode, encode
from kubesim.model.errors import ApiError, BadRequest
from kubesim.model.kinds import Kind
from kubesim.model.objects import format_timestamp
from kubesim.store.base import Delete, KeyValue, Put

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
POLICIES = ("Background", "Foreground", "Orphan")


@dataclass
class DeleteResult:
    obj: dict[str, Any]
    revision: int
    #: True when the object is gone; False when it waits (finalizers, graceful termination)
    removed: bool
    #: why it is still there: "finalizers", "graceful", "namespace-content" or ""
    pending: str = ""


def delete(
    api: ApiServer,
    kind: Kind,
    namespace: str | None,
    name: str,
    *,
    actor: str = "user",
    propagation: str | None = None,
    grace_period: int | None = None,
    dry_run: bool = False,
) -> DeleteResult:
    key = kind.key(namespace, name)
    try:
        return _delete(api, kind, key, name, actor, propagation, grace_period, dry_run)
    except ApiError as e:
        if not dry_run:
            api.reject(e, actor, "delete", kind, key, {"propagationPolicy": propagation})
        raise


def _delete(
    api: ApiServer,
    kind: Kind,
    key: str,
    name: str,
    actor: str,
    propagation: str | None,
    grace_period: int | None,
    dry_run: bool,
) -> DeleteResult:
    if propagation is not None and propagation not in POLICIES:
        raise BadRequest(
            f'invalid propagationPolicy "{propagation}": must be one of ' + ", ".join(POLICIES)
        )
    retry = CasRetry()  # a delete carries no precondition: it never surfaces a 409 Conflict
    while True:
        kv = api.store.get(key)
        if kv is None:
            raise api.not_found(kind, name)
        obj = decode(kv, api.store)
        md = obj["metadata"]
        if dry_run:
            return DeleteResult(obj, kv.mod_revision, True)
        existing = md.get("finalizers") or []
        policy = propagation or _policy_from_finalizers(existing)
        grace = _grace_period(kind, obj, grace_period)
        finalizers = _finalizers_for(existing, propagation)
        if kind.kind == "Namespace":
            done = _delete_namespace(api, obj, kv, actor)
            if done is not None:
                return done
            retry.lost()
            continue
        if md.get("deletionTimestamp"):
            if grace == 0 and kind.kind == "Pod" and not finalizers:
                pass  # force: fall through to the immediate delete
            elif finalizers == existing:
                return DeleteResult(obj, kv.mod_revision, False, _pending(obj))
        if finalizers or grace:
            md.setdefault("deletionTimestamp", format_timestamp(api.clock() + grace))
            md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                md["finalizers"] = finalizers
            if kind.has_generation:
                md["generation"] = md.get("generation", 1) + 1
            data = {"propagationPolicy": policy, "gracePeriodSeconds": grace}
            marked = _mark_deleting(api, kind, kv, obj, actor, data, _pending(obj))
            if marked is not None:
                return marked
            retry.lost()
            continue
        ops: list[Put | Delete] = [Delete(key, kv.mod_revision)]
        if kind.kind == "CustomResourceDefinition":
            ops += _custom_resources_of(api, obj)
        entry = api.command_entry(
            actor, "delete", kind, key, "deleted", obj, {"propagationPolicy": policy}
        )
        result = api.store.txn(ops, [entry])
        if result.succeeded:
            return DeleteResult(obj, result.revision, True)
        retry.lost()


def _mark_deleting(
    api: ApiServer,
    kind: Kind,
    kv: KeyValue,
    obj: dict[str, Any],
    actor: str,
    data: dict[str, Any],
    pending: str,
) -> DeleteResult | None:
    """Store the object with its deletionTimestamp set; None if another writer came first."""
    entry = api.command_entry(actor, "delete", kind, kv.key, "deleting", obj, data)
    result = api.store.txn([Put(kv.key, encode(obj), kv.mod_revision)], [entry])
    if not result.succeeded:
        return None
    obj["metadata"]["resourceVersion"] = str(result.revision)
    return DeleteResult(obj, result.revision, False, pending)


def _policy_from_finalizers(finalizers: list[str]) -> str:
    if ORPHAN in finalizers:
        return "Orphan"
    if FOREGROUND in finalizers:
        return "Foreground"
    return "Background"


def _finalizers_for(existing: list[str], propagation: str | None) -> list[str]:
    finalizers = list(existing)
    if propagation == "Foreground":
        finalizers = [f for f in finalizers if f != ORPHAN]
        if FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
    elif propagation == "Orphan":
        finalizers = [f for f in finalizers if f != FOREGROUND]
        if ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
    elif propagation == "Background":
        finalizers = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    return finalizers


def _grace_period(kind: Kind, obj: dict[str, Any], requested: int | None) -> int:
    """Pods only: 0 when unscheduled or terminal (pod strategy CheckGracefulDelete)."""
    if kind.kind != "Pod":
        return 0
    if not obj.get("spec", {}).get("nodeName"):
        return 0
    if obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(0, requested)
    return int(obj.get("spec", {}).get("terminationGracePeriodSeconds", 30))


def _pending(obj: dict[str, Any]) -> str:
    return "finalizers" if obj["metadata"].get("finalizers") else "graceful"


def _custom_resources_of(api: ApiServer, crd: dict[str, Any]) -> list[Put | Delete]:
    from kubesim.api.crd import kinds_from_crd

    kvs, _ = api.store.range(kinds_from_crd(crd).prefix())  # where the API stores them
    return [Delete(kv.key, kv.mod_revision) for kv in kvs]


def _delete_namespace(
    api: ApiServer, ns: dict[str, Any], kv: KeyValue, actor: str
) -> DeleteResult | None:
    """A namespace always turns Terminating first; the namespace controller deletes what is in
    it, then removes the `kubernetes` finalizer from spec.finalizers, which removes it. None if
    another writer changed it first."""
    if ns["metadata"].get("deletionTimestamp"):
        return DeleteResult(ns, kv.mod_revision, False, "namespace-content")
    ns["metadata"]["deletionTimestamp"] = format_timestamp(api.clock())
    ns["metadata"]["deletionGracePeriodSeconds"] = 0
    ns.setdefault("status", {})["phase"] = "Terminating"
    api.namespaces.forget(ns["metadata"]["name"])  # admission must read it again
    return _mark_deleting(api, NAMESPACE, kv, ns, actor, {}, "namespace-content")
