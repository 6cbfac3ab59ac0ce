"""The Deployment controller (consumer `deployment-controller`, 5 workers).

Follows pkg/controller/deployment (deployment_controller.go, sync.go, rolling.go, recreate.go,
progress.go) of Kubernetes v1.32. A sync of `ns/name`:

1. claims the ReplicaSets of the namespace through controllerRefs (adopts matching orphans,
   releases owned ones that stopped matching);
2. a deleting Deployment only gets its status synced; a paused one or a scaling event (an active
   ReplicaSet's desired-replicas annotation differs from spec.replicas) is scaled
   proportionally (`sync`); otherwise the strategy rolls out: RollingUpdate scales the new
   ReplicaSet up within replicas + maxSurge, then old ones down within replicas -
   maxUnavailable (unhealthy replicas first); Recreate scales old ones to 0, waits until no old
   pod is left, then creates and scales the new one;
3. cleans up old ReplicaSets beyond revisionHistoryLimit, and writes status (replicas, updated,
   ready, available, unavailable, observedGeneration, collisionCount, the Available and
   Progressing conditions) only when it changed. A rollout that is not complete is requeued
   for its progress deadline.

The new ReplicaSet is `<deployment>-<pod-template-hash>`, so a repeated sync finds it instead of
creating another (no expectations needed). As in Kubernetes, the controller keeps writing from
its own copy of the Deployment: a second status write in one sync carries a stale
resourceVersion and gets a 409 Conflict, and the sync is retried. Reads come only from the
informers' caches; writes go through the client. The rollout and scaling steps themselves are
in deployment_util.py.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers import deployment_util as du
from kubesim.controllers.base import (
    Controller,
    ControllerContext,
    InformerSpec,
    Requeue,
    split_key,
)
from kubesim.model.errors import AlreadyExists, NotFound
from kubesim.model.labels import matches, selector_from_spec
from kubesim.model.objects import (
    annotations_of,
    controller_ref,
    deepcopy,
    format_timestamp,
    labels_of,
    new_controller_ref,
    parse_timestamp,
    resource_version_of,
    uid_of,
)

Object = dict[str, Any]


class DeploymentController(Controller):
    name = "deployment-controller"
    workers = 5

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec("Deployment"), InformerSpec("ReplicaSet"), InformerSpec("Pod")]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.deployments = ctx.lister("Deployment")
        self.replica_sets = ctx.lister("ReplicaSet")
        self.pods = ctx.lister("Pod")
        self.client = ctx.client
        self.rs_kind = ctx.kinds("ReplicaSet")
        ctx.handle(
            "Deployment",
            Handler(
                on_add=self._enqueue,
                on_update=lambda old, cur: self._enqueue(cur),
                on_delete=lambda obj: self._enqueue(object_of(obj)),
            ),
        )
        ctx.handle(
            "ReplicaSet",
            Handler(
                on_add=self._add_replica_set,
                on_update=self._update_replica_set,
                on_delete=self._delete_replica_set,
            ),
        )
        ctx.handle("Pod", Handler(on_delete=self._delete_pod))

    # ----------------------------------------------------------------------------- handlers
    def _enqueue(self, d: Object) -> None:
        md = d["metadata"]
        self.ctx.enqueue(f"{md.get('namespace')}/{md['name']}")

    def _resolve(self, namespace: str, ref: Object) -> Object | None:
        """resolveControllerRef: the Deployment a controllerRef names, if its UID matches."""
        if ref.get("kind") != "Deployment":
            return None
        d = self.deployments.get(namespace, ref.get("name", ""))
        return d if d is not None and uid_of(d) == ref.get("uid") else None

    def _deployments_for(self, rs: Object) -> list[Object]:
        """getDeploymentsForReplicaSet: Deployments whose selector matches an orphan."""
        out = []
        for d in self.deployments.list(rs["metadata"].get("namespace") or ""):
            spec = d["spec"].get("selector")
            if spec and matches(selector_from_spec(spec), labels_of(rs)):
                out.append(d)
        return sorted(out, key=lambda d: d["metadata"]["name"])

    def _add_replica_set(self, rs: Object) -> None:
        if rs["metadata"].get("deletionTimestamp"):
            self._delete_replica_set(rs)
            return
        ref = controller_ref(rs)
        if ref is not None:
            d = self._resolve(rs["metadata"]["namespace"], ref)
            if d is not None:
                self._enqueue(d)
            return
        for d in self._deployments_for(rs):
            self._enqueue(d)

    def _update_replica_set(self, old: Object, cur: Object) -> None:
        if resource_version_of(old) == resource_version_of(cur):
            return  # a resync: nothing changed
        ns = cur["metadata"]["namespace"]
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            d = self._resolve(ns, old_ref)
            if d is not None:
                self._enqueue(d)
        if cur_ref is not None:
            d = self._resolve(ns, cur_ref)
            if d is not None:
                self._enqueue(d)
            return
        if ref_changed or labels_of(old) != labels_of(cur):
            for d in self._deployments_for(cur):
                self._enqueue(d)

    def _delete_replica_set(self, obj: Any) -> None:
        rs = object_of(obj)
        ref = controller_ref(rs)
        if ref is not None:
            d = self._resolve(rs["metadata"]["namespace"], ref)
            if d is not None:
                self._enqueue(d)

    def _delete_pod(self, obj: Any) -> None:
        """A Recreate Deployment waits for its old pods: sync it once it has none left."""
        pod = object_of(obj)
        ns = pod["metadata"].get("namespace") or ""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(ns, ref.get("name", ""))
        if rs is None or uid_of(rs) != ref.get("uid"):
            return
        d_ref = controller_ref(rs)
        d = self._resolve(ns, d_ref) if d_ref else None
        if d is None or du.is_rolling_update(d):
            return
        rs_list = [r for r in self.replica_sets.list(ns) if _controlled_by(r, d)]
        if not any(self._pod_map(d, rs_list).values()):
            self._enqueue(d)

    # ----------------------------------------------------------------------------- sync
    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.deployments.get(ns, name)
        if cached is None:
            return None  # deleted: the garbage collector takes its ReplicaSets
        d = deepcopy(cached)  # never change the cache's object
        if d["spec"].get("selector") == {}:
            self.ctx.record_event(
                d,
                "Warning",
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            if _status(d).get("observedGeneration", 0) < d["metadata"].get("generation", 0):
                d.setdefault("status", {})["observedGeneration"] = d["metadata"]["generation"]
                self.client.update_status(d)
            return None
        rs_list = self._claim_replica_sets(d)
        if d["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
            self._sync_deployment_status([*old_rss, new_rs], new_rs, d)
            return None
        self._check_paused_conditions(d)
        if d["spec"].get("paused") or self._is_scaling_event(d, rs_list):
            return self._sync(d, rs_list)
        if du.is_rolling_update(d):
            return self._rollout_rolling(d, rs_list)
        return self._rollout_recreate(d, rs_list)

    def _claim_replica_sets(self, d: Object) -> list[Object]:
        """ClaimReplicaSets: owned and matching, adopting orphans and releasing strays."""
        selector = selector_from_spec(d["spec"].get("selector"))
        deleting = bool(d["metadata"].get("deletionTimestamp"))
        claimed = []
        # the namespace's ReplicaSets that matter: those it controls, and matching orphans
        # (the real controller lists the whole namespace; the indexes give the same set)
        candidates = {uid_of(rs): rs for rs in self.replica_sets.by_controller(uid_of(d))}
        for rs in self.replica_sets.by_selector(d["metadata"]["namespace"], selector):
            if controller_ref(rs) is None:
                candidates[uid_of(rs)] = rs
        for rs in sorted(candidates.values(), key=du.by_creation):
            ref = controller_ref(rs)
            matching = matches(selector, labels_of(rs))
            if ref is not None:
                if ref.get("uid") != uid_of(d):
                    continue
                if matching or deleting:
                    claimed.append(rs)
                else:
                    self._release(rs, d)
            elif matching and not deleting and not rs["metadata"].get("deletionTimestamp"):
                claimed.append(self._adopt(rs, d))
        return claimed

    def _adopt(self, rs: Object, d: Object) -> Object:
        ref = new_controller_ref(d)

        def add_ref(live: Object) -> Object | None:
            if live["metadata"].get("uid") != uid_of(rs) or controller_ref(live) is not None:
                return None
            live["metadata"].setdefault("ownerReferences", []).append(ref)
            return live

        md = rs["metadata"]
        return self.client.patch(self.rs_kind, md["namespace"], md["name"], add_ref)

    def _release(self, rs: Object, d: Object) -> None:
        def drop_ref(live: Object) -> Object | None:
            refs = live["metadata"].get("ownerReferences") or []
            kept = [r for r in refs if r.get("uid") != uid_of(d)]
            if len(kept) == len(refs):
                return None
            live["metadata"]["ownerReferences"] = kept
            return live

        try:
            self.client.patch(
                self.rs_kind, rs["metadata"]["namespace"], rs["metadata"]["name"], drop_ref
            )
        except NotFound:
            pass

    def _pod_map(self, d: Object, rs_list: list[Object]) -> dict[str, list[Object]]:
        """getPodMapForDeployment: the Deployment's pods by the UID of their ReplicaSet."""
        pod_map: dict[str, list[Object]] = {uid_of(rs): [] for rs in rs_list}
        selector = selector_from_spec(d["spec"].get("selector"))
        for pod in self.pods.by_selector(d["metadata"]["namespace"], selector):
            ref = controller_ref(pod)
            if ref is not None and ref.get("uid") in pod_map:
                pod_map[ref["uid"]].append(pod)
        return pod_map

    def _now(self) -> str:
        return format_timestamp(self.ctx.now())

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
            if du.has_progress_deadline(d) and du.get_condition(_status(d), "Progressing") is None:
                du.set_condition(
                    d.setdefault("status", {}),
                    du.new_condition(
                        "Progressing",
                        "True",
                        du.FOUND_NEW_RS_REASON,
                        f'Found new replica set "{rs["metadata"]["name"]}"',
                        self._now(),
                    ),
                )
                needs_update = True
            if needs_update:
                self.client.update_status(d)
            return rs
        if not create:
            return None
        rs = self._new_replica_set_object(d)
        rs["spec"]["replicas"] = du.new_rs_new_replicas(d, [*old_rss, rs], rs)
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
        if not already_exists and du.has_progress_deadline(d):
            du.set_condition(
                d.setdefault("status", {}),
                du.new_condition(
                    "Progressing",
                    "True",
                    du.NEW_RS_REASON,
                    f'Created new replica set "{name}"',
                    self._now(),
                ),
            )
            needs_update = True
        if needs_update:
            self.client.update_status(d)
        return created

    def _new_replica_set_object(self, d: Object) -> Object:
        template = deepcopy(du.template_of(d))
        collision_count = _status(d).get("collisionCount")
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
        old_scale = du.replicas_of(rs)
        size_changes = old_scale != new_scale
        desired, maximum = du.replicas_of(d), du.replicas_of(d) + du.max_surge(d)
        if not size_changes and not du.replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        copy = deepcopy(rs)
        copy["spec"]["replicas"] = new_scale
        du.set_replicas_annotations(copy, desired, maximum)
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
        if du.replicas_of(rs) == new_scale:
            return False, rs
        return self._scale_replica_set(rs, new_scale, d)

    def _is_scaling_event(self, d: Object, rs_list: list[Object]) -> bool:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
        for rs in du.filter_active([*old_rss, new_rs]):
            desired = annotations_of(rs).get(du.DESIRED_REPLICAS)
            if desired is not None and desired.isdigit() and int(desired) != du.replicas_of(d):
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
        replicas = du.replicas_of(d)
        target = du.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if du.replicas_of(target) != replicas:
                self._scale_and_record(target, replicas, d)
            return
        if du.is_saturated(d, new_rs):
            for old in du.filter_active(old_rss):
                self._scale_and_record(old, 0, d)
            return
        if not du.is_rolling_update(d):
            return
        active = du.filter_active([*old_rss, new_rs])
        allowed = replicas + du.max_surge(d) if replicas > 0 else 0
        to_add = allowed - du.replica_count(active)
        operation = None
        if to_add > 0:
            active, operation = du.sort_by_size_newer(active), "up"
        elif to_add < 0:
            active, operation = du.sort_by_size_older(active), "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            share = du.proportion(rs, d, to_add, added) if to_add else 0
            sizes[rs["metadata"]["name"]] = du.replicas_of(rs) + share
            added += share
        for i, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self._scale_replica_set(rs, sizes[name], d, operation)

    # ----------------------------------------------------------------------------- strategies
    def _rollout_rolling(self, d: Object, rs_list: list[Object]) -> float | None:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=True)
        assert new_rs is not None
        all_rss = [*old_rss, new_rs]
        if self._reconcile_new_replica_set(all_rss, new_rs, d):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if self._reconcile_old_replica_sets(all_rss, du.filter_active(old_rss), new_rs, d):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if du.deployment_complete(d, _status(d)):
            self._cleanup(old_rss, d)
        return self._sync_rollout_status(all_rss, new_rs, d)

    def _reconcile_new_replica_set(self, all_rss: list[Object], new_rs: Object, d: Object) -> bool:
        replicas = du.replicas_of(d)
        if du.replicas_of(new_rs) == replicas:
            return False
        if du.replicas_of(new_rs) > replicas:
            return self._scale_and_record(new_rs, replicas, d)[0]
        return self._scale_and_record(new_rs, du.new_rs_new_replicas(d, all_rss, new_rs), d)[0]

    def _reconcile_old_replica_sets(
        self, all_rss: list[Object], old_rss: list[Object], new_rs: Object, d: Object
    ) -> bool:
        if du.replica_count(old_rss) == 0:
            return False  # nothing left to scale down
        min_available = du.replicas_of(d) - du.max_unavailable(d)
        new_unavailable = du.replicas_of(new_rs) - du.status_int(new_rs, "availableReplicas")
        max_scaled_down = du.replica_count(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = self._cleanup_unhealthy_replicas(old_rss, d, max_scaled_down)
        scaled = self._scale_down_old_replica_sets([*old_rss, new_rs], old_rss, d)
        return cleaned + scaled > 0

    def _cleanup_unhealthy_replicas(
        self, old_rss: list[Object], d: Object, max_cleanup: int
    ) -> tuple[list[Object], int]:
        """Scale down old RSs by their unavailable replicas first (they add no unavailability)."""
        old_rss = sorted(old_rss, key=du.by_creation)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            replicas, available = du.replicas_of(rs), du.status_int(rs, "availableReplicas")
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
        min_available = du.replicas_of(d) - du.max_unavailable(d)
        available = du.available_replica_count(all_rss)
        if available <= min_available:
            return 0
        total, limit = 0, available - min_available
        for rs in sorted(old_rss, key=du.by_creation):
            if total >= limit:
                break
            if du.replicas_of(rs) == 0:
                continue
            count = min(du.replicas_of(rs), limit - total)
            if count < 0:
                raise Requeue(
                    "when scaling down old RS, got invalid request to scale down "
                    f"{_ns_name(rs)} {du.replicas_of(rs)} -> {du.replicas_of(rs) - count}"
                )
            self._scale_and_record(rs, du.replicas_of(rs) - count, d)
            total += count
        return total

    def _rollout_recreate(self, d: Object, rs_list: list[Object]) -> float | None:
        new_rs, old_rss = self._all_replica_sets(d, rs_list, create=False)
        all_rss = [*old_rss, new_rs]
        scaled_down = False
        for rs in du.filter_active(old_rss):
            scaled_down = self._scale_and_record(rs, 0, d)[0] or scaled_down
        if scaled_down:
            return self._sync_rollout_status(all_rss, new_rs, d)
        if self._old_pods_running(new_rs, old_rss, self._pod_map(d, rs_list)):
            return self._sync_rollout_status(all_rss, new_rs, d)
        if new_rs is None:
            new_rs, old_rss = self._all_replica_sets(d, rs_list, create=True)
            all_rss = [*old_rss, new_rs]
        assert new_rs is not None
        self._scale_and_record(new_rs, du.replicas_of(d), d)
        if du.deployment_complete(d, _status(d)):
            self._cleanup(old_rss, d)
        return self._sync_rollout_status(all_rss, new_rs, d)

    @staticmethod
    def _old_pods_running(
        new_rs: Object | None, old_rss: list[Object], pod_map: dict[str, list[Object]]
    ) -> bool:
        if du.actual_replica_count(old_rss) > 0:
            return True
        new_uid = uid_of(new_rs) if new_rs is not None else None
        for rs_uid, pods in sorted(pod_map.items()):
            if rs_uid == new_uid:
                continue
            for pod in pods:
                if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                    return True
        return False

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
            observed = du.status_int(rs, "observedGeneration")
            if (
                du.status_int(rs, "replicas") != 0
                or du.replicas_of(rs) != 0
                or rs["metadata"].get("generation", 0) > observed
            ):
                continue
            try:
                self.client.delete(
                    self.rs_kind, rs["metadata"]["namespace"], rs["metadata"]["name"]
                )
            except NotFound:
                pass

    # ----------------------------------------------------------------------------- status
    def _check_paused_conditions(self, d: Object) -> None:
        if not du.has_progress_deadline(d):
            return
        cond = du.get_condition(_status(d), "Progressing")
        if cond is not None and cond.get("reason") == du.TIMED_OUT_REASON:
            return
        paused_exists = cond is not None and cond.get("reason") == du.PAUSED_REASON
        paused = bool(d["spec"].get("paused"))
        if paused and not paused_exists:
            reason, message = du.PAUSED_REASON, "Deployment is paused"
        elif not paused and paused_exists:
            reason, message = du.RESUMED_REASON, "Deployment is resumed"
        else:
            return
        du.set_condition(
            d.setdefault("status", {}),
            du.new_condition("Progressing", "Unknown", reason, message, self._now()),
        )
        self.client.update_status(d)

    def _calculate_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> Object:
        available = du.available_replica_count(all_rss)
        status: Object = {
            "observedGeneration": d["metadata"].get("generation", 0),
            "replicas": du.actual_replica_count(all_rss),
            "updatedReplicas": du.actual_replica_count([new_rs]),
            "readyReplicas": du.ready_replica_count(all_rss),
            "availableReplicas": available,
            "unavailableReplicas": max(du.replica_count(all_rss) - available, 0),
        }
        status = {k: v for k, v in status.items() if v}  # Go's omitempty
        if _status(d).get("collisionCount") is not None:
            status["collisionCount"] = _status(d)["collisionCount"]
        if _status(d).get("conditions"):
            status["conditions"] = deepcopy(_status(d)["conditions"])
        if available >= du.replicas_of(d) - du.max_unavailable(d):
            cond = du.new_condition(
                "Available",
                "True",
                du.MIN_AVAILABLE_REASON,
                "Deployment has minimum availability.",
                self._now(),
            )
        else:
            cond = du.new_condition(
                "Available",
                "False",
                du.MIN_UNAVAILABLE_REASON,
                "Deployment does not have minimum availability.",
                self._now(),
            )
        du.set_condition(status, cond)
        return status

    def _sync_deployment_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> None:
        status = self._calculate_status(all_rss, new_rs, d)
        if status != _status(d):
            d["status"] = status
            self.client.update_status(d)

    def _sync_rollout_status(
        self, all_rss: list[Object | None], new_rs: Object | None, d: Object
    ) -> float | None:
        """syncRolloutStatus: status plus the Progressing condition; requeue for the deadline."""
        status = self._calculate_status(all_rss, new_rs, d)
        if not du.has_progress_deadline(d):
            du.remove_condition(status, "Progressing")
        current = du.get_condition(_status(d), "Progressing")
        complete_before = (
            status.get("replicas", 0) == status.get("updatedReplicas", 0)
            and current is not None
            and current.get("reason") == du.NEW_RS_AVAILABLE_REASON
        )
        what = (
            f'ReplicaSet "{new_rs["metadata"]["name"]}"'
            if new_rs
            else f'Deployment "{d["metadata"]["name"]}"'
        )
        if du.has_progress_deadline(d) and not complete_before:
            now = self._now()
            if du.deployment_complete(d, status):
                du.set_condition(
                    status,
                    du.new_condition(
                        "Progressing",
                        "True",
                        du.NEW_RS_AVAILABLE_REASON,
                        f"{what} has successfully progressed.",
                        now,
                    ),
                )
            elif du.deployment_progressing(d, status):
                cond = du.new_condition(
                    "Progressing", "True", du.RS_UPDATED_REASON, f"{what} is progressing.", now
                )
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    du.remove_condition(status, "Progressing")
                du.set_condition(status, cond)
            elif du.deployment_timed_out(d, status, self.ctx.now()):
                du.set_condition(
                    status,
                    du.new_condition(
                        "Progressing",
                        "False",
                        du.TIMED_OUT_REASON,
                        f"{what} has timed out progressing.",
                        now,
                    ),
                )
        self._replica_failures(status, all_rss, new_rs)
        if status == _status(d):
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
            cond = du.get_condition(_status(rs) if rs else None, "ReplicaFailure")
            if cond is not None:
                du.set_condition(
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
        du.remove_condition(status, "ReplicaFailure")

    def _requeue_stuck(self, d: Object, status: Object) -> float | None:
        """requeueStuckDeployment: wake up when the progress deadline would pass."""
        current = du.get_condition(_status(d), "Progressing")
        if not du.has_progress_deadline(d) or current is None:
            return None
        if du.deployment_complete(d, status) or current.get("reason") == du.TIMED_OUT_REASON:
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


def _status(obj: Object) -> Object:
    return obj.get("status") or {}


def _ns_name(obj: Object) -> str:
    return f"{obj['metadata'].get('namespace')}/{obj['metadata']['name']}"


def _controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)


def _set_or_drop(spec: Object, field: str, value: int) -> None:
    if value:
        spec[field] = value
    else:
        spec.pop(field, None)
