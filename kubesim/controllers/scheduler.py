"""The scheduler (`scheduler`): bind each pending pod to a node that fits it.

Its projection is Pods and Nodes only (no Services, no ReplicaSets). Pending pods (no nodeName,
schedulerName default-scheduler, not being deleted) are queued by key; one worker schedules one
pod at a time, as kube-scheduler's scheduleOne does:

- filter (NodeUnschedulable, TaintToleration for the not-ready taint, NodeResourcesFit): the
  node is Ready and schedulable, has room for one more pod, and the cpu/memory requests of its
  pods plus this pod's stay within allocatable;
- score: NodeResourcesFit LeastAllocated (with schedutil's non-zero default requests, so pods
  that request nothing count too) plus, weighted 2, PodTopologySpread's system default that
  spreads one controller's pods over the nodes (approximated by controller UID: the scheduler
  has no ReplicaSet informer here); the best score wins, ties drawn with the seeded rng as
  selectHost does;
- bind (POST pods/binding) and *assume* the pod on the node at once, so that the next pod is
  placed knowing about it although the cache has not seen the binding yet; event Scheduled.

The per-node totals are the scheduler cache's NodeInfo, kept up to date by the pod handlers
(recomputed from the informer after a relist). A pod that fits nowhere gets PodScheduled=False
reason Unschedulable with kube-scheduler v1.32's message, a FailedScheduling event, and waits
(like the unschedulable queue) until a node is added or changes, or a bound pod goes away; it is
then retried after its backoff (1 s doubling to 10 s). The plugins and the failure message are in
scheduler_plugins.py. Run by kubesim/sim.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec
from kubesim.controllers.podutil import (
    is_terminal,
    patch_pod_status,
    pod_requests,
    set_condition,
)
from kubesim.controllers.scheduler_plugins import (
    NodeInfo,
    Usage,
    filter_node,
    fit_error,
    node_ready,
    score_nodes,
)
from kubesim.model.errors import Conflict, NotFound
from kubesim.model.objects import (
    cache_key,
    controller_ref,
    format_timestamp,
    resource_version_of,
)

Object = dict[str, Any]

SCHEDULER_NAME = "default-scheduler"
#: kube-scheduler podInitialBackoffSeconds / podMaxBackoffSeconds
INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0


def _pending(pod: Object) -> bool:
    spec = pod.get("spec") or {}
    return (
        not spec.get("nodeName")
        and not pod["metadata"].get("deletionTimestamp")
        and spec.get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME
    )


def _usage(pod: Object) -> Usage:
    owner = (controller_ref(pod) or {}).get("uid", "")
    return (*pod_requests(pod), *pod_requests(pod, non_zero=True), owner)


class Scheduler(Controller):
    name = "kube-scheduler"
    component = "default-scheduler"
    workers = 1  # scheduleOne: one pod at a time

    def informers(self) -> list[InformerSpec]:
        # what kube-scheduler 1.32 starts with its default plugins, of the kinds kubesim has:
        # Pods and Nodes (the scheduling queue and cache), Namespaces (InterPodAffinity),
        # Services and ReplicaSets (PodTopologySpread's default spreading selector); it also
        # watches what kubesim does not model: ReplicationControllers, StatefulSets, PVCs,
        # PVs, StorageClasses, CSINodes, CSIDrivers, CSIStorageCapacities and PDBs
        return [
            InformerSpec(kind) for kind in ("Pod", "Node", "Namespace", "Service", "ReplicaSet")
        ]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.pod_kind = ctx.kinds("Pod")
        self.pods = ctx.lister("Pod")
        self.nodes = ctx.lister("Node")
        self._cache_of: Any = None  # the informer cache the NodeInfos were built from
        self.node_infos: dict[str, NodeInfo] = {}
        self._placed: dict[str, str] = {}  # pod key -> node it is counted on
        #: pods bound by this scheduler whose binding the cache has not shown yet: revision
        self.assumed: dict[str, int] = {}
        #: unschedulable pods: key -> (attempts, time of the last attempt)
        self.unschedulable: dict[str, tuple[int, float]] = {}
        ctx.handle(
            "Pod",
            Handler(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod),
        )
        ctx.handle("Node", Handler(on_add=self._node_changed, on_update=self._update_node))

    # ----------------------------------------------------------------------------- cache

    def reset(self) -> None:
        """A restarted scheduler forgets its assumed pods and node totals (rebuilt from the
        fresh LIST)."""
        self._cache_of = None
        self.node_infos = {}
        self._placed = {}
        self.assumed = {}
        self.unschedulable = {}

    def _sync_cache(self) -> None:
        """Rebuild the NodeInfos if the informer was reset (a restart relists into a new
        cache and the handlers cannot tell what vanished meanwhile)."""
        cache = self.ctx.informers["Pod"].cache
        if cache is self._cache_of:
            return
        self._cache_of = cache
        self.node_infos, self._placed, self.assumed = {}, {}, {}
        for pod in self.pods.list():
            self._account(pod)

    def _account(self, pod: Object) -> None:
        """Count the pod on its node (or stop counting it), as the scheduler cache does."""
        key = cache_key(pod)
        node = (pod.get("spec") or {}).get("nodeName", "")
        if key in self.assumed:
            if not node and resource_version_of(pod) < self.assumed[key]:
                return  # an event from before our binding: keep the assumption
            del self.assumed[key]
        self._forget(key)
        if node and not is_terminal(pod):
            self.node_infos.setdefault(node, NodeInfo()).add(key, _usage(pod))
            self._placed[key] = node

    def _forget(self, key: str) -> None:
        node = self._placed.pop(key, None)
        if node is not None:
            self.node_infos[node].remove(key)

    # ----------------------------------------------------------------------------- handlers
    def _add_pod(self, pod: Object) -> None:
        if self._cache_of is self.ctx.informers["Pod"].cache:
            self._account(pod)
        if _pending(pod):
            self.ctx.enqueue(cache_key(pod))

    def _update_pod(self, old: Object, cur: Object) -> None:
        if self._cache_of is self.ctx.informers["Pod"].cache:
            was_counted = cache_key(cur) in self._placed
            self._account(cur)
            if was_counted and cache_key(cur) not in self._placed:
                self._retry_unschedulable()  # a pod finished: its room is free
        if not _pending(cur):
            return
        key = cache_key(cur)
        if key in self.unschedulable and not _spec_changed(old, cur):
            return  # our own status write, or another status change: nothing new to try
        self.ctx.enqueue(key)

    def _delete_pod(self, obj: Any) -> None:
        pod = object_of(obj)
        key = cache_key(pod)
        self.unschedulable.pop(key, None)
        self.assumed.pop(key, None)
        if key in self._placed:
            self._forget(key)
            self._retry_unschedulable()

    def _node_changed(self, node: Object) -> None:
        self._retry_unschedulable()

    def _update_node(self, old: Object, cur: Object) -> None:
        if (
            old.get("spec") != cur.get("spec")
            or (old.get("status") or {}).get("allocatable")
            != (cur.get("status") or {}).get("allocatable")
            or node_ready(old) != node_ready(cur)
        ):
            self._retry_unschedulable()

    def _retry_unschedulable(self) -> None:
        """movePodsToActiveOrBackoffQueue: retry every unschedulable pod after its backoff."""
        now = self.ctx.now()
        for key in sorted(self.unschedulable):
            attempts, last = self.unschedulable[key]
            backoff = min(INITIAL_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
            delay = last + backoff - now
            if delay > 0:
                self.ctx.enqueue_after(key, delay)
            else:
                self.ctx.enqueue(key)

    # ----------------------------------------------------------------------------- schedule
    def reconcile(self, key: str) -> float | None:
        self._sync_cache()
        ns, name = key.split("/", 1)
        pod = self.pods.get(ns, name)
        if pod is None or not _pending(pod) or key in self.assumed:
            self.unschedulable.pop(key, None)
            return None
        nodes = sorted(self.nodes.list(), key=lambda n: n["metadata"]["name"])
        cpu, memory, score_cpu, score_memory, owner = _usage(pod)
        fits: list[Object] = []
        reasons: dict[str, list[str]] = {}
        for node in nodes:
            why = filter_node(node, self.node_infos, cpu, memory)
            if why:
                reasons[node["metadata"]["name"]] = why
            else:
                fits.append(node)
        feasible = score_nodes(fits, self.node_infos, score_cpu, score_memory, owner)
        if not feasible:
            self._unschedulable(pod, len(nodes), reasons)
            return None
        best = max(score for score, _ in feasible)
        winners = [n for score, n in feasible if score == best]
        chosen = winners[0] if len(winners) == 1 else self.ctx.rng.choice(winners)
        self._bind(pod, chosen)
        return None

    def _bind(self, pod: Object, node: str) -> None:
        md = pod["metadata"]
        key = cache_key(pod)
        try:
            bound = self.ctx.client.bind(md["namespace"], md["name"], node)
        except (Conflict, NotFound):
            return  # already bound (a stale cache) or gone: its next event tells
        self.unschedulable.pop(key, None)
        self._forget(key)
        self.node_infos.setdefault(node, NodeInfo()).add(key, _usage(bound))
        self._placed[key] = node
        self.assumed[key] = resource_version_of(bound)
        self.ctx.record_event(
            pod,
            "Normal",
            "Scheduled",
            f"Successfully assigned {md['namespace']}/{md['name']} to {node}",
        )

    def _unschedulable(self, pod: Object, total: int, reasons: dict[str, list[str]]) -> None:
        """FitError: the PodScheduled=False condition, the FailedScheduling event, and wait."""
        message = fit_error(total, reasons)
        key = cache_key(pod)
        attempts, _ = self.unschedulable.get(key, (0, 0.0))
        self.unschedulable[key] = (attempts + 1, self.ctx.now())
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": format_timestamp(self.ctx.now()),
            "reason": "Unschedulable",
            "message": message,
        }
        current = (pod.get("status") or {}).get("conditions") or []
        if set_condition(current, condition) != current:

            def mutate(live: Object) -> Object | None:
                status = live.setdefault("status", {})
                old = status.get("conditions") or []
                new = set_condition(old, condition)
                if new == old:
                    return None
                status["conditions"] = new
                status.setdefault("phase", "Pending")
                return live

            if not patch_pod_status(self.ctx.client, self.pod_kind, pod, mutate):
                return
        self.ctx.record_event(pod, "Warning", "FailedScheduling", message)


def _spec_changed(old: Object, cur: Object) -> bool:
    """isPodUpdated: anything but status, resourceVersion and managedFields changed."""

    def strip(pod: Object) -> tuple[Any, ...]:
        md = {
            k: v
            for k, v in pod["metadata"].items()
            if k not in ("resourceVersion", "managedFields", "generation")
        }
        return md, pod.get("spec")

    return strip(old) != strip(cur)
