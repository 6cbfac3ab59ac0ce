"""One step of a Deployment's rollout strategy (rolling.go, recreate.go).

- RollingUpdate (`_rollout_rolling`): scale the new ReplicaSet up within replicas + maxSurge,
  then old ones down within replicas - maxUnavailable: their unavailable replicas first
  (cleanupUnhealthyReplicas, they add no unavailability), then the oldest;
- Recreate (`_rollout_recreate`): scale every old ReplicaSet to 0, wait until no old pod is left
  (the controller's pod delete handler wakes the Deployment then), then create the new
  ReplicaSet and scale it to spec.replicas.

Either way a complete rollout cleans up old ReplicaSets, and the step ends by syncing the
rollout status (deployment_status.py). A mixin of DeploymentController (controllers/deployment.py),
which dispatches here from reconcile. Follows pkg/controller/deployment/rolling.go and
recreate.go of Kubernetes v1.32.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.clientset import Client
from kubesim.client.informer import Lister
from kubesim.controllers import deployment_conditions as dc
from kubesim.controllers import deployment_replicas as dr
from kubesim.controllers.base import ControllerContext, Requeue
from kubesim.model.kinds import Kind
from kubesim.model.objects import uid_of

Object = dict[str, Any]


class DeploymentRollout:
    """rolling.go and recreate.go: one step of a rollout. A mixin of DeploymentController."""

    # provided by DeploymentController.setup
    ctx: ControllerContext
    client: Client
    rs_kind: Kind
    replica_sets: Lister

    # ----------------------------------------------------------------------------- rolling update
    def _rollout_rolling(self, d: Object, rs_list: list[Object]) -> float | None:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=True)
        assert new_rs is not None
        all_rss = [*old_rss, new_rs]
        if self._reconcile_new_replica_set(all_rss, new_rs, d):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if self._reconcile_old_replica_sets(all_rss, dr.filter_active(old_rss), new_rs, d):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if dc.deployment_complete(d, dr.status_of(d)):
            self._cleanup(old_rss, d)
        return self._sync_rollout_status(all_rss, new_rs, d)

    def _reconcile_new_replica_set(self, all_rss: list[Object], new_rs: Object, d: Object) -> bool:
        replicas = dr.replicas_of(d)
        if dr.replicas_of(new_rs) == replicas:
            return False
        if dr.replicas_of(new_rs) > replicas:
            return self._scale_and_record(new_rs, replicas, d)[0]
        return self._scale_and_record(new_rs, dr.new_rs_new_replicas(d, all_rss, new_rs), d)[0]

    def _reconcile_old_replica_sets(
        self, all_rss: list[Object], old_rss: list[Object], new_rs: Object, d: Object
    ) -> bool:
        if dr.replica_count(old_rss) == 0:
            return False  # nothing left to scale down
        min_available = dr.replicas_of(d) - dr.max_unavailable(d)
        new_unavailable = dr.replicas_of(new_rs) - dr.status_int(new_rs, "availableReplicas")
        max_scaled_down = dr.replica_count(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = self._cleanup_unhealthy_replicas(old_rss, d, max_scaled_down)
        scaled = self._scale_down_old_replica_sets([*old_rss, new_rs], old_rss, d)
        return cleaned + scaled > 0

    def _cleanup_unhealthy_replicas(
        self, old_rss: list[Object], d: Object, max_cleanup: int
    ) -> tuple[list[Object], int]:
        """Scale down old RSs by their unavailable replicas first (they add no unavailability)."""
        old_rss = sorted(old_rss, key=dr.by_creation)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            replicas, available = dr.replicas_of(rs), dr.status_int(rs, "availableReplicas")
            if replicas == 0 or replicas == available:
                continue
            count = min(max_cleanup - total, replicas - available)
            if replicas - count > replicas:
                # status.availableReplicas is above spec.replicas: the RS status still counts
                # pods of an earlier, larger size (status lags spec). Never "scale down" upwards:
                # fail the sync and retry once the status has caught up (rolling.go does this).
                raise Requeue(
                    "when cleaning up unhealthy replicas, got invalid request to scale down "
                    f"{_ns_name(rs)} {replicas} -> {replicas - count}"
                )
            _, old_rss[i] = self._scale_and_record(rs, replicas - count, d)
            total += count
        return old_rss, total

    def _scale_down_old_replica_sets(
        self, all_rss: list[Object], old_rss: list[Object], d: Object
    ) -> int:
        min_available = dr.replicas_of(d) - dr.max_unavailable(d)
        available = dr.available_replica_count(all_rss)
        if available <= min_available:
            return 0
        total, limit = 0, available - min_available
        for rs in sorted(old_rss, key=dr.by_creation):
            if total >= limit:
                break
            if dr.replicas_of(rs) == 0:
                continue
            count = min(dr.replicas_of(rs), limit - total)
            if count < 0:
                raise Requeue(
                    "when scaling down old RS, got invalid request to scale down "
                    f"{_ns_name(rs)} {dr.replicas_of(rs)} -> {dr.replicas_of(rs) - count}"
                )
            self._scale_and_record(rs, dr.replicas_of(rs) - count, d)
            total += count
        return total

    # ----------------------------------------------------------------------------- recreate
    def _rollout_recreate(self, d: Object, rs_list: list[Object]) -> float | None:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
        all_rss = [*old_rss, new_rs]
        scaled_down = False
        for rs in dr.filter_active(old_rss):
            scaled_down = self._scale_and_record(rs, 0, d)[0] or scaled_down
        if scaled_down:
            return self._sync_rollout_status(all_rss, new_rs, d)
        if self._old_pods_running(new_rs, old_rss, self._pod_map(d, rs_list)):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if new_rs is None:
            new_rs, old_rss = self._all_replica_sets(d, rs_list, create=True)
            all_rss = [*old_rss, new_rs]
        assert new_rs is not None
        self._scale_and_record(new_rs, dr.replicas_of(d), d)
        if dc.deployment_complete(d, dr.status_of(d)):
            self._cleanup(old_rss, d)
        return self._sync_rollout_status(all_rss, new_rs, d)

    @staticmethod
    def _old_pods_running(
        new_rs: Object | None, old_rss: list[Object], pod_map: dict[str, list[Object]]
    ) -> bool:
        if dr.actual_replica_count(old_rss) > 0:
            return True
        new_uid = uid_of(new_rs) if new_rs is not None else None
        for rs_uid, pods in sorted(pod_map.items()):
            if rs_uid == new_uid:
                continue
            for pod in pods:
                if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                    return True
        return False


def _ns_name(obj: Object) -> str:
    return f"{obj['metadata'].get('namespace')}/{obj['metadata']['name']}"
