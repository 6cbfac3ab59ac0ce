"""What every new cluster has before the first command: its namespaces and the `kubernetes` Service.

Called once by the API server when it opens a store at revision 1 (an empty store). Written as one
transaction, journaled as commands of the actor `kube-apiserver`.
"""

from __future__ import annotations

#: the namespaces of every new cluster (k8s-semantics.md section 7)
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def initial_objects() -> list[dict]:
    objects: list[dict] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in SYSTEM_NAMESPACES
    ]
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"},
            },
            "spec": {
                "clusterIP": "10.96.0.1",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "type": "ClusterIP",
            },
        }
    )
    return objects
