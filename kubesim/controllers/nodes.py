"""The nodes of the simulated cluster.

When the control plane starts and the store has no Node, it registers `node-1..node-N` as
kubelets do on a real cluster (each kubelet creates its own Node object, Ready, with its
capacity). Nodes applied as manifests are used as they are; a node without a Ready condition is
given one by its kubelet. Called by sim/controlplane.py.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.server import ApiServer
from kubesim.model.kinds import builtin
from kubesim.model.objects import format_timestamp

NODE = builtin("Node")


def node_manifest(name: str, allocatable: dict[str, str], now: float) -> dict[str, Any]:
    stamp = format_timestamp(now)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
        "spec": {},
        "status": {
            "capacity": dict(allocatable),
            "allocatable": dict(allocatable),
            "conditions": [ready_condition(stamp)],
            "nodeInfo": {
                "kubeletVersion": "v1.32.0",
                "containerRuntimeVersion": "containerd://1.7.24",
                "osImage": "kubesim",
                "kernelVersion": "6.1.0",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def ready_condition(stamp: str) -> dict[str, Any]:
    return {
        "type": "Ready",
        "status": "True",
        "reason": "KubeletReady",
        "message": "kubelet is posting ready status",
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
    }


def ensure_nodes(api: ApiServer, count: int, allocatable: dict[str, str]) -> list[str]:
    """The names of the cluster's nodes, registering node-1..node-N if there are none."""
    nodes, _ = api.list(NODE)
    if not nodes:
        for i in range(1, count + 1):
            name = f"node-{i}"
            api.create(
                node_manifest(name, allocatable, api.clock()),
                actor=f"kubelet-{name}",
                verb="register",
            )
        nodes, _ = api.list(NODE)
    return sorted(n["metadata"]["name"] for n in nodes)
