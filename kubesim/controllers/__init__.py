"""The built-in controllers: one module per controller, each reading only its informers.

`default_controllers` gives the consumers of a standard control plane, named as in DESIGN.md:
deployment-controller, replicaset-controller, scheduler, kubelet-<node>, garbage-collector,
endpoints-controller, and namespace-controller.
"""

from __future__ import annotations

from typing import Any

from kubesim.controllers.base import Controller


def default_controllers(nodes: list[str], config: Any) -> list[Controller]:
    from kubesim.controllers.deployment import DeploymentController
    from kubesim.controllers.endpoints import EndpointsController
    from kubesim.controllers.garbagecollector import GarbageCollector
    from kubesim.controllers.kubelet import Kubelet
    from kubesim.controllers.namespace import NamespaceController
    from kubesim.controllers.replicaset import ReplicaSetController
    from kubesim.controllers.scheduler import Scheduler

    return [
        DeploymentController(),
        ReplicaSetController(),
        Scheduler(),
        *[Kubelet(node, start_delay=config.pod_start_delay) for node in nodes],
        GarbageCollector(),
        EndpointsController(),
        NamespaceController(),
    ]
