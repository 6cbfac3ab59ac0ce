"""Realistic objects at a fixed moment for the view snapshot tests (a Deployment web with its
ReplicaSet and three pods, a Service, nodes, namespaces, a ConfigMap, events, a CRD and a CR)."""

from __future__ import annotations

from kubesim.model.objects import parse_timestamp

NOW = parse_timestamp("2025-03-01T12:00:00Z")
T0 = "2025-03-01T09:40:00Z"  # 2h20m before NOW
T_RS = "2025-03-01T09:40:01Z"
T_POD = "2025-03-01T09:40:02Z"
T_RUN = "2025-03-01T09:40:05Z"
T_NODE = "2025-02-20T08:00:00Z"  # 9d4h before NOW
RS_UID = "7c1d9e7a-5d3b-4a0e-9c1f-2b8e0f4a6d11"
DEPLOY_UID = "0b6a2f6c-3f55-4f8e-8d51-5c7f3e9f2a01"

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [
            {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
            }
        ]
    },
}


def deployment() -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": DEPLOY_UID,
            "generation": 1,
            "creationTimestamp": T0,
            "labels": {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "minReadySeconds": 0,
            "template": TEMPLATE,
        },
        "status": {
            "observedGeneration": 1,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }


def replicaset() -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-6f6b679f8f",
            "namespace": "default",
            "uid": RS_UID,
            "creationTimestamp": T_RS,
            "labels": {"app": "web", "pod-template-hash": "6f6b679f8f"},
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": "3",
                "deployment.kubernetes.io/max-replicas": "4",
                "deployment.kubernetes.io/revision": "1",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": DEPLOY_UID,
                    "controller": True,
                }
            ],
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6f6b679f8f"}},
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": "6f6b679f8f"}},
                "spec": TEMPLATE["spec"],
            },
        },
        "status": {
            "replicas": 3,
            "fullyLabeledReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "observedGeneration": 1,
        },
    }


def pod(suffix: str, node: str, ip: str, host_ip: str, *, ready: bool = True) -> dict:
    running = {"running": {"startedAt": T_RUN}}
    waiting = {"waiting": {"reason": "ContainerCreating"}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"web-6f6b679f8f-{suffix}",
            "namespace": "default",
            "uid": f"uid-{suffix}",
            "creationTimestamp": T_POD,
            "labels": {"app": "web", "pod-template-hash": "6f6b679f8f"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-6f6b679f8f",
                    "uid": RS_UID,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"nodeName": node, "containers": TEMPLATE["spec"]["containers"]},
        "status": {
            "phase": "Running" if ready else "Pending",
            "hostIP": host_ip,
            "podIP": ip if ready else "",
            "podIPs": [{"ip": ip}] if ready else [],
            "startTime": T_POD,
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True" if ready else "False"},
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True" if ready else "False"},
                {"type": "ContainersReady", "status": "True" if ready else "False"},
                {"type": "PodScheduled", "status": "True"},
            ],
            "containerStatuses": [
                {
                    "name": "nginx",
                    "image": "nginx:1.27",
                    "ready": ready,
                    "restartCount": 0,
                    "started": ready,
                    "state": running if ready else waiting,
                    "imageID": "docker.io/library/nginx@sha256:0a399eb16751829e" if ready else "",
                    "containerID": f"containerd://{suffix}" if ready else "",
                }
            ],
        },
    }


def pods() -> list[dict]:
    return [
        pod("5xkqz", "node-1", "10.244.1.5", "172.18.0.2"),
        pod("h2m7d", "node-2", "10.244.2.3", "172.18.0.3"),
        pod("x7k2p", "node-1", "10.244.1.6", "172.18.0.2"),
    ]


def service() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "creationTimestamp": T0,
            "labels": {"app": "web"},
        },
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": "web"},
            "clusterIP": "10.96.45.12",
            "clusterIPs": ["10.96.45.12"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
            "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}],
        },
        "status": {"loadBalancer": {}},
    }


def kubernetes_service() -> dict:
    svc = service()
    svc["metadata"] = {
        "name": "kubernetes",
        "namespace": "default",
        "creationTimestamp": T_NODE,
        "labels": {"component": "apiserver", "provider": "kubernetes"},
    }
    svc["spec"] = {
        "type": "ClusterIP",
        "clusterIP": "10.96.0.1",
        "clusterIPs": ["10.96.0.1"],
        "ports": [{"name": "https", "port": 443, "targetPort": 6443, "protocol": "TCP"}],
    }
    return svc


