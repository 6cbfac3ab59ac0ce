"""Field selectors as kube-apiserver serves them: `metadata.name=web`, `involvedObject.uid=...`.

Each kind answers to `metadata.name` and `metadata.namespace`, plus the fields its registry
strategy adds (Pods: spec.nodeName, status.phase, ...; Events: involvedObject.*, reason, type,
source). Requirements are `=`, `==` or `!=`, joined by commas. Another field is refused as the real
server refuses it: `field label not supported: spec.replicas` (400). Used by kubesim serve for
lists and watches (kubectl describe finds an object's events with `involvedObject.*`), and by
kubesim.client.staleness to count only what a client's selective watch would receive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubesim.model.errors import BadRequest
from kubesim.model.kinds import Kind

Requirement = tuple[str, str, bool]  # field, value, equal (False for !=)

_POD_FIELDS: dict[str, tuple[str, ...]] = {
    "spec.nodeName": ("spec", "nodeName"),
    "spec.restartPolicy": ("spec", "restartPolicy"),
    "spec.schedulerName": ("spec", "schedulerName"),
    "spec.serviceAccountName": ("spec", "serviceAccountName"),
    "status.phase": ("status", "phase"),
    "status.podIP": ("status", "podIP"),
    "status.nominatedNodeName": ("status", "nominatedNodeName"),
}
_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    **{
        f"involvedObject.{f}": ("involvedObject", f)
        for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reason": ("reason",),
    "reportingComponent": ("reportingComponent",),
    "source": ("source", "component"),
    "type": ("type",),
}
_KIND_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {"Pod": _POD_FIELDS, "Event": _EVENT_FIELDS}


def parse(text: str) -> list[Requirement]:
    """`a=b,c!=d` as requirements; BadRequest for one without an operator."""
    out: list[Requirement] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        for op, equal in (("!=", False), ("==", True), ("=", True)):
            field, sep, value = part.partition(op)
            if sep:
                out.append((field.strip(), value.strip(), equal))
                break
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
    return out


def matcher(kind: Kind, text: str) -> Callable[[dict[str, Any]], bool] | None:
    """A predicate for objects of `kind`, or None for an empty selector."""
    fields = {} if kind.is_custom else _KIND_FIELDS.get(kind.kind, {})
    return _matcher(fields, kind.namespaced, text)


def matcher_by_name(kind: str, text: str) -> Callable[[dict[str, Any]], bool] | None:
    """`matcher` for a kind known by name only (a journaled watch): a built-in kind's fields, or
    `metadata.*` for another (a custom resource)."""
    return _matcher(_KIND_FIELDS.get(kind, {}), True, text)


def _matcher(
    fields: dict[str, tuple[str, ...]], namespaced: bool, text: str
) -> Callable[[dict[str, Any]], bool] | None:
    requirements = parse(text)
    if not requirements:
        return None
    paths: list[tuple[tuple[str, ...], str, bool]] = []
    for field, value, equal in requirements:
        if field == "metadata.name":
            path: tuple[str, ...] = ("metadata", "name")
        elif field == "metadata.namespace" and namespaced:
            path = ("metadata", "namespace")
        elif field in fields:
            path = fields[field]
        else:
            raise BadRequest(f"field label not supported: {field}")
        paths.append((path, value, equal))

    def match(obj: dict[str, Any]) -> bool:
        for path, value, equal in paths:
            found: Any = obj
            for step in path:
                found = found.get(step) if isinstance(found, dict) else None
            if (str(found) if found is not None else "") == value:
                if not equal:
                    return False
            elif equal:
                return False
        return True

    return match
