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
then retried after its backoff (1 s doubling to 10 s). Run by kubesim/sim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec
from kubesim.controllers.podutil import (
    bytes_of,
    is_terminal,
    milli_cpu,
    pod_requests,
    set_condition,
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
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_READY_TAINT = "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"


Usage = tuple[int, int, int, int, str]  # cpu, memory, scoring cpu, scoring memory, owner uid


@dataclass
class NodeInfo:
    """What is allocated on one node: requests summed over its (and assumed) pods, and how many
    pods of each controller (ReplicaSet) it runs, for spreading."""

    pods: int = 0
    cpu: int = 0
    memory: int = 0
    # the non-zero requests, for scoring
    score_cpu: int = 0
    score_memory: int = 0
    owners: dict[str, int] = field(default_factory=dict)
    members: dict[str, Usage] = field(default_factory=dict)

    def add(self, key: str, usage: Usage) -> None:
        self.members[key] = usage
        self._count(usage, 1)

    def remove(self, key: str) -> None:
        self._count(self.members.pop(key), -1)

    def _count(self, usage: Usage, sign: int) -> None:
        self.pods += sign
        self.cpu += sign * usage[0]
        self.memory += sign * usage[1]
        self.score_cpu += sign * usage[2]
        self.score_memory += sign * usage[3]
        if usage[4]:
            self.owners[usage[4]] = self.owners.get(usage[4], 0) + sign


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


def _ready(node: Object) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


class Scheduler(Controller):
    name = "scheduler"
    workers = 1  # scheduleOne: one pod at a time

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec("Pod"), InformerSpec("Node")]

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
            or _ready(old) != _ready(cur)
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
            why = self._filter(node, cpu, memory)
            if why:
                reasons[node["metadata"]["name"]] = why
            else:
                fits.append(node)
        feasible = self._scores(fits, score_cpu, score_memory, owner)
        if not feasible:
            self._unschedulable(pod, len(nodes), reasons)
            return None
        best = max(score for score, _ in feasible)
        winners = [n for score, n in feasible if score == best]
        chosen = winners[0] if len(winners) == 1 else self.ctx.rng.choice(winners)
        self._bind(pod, chosen)
        return None

    def _filter(self, node: Object, cpu: int, memory: int) -> list[str]:
        """The Filter plugins' reasons why the pod cannot go on this node (empty: it fits)."""
        if (node.get("spec") or {}).get("unschedulable"):
            return ["node(s) were unschedulable"]
        if not _ready(node):
            return [NOT_READY_TAINT]
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        info = self.node_infos.get(node["metadata"]["name"]) or NodeInfo()
        why = []
        if info.pods + 1 > _int(allocatable.get("pods", "110"), pods=True):
            why.append("Too many pods")
        if cpu and info.cpu + cpu > _int(allocatable.get("cpu", "0"), cpu=True):
            why.append("Insufficient cpu")
        if memory and info.memory + memory > _int(allocatable.get("memory", "0")):
            why.append("Insufficient memory")
        return why

    def _scores(
        self, nodes: list[Object], cpu: int, memory: int, owner: str
    ) -> list[tuple[int, str]]:
        """Score plugins: NodeResourcesFit (LeastAllocated, weight 1) and PodTopologySpread's
        system default (spread a controller's pods over hostnames, weight 2)."""
        infos = [self.node_infos.get(n["metadata"]["name"]) or NodeInfo() for n in nodes]
        counts = [info.owners.get(owner, 0) if owner else 0 for info in infos]
        most, least = max(counts, default=0), min(counts, default=0)
        scored = []
        for node, info, count in zip(nodes, infos, counts, strict=True):
            spread = 100 * (most + least - count) // most if most else 100
            scored.append(
                (_least_allocated(node, info, cpu, memory) + 2 * spread, node["metadata"]["name"])
            )
        return scored

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

            try:
                self.ctx.client.patch(
                    self.pod_kind,
                    pod["metadata"]["namespace"],
                    pod["metadata"]["name"],
                    mutate,
                    subresource="status",
                )
            except NotFound:
                return
        self.ctx.record_event(pod, "Warning", "FailedScheduling", message)


def fit_error(total: int, reasons: dict[str, list[str]]) -> str:
    """FitError.Error() of v1.32, with the default preemption plugin's PostFilter message:
    `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available:
    3 No preemption victims found for incoming pod.`"""
    if total == 0:
        return "no nodes available to schedule pods"
    histogram: dict[str, int] = {}
    preemption: dict[str, int] = {}
    for why in reasons.values():
        for reason in why:
            histogram[reason] = histogram.get(reason, 0) + 1
        # only resources can be freed by preempting pods (none have a lower priority here)
        unresolvable = any(r.startswith("node(s)") for r in why)
        outcome = NOT_HELPFUL if unresolvable else NO_VICTIMS
        preemption[outcome] = preemption.get(outcome, 0) + 1
    filtered = ", ".join(sorted(f"{n} {r}" for r, n in histogram.items()))
    post = ", ".join(sorted(f"{n} {r}" for r, n in preemption.items()))
    return (
        f"0/{total} nodes are available: {filtered}. "
        f"preemption: 0/{total} nodes are available: {post}."
    )


def _least_allocated(node: Object, info: NodeInfo, cpu: int, memory: int) -> int:
    """The mean free share (0..100) of cpu and memory once the pod is placed."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    total = 0
    for used, capacity in (
        (info.score_cpu + cpu, _int(allocatable.get("cpu", "0"), cpu=True)),
        (info.score_memory + memory, _int(allocatable.get("memory", "0"))),
    ):
        if capacity > 0 and used <= capacity:
            total += (capacity - used) * 100 // capacity
    return total // 2


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


def _int(value: Any, *, cpu: bool = False, pods: bool = False) -> int:
    """An allocatable quantity as an integer (cpu in millicores)."""
    try:
        return milli_cpu(value) if cpu else bytes_of(value)
    except ValueError:
        return 0 if not pods else 110
