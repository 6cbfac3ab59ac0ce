"""kubectl describe's text for kubesim's kinds: `describe(kind, obj, now, events, related)`.

Dispatches to the per-kind describers (describe_workloads.py, describe_core.py) and falls back to
kubectl's generic describer (an indented tree of the object) for CRDs and custom resources, which
have no describer in kubectl either. `events` are the Event objects about `obj` (the caller
selects them by involvedObject); `related` carries what kubectl fetches besides the object:

- Deployment: "new_replica_set" (ReplicaSet dict, or text like "web-abc (3/3 replicas
  created)", or None) and "old_replica_sets" (list of either); without both keys the
  OldReplicaSets/NewReplicaSet lines are left out, as kubectl does when the lookup fails.
- ReplicaSet: "pods": pods of the namespace; those it controls make the Pods Status line.
- Service: "endpoints": the Endpoints object of the same name.
- Node: "pods": non-terminated pods bound to the node.

Called by the CLI's describe command.
"""

from __future__ import annotations

from kubesim.model.kinds import Kind
from kubesim.view.describe_common import describe_generic


def describe(
    kind: Kind, obj: dict, now: float, events: list[dict], related: dict | None = None
) -> str:
    related = related or {}
    if kind.is_custom:
        return describe_generic(obj, now, events)
    name = kind.kind
    if name in ("Pod", "ReplicaSet", "Deployment"):
        from kubesim.view import describe_workloads as wl

        if name == "Pod":
            return wl.describe_pod(obj, now, events)
        if name == "ReplicaSet":
            return wl.describe_replicaset(obj, now, events, related)
        return wl.describe_deployment(obj, now, events, related)
    if name in ("Service", "Node", "Namespace", "ConfigMap"):
        from kubesim.view import describe_core as core

        if name == "Service":
            return core.describe_service(obj, now, events, related)
        if name == "Node":
            return core.describe_node(obj, now, events, related)
        if name == "Namespace":
            return core.describe_namespace(obj, now)
        return core.describe_configmap(obj, now, events)
    return describe_generic(obj, now, events)
