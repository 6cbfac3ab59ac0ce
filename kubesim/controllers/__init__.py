"""The built-in controllers, one module per controller, and the processes that host them.

`default_processes` gives the consumer processes of a standard control plane with the
controllers each runs, as in a real cluster: kube-controller-manager (the deployment,
replicaset, garbagecollector, endpoint and namespace controllers, named by their
`--controllers` names, sharing one informer cache), kube-scheduler, and one kubelet per node.
"""

from __future__ import annotations

from typing import Any

from kubesim.controllers.base import Controller

KUBE_CONTROLLER_MANAGER = "kube-controller-manager"
KUBE_SCHEDULER = "kube-scheduler"


def default_processes(nodes: list[str], config: Any) -> list[tuple[str, list[Controller]]]:
    from kubesim.controllers.deployment import DeploymentController
    from kubesim.controllers.endpoints import EndpointsController
    from kubesim.controllers.garbagecollector import GarbageCollector
    from kubesim.controllers.kubelet import Kubelet
    from kubesim.controllers.namespace import NamespaceController
    from kubesim.controllers.replicaset import ReplicaSetController
    from kubesim.controllers.scheduler import Scheduler

    return [
        (
            KUBE_CONTROLLER_MANAGER,
            [
                DeploymentController(),
                ReplicaSetController(),
                GarbageCollector(),
                EndpointsController(),
                NamespaceController(),
            ],
        ),
        (KUBE_SCHEDULER, [Scheduler()]),
        *[
            (f"kubelet-{node}", [Kubelet(node, start_delay=config.pod_start_delay)])
            for node in nodes
        ],
    ]
