"""The scheduler's plugins: where a pod may go, which node is best, and why it fits nowhere.

- `NodeInfo` (framework.NodeInfo): what is allocated on one node, kept by the scheduler's cache;
- `filter_node`, the Filter plugins: NodeUnschedulable, TaintToleration for the not-ready taint,
  NodeResourcesFit (room for one more pod, cpu and memory requests within allocatable);
- `score_nodes`, the Score plugins: NodeResourcesFit LeastAllocated (weight 1) and
  PodTopologySpread's system default spreading a controller's pods over hostnames (weight 2);
- `fit_error`: FitError.Error() of v1.32 with the default preemption plugin's PostFilter message,
  the PodScheduled=False message and FailedScheduling event of a pod that fits nowhere.

Pure functions; called by the scheduler's scheduleOne (controllers/scheduler.py). Follows
pkg/scheduler/framework/types.go (NodeInfo), framework/plugins/{nodeunschedulable,
tainttoleration, noderesources, podtopologyspread, defaultpreemption} and
framework/types.go FitError of Kubernetes v1.32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.controllers.podutil import bytes_of, milli_cpu

Object = dict[str, Any]

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


def node_ready(node: Object) -> bool:
    """The node's Ready condition is True."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def filter_node(node: Object, node_infos: dict[str, NodeInfo], cpu: int, memory: int) -> list[str]:
    """The Filter plugins' reasons why the pod cannot go on this node (empty: it fits)."""
    if (node.get("spec") or {}).get("unschedulable"):
        return ["node(s) were unschedulable"]
    if not node_ready(node):
        return [NOT_READY_TAINT]
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    info = node_infos.get(node["metadata"]["name"]) or NodeInfo()
    why = []
    if info.pods + 1 > _int(allocatable.get("pods", "110"), pods=True):
        why.append("Too many pods")
    if cpu and info.cpu + cpu > _int(allocatable.get("cpu", "0"), cpu=True):
        why.append("Insufficient cpu")
    if memory and info.memory + memory > _int(allocatable.get("memory", "0")):
        why.append("Insufficient memory")
    return why


def score_nodes(
    nodes: list[Object], node_infos: dict[str, NodeInfo], cpu: int, memory: int, owner: str
) -> list[tuple[int, str]]:
    """Score plugins: NodeResourcesFit (LeastAllocated, weight 1) and PodTopologySpread's
    system default (spread a controller's pods over hostnames, weight 2)."""
    infos = [node_infos.get(n["metadata"]["name"]) or NodeInfo() for n in nodes]
    counts = [info.owners.get(owner, 0) if owner else 0 for info in infos]
    most, least = max(counts, default=0), min(counts, default=0)
    scored = []
    for node, info, count in zip(nodes, infos, counts, strict=True):
        spread = 100 * (most + least - count) // most if most else 100
        scored.append(
            (_least_allocated(node, info, cpu, memory) + 2 * spread, node["metadata"]["name"])
        )
    return scored


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


def _int(value: Any, *, cpu: bool = False, pods: bool = False) -> int:
    """An allocatable quantity as an integer (cpu in millicores)."""
    try:
        return milli_cpu(value) if cpu else bytes_of(value)
    except ValueError:
        return 0 if not pods else 110
