"""The Deployment's Available and Progressing conditions (deployment_util.go's conditions).

The condition reasons, getting / setting / removing a condition (SetDeploymentCondition keeps
lastTransitionTime while the status stays the same), and the three questions progress.go asks
of a new status: is the rollout complete, is it progressing, has it passed its
progressDeadlineSeconds. Pure functions over status dicts. Follows
pkg/controller/deployment/util/deployment_util.go. Used by controllers/deployment_status.py
and deployment_sync.py, and through deployment_util.py by kubectl's side (controllers/rollout.py).
"""

from __future__ import annotations

from typing import Any

from kubesim.controllers.deployment_replicas import replicas_of
from kubesim.model.objects import parse_timestamp

Object = dict[str, Any]

# condition reasons (deployment_util.go)
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
RS_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE_REASON = "MinimumReplicasAvailable"
MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable"

_MAX_INT32 = 2**31 - 1


def has_progress_deadline(deployment: Object) -> bool:
    value = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return value is not None and value != _MAX_INT32


def get_condition(status: Object | None, ctype: str) -> Object | None:
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def new_condition(ctype: str, status: str, reason: str, message: str, stamp: str) -> Object:
    return {
        "type": ctype,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def set_condition(status: Object, condition: Object) -> None:
    """SetDeploymentCondition (in place on a private status): same status and reason: no-op;
    same status: keep lastTransitionTime; the condition goes to the end of the list."""
    current = get_condition(status, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: Object, ctype: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != ctype]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def deployment_complete(deployment: Object, status: Object) -> bool:
    replicas = replicas_of(deployment)
    return (
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= (deployment["metadata"].get("generation") or 0)
    )


def deployment_progressing(deployment: Object, new: Object) -> bool:
    old = deployment.get("status") or {}
    old_olds = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_olds = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (
        new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_olds < old_olds
        or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def deployment_timed_out(deployment: Object, status: Object, now: float) -> bool:
    if not has_progress_deadline(deployment):
        return False
    cond = get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.get("reason") == TIMED_OUT_REASON:
        return True
    deadline = deployment["spec"]["progressDeadlineSeconds"]
    return parse_timestamp(cond["lastUpdateTime"]) + deadline < now
