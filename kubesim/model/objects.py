"""Helpers on Kubernetes-shaped dicts: encoding, metadata access, owner references, time stamps.

Objects are plain JSON-able dicts (`apiVersion`, `kind`, `metadata`, `spec`, `status`). The store
keeps them as canonical JSON bytes (sorted keys), which is also how a no-op write is detected:
same bytes, no write. Used by every layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

Object = dict[str, Any]

_OPTS = orjson.OPT_SORT_KEYS


def dumps(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces (what the store compares and keeps)."""
    return orjson.dumps(obj, option=_OPTS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def deepcopy(obj: Any) -> Any:
    """A deep copy of a JSON-able value (a round trip through orjson beats copy.deepcopy)."""
    return orjson.loads(orjson.dumps(obj))


def name_of(obj: Object) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def namespace_of(obj: Object) -> str:
    return (obj.get("metadata") or {}).get("namespace", "")


def labels_of(obj: Object) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def annotations_of(obj: Object) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def uid_of(obj: Object) -> str:
    return (obj.get("metadata") or {}).get("uid", "")


def resource_version_of(obj: Object) -> int:
    rv = (obj.get("metadata") or {}).get("resourceVersion")
    return int(rv) if rv else 0


def cache_key(obj: Object) -> str:
    """client-go's MetaNamespaceKeyFunc: `ns/name`, or `name` for cluster-scoped objects."""
    ns = namespace_of(obj)
    return f"{ns}/{name_of(obj)}" if ns else name_of(obj)


def controller_ref(obj: Object) -> dict[str, Any] | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def new_controller_ref(owner: Object) -> dict[str, Any]:
    """apimachinery's NewControllerRef: controller and blockOwnerDeletion both true."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def format_timestamp(seconds: float) -> str:
    """RFC 3339 in UTC with whole seconds, as metav1.Time marshals: `2026-11-25T12:24:21Z`."""
    return _format_second(int(seconds))


@lru_cache(maxsize=256)
def _format_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 UTC time stamp (cached: controllers parse the
    same condition times over and over)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
