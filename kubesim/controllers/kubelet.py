"""The kubelet of one node (`kubelet-<node>`): run the pods bound to it, report their status.

Its projection is the pods whose spec.nodeName is its node (the field selector a real kubelet
watches with) and its own Node. For a bound pod it reports, as the status manager does with a
PATCH of pods/status that is skipped when nothing changed:

1. at once: phase Pending, hostIP, startTime, containers waiting (ContainerCreating), conditions
   PodReadyToStartContainers=False, Initialized=True, Ready/ContainersReady=False;
2. `start_delay` virtual seconds later (sandbox, image, container start): phase Running, podIP
   (10.244.<node number>.<n>, allocated in order as the host-local IPAM plugin does), containers
   running and ready, every condition True; event Started (with `verbose_events` also Pulled and
   Created, as a real kubelet records; off by default to keep 10,000-pod runs light).

A pod with a deletionTimestamp is stopped: event Killing "Stopping container nginx", then after
min(grace period, `kill_delay`) the kubelet deletes it with grace period 0, which removes it from
the store. A real kubelet takes as long as the containers need to exit, up to the grace period
(30 s by default); kubesim shortens that to `kill_delay` (1 s) so scale-downs stay watchable.
Readiness probes, restarts and terminal phases are not simulated. A Node without a Ready
condition gets one. Built by controllers/__init__.py default_processes; run by kubesim/sim.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from typing import Any

from kubesim.client.informer import Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec
from kubesim.controllers.nodes import ready_condition
from kubesim.controllers.podutil import (
    container_names,
    containers_of,
    is_terminal,
    patch_pod_status,
    set_condition,
)
from kubesim.model.errors import NotFound
from kubesim.model.objects import cache_key, format_timestamp

Object = dict[str, Any]

#: the order in which a kubelet reports pod conditions
CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
#: the order of the conditions in a status: the kubelet's four, PodScheduled, then any other
_CONDITION_ORDER = {t: i for i, t in enumerate((*CONDITIONS, "PodScheduled"))}


def normalize_image(image: str) -> str:
    """The image reference as containerd reports it: `nginx:1.27` ->
    `docker.io/library/nginx:1.27`."""
    name, tag = image, ""
    if "@" not in image:
        last = image.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = image.rsplit(":", 1)
        tag = tag or "latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return f"{name}:{tag}" if tag else name


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Kubelet(Controller):
    workers = 1

    def __init__(
        self,
        node: str,
        start_delay: float = 1.0,
        kill_delay: float = 1.0,
        verbose_events: bool = False,
    ) -> None:
        self.node = node
        self.name = f"kubelet-{node}"
        self.start_delay = start_delay
        self.kill_delay = kill_delay
        self.verbose_events = verbose_events
        self._seen: dict[str, float] = {}  # pod key -> when this kubelet first saw it bound
        self._killing: dict[str, float] = {}  # pod key -> when it started stopping it
        self._ips: dict[str, str] = {}  # pod IP -> pod key (what the IPAM plugin has handed out)
        self._next_ip = 1

    def reset(self) -> None:
        """A restarted kubelet re-learns its pods from the LIST (the IPs it handed out stay
        taken: they are in the pods' status)."""
        self._seen = {}
        self._killing = {}

    def informers(self) -> list[InformerSpec]:
        node = self.node
        return [
            InformerSpec("Pod", field_selector=("spec.nodeName", node)),
            InformerSpec("Node", field_selector=("metadata.name", node)),
        ]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.pod_kind = ctx.kinds("Pod")
        self.node_kind = ctx.kinds("Node")
        self.pods = ctx.lister("Pod")
        self.nodes = ctx.lister("Node")
        ctx.handle(
            "Pod",
            Handler(
                on_add=self._enqueue,
                on_update=lambda _, p: self._enqueue(p),
                on_delete=self._forget,
            ),
        )
        ctx.handle("Node", Handler(on_add=self._enqueue, on_update=lambda _, n: self._enqueue(n)))

    def _enqueue(self, obj: Object) -> None:
        key = cache_key(obj)
        ip = (obj.get("status") or {}).get("podIP")
        if ip and "/" in key:
            self._ips[ip] = key  # known after a relist too: never hand it out twice
        self.ctx.enqueue(key)

    def _forget(self, obj: Any) -> None:
        pod = object_of(obj)
        key = cache_key(pod)
        self._seen.pop(key, None)
        self._killing.pop(key, None)
        ip = (pod.get("status") or {}).get("podIP")
        if ip and self._ips.get(ip) == key:
            del self._ips[ip]

    # ----------------------------------------------------------------------------- reconcile
    def reconcile(self, key: str) -> float | None:
        if "/" not in key:
            self._sync_node(key)
            return None
        ns, name = key.split("/", 1)
        pod = self.pods.get(ns, name)
        if pod is None:
            return None
        now = self.ctx.now()
        if pod["metadata"].get("deletionTimestamp"):
            return self._kill(key, pod, now)
        if is_terminal(pod):
            return None
        running = (pod.get("status") or {}).get("phase") == "Running"
        first = self._seen.setdefault(key, now)
        if not running and now < first + self.start_delay:
            self._write_status(pod, self._pending_status(pod, now))
            return first + self.start_delay - now
        status = self._running_status(pod, now)
        if self._write_status(pod, status) and not running:
            for ctr in containers_of(pod):
                if self.verbose_events:
                    self.ctx.record_event(
                        pod,
                        "Normal",
                        "Pulled",
                        f'Container image "{ctr.get("image", "")}" already present on machine',
                    )
                    self.ctx.record_event(
                        pod, "Normal", "Created", f"Created container: {ctr.get('name')}"
                    )
                self.ctx.record_event(
                    pod, "Normal", "Started", f"Started container {ctr.get('name')}"
                )
        return None

    def _kill(self, key: str, pod: Object, now: float) -> float | None:
        """Stop the containers, then remove the pod (DELETE with grace period 0)."""
        if key not in self._killing:
            self._killing[key] = now
            for ctr in container_names(pod):
                self.ctx.record_event(pod, "Normal", "Killing", f"Stopping container {ctr}")
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        delay = min(float(grace), self.kill_delay) if grace is not None else self.kill_delay
        remaining = self._killing[key] + delay - now
        if remaining > 0:
            return remaining
        md = pod["metadata"]
        try:
            self.ctx.client.delete(self.pod_kind, md["namespace"], md["name"], grace_period=0)
        except NotFound:
            pass
        return None

    def _write_status(self, pod: Object, status: Object) -> bool:
        """PATCH pods/status unless the status is already what the kubelet would write."""
        if status == (pod.get("status") or {}):
            return False
        uid = pod["metadata"].get("uid")

        def mutate(live: Object) -> Object | None:
            if live["metadata"].get("uid") != uid or live["metadata"].get("deletionTimestamp"):
                return None
            live["status"] = status
            return live

        return patch_pod_status(self.ctx.client, self.pod_kind, pod, mutate)

    def _sync_node(self, name: str) -> None:
        """Register readiness: a Node without a Ready condition gets the kubelet's."""
        node = self.nodes.get(None, name)
        if node is None or any(
            c.get("type") == "Ready" for c in (node.get("status") or {}).get("conditions") or []
        ):
            return

        def mutate(live: Object) -> Object | None:
            status = live.setdefault("status", {})
            conditions = status.get("conditions") or []
            if any(c.get("type") == "Ready" for c in conditions):
                return None
            status["conditions"] = [*conditions, ready_condition(format_timestamp(self.ctx.now()))]
            return live

        try:
            self.ctx.client.patch(self.node_kind, None, name, mutate, subresource="status")
        except NotFound:
            return

    # ----------------------------------------------------------------------------- status
    def _base_status(self, pod: Object, now: float) -> Object:
        old = pod.get("status") or {}
        host_ip = self._host_ip()
        status = {k: v for k, v in old.items() if k in ("qosClass", "conditions")}
        status.update(
            {
                "hostIP": host_ip,
                "hostIPs": [{"ip": host_ip}],
                "startTime": old.get("startTime") or format_timestamp(now),
            }
        )
        return status

    def _conditions(
        self, pod: Object, states: dict[str, tuple[str, str, str]], now: float
    ) -> list[Object]:
        conditions = list((pod.get("status") or {}).get("conditions") or [])
        stamp = format_timestamp(now)
        for ctype in CONDITIONS:
            value, reason, message = states[ctype]
            cond: Object = {
                "type": ctype,
                "status": value,
                "lastProbeTime": None,
                "lastTransitionTime": stamp,
            }
            if reason:
                cond["reason"], cond["message"] = reason, message
            conditions = set_condition(conditions, cond)
        if not any(c.get("type") == "PodScheduled" for c in conditions):
            conditions = set_condition(
                conditions,
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": stamp,
                },
            )
        last = len(_CONDITION_ORDER)
        return sorted(conditions, key=lambda c: _CONDITION_ORDER.get(c.get("type", ""), last))

    def _pending_status(self, pod: Object, now: float) -> Object:
        names = container_names(pod)
        unready = f"containers with unready status: [{' '.join(names)}]"
        status = self._base_status(pod, now)
        status["phase"] = "Pending"
        status["conditions"] = self._conditions(
            pod,
            {
                "PodReadyToStartContainers": ("False", "", ""),
                "Initialized": ("True", "", ""),
                "Ready": ("False", "ContainersNotReady", unready),
                "ContainersReady": ("False", "ContainersNotReady", unready),
            },
            now,
        )
        status["containerStatuses"] = [
            {
                "image": ctr.get("image", ""),
                "imageID": "",
                "lastState": {},
                "name": ctr.get("name", ""),
                "ready": False,
                "restartCount": 0,
                "started": False,
                "state": {"waiting": {"reason": "ContainerCreating"}},
            }
            for ctr in containers_of(pod)
        ]
        return status

    def _running_status(self, pod: Object, now: float) -> Object:
        old = pod.get("status") or {}
        previous = {cs.get("name"): cs for cs in old.get("containerStatuses") or []}
        status = self._base_status(pod, now)
        status["phase"] = "Running"
        ip = old.get("podIP") or self._allocate_ip(cache_key(pod))
        status["podIP"], status["podIPs"] = ip, [{"ip": ip}]
        status["conditions"] = self._conditions(pod, {t: ("True", "", "") for t in CONDITIONS}, now)
        statuses = []
        for ctr in containers_of(pod):
            before = previous.get(ctr.get("name")) or {}
            running = (before.get("state") or {}).get("running")
            image = normalize_image(ctr.get("image", ""))
            statuses.append(
                {
                    "containerID": before.get("containerID")
                    or f"containerd://{self.ctx.rng.getrandbits(256):064x}",
                    "image": image,
                    "imageID": f"{image.rsplit(':', 1)[0]}@sha256:{_digest(image)}",
                    "lastState": {},
                    "name": ctr.get("name", ""),
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": running or {"startedAt": format_timestamp(now)}},
                }
            )
        status["containerStatuses"] = statuses
        return status

    # ----------------------------------------------------------------------------- addresses
    def _node_number(self) -> int:
        """The third octet of the node's pod range: spec.podCIDR if set, else its number."""
        node = self.nodes.get(None, self.node)
        cidr = ((node or {}).get("spec") or {}).get("podCIDR") or ""
        m = re.match(r"^\d+\.\d+\.(\d+)\.", cidr)
        if m:
            return int(m.group(1))
        m = re.search(r"(\d+)$", self.node)
        return int(m.group(1)) % 256 if m else zlib.crc32(self.node.encode()) % 254 + 1

    def _host_ip(self) -> str:
        node = self.nodes.get(None, self.node)
        for addr in ((node or {}).get("status") or {}).get("addresses") or []:
            if addr.get("type") == "InternalIP":
                return addr["address"]
        return f"172.18.0.{self._node_number() % 254 + 1}"

    def _allocate_ip(self, key: str) -> str:
        """The next free address after the last one handed out (host-local IPAM)."""
        number = self._node_number()
        while True:
            self._next_ip += 1
            n = self._next_ip - 2
            ip = f"10.{244 + n // 253}.{number}.{n % 253 + 2}"
            if ip not in self._ips:
                self._ips[ip] = key
                return ip
