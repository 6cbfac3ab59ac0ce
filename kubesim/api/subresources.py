"""The scale and binding subresources.

- `/scale` (autoscaling/v1 Scale) for Deployments and ReplicaSets: read and set spec.replicas
  without touching anything else (`kubectl scale`).
- `/binding` for Pods: the scheduler's only write. It sets spec.nodeName if it is empty, else
  409 Conflict `pod X is already assigned to node "N"`, refuses pods being deleted, and sets the
  PodScheduled condition (registry/core/pod/storage BindingREST).

Called by the CLI (`kubesim scale`) and the scheduler.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.server import ApiServer, WriteResult
from kubesim.model.errors import Conflict, FieldError, Invalid, MethodNotAllowed
from kubesim.model.kinds import Kind, builtin
from kubesim.model.labels import format_selector
from kubesim.model.objects import format_timestamp

POD = builtin("Pod")


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale view of a Deployment or ReplicaSet."""
    md = obj["metadata"]
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            k: md[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in md
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
        "status": {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": format_selector(obj.get("spec", {}).get("selector")),
        },
    }


def scale(
    api: ApiServer,
    kind: Kind,
    namespace: str,
    name: str,
    replicas: int,
    *,
    actor: str = "user",
    resource_version: int | None = None,
) -> WriteResult:
    """PUT .../scale: set spec.replicas. Returns the written object (not the Scale)."""
    if not kind.scale_subresource:
        raise MethodNotAllowed(
            f"the server does not allow this method on the requested "
            f"resource (scale of {kind.group_resource})"
        )
    if replicas < 0:
        raise Invalid(
            "Scale",
            name,
            [
                FieldError(
                    "Invalid", "spec.replicas", replicas, "must be greater than or equal to 0"
                )
            ],
            "autoscaling",
        )

    def set_replicas(live: dict[str, Any]) -> dict[str, Any]:
        live.setdefault("spec", {})["replicas"] = replicas
        return live

    return api.guaranteed_update(
        kind,
        namespace,
        name,
        set_replicas,
        actor=actor,
        verb="scale",
        outcome="scaled",
        pinned_revision=resource_version,
        journal_data={"replicas": replicas},
    )


def bind(
    api: ApiServer, namespace: str, pod_name: str, node_name: str, *, actor: str = "scheduler"
) -> WriteResult:
    """POST pods/{name}/binding with target Node `node_name`."""

    def assign(pod: dict[str, Any]) -> dict[str, Any]:
        md, spec = pod["metadata"], pod.setdefault("spec", {})
        if md.get("deletionTimestamp"):
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{pod_name}": pod '
                f"{pod_name} is being deleted, cannot be assigned to a host"
            )
        if spec.get("nodeName"):
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{pod_name}": pod '
                f'{pod_name} is already assigned to node "{spec["nodeName"]}"'
            )
        spec["nodeName"] = node_name
        status = pod.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": format_timestamp(api.clock()),
            }
        )
        status["conditions"] = conditions
        return pod

    return api.guaranteed_update(
        POD,
        namespace,
        pod_name,
        assign,
        actor=actor,
        verb="bind",
        subresource="binding",
        outcome="bound",
        journal_data={"node": node_name},
    )
