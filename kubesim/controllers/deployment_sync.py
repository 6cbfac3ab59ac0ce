"""How the Deployment controller finds, creates and scales its ReplicaSets (sync.go).

- `_new_replica_set` (getNewReplicaSet): the ReplicaSet whose template matches the Deployment's
  gets the Deployment's annotations and revision; if there is none, a rollout creates it as
  `<deployment>-<pod-template-hash>` (a name collision with another template bumps
  status.collisionCount and retries with a new hash);
- `_sync` / `_scale` (sync, scale): a paused Deployment or a scaling event scales without rolling
  out: the only active ReplicaSet gets all replicas, else each active one its proportional share
  of the change (largest first), within replicas + maxSurge;
- `_scale_replica_set` (scaleReplicaSet): writes spec.replicas and the desired/max-replicas
  annotations, and records the ScalingReplicaSet event;
- `_cleanup` (cleanupDeployment): deletes the oldest scaled-down ReplicaSets beyond
  revisionHistoryLimit.

A mixin of DeploymentController (controllers/deployment.py); deployment_rollout.py calls these
steps too. Follows pkg/controller/deployment/sync.go of Kubernetes v1.32.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.clientset import Client
from kubesim.client.informer import Lister
from kubesim.controllers import deployment_conditions as dc
from kubesim.controllers import deployment_replicas as dr
from kubesim.controllers import deployment_util as du
from kubesim.controllers.base import ControllerContext
from kubesim.model.errors import AlreadyExists, NotFound
from kubesim.model.kinds import Kind
from kubesim.model.objects import (
    annotations_of,
    controller_ref,
    deepcopy,
    new_controller_ref,
    uid_of,
)

Object = dict[str, Any]


class DeploymentSync:
    """sync.go: the new ReplicaSet, scaling (proportionally on a scaling event), cleanup.

    A mixin of DeploymentController."""

    # provided by DeploymentController.setup
    ctx: ControllerContext
    client: Client
    rs_kind: Kind
    replica_sets: Lister

    # ----------------------------------------------------------------------------- new RS
    def _all_replica_sets(
        self, d: Object, rs_list: list[Object], create: bool
    ) -> tuple[Object | None, list[Object]]:
        """getAllReplicaSetsAndSyncRevision: (new RS or None, all old RSs)."""
        _, old_rss = du.find_old_replica_sets(d, rs_list)
        return self._new_replica_set(d, rs_list, old_rss, create), old_rss

    def _new_replica_set(
        self, d: Object, rs_list: list[Object], old_rss: list[Object], create: bool
    ) -> Object | None:
        """getNewReplicaSet: sync the new RS's annotations and the Deployment's revision, or
        create the new RS (`create`)."""
        existing = du.find_new_replica_set(d, rs_list)
        new_revision = du.max_revision(old_rss) + 1
        if existing is not None:
            rs = deepcopy(existing)
            changed = du.set_new_replica_set_annotations(d, rs, new_revision, exists=True)
            min_ready = d["spec"].get("minReadySeconds", 0)
            if changed or rs["spec"].get("minReadySeconds", 0) != min_ready:
                _set_or_drop(rs["spec"], "minReadySeconds", min_ready)
                return self.client.update(rs)
            needs_update = du.set_deployment_revision(d, annotations_of(rs).get(du.REVISION, ""))
            progressing = dc.get_condition(dr.status_of(d), "Progressing")
            if dc.has_progress_deadline(d) and progressing is None:
                message = f'Found new replica set "{rs["metadata"]["name"]}"'
                self._set_progressing(d, "True", dc.FOUND_NEW_RS_REASON, message)
                needs_update = True
            if needs_update:
                self.client.update_status(d)
            return rs
        if not create:
            return None
        rs = self._new_replica_set_object(d)
        rs["spec"]["replicas"] = dr.new_rs_new_replicas(d, [*old_rss, rs], rs)
        du.set_new_replica_set_annotations(d, rs, new_revision, exists=False)
        name = rs["metadata"]["name"]
        already_exists = False
        try:
            created = self.client.create(rs)
        except AlreadyExists:
            already_exists = True
            found = self.replica_sets.get(d["metadata"]["namespace"], name)
            if found is None:
                raise
            ref = controller_ref(found)
            if not (
                ref
                and ref.get("uid") == uid_of(d)
                and du.equal_ignore_hash(du.template_of(d), du.template_of(found))
            ):
                # a hash collision: bump collisionCount and retry with a new hash
                status = d.setdefault("status", {})
                status["collisionCount"] = status.get("collisionCount", 0) + 1
                self.client.update_status(d)
                raise
            created = found
        replicas = rs["spec"]["replicas"]
        if not already_exists and replicas > 0:
            self.ctx.record_event(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled up replica set {name} from 0 to {replicas}",
            )
        needs_update = du.set_deployment_revision(d, str(new_revision))
        if not already_exists and dc.has_progress_deadline(d):
            message = f'Created new replica set "{name}"'
            self._set_progressing(d, "True", dc.NEW_RS_REASON, message)
            needs_update = True
        if needs_update:
            self.client.update_status(d)
        return created

    def _new_replica_set_object(self, d: Object) -> Object:
        template = deepcopy(du.template_of(d))
        collision_count = dr.status_of(d).get("collisionCount")
        pod_hash = du.compute_hash(template, collision_count)
        labels = {
            **(template.get("metadata") or {}).get("labels", {}),
            du.POD_TEMPLATE_HASH: pod_hash,
        }
        template.setdefault("metadata", {})["labels"] = labels
        selector = deepcopy(d["spec"]["selector"])
        selector["matchLabels"] = {
            **selector.get("matchLabels", {}),
            du.POD_TEMPLATE_HASH: pod_hash,
        }
        spec: Object = {"replicas": 0, "selector": selector, "template": template}
        _set_or_drop(spec, "minReadySeconds", d["spec"].get("minReadySeconds", 0))
        return {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{d['metadata']['name']}-{pod_hash}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(labels),
                "ownerReferences": [new_controller_ref(d)],
            },
            "spec": spec,
        }

    # ----------------------------------------------------------------------------- scaling
    def _scale_replica_set(
        self, rs: Object, new_scale: int, d: Object, operation: str | None = None
    ) -> tuple[bool, Object]:
        """scaleReplicaSet: write spec.replicas and the replicas annotations if needed."""
        old_scale = dr.replicas_of(rs)
        size_changes = old_scale != new_scale
        desired, maximum = dr.replicas_of(d), dr.replicas_of(d) + dr.max_surge(d)
        if not size_changes and not dr.replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        copy = deepcopy(rs)
        copy["spec"]["replicas"] = new_scale
        dr.set_replicas_annotations(copy, desired, maximum)
        updated = self.client.update(copy)
        if size_changes:
            operation = operation or ("up" if old_scale < new_scale else "down")
            self.ctx.record_event(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} "
                f"to {new_scale}",
            )
        return size_changes, updated

    def _scale_and_record(self, rs: Object, new_scale: int, d: Object) -> tuple[bool, Object]:
        """scaleReplicaSetAndRecordEvent: nothing to do when the size is right already."""
        if dr.replicas_of(rs) == new_scale:
            return False, rs
        return self._scale_replica_set(rs, new_scale, d)

    def _is_scaling_event(self, d: Object, rs_list: list[Object]) -> bool:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
        for rs in dr.filter_active([*old_rss, new_rs]):
            desired = annotations_of(rs).get(dr.DESIRED_REPLICAS)
            if desired is not None and desired.isdigit() and int(desired) != dr.replicas_of(d):
                return True
        return False

    def _sync(self, d: Object, rs_list: list[Object]) -> float | None:
        """sync: scaling events and paused Deployments (no new rollout)."""
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
        self._scale(d, new_rs, old_rss)
        if d["spec"].get("paused"):
            self._cleanup(old_rss, d)
        self._sync_deployment_status([*old_rss, new_rs], new_rs, d)
        return None

    def _scale(self, d: Object, new_rs: Object | None, old_rss: list[Object]) -> None:
        """scale: the only active RS gets all replicas; otherwise scale proportionally."""
        replicas = dr.replicas_of(d)
        target = dr.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if dr.replicas_of(target) != replicas:
                self._scale_and_record(target, replicas, d)
            return
        if dr.is_saturated(d, new_rs):
            for old in dr.filter_active(old_rss):
                self._scale_and_record(old, 0, d)
            return
        if not dr.is_rolling_update(d):
            return
        active = dr.filter_active([*old_rss, new_rs])
        allowed = replicas + dr.max_surge(d) if replicas > 0 else 0
        to_add = allowed - dr.replica_count(active)
        operation = None
        if to_add > 0:
            active, operation = dr.sort_by_size_newer(active), "up"
        elif to_add < 0:
            active, operation = dr.sort_by_size_older(active), "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            share = dr.proportion(rs, d, to_add, added) if to_add else 0
            sizes[rs["metadata"]["name"]] = dr.replicas_of(rs) + share
            added += share
        for i, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self._scale_replica_set(rs, sizes[name], d, operation)

    # ----------------------------------------------------------------------------- cleanup
    def _cleanup(self, old_rss: list[Object], d: Object) -> None:
        """cleanupDeployment: delete the oldest scaled-down RSs beyond revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - limit
        if diff <= 0:
            return
        for rs in sorted(alive, key=du.by_revision)[:diff]:
            observed = dr.status_int(rs, "observedGeneration")
            if (
                dr.status_int(rs, "replicas") != 0
                or dr.replicas_of(rs) != 0
                or rs["metadata"].get("generation", 0) > observed
            ):
                continue
            try:
                self.client.delete(
                    self.rs_kind, rs["metadata"]["namespace"], rs["metadata"]["name"]
                )
            except NotFound:
                pass


def _set_or_drop(spec: Object, field: str, value: int) -> None:
    if value:
        spec[field] = value
    else:
        spec.pop(field, None)
