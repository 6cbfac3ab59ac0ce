"""Gathers what `kubectl describe` shows besides the object: its events and related objects.

Called by `kubesim describe` (cli/get.py); the text itself is kubesim.view.describe's.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.server import ApiServer, decode
from kubesim.controllers.deployment_util import equal_ignore_hash, template_of
from kubesim.model.kinds import Kind, builtin
from kubesim.model.objects import controller_ref


def describe_object(
    api: ApiServer, kind: Kind, obj: dict[str, Any], revision: int | None = None
) -> str:
    """The describe text of `obj`, with the events and related objects as of `revision`."""
    from kubesim.view.describe import describe

    md = obj["metadata"]
    ns = md.get("namespace")
    events, _ = api.list(builtin("Event"), ns, revision=revision)
    about = [
        e
        for e in events
        if (e.get("involvedObject") or {}).get("uid") == md.get("uid")
        or (
            (e.get("involvedObject") or {}).get("name") == md.get("name")
            and (e.get("involvedObject") or {}).get("kind") == kind.kind
        )
    ]
    return describe(kind, obj, api.clock(), about, _related(api, kind, obj, revision))


def _related(
    api: ApiServer, kind: Kind, obj: dict[str, Any], revision: int | None
) -> dict[str, Any]:
    ns = obj["metadata"].get("namespace")
    if kind.kind == "Deployment":
        owned = [
            rs
            for rs in api.list(builtin("ReplicaSet"), ns, revision=revision)[0]
            if (controller_ref(rs) or {}).get("uid") == obj["metadata"].get("uid")
        ]
        template = template_of(obj)
        new = [rs for rs in owned if equal_ignore_hash(template_of(rs), template)]
        old = [rs for rs in owned if rs not in new and (rs.get("spec") or {}).get("replicas")]
        return {"new_replica_set": new[0] if new else None, "old_replica_sets": old}
    if kind.kind in ("ReplicaSet", "Node"):
        pods, _ = api.list(builtin("Pod"), ns, revision=revision)
        return {"pods": pods}
    if kind.kind == "Service":
        endpoints = api.store.get(builtin("Endpoints").key(ns, obj["metadata"]["name"]), revision)
        return {"endpoints": decode(endpoints) if endpoints else None}
    return {}
