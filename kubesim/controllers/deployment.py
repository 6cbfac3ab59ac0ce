"""The Deployment controller (`kube-controller-manager/deployment`, 5 workers).

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
informers' caches; writes go through the client.

This module is the controller itself (deployment_controller.go): informers, event handlers, the
sync dispatch, and claiming ReplicaSets. Its steps are mixins, one per Kubernetes file:
deployment_sync.py (sync.go: the new ReplicaSet, scaling, cleanup), deployment_rollout.py
(rolling.go, recreate.go) and deployment_status.py (sync.go's status, progress.go); the pure
helpers are deployment_util.py (hash and revisions), deployment_replicas.py (replica
arithmetic) and deployment_conditions.py (conditions).
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers import deployment_replicas as dr
from kubesim.controllers.base import (
    Controller,
    ControllerContext,
    InformerSpec,
    split_key,
)
from kubesim.controllers.deployment_rollout import DeploymentRollout
from kubesim.controllers.deployment_status import DeploymentStatus
from kubesim.controllers.deployment_sync import DeploymentSync
from kubesim.model.errors import NotFound
from kubesim.model.labels import matches, selector_from_spec
from kubesim.model.objects import (
    controller_ref,
    deepcopy,
    labels_of,
    new_controller_ref,
    resource_version_of,
    uid_of,
)

Object = dict[str, Any]


class DeploymentController(DeploymentSync, DeploymentRollout, DeploymentStatus, Controller):
    name = "deployment"
    component = "deployment-controller"
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
        ctx.handle("Deployment", Handler.each(self._enqueue))
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
        if d is None or dr.is_rolling_update(d):
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
            if dr.status_of(d).get("observedGeneration", 0) < d["metadata"].get("generation", 0):
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
        if dr.is_rolling_update(d):
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
        for rs in sorted(candidates.values(), key=dr.by_creation):
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


def _controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)
