"""What the API server does to an object before storing it: kube-apiserver's registry strategies.

- `prepare_for_create`: decode checks, defaulting, the system fields (uid, creationTimestamp,
  generation 1), and the status a new object starts with (a Pod is Pending with its QoS class);
- `prepare_for_update`: decode checks, the fields an update may not change (uid, name, the
  deletion fields), each endpoint changing only its half (the main resource keeps the stored
  status, /status keeps the stored spec), defaulting, the generation bump (Deployment: spec or
  annotations; ReplicaSet: spec; custom resources: all but metadata and status), validation;
- `validate`: the per-kind validation, as one Invalid error;
- `should_delete_during_update`: the last finalizer of a deleting object is gone.

Pure functions of the objects (uid and time are passed in). Called by api/server.py.
"""

from __future__ import annotations

from typing import Any

from kubesim.model.errors import FieldError, Invalid
from kubesim.model.kinds import Kind
from kubesim.model.objects import format_timestamp

#: kinds whose status may be set on create (the others start with none, or with the system's)
_STATUS_ON_CREATE = ("Namespace", "Service", "Node", "CustomResourceDefinition")


def prepare_for_create(
    kind: Kind, obj: dict[str, Any], uid: str, now: float, decoded: bool = False
) -> None:
    """Decode checks (unless `decoded`), defaulting and the system fields of a create."""
    from kubesim.api import crd as crds
    from kubesim.api import validation
    from kubesim.api.defaults import apply_defaults

    if not decoded:
        validation.check_types(kind, obj)
    md = obj["metadata"]
    if kind.namespaced:
        md.setdefault("namespace", "default")
    else:
        md.pop("namespace", None)  # rest.BeforeCreate clears it for cluster-scoped kinds
    if kind.is_custom:
        crds.apply_schema_defaults(kind, obj)
    else:
        apply_defaults(kind, obj)
    for field in (
        "uid",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
    ):
        md.pop(field, None)
    md["uid"] = uid
    md["creationTimestamp"] = format_timestamp(now)
    if kind.has_generation:
        md["generation"] = 1
    if kind.status_subresource and kind.kind not in _STATUS_ON_CREATE:
        obj.pop("status", None)
    if kind.kind == "Namespace":
        obj["status"] = {"phase": "Active"}
    if kind.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
    if kind.kind == "CustomResourceDefinition":
        crds.set_established(obj, now)


def prepare_for_update(
    kind: Kind, new: dict[str, Any], old: dict[str, Any], subresource: str | None
) -> dict[str, Any]:
    """The object an update stores, from the desired `new` and the stored `old`."""
    from kubesim.api import crd as crds
    from kubesim.api import validation
    from kubesim.api.defaults import apply_defaults

    if subresource == "status":
        # a status write keeps the stored spec (checked when it was written): decode the rest
        validation.check_types(kind, {k: v for k, v in new.items() if k != "spec"})
    else:
        validation.check_types(kind, new)
    new.setdefault("metadata", {})
    new_md, old_md = new["metadata"], old["metadata"]
    if new_md.get("uid") and old_md.get("uid") and new_md["uid"] != old_md["uid"]:
        # rest.BeforeUpdate keeps the stored uid only when the body has none; a different one
        # fails ValidateObjectMetaUpdate (a saved copy of a deleted and recreated object)
        from kubesim.api.validation.field import IMMUTABLE, invalid

        error = invalid("metadata.uid", new_md["uid"], IMMUTABLE)
        raise Invalid(kind.kind, old_md.get("name", ""), [error], kind.group)
    for field in ("uid", "creationTimestamp", "namespace", "name"):
        if old_md.get(field) is not None:
            new_md[field] = old_md[field]
    if not kind.namespaced:
        new_md.pop("namespace", None)  # rest.BeforeUpdate, as on create
    for field in ("deletionTimestamp", "deletionGracePeriodSeconds"):
        if old_md.get(field) is not None:
            new_md[field] = old_md[field]
        else:
            new_md.pop(field, None)
    new_md.pop("resourceVersion", None)
    if old_md.get("deletionTimestamp"):
        _refuse_new_finalizers(kind, new_md, old_md)
    if kind.status_subresource and subresource != "binding":
        _keep_other_half(kind, new, old, subresource)
    if kind.is_custom:
        crds.apply_schema_defaults(kind, new)
    else:
        apply_defaults(kind, new)
    if kind.has_generation:
        new_md["generation"] = old_md.get("generation", 1)
        # a status write never bumps it, even when it changes annotations (the
        # Deployment controller writes its revision annotation through /status)
        if subresource != "status" and _generation_changes(kind, new, old):
            new_md["generation"] += 1
    if subresource == "status":
        errors = validation.validate_status(kind, new)
        if errors:
            raise Invalid(kind.kind, old_md["name"], errors, kind.group)
    elif subresource != "binding":
        validate(kind, new, old)
    return new


