"""The Deployment's status and the progress deadline (sync.go's status, progress.go).

- `_calculate_status` (calculateStatus): replicas, updated, ready, available and unavailable
  replicas summed over the ReplicaSets, observedGeneration, collisionCount, and the Available
  condition (available >= replicas - maxUnavailable);
- `_sync_deployment_status` (syncDeploymentStatus): write it only when it changed;
- `_sync_rollout_status` (syncRolloutStatus): the same plus the Progressing condition
  (NewReplicaSetAvailable, ReplicaSetUpdated, or ProgressDeadlineExceeded past
  progressDeadlineSeconds) and the new ReplicaSet's ReplicaFailure condition; an unchanged
  status that is not complete is requeued for its deadline (requeueStuckDeployment);
- `_check_paused_conditions` (checkPausedConditions): Progressing Unknown while paused.

A mixin of DeploymentController (controllers/deployment.py); the sync and rollout steps
(deployment_sync.py, deployment_rollout.py) end here. Follows pkg/controller/deployment/sync.go
and progress.go of Kubernetes v1.32.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.clientset import Client
from kubesim.client.informer import Lister
from kubesim.controllers import deployment_conditions as dc
from kubesim.controllers import deployment_replicas as dr
from kubesim.controllers.base import ControllerContext
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy, format_timestamp, parse_timestamp

Object = dict[str, Any]


class DeploymentStatus:
    """sync.go's status and progress.go. A mixin of DeploymentController."""

    # provided by DeploymentController.setup
    ctx: ControllerContext
    client: Client
    rs_kind: Kind
    replica_sets: Lister

    def _now(self) -> str:
        return format_timestamp(self.ctx.now())

    def _set_progressing(self, d: Object, value: str, reason: str, message: str) -> None:
        """Set the Progressing condition on the Deployment's (private copy of) status."""
        dc.set_condition(
            d.setdefault("status", {}),
            dc.new_condition("Progressing", value, reason, message, self._now()),
        )

    def _check_paused_conditions(self, d: Object) -> None:
        if not dc.has_progress_deadline(d):
            return
        cond = dc.get_condition(dr.status_of(d), "Progressing")
        if cond is not None and cond.get("reason") == dc.TIMED_OUT_REASON:
            return
        paused_exists = cond is not None and cond.get("reason") == dc.PAUSED_REASON
        paused = bool(d["spec"].get("paused"))
        if paused and not paused_exists:
            reason, message = dc.PAUSED_REASON, "Deployment is paused"
        elif not paused and paused_exists:
            reason, message = dc.RESUMED_REASON, "Deployment is resumed"
        else:
            return
        self._set_progressing(d, "Unknown", reason, message)
        self.client.update_status(d)

    def _calculate_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> Object:
        available = dr.available_replica_count(all_rss)
        status: Object = {
            "observedGeneration": d["metadata"].get("generation", 0),
            "replicas": dr.actual_replica_count(all_rss),
            "updatedReplicas": dr.actual_replica_count([new_rs]),
            "readyReplicas": dr.ready_replica_count(all_rss),
            "availableReplicas": available,
            "unavailableReplicas": max(dr.replica_count(all_rss) - available, 0),
        }
        status = {k: v for k, v in status.items() if v}  # Go's omitempty
        if dr.status_of(d).get("collisionCount") is not None:
            status["collisionCount"] = dr.status_of(d)["collisionCount"]
        if dr.status_of(d).get("conditions"):
            status["conditions"] = deepcopy(dr.status_of(d)["conditions"])
        if available >= dr.replicas_of(d) - dr.max_unavailable(d):
            cond = dc.new_condition(
                "Available",
                "True",
                dc.MIN_AVAILABLE_REASON,
                "Deployment has minimum availability.",
                self._now(),
            )
        else:
            cond = dc.new_condition(
                "Available",
                "False",
                dc.MIN_UNAVAILABLE_REASON,
                "Deployment does not have minimum availability.",
                self._now(),
            )
        dc.set_condition(status, cond)
        return status

    def _sync_deployment_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> None:
        status = self._calculate_status(all_rss, new_rs, d)
        if status != dr.status_of(d):
            d["status"] = status
            self.client.update_status(d)

    def _sync_rollout_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> float | None:
        """syncRolloutStatus: status plus the Progressing condition; requeue for the deadline."""
        status = self._calculate_status(all_rss, new_rs, d)
        if not dc.has_progress_deadline(d):
            dc.remove_condition(status, "Progressing")
        current = dc.get_condition(dr.status_of(d), "Progressing")
        complete_before = (
            status.get("replicas", 0) == status.get("updatedReplicas", 0)
            and current is not None
            and current.get("reason") == dc.NEW_RS_AVAILABLE_REASON
        )
        what = (
            f'ReplicaSet "{new_rs["metadata"]["name"]}"'
            if new_rs
            else f'Deployment "{d["metadata"]["name"]}"'
        )
        if dc.has_progress_deadline(d) and not complete_before:
            now = self._now()
            if dc.deployment_complete(d, status):
                dc.set_condition(
                    status,
                    dc.new_condition(
                        "Progressing",
                        "True",
                        dc.NEW_RS_AVAILABLE_REASON,
                        f"{what} has successfully progressed.",
                        now,
                    ),
                )
            elif dc.deployment_progressing(d, status):
                cond = dc.new_condition(
                    "Progressing", "True", dc.RS_UPDATED_REASON, f"{what} is progressing.", now
                )
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    dc.remove_condition(status, "Progressing")
                dc.set_condition(status, cond)
            elif dc.deployment_timed_out(d, status, self.ctx.now()):
                dc.set_condition(
                    status,
                    dc.new_condition(
                        "Progressing",
                        "False",
                        dc.TIMED_OUT_REASON,
                        f"{what} has timed out progressing.",
                        now,
                    ),
                )
        self._replica_failures(status, all_rss, new_rs)
        if status == dr.status_of(d):
            return self._requeue_stuck(d, status)
        d["status"] = status
        self.client.update_status(d)
        return None

    @staticmethod
    def _replica_failures(
        status: Object, all_rss: list[Object | None], new_rs: Object | None
    ) -> None:
        """Copy a ReplicaFailure condition of the new (else any) RS to the Deployment."""
        for rs in [new_rs, *all_rss]:
            cond = dc.get_condition(dr.status_of(rs) if rs else None, "ReplicaFailure")
            if cond is not None:
                dc.set_condition(
                    status,
                    {
                        "type": "ReplicaFailure",
                        "status": cond.get("status"),
                        "lastUpdateTime": cond.get("lastTransitionTime"),
                        "lastTransitionTime": cond.get("lastTransitionTime"),
                        "reason": cond.get("reason"),
                        "message": cond.get("message"),
                    },
                )
                return
        dc.remove_condition(status, "ReplicaFailure")

    def _requeue_stuck(self, d: Object, status: Object) -> float | None:
        """requeueStuckDeployment: wake up when the progress deadline would pass."""
        current = dc.get_condition(dr.status_of(d), "Progressing")
        if not dc.has_progress_deadline(d) or current is None:
            return None
        if dc.deployment_complete(d, status) or current.get("reason") == dc.TIMED_OUT_REASON:
            return None
        after = (
            parse_timestamp(current["lastUpdateTime"])
            + d["spec"]["progressDeadlineSeconds"]
            - self.ctx.now()
        )
        if after < 1:
            key = f"{d['metadata']['namespace']}/{d['metadata']['name']}"
            self.ctx.queue.add_rate_limited(key)
            return None
        return after + 1