def endpoints() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": T0},
        "subsets": [
            {
                "addresses": [
                    {"ip": "10.244.1.5"},
                    {"ip": "10.244.1.6"},
                    {"ip": "10.244.2.3"},
                    {"ip": "10.244.2.9"},
                ],
                "ports": [{"port": 80, "protocol": "TCP"}],
            }
        ],
    }


def node(name: str, ip: str, *, control_plane: bool = False) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": T_NODE, "labels": labels},
        "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2025-03-01T11:59:30Z",
                    "lastTransitionTime": T_NODE,
                }
            ],
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
            ],
            "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "nodeInfo": {
                "kubeletVersion": "v1.32.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.8.0-45-generic",
                "containerRuntimeVersion": "containerd://1.7.24",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "kubeProxyVersion": "v1.32.0",
                "machineID": "",
                "systemUUID": "",
                "bootID": "",
            },
        },
    }


def namespace(name: str, created: str = T_NODE) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "creationTimestamp": created,
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def configmap() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "web-config",
            "namespace": "default",
            "creationTimestamp": "2025-03-01T11:59:15Z",
        },
        "data": {"greeting": "hello", "index.html": "<h1>hi</h1>"},
    }


def event(
    name: str,
    obj_kind: str,
    obj_name: str,
    reason: str,
    message: str,
    when: str,
    component: str,
    count: int = 1,
) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": when},
        "involvedObject": {"kind": obj_kind, "name": obj_name, "namespace": "default"},
        "reason": reason,
        "message": message,
        "type": "Normal",
        "count": count,
        "firstTimestamp": when,
        "lastTimestamp": when,
        "source": {"component": component},
    }


def deployment_events() -> list[dict]:
    return [
        event(
            "web.1",
            "Deployment",
            "web",
            "ScalingReplicaSet",
            "Scaled up replica set web-6f6b679f8f from 0 to 3",
            T_RS,
            "deployment-controller",
        )
    ]


def replicaset_events() -> list[dict]:
    return [
        event(
            f"web-6f6b679f8f.{i}",
            "ReplicaSet",
            "web-6f6b679f8f",
            "SuccessfulCreate",
            f"Created pod: web-6f6b679f8f-{s}",
            T_POD,
            "replicaset-controller",
        )
        for i, s in enumerate(["5xkqz", "h2m7d", "x7k2p"])
    ]


def pod_events() -> list[dict]:
    p = "web-6f6b679f8f-5xkqz"
    return [
        event(
            f"{p}.1",
            "Pod",
            p,
            "Scheduled",
            f"Successfully assigned default/{p} to node-1",
            T_POD,
            "default-scheduler",
        ),
        event(
            f"{p}.2",
            "Pod",
            p,
            "Pulled",
            'Container image "nginx:1.27" already present on machine',
            "2025-03-01T09:40:03Z",
            "kubelet",
        ),
        event(
            f"{p}.3",
            "Pod",
            p,
            "Created",
            "Created container: nginx",
            "2025-03-01T09:40:04Z",
            "kubelet",
        ),
        event(f"{p}.4", "Pod", p, "Started", "Started container nginx", T_RUN, "kubelet"),
    ]


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {
        "name": "widgets.example.com",
        "creationTimestamp": "2025-03-01T10:00:00Z",
        "uid": "d1f0c3aa-1111-4c2b-9e77-3f3c2a1b0c55",
        "generation": 1,
        "resourceVersion": "812",
    },
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "kind": "Widget",
            "listKind": "WidgetList",
            "plural": "widgets",
            "singular": "widget",
        },
        "versions": [{"name": "v1", "served": True, "storage": True}],
    },
    "status": {"acceptedNames": {"kind": "Widget", "plural": "widgets"}, "storedVersions": ["v1"]},
}

WIDGET_COLUMNS = [
    {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
    {"name": "Owner", "type": "string", "jsonPath": ".spec.owner", "priority": 1},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def widget(name: str = "blue-widget", color: str | None = "blue") -> dict:
    spec: dict = {"size": 3}
    if color:
        spec["color"] = color
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {
            "name": name,
            "namespace": "default",
            "generation": 1,
            "creationTimestamp": "2025-03-01T11:55:00Z",
            "resourceVersion": "905",
            "uid": "5e0c6a1e-2222-4d3e-8f90-1a2b3c4d5e6f",
            "labels": {"app": "demo"},
        },
        "spec": spec,
    }
