"""The ReplicaSet controller (`kube-controller-manager/replicaset`): keep N pods matching a
template alive.

Follows pkg/controller/replicaset/replica_set.go. Informers: ReplicaSet and Pod. The pod
handlers feed the expectations (controllers/expectations.py) and enqueue the owning ReplicaSet:
addPod -> CreationObserved; an update that sets deletionTimestamp, and deletePod ->
DeletionObserved; label or owner changes re-evaluate the ReplicaSets concerned. A sync:

1. the ReplicaSet is gone -> drop its expectations;
2. active pods (not Succeeded/Failed, no deletionTimestamp) it controls, claiming orphans that
   match its selector (patch ownerReferences) and releasing owned pods that no longer match;
3. if the expectations are satisfied (or expired), manageReplicas: create the missing pods in
   slow-start batches 1, 2, 4, ... (at most BurstReplicas=500 per sync), or delete the surplus
   in Kubernetes' preference order (podutil.pods_to_delete);
4. write status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
   observedGeneration) only when it changed (replicaset_status.py).

Registered by controllers/__init__.py default_processes; run by kubesim/sim.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec, Requeue
from kubesim.controllers.expectations import ControllerExpectations
from kubesim.controllers.podutil import is_active, is_ready, pods_to_delete
from kubesim.controllers.replicaset_status import calculate_status, update_status
from kubesim.model.errors import ApiError, NotFound
from kubesim.model.labels import matches, selector_from_spec
from kubesim.model.objects import (
    cache_key,
    controller_ref,
    deepcopy,
    labels_of,
    new_controller_ref,
    resource_version_of,
)

Object = dict[str, Any]

#: replica_set.go BurstReplicas: the most pods one sync creates or deletes
BURST_REPLICAS = 500
#: controller_utils.go SlowStartInitialBatchSize
SLOW_START_INITIAL_BATCH_SIZE = 1
#: a Pod index: pods without a controller, by namespace (the only ones a sync may adopt)
ORPHANS = "orphans"


class ReplicaSetController(Controller):
    name = "replicaset"
    component = "replicaset-controller"
    workers = 5  # --concurrent-replicaset-syncs

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec("ReplicaSet"), InformerSpec("Pod", indexers={ORPHANS: _orphan_index})]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.rs_kind = ctx.kinds("ReplicaSet")
        self.pod_kind = ctx.kinds("Pod")
        self.replica_sets = ctx.lister("ReplicaSet")
        self.pods = ctx.lister("Pod")
        self.expectations = ControllerExpectations(ctx.now)
        ctx.handle(
            "ReplicaSet",
            Handler(on_add=self._enqueue_rs, on_update=self._update_rs, on_delete=self._delete_rs),
        )
        ctx.handle(
            "Pod",
            Handler(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod),
        )

    # ----------------------------------------------------------------------------- handlers

    def reset(self) -> None:
        """A restarted controller has no expectations: it trusts its fresh LIST."""
        self.expectations = ControllerExpectations(self.ctx.now)

    def _enqueue_rs(self, rs: Object) -> None:
        self.ctx.enqueue(cache_key(rs))

    def _update_rs(self, old: Object, cur: Object) -> None:
        if old["metadata"].get("uid") != cur["metadata"].get("uid"):
            self._delete_rs(old)  # deleted and recreated under the same name
        self._enqueue_rs(cur)

    def _delete_rs(self, obj: Any) -> None:
        key = cache_key(object_of(obj))
        self.expectations.delete(key)
        self.ctx.enqueue(key)

    def _resolve(self, namespace: str, ref: Object | None) -> Object | None:
        """The ReplicaSet a controllerRef points to, if it is in the cache with that UID."""
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.replica_sets.get(namespace, ref.get("name", ""))
        if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
            return None
        return rs

    def _matching_replica_sets(self, pod: Object) -> list[Object]:
        """getPodReplicaSets: ReplicaSets whose selector matches an orphan pod's labels."""
        ns = pod["metadata"].get("namespace", "")
        found = [
            rs
            for rs in self.replica_sets.list(ns)
            if (rs.get("spec") or {}).get("selector")
            and matches(selector_from_spec(rs["spec"]["selector"]), labels_of(pod))
        ]
        return sorted(found, key=cache_key)

    def _add_pod(self, pod: Object) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            # on a restart a pod may already be terminating: it must not count as a creation
            self._delete_pod(pod)
            return
        ns = pod["metadata"].get("namespace", "")
        ref = controller_ref(pod)
        if ref is not None:
            rs = self._resolve(ns, ref)
            if rs is not None:
                key = cache_key(rs)
                self.expectations.creation_observed(key)
                self.ctx.enqueue(key)
            return
        for rs in self._matching_replica_sets(pod):  # an orphan: whoever matches may adopt it
            self._enqueue_rs(rs)

    def _update_pod(self, old: Object, cur: Object) -> None:
        if resource_version_of(old) == resource_version_of(cur):
            return  # a resync: nothing changed
        label_changed = labels_of(old) != labels_of(cur)
        if cur["metadata"].get("deletionTimestamp"):
            # a graceful delete: the kubelet deletes the pod later, but for the ReplicaSet it is
            # gone now, so a replacement is created straight away
            self._delete_pod(cur)
            if label_changed:
                self._delete_pod(old)
            return
        ns = cur["metadata"].get("namespace", "")
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            rs = self._resolve(ns, old_ref)
            if rs is not None:
                self._enqueue_rs(rs)
        if cur_ref is not None:
            rs = self._resolve(ns, cur_ref)
            if rs is None:
                return
            self._enqueue_rs(rs)
            min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
            if min_ready > 0 and not is_ready(old) and is_ready(cur):
                # check availability again once minReadySeconds have passed
                self.ctx.enqueue_after(cache_key(rs), min_ready + 1.0)
            return
        if label_changed or ref_changed:
            for rs in self._matching_replica_sets(cur):
                self._enqueue_rs(rs)

    def _delete_pod(self, obj: Any) -> None:
        pod = object_of(obj)
        rs = self._resolve(pod["metadata"].get("namespace", ""), controller_ref(pod))
        if rs is None:
            return
        key = cache_key(rs)
        self.expectations.deletion_observed(key, cache_key(pod))
        self.ctx.enqueue(key)

    # ----------------------------------------------------------------------------- sync
    def reconcile(self, key: str) -> float | None:
        ns, name = key.split("/", 1)
        rs = self.replica_sets.get(ns, name)
        if rs is None:
            self.expectations.delete(key)
            return None
        needs_sync = self.expectations.satisfied(key)
        pods = self._claim_pods(rs)
        error: ApiError | None = None
        if needs_sync and not rs["metadata"].get("deletionTimestamp"):
            error = self._manage_replicas(key, rs, pods)
        status = calculate_status(rs, pods, error, self.ctx.now())
        update_status(self.ctx.client, self.rs_kind, rs, status)
        if error is not None:
            raise Requeue(str(error))
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        if (
            min_ready > 0
            and status["readyReplicas"] == rs["spec"].get("replicas", 1)
            and status["availableReplicas"] != status["readyReplicas"]
        ):
            return float(min_ready)
        return None

    def _claim_pods(self, rs: Object) -> list[Object]:
        """The active pods this ReplicaSet controls, after ControllerRefManager.ClaimPods:
        owned pods that stopped matching the selector are released, matching orphans adopted.
        Pods another controller owns are never looked at (the owner index keeps them out)."""
        selector = selector_from_spec((rs.get("spec") or {}).get("selector"))
        deleting = bool(rs["metadata"].get("deletionTimestamp"))
        uid = rs["metadata"].get("uid", "")
        claimed: list[Object] = []
        for pod in self.pods.by_controller(uid):
            if not is_active(pod):
                continue
            if matches(selector, labels_of(pod)):
                claimed.append(pod)
            elif not deleting:
                self._patch_owner(pod, None, uid)
        if deleting:
            return claimed
        ns = rs["metadata"].get("namespace")
        for pod in self.pods.by_index(ORPHANS, ns or ""):
            if not is_active(pod) or not matches(selector, labels_of(pod)):
                continue  # a terminating orphan is never adopted
            adopted = self._patch_owner(pod, new_controller_ref(rs), uid)
            if adopted is not None:
                claimed.append(adopted)
        return claimed

    def _patch_owner(self, pod: Object, ref: Object | None, rs_uid: str | None) -> Object | None:
        """Adopt (ref given) or release (ref None) a pod; None if it is gone or taken."""
        pod_uid = pod["metadata"].get("uid")

        def mutate(live: Object) -> Object | None:
            md = live["metadata"]
            if md.get("uid") != pod_uid:
                return None  # the precondition: the same pod, not one recreated by that name
            refs = [r for r in md.get("ownerReferences") or [] if r.get("uid") != rs_uid]
            if ref is not None:
                if any(r.get("controller") for r in refs):
                    return None  # another controller was faster
                refs.append(ref)
            if refs:
                md["ownerReferences"] = refs
            else:
                md.pop("ownerReferences", None)
            return live

        try:
            live = self.ctx.client.patch(
                self.pod_kind, pod["metadata"].get("namespace"), pod["metadata"]["name"], mutate
            )
        except NotFound:
            return None
        if ref is not None and (controller_ref(live) or {}).get("uid") != rs_uid:
            return None
        return live

    def _manage_replicas(self, key: str, rs: Object, pods: list[Object]) -> ApiError | None:
        diff = len(pods) - int(rs["spec"].get("replicas", 1))
        if diff < 0:
            return self._create_pods(key, rs, min(-diff, BURST_REPLICAS))
        if diff > 0:
            return self._delete_pods(key, rs, pods, min(diff, BURST_REPLICAS))
        return None

    def _create_pods(self, key: str, rs: Object, count: int) -> ApiError | None:
        """ExpectCreations, then slowStartBatch: 1, 2, 4, ... creates; stop at a failing batch."""
        self.expectations.expect_creations(key, count)
        created, remaining = 0, count
        batch = min(remaining, SLOW_START_INITIAL_BATCH_SIZE)
        error: ApiError | None = None
        while batch > 0:
            for _ in range(batch):
                try:
                    pod = self.ctx.client.create(self._pod_from_template(rs))
                except ApiError as e:
                    error = error or e
                    self.ctx.record_event(rs, "Warning", "FailedCreate", f"Error creating: {e}")
                    continue
                created += 1
                self.ctx.record_event(
                    rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
                )
            if error is not None:
                break
            remaining -= batch
            batch = min(2 * batch, remaining)
        skipped = count - created
        if skipped > 0:
            # the informer will never see these creations: stop waiting for them
            self.expectations.lower(key, adds=skipped)
        return error

    def _pod_from_template(self, rs: Object) -> Object:
        """controller.GetPodFromTemplate: generateName "<rs>-", the template's labels,
        annotations, finalizers and spec, and one controllerRef."""
        template = (rs.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        md: Object = {
            "generateName": f"{rs['metadata']['name']}-",
            "namespace": rs["metadata"].get("namespace", "default"),
            "labels": dict(tmeta.get("labels") or {}),
            "ownerReferences": [new_controller_ref(rs)],
        }
        for field in ("annotations", "finalizers"):
            if tmeta.get(field):
                md[field] = deepcopy(tmeta[field])
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": md,
            "spec": deepcopy(template.get("spec") or {}),
        }

    def _delete_pods(self, key: str, rs: Object, pods: list[Object], count: int) -> ApiError | None:
        victims = pods_to_delete(pods, self._related_pods(rs), count, self.ctx.now())
        self.expectations.expect_deletions(key, [cache_key(p) for p in victims])
        error: ApiError | None = None
        for pod in victims:
            md = pod["metadata"]
            try:
                self.ctx.client.delete(self.pod_kind, md.get("namespace"), md["name"])
            except ApiError as e:
                # the informer will not observe this deletion: do not wait for it
                self.expectations.deletion_observed(key, cache_key(pod))
                if not isinstance(e, NotFound):
                    error = error or e
                    self.ctx.record_event(rs, "Warning", "FailedDelete", f"Error deleting: {e}")
                continue
            self.ctx.record_event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {md['name']}")
        return error

    def _related_pods(self, rs: Object) -> list[Object]:
        """getIndirectlyRelatedPods: pods of every ReplicaSet with the same controller (the
        Deployment's other ReplicaSets); none if this ReplicaSet has no controller."""
        owner = controller_ref(rs)
        if owner is None:
            return []
        related: dict[str, Object] = {}
        for other in self.replica_sets.list(rs["metadata"].get("namespace")):
            if (controller_ref(other) or {}).get("uid") != owner.get("uid"):
                continue
            selector_spec = (other.get("spec") or {}).get("selector")
            if not selector_spec:
                continue
            for pod in self.pods.by_selector(
                other["metadata"].get("namespace"), selector_from_spec(selector_spec)
            ):
                related.setdefault(pod["metadata"].get("uid", ""), pod)
        return list(related.values())


def _orphan_index(pod: Object) -> list[str]:
    return [pod["metadata"].get("namespace", "")] if controller_ref(pod) is None else []