def validate(kind: Kind, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Raise Invalid with every field error of a create (old None) or an update."""
    from kubesim.api import validation

    if old is None:
        errors = validation.validate_create(kind, obj)
    else:
        errors = validation.validate_update(kind, obj, old)
    if errors:
        name = obj["metadata"].get("name") or obj["metadata"].get("generateName") or ""
        raise Invalid(kind.kind, name, errors, kind.group)


def _refuse_new_finalizers(kind: Kind, new_md: dict[str, Any], old_md: dict[str, Any]) -> None:
    added = set(new_md.get("finalizers") or []) - set(old_md.get("finalizers") or [])
    if added:
        detail = (
            "no new finalizers can be added if the object is being deleted, "
            f"found new finalizers {sorted(added)!r}".replace("'", '"')
        )
        error = FieldError("Forbidden", "metadata.finalizers", detail=detail)
        raise Invalid(kind.kind, old_md["name"], [error], kind.group)


def _keep_other_half(
    kind: Kind, new: dict[str, Any], old: dict[str, Any], subresource: str | None
) -> None:
    """The main resource cannot change status; /status cannot change spec (nor, for a
    Deployment, its labels)."""
    if subresource == "status":
        if "spec" in old:
            new["spec"] = old["spec"]
        else:
            new.pop("spec", None)
        if kind.kind == "Deployment":
            labels = old["metadata"].get("labels")
            if labels is None:
                new["metadata"].pop("labels", None)
            else:
                new["metadata"]["labels"] = labels
    elif "status" in old:
        new["status"] = old["status"]
    else:
        new.pop("status", None)


def qos_class(pod: dict[str, Any]) -> str:
    """The pod's QoS class, as the pod registry sets it on create (qos.GetPodQOS)."""
    containers = (pod.get("spec") or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        for name in ("cpu", "memory"):
            if name not in limits or str(requests.get(name, limits[name])) != str(limits[name]):
                return "Burstable"
    return "Guaranteed"


def should_delete_during_update(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """An update removed the last finalizer of a deleting object with no grace period left:
    the apiserver deletes it (store.go ShouldDeleteDuringUpdate). A Namespace also waits for
    its spec.finalizers (`kubernetes`: the namespace controller's)."""
    md = new["metadata"]
    pending = md.get("finalizers") or (new.get("spec") or {}).get("finalizers")
    had = old["metadata"].get("finalizers") or (old.get("spec") or {}).get("finalizers")
    return bool(
        md.get("deletionTimestamp")
        and not pending
        and had
        and not md.get("deletionGracePeriodSeconds")
    )


def _generation_changes(kind: Kind, new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Deployment: spec or annotations; ReplicaSet: spec; custom resources: all but metadata
    and status (k8s-semantics.md section 2)."""
    if kind.is_custom:
        strip = lambda o: {k: v for k, v in o.items() if k not in ("metadata", "status")}  # noqa: E731
        return strip(new) != strip(old)
    if new.get("spec") != old.get("spec"):
        return True
    if kind.kind == "Deployment":
        return (new["metadata"].get("annotations") or {}) != (
            old["metadata"].get("annotations") or {}
        )
    return False
