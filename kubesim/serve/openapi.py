"""`/openapi/v3`: enough of the OpenAPI v3 documents for kubectl's strict field validation.

By default `kubectl apply` validates strictly (`--validate=strict`). Before it sends
`?fieldValidation=Strict` it checks, in the group-version's OpenAPI v3 document, that the PATCH
operation of the kind (found by its `x-kubernetes-group-version-kind` extension) declares the
`fieldValidation` query parameter (kubectl's QueryParamVerifierV3). The server then reports
unknown fields itself (`strict decoding error: unknown field "spec.replica"`), which kubesim's
decoder already does for every write.

The documents list each kind's paths and operations, not its schemas: with no schema for a kind,
kubectl computes an apply patch from its compiled-in types (built-in kinds) or as a JSON merge
patch (custom resources), exactly what kubesim's own `apply` does, and `kubectl explain` says it
finds no schema. Pure functions of the kind registry; called by `app`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kubesim.model.kinds import Kind
from kubesim.serve.discovery import group_versions

_FIELD_VALIDATION = {
    "name": "fieldValidation",
    "in": "query",
    "description": "fieldValidation instructs the server on how to handle objects in the "
    "request containing unknown or duplicate fields: Ignore, Warn or Strict.",
    "schema": {"type": "string", "uniqueItems": True},
}
_PATCH_TYPES = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
]


def _path_of(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def root(kinds: list[Kind]) -> dict[str, Any]:
    """`GET /openapi/v3`: each group-version and the URL of its document (with its hash, as
    the real server gives, so clients may cache it)."""
    paths = {}
    for group, versions in group_versions(kinds).items():
        for version in versions:
            doc = document(kinds, group, version)
            digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:64]
            path = _path_of(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest.upper()}"}
    return {"paths": paths}


def document(kinds: list[Kind], group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group-version, or None when it is not served."""
    served = [
        k for k in kinds if k.group == group and version in (k.served_versions or (k.version,))
    ]
    if not served:
        return None
    prefix = "/" + _path_of(group, version)
    paths: dict[str, Any] = {}
    for k in served:
        gvk = {"group": group, "version": version, "kind": k.kind}
        scope = (
            f"{prefix}/namespaces/{{namespace}}/{k.plural}"
            if k.namespaced
            else f"{prefix}/{k.plural}"
        )
        paths[scope] = {
            "get": _op(f"list {k.kind}", gvk, "list"),
            "post": _op(f"create a {k.kind}", gvk, "post"),
            "delete": _op(f"delete collection of {k.kind}", gvk, "deletecollection"),
        }
        paths[scope + "/{name}"] = {
            "get": _op(f"read the specified {k.kind}", gvk, "get"),
            "put": _op(f"replace the specified {k.kind}", gvk, "put"),
            "patch": _op(f"partially update the specified {k.kind}", gvk, "patch"),
            "delete": _op(f"delete a {k.kind}", gvk, "delete"),
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
        "components": {"schemas": {}},
    }


def _op(description: str, gvk: dict[str, str], action: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "description": description,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "responses": {"200": {"description": "OK"}},
    }
    if action in ("patch", "put", "post"):
        op["parameters"] = [_FIELD_VALIDATION]
    if action == "patch":
        op["requestBody"] = {"content": {t: {"schema": {"type": "object"}} for t in _PATCH_TYPES}}
    return op
