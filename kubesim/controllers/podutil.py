"""Pod helpers shared by the ReplicaSet controller, the scheduler and the kubelets.

What Kubernetes keeps in pkg/api/v1/pod (IsPodReady, IsPodAvailable, conditions),
pkg/controller/controller_utils.go (IsPodActive) and pkg/api/v1/resource (pod requests):
phase, readiness, availability after minReadySeconds, condition updates that keep
lastTransitionTime when the status did not change, and resource requests as integers
(cpu in millicores, memory in bytes). Objects passed in are never mutated; the one writer,
`patch_pod_status`, PATCHes pods/status through the client.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cmp_to_key, lru_cache
from typing import Any

from kubesim.api.validation.quantity import QuantityError, quantity_of
from kubesim.client.clientset import Client
from kubesim.model.errors import NotFound
from kubesim.model.kinds import Kind
from kubesim.model.objects import parse_timestamp

Object = dict[str, Any]

#: the phase of a pod the API server has not given one yet (it is Pending)
PENDING = "Pending"
#: ActivePods ranking: Pending < Unknown < Running (controller_utils.go podPhaseToOrdinal)
PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}

#: schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a pod
#: that requests nothing, so that empty pods still spread
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


def phase_of(pod: Object) -> str:
    return (pod.get("status") or {}).get("phase") or PENDING


def is_terminal(pod: Object) -> bool:
    return phase_of(pod) in ("Succeeded", "Failed")


def is_active(pod: Object) -> bool:
    """controller.IsPodActive: not Succeeded/Failed and not being deleted."""
    return not is_terminal(pod) and not (pod.get("metadata") or {}).get("deletionTimestamp")


def get_condition(pod: Object, ctype: str) -> Object | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def is_ready(pod: Object) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    cond = get_condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Object) -> float | None:
    """When the pod became Ready (the Ready condition's lastTransitionTime), None if not ready."""
    cond = get_condition(pod, "Ready")
    if cond is None or cond.get("status") != "True" or not cond.get("lastTransitionTime"):
        return None
    return parse_timestamp(cond["lastTransitionTime"])


def is_available(pod: Object, min_ready_seconds: int, now: float) -> bool:
    """podutil.IsPodAvailable: ready, and for longer than minReadySeconds."""
    if not is_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = ready_since(pod)
    return since is not None and since + min_ready_seconds < now


def set_condition(conditions: list[Object], new: Object) -> list[Object]:
    """A copy of `conditions` with `new` in place of the condition of its type.

    As the kubelet and the scheduler do, lastTransitionTime is kept when the status did not
    change, so writing the same condition again changes nothing.
    """
    out = []
    found = False
    for cond in conditions:
        if cond.get("type") != new["type"]:
            out.append(cond)
            continue
        found = True
        merged = dict(new)
        if cond.get("status") == new.get("status") and cond.get("lastTransitionTime"):
            merged["lastTransitionTime"] = cond["lastTransitionTime"]
        out.append(merged)
    if not found:
        out.append(dict(new))
    return out


def patch_pod_status(
    client: Client, pod_kind: Kind, pod: Object, mutate: Callable[[Object], Object | None]
) -> bool:
    """PATCH pods/status of `pod` through `mutate` (None: nothing to write); False if the pod
    is gone. How the kubelet's status manager and the scheduler write pod status."""
    try:
        client.patch(
            pod_kind,
            pod["metadata"]["namespace"],
            pod["metadata"]["name"],
            mutate,
            subresource="status",
        )
    except NotFound:
        return False
    return True


def container_names(pod: Object) -> list[str]:
    return [c.get("name", "") for c in containers_of(pod)]


def containers_of(pod: Object) -> list[Object]:
    """spec.containers (the app containers; init containers are not simulated)."""
    return (pod.get("spec") or {}).get("containers") or []


def deletion_cost(pod: Object) -> int:
    """The controller.kubernetes.io/pod-deletion-cost annotation (0 if absent or invalid)."""
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(
        "controller.kubernetes.io/pod-deletion-cost"
    )
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def max_restarts(pod: Object) -> int:
    return max(
        (
            cs.get("restartCount", 0)
            for cs in (pod.get("status") or {}).get("containerStatuses") or []
        ),
        default=0,
    )


# ------------------------------------------------------------------------------- resources


@lru_cache(maxsize=1024)
def milli_cpu(value: Any) -> int:
    """A cpu quantity in millicores, rounded up as Quantity.MilliValue does."""
    return math.ceil(quantity_of(value) * 1000)


@lru_cache(maxsize=1024)
def bytes_of(value: Any) -> int:
    """A memory (or any integer) quantity, rounded up as Quantity.Value does."""
    return math.ceil(quantity_of(value))


def _requests_of(container: Object) -> tuple[int, int, bool, bool]:
    requests = (container.get("resources") or {}).get("requests") or {}
    cpu = mem = 0
    try:
        if "cpu" in requests:
            cpu = milli_cpu(requests["cpu"])
        if "memory" in requests:
            mem = bytes_of(requests["memory"])
    except QuantityError:
        pass  # the API server rejects such pods; a hand-made cache object counts as zero
    return cpu, mem, "cpu" in requests, "memory" in requests


def pod_requests(pod: Object, non_zero: bool = False) -> tuple[int, int]:
    """(cpu millicores, memory bytes) the pod requests, as resource.PodRequests computes it.

    The sum over containers, at least the largest init container, plus spec.overhead. With
    `non_zero`, a container that requests no cpu (memory) counts as 100m (200Mi): what the
    scheduler's scoring uses (schedutil.GetNonzeroRequests).
    """
    spec = pod.get("spec") or {}
    cpu = mem = 0
    for ctr in spec.get("containers") or []:
        c, m, has_c, has_m = _requests_of(ctr)
        if non_zero:
            c = c if has_c else DEFAULT_MILLI_CPU_REQUEST
            m = m if has_m else DEFAULT_MEMORY_REQUEST
        cpu += c
        mem += m
    for ctr in spec.get("initContainers") or []:
        c, m, _, _ = _requests_of(ctr)
        cpu, mem = max(cpu, c), max(mem, m)
    overhead = spec.get("overhead") or {}
    try:
        cpu += milli_cpu(overhead["cpu"]) if "cpu" in overhead else 0
        mem += bytes_of(overhead["memory"]) if "memory" in overhead else 0
    except QuantityError:
        pass
    return cpu, mem


# ------------------------------------------------------------------------------- scale-down


def _log_rank(t: float, now: float) -> int:
    """floor(log2(age in nanoseconds)), -1 for no age: LogarithmicScaleDown's buckets."""
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def _created(pod: Object) -> float | None:
    stamp = (pod.get("metadata") or {}).get("creationTimestamp")
    return parse_timestamp(stamp) if stamp else None


def _newer_first(t1: float | None, t2: float | None, uid1: str, uid2: str, now: float) -> int:
    """afterOrZero with logarithmic buckets: empty < newer < older; a tie goes by UID."""
    if t1 == t2:
        return 0
    if t1 is None or t2 is None:
        return -1 if t1 is None else 1
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    if diff == 0:
        return -1 if uid1 < uid2 else (1 if uid1 > uid2 else 0)
    return -1 if diff < 0 else 1


def _compare(a: tuple[Object, int], b: tuple[Object, int], now: float) -> int:
    """ActivePodsWithRanks.Less as a comparison: negative when `a` should be deleted first."""
    (p, rank_p), (q, rank_q) = a, b
    node_p, node_q = (
        (p.get("spec") or {}).get("nodeName", ""),
        (q.get("spec") or {}).get("nodeName", ""),
    )
    if node_p != node_q and (not node_p or not node_q):  # 1. unassigned < assigned
        return -1 if not node_p else 1
    phase_p = PHASE_ORDINAL.get(phase_of(p), 0)  # 2. Pending < Unknown < Running
    phase_q = PHASE_ORDINAL.get(phase_of(q), 0)
    if phase_p != phase_q:
        return -1 if phase_p < phase_q else 1
    if is_ready(p) != is_ready(q):  # 3. not ready < ready
        return -1 if not is_ready(p) else 1
    if deletion_cost(p) != deletion_cost(q):  # 4. lower pod-deletion-cost first
        return -1 if deletion_cost(p) < deletion_cost(q) else 1
    if rank_p != rank_q:  # 5. doubled up (more related pods on its node) first
        return -1 if rank_p > rank_q else 1
    uid_p, uid_q = (
        (p.get("metadata") or {}).get("uid", ""),
        (q.get("metadata") or {}).get("uid", ""),
    )
    if is_ready(p) and is_ready(q):  # 6. ready for a shorter time first
        order = _newer_first(ready_since(p), ready_since(q), uid_p, uid_q, now)
        if order:
            return order
    if max_restarts(p) != max_restarts(q):  # 7. more restarts first
        return -1 if max_restarts(p) > max_restarts(q) else 1
    return _newer_first(_created(p), _created(q), uid_p, uid_q, now)  # 8. newer first


def pods_to_delete(
    pods: list[Object], related: list[Object], count: int, now: float
) -> list[Object]:
    """getPodsToDelete: the `count` pods a ReplicaSet scaling down removes first.

    Ranked as controller_utils.go ActivePodsWithRanks (with PodDeletionCost and
    LogarithmicScaleDown on, as in v1.32): unassigned < assigned; Pending < Unknown < Running;
    not ready < ready; lower pod-deletion-cost; more active `related` pods on the same node
    (the Deployment's other ReplicaSets' pods too); ready for less time; more restarts;
    created more recently. Ties keep the input order, sorted by name first.
    """
    if count >= len(pods):
        return list(pods)
    on_node: dict[str, int] = {}
    for pod in related:
        if is_active(pod):
            node = (pod.get("spec") or {}).get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    ranked = [
        (p, on_node.get((p.get("spec") or {}).get("nodeName", ""), 0))
        for p in sorted(pods, key=lambda p: (p.get("metadata") or {}).get("name", ""))
    ]
    ranked.sort(key=cmp_to_key(lambda a, b: _compare(a, b, now)))
    return [p for p, _ in ranked[:count]]
