"""What the API server checks before it stores an object: decoding type checks, then validation
on create, update and status writes, per kind, in the real validators' order and words.

Entry points (called by the API server, after `kubesim.api.defaults.apply_defaults`):
- `check_types(kind, obj)` raises BadRequest as the decoder would (wrong JSON types; unknown fields
  under kubectl's default fieldValidation=Strict).
- `validate_create(kind, obj)`, `validate_update(kind, obj, old)`, `validate_status(kind, obj)`
  return the field errors (empty when valid); the server raises `Invalid` with them.
The API server must set `metadata.namespace` (from the request) and resolve `generateName` into
`metadata.name` before validate_create, as the real registry does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubesim.api import crd as custom
from kubesim.api.validation import core, pods, workloads
from kubesim.api.validation.crd import validate_crd, validate_crd_update
from kubesim.api.validation.meta import validate_object_meta_update
from kubesim.api.validation.types import cannot_handle, check_builtin_types, strict_error
from kubesim.model.errors import FieldError
from kubesim.model.kinds import Kind

Obj = dict[str, Any]

_CREATE: dict[str, Callable[[Obj], list[FieldError]]] = {
    "Deployment": workloads.validate_deployment,
    "ReplicaSet": workloads.validate_replica_set,
    "Pod": pods.validate_pod,
    "Service": core.validate_service,
    "ConfigMap": core.validate_config_map,
    "Namespace": core.validate_namespace,
    "Node": core.validate_node,
    "Event": core.validate_event,
    "CustomResourceDefinition": validate_crd,
}

_UPDATE: dict[str, Callable[[Obj, Obj], list[FieldError]]] = {
    "Deployment": workloads.validate_deployment_update,
    "ReplicaSet": workloads.validate_replica_set_update,
    "Pod": pods.validate_pod_update,
    "Service": core.validate_service_update,
    "ConfigMap": core.validate_config_map_update,
    "Namespace": core.validate_namespace_update,
    "Node": core.validate_node_update,
    "CustomResourceDefinition": validate_crd_update,
}

_STATUS: dict[str, Callable[[Obj], list[FieldError]]] = {
    "Deployment": workloads.validate_deployment_status,
    "ReplicaSet": workloads.validate_replica_set_status,
}

POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


def check_types(kind: Kind, obj: Obj) -> None:
    """Raise BadRequest as the decoder would; custom resources: unknown fields only."""
    if kind.is_custom:
        unknown = custom.unknown_fields(kind, obj)
        if unknown:
            raise cannot_handle(kind, strict_error(unknown))
        return
    check_builtin_types(kind, obj)


def validate_create(kind: Kind, obj: Obj) -> list[FieldError]:
    if kind.is_custom:
        return custom.validate_custom(kind, obj)
    fn = _CREATE.get(kind.kind)
    return fn(obj) if fn else []


def validate_update(kind: Kind, obj: Obj, old: Obj) -> list[FieldError]:
    if kind.is_custom:
        errs = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
        return errs + custom.validate_custom_schema(kind, obj)
    fn = _UPDATE.get(kind.kind)
    if fn:
        return fn(obj, old)
    errs = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    return errs + validate_create(kind, obj)


def validate_status(kind: Kind, obj: Obj) -> list[FieldError]:
    """Light checks of a status write (counts non-negative and consistent, known pod phase)."""
    fn = _STATUS.get(kind.kind)
    if fn:
        return fn(obj)
    if kind.kind == "Pod":
        phase = (obj.get("status") or {}).get("phase")
        if phase and phase not in POD_PHASES:
            from kubesim.api.validation.field import not_supported

            return [not_supported("status.phase", phase, POD_PHASES)]
    return []


__all__ = ["check_types", "validate_create", "validate_update", "validate_status"]
