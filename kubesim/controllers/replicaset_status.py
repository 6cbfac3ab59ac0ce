"""A ReplicaSet's status: what its pods add up to, and writing it (replica_set_utils.go).

- `calculate_status` (calculateStatus): replicas, fullyLabeledReplicas (pods carrying every
  template label), readyReplicas, availableReplicas (ready for minReadySeconds), and the
  ReplicaFailure condition while creating or deleting pods fails;
- `update_status` (updateReplicaSetStatus): skip when nothing changed, else PUT /status with
  observedGeneration, retrying once against the latest object on a 409.

Called by the ReplicaSet controller's sync (controllers/replicaset.py). Follows
pkg/controller/replicaset/replica_set_utils.go of Kubernetes v1.32.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.clientset import Client
from kubesim.controllers.podutil import is_available, is_ready
from kubesim.model.errors import ApiError, Conflict, NotFound
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy, format_timestamp, labels_of

Object = dict[str, Any]

STATUS_FIELDS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")


def calculate_status(rs: Object, pods: list[Object], error: ApiError | None, now: float) -> Object:
    """calculateStatus: the status the ReplicaSet should have for its active `pods` (a copy of
    its status; `error` from this sync's creates or deletes sets ReplicaFailure)."""
    spec = rs.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = spec.get("minReadySeconds") or 0
    status = deepcopy(rs.get("status") or {})
    status["replicas"] = len(pods)
    labeled = ready = available = 0
    for pod in pods:
        labels = labels_of(pod)
        if all(labels.get(k) == v for k, v in template_labels.items()):
            labeled += 1
        if is_ready(pod):
            ready += 1
            if is_available(pod, min_ready, now):
                available += 1
    status["fullyLabeledReplicas"] = labeled
    status["readyReplicas"] = ready
    status["availableReplicas"] = available
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
    if error is not None:
        reason = "FailedCreate" if len(pods) < spec.get("replicas", 1) else "FailedDelete"
        old = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "ReplicaFailure"),
            None,
        )
        conditions.append(
            old
            or {
                "type": "ReplicaFailure",
                "status": "True",
                "reason": reason,
                "message": str(error),
                "lastTransitionTime": format_timestamp(now),
            }
        )
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    return status


def update_status(client: Client, rs_kind: Kind, rs: Object, status: Object) -> None:
    """updateReplicaSetStatus: skip when nothing changed; PUT /status with the cached
    resourceVersion; on 409 retry once against the latest object (as the real controller
    does after a GET)."""
    generation = rs["metadata"].get("generation", 1)
    old = rs.get("status") or {}
    if (
        all(old.get(f, 0) == status[f] for f in STATUS_FIELDS)
        and old.get("conditions") == status.get("conditions")
        and old.get("observedGeneration") == generation
    ):
        return
    status["observedGeneration"] = generation
    new = deepcopy(rs)
    new["status"] = status
    try:
        client.update_status(new)
    except NotFound:
        return
    except Conflict:

        def mutate(live: Object) -> Object:
            live["status"] = status
            return live

        try:
            client.patch(
                rs_kind,
                rs["metadata"].get("namespace"),
                rs["metadata"]["name"],
                mutate,
                subresource="status",
                verb="update-status",
            )
        except NotFound:
            return
