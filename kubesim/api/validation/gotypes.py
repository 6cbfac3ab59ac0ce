"""The Go types of the built-in kinds, as tables the API server's decoder walks.

Each built-in kind's top-level struct (`TOP_LEVEL`) names its fields and their Go types: scalars
(string, int32, int64, bool, and the special intstr and quantity), lists, maps and nested structs,
with their Go names as the decoder prints them (`v1.PodSpec`, `[]string`, `v1.ResourceList`).

Covered structure (strict at every level listed here; `ANY` marks fields accepted as they are):
top level of every built-in kind; ObjectMeta; LabelSelector; Deployment and ReplicaSet spec,
strategy and rolling update; PodTemplateSpec; PodSpec; Container (+ ports, env, resources);
ServiceSpec and ServicePort; ConfigMap data; Namespace spec; Node spec and taints; Event. Status,
volumes, probes, affinity, security contexts and similar nested structs are not checked (`ANY`).
Used by `kubesim.api.validation.types`, which decodes objects against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scalar:
    go: str  # string, int32, int64, bool; "intstr", "quantity", "any" are special


@dataclass(frozen=True)
class ListOf:
    item: Any

    @property
    def go(self) -> str:
        return "[]" + self.item.go


@dataclass(frozen=True)
class MapOf:
    value: Any
    go: str = ""


@dataclass(frozen=True)
class Struct:
    name: str  # the Go type name without package (PodSpec)
    fields: dict[str, Any] = field(hash=False)
    package: str = "v1"

    @property
    def go(self) -> str:
        return f"{self.package}.{self.name}"


STRING, INT32, INT64, BOOL = Scalar("string"), Scalar("int32"), Scalar("int64"), Scalar("bool")
INTSTR, QUANTITY, ANY = Scalar("intstr"), Scalar("quantity"), Scalar("any")
BYTES = Scalar("[]uint8")  # a base64 string in JSON (ConfigMap.binaryData values)
FLOAT = Scalar("float64")
STRINGS = ListOf(STRING)
STRING_MAP = MapOf(STRING, "map[string]string")
RESOURCE_LIST = MapOf(QUANTITY, "v1.ResourceList")

OWNER_REFERENCE = Struct(
    "OwnerReference",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "name": STRING,
        "uid": STRING,
        "controller": BOOL,
        "blockOwnerDeletion": BOOL,
    },
)
OBJECT_META = Struct(
    "ObjectMeta",
    {
        "name": STRING,
        "generateName": STRING,
        "namespace": STRING,
        "selfLink": STRING,
        "uid": STRING,
        "resourceVersion": STRING,
        "generation": INT64,
        "creationTimestamp": ANY,
        "deletionTimestamp": ANY,
        "deletionGracePeriodSeconds": INT64,
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
        "ownerReferences": ListOf(OWNER_REFERENCE),
        "finalizers": STRINGS,
        "managedFields": ANY,
    },
)
LABEL_SELECTOR = Struct(
    "LabelSelector",
    {
        "matchLabels": STRING_MAP,
        "matchExpressions": ListOf(
            Struct(
                "LabelSelectorRequirement", {"key": STRING, "operator": STRING, "values": STRINGS}
            )
        ),
    },
)
CONTAINER_PORT = Struct(
    "ContainerPort",
    {
        "name": STRING,
        "hostPort": INT32,
        "containerPort": INT32,
        "protocol": STRING,
        "hostIP": STRING,
    },
)
ENV_VAR = Struct("EnvVar", {"name": STRING, "value": STRING, "valueFrom": ANY})
RESOURCES = Struct(
    "ResourceRequirements", {"limits": RESOURCE_LIST, "requests": RESOURCE_LIST, "claims": ANY}
)
CONTAINER = Struct(
    "Container",
    {
        "name": STRING,
        "image": STRING,
        "command": STRINGS,
        "args": STRINGS,
        "workingDir": STRING,
        "ports": ListOf(CONTAINER_PORT),
        "envFrom": ANY,
        "env": ListOf(ENV_VAR),
        "resources": RESOURCES,
        "resizePolicy": ANY,
        "restartPolicy": STRING,
        "volumeMounts": ANY,
        "volumeDevices": ANY,
        "livenessProbe": ANY,
        "readinessProbe": ANY,
        "startupProbe": ANY,
        "lifecycle": ANY,
        "terminationMessagePath": STRING,
        "terminationMessagePolicy": STRING,
        "imagePullPolicy": STRING,
        "securityContext": ANY,
        "stdin": BOOL,
        "stdinOnce": BOOL,
        "tty": BOOL,
    },
)
TOLERATION = Struct(
    "Toleration",
    {
        "key": STRING,
        "operator": STRING,
        "value": STRING,
        "effect": STRING,
        "tolerationSeconds": INT64,
    },
)
POD_SPEC = Struct(
    "PodSpec",
    {
        "volumes": ANY,
        "initContainers": ListOf(CONTAINER),
        "containers": ListOf(CONTAINER),
        "ephemeralContainers": ANY,
        "restartPolicy": STRING,
        "terminationGracePeriodSeconds": INT64,
        "activeDeadlineSeconds": INT64,
        "dnsPolicy": STRING,
        "nodeSelector": STRING_MAP,
        "serviceAccountName": STRING,
        "serviceAccount": STRING,
        "automountServiceAccountToken": BOOL,
        "nodeName": STRING,
        "hostNetwork": BOOL,
        "hostPID": BOOL,
        "hostIPC": BOOL,
        "shareProcessNamespace": BOOL,
        "securityContext": ANY,
        "imagePullSecrets": ANY,
        "hostname": STRING,
        "subdomain": STRING,
        "affinity": ANY,
        "schedulerName": STRING,
        "tolerations": ListOf(TOLERATION),
        "hostAliases": ANY,
        "priorityClassName": STRING,
        "priority": INT32,
        "dnsConfig": ANY,
        "readinessGates": ANY,
        "runtimeClassName": STRING,
        "enableServiceLinks": BOOL,
        "preemptionPolicy": STRING,
        "overhead": RESOURCE_LIST,
        "topologySpreadConstraints": ANY,
        "setHostnameAsFQDN": BOOL,
        "os": ANY,
        "hostUsers": BOOL,
        "schedulingGates": ANY,
        "resourceClaims": ANY,
        "resources": ANY,
    },
)
POD_TEMPLATE_SPEC = Struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC})
DEPLOYMENT_SPEC = Struct(
    "DeploymentSpec",
    {
        "replicas": INT32,
        "selector": LABEL_SELECTOR,
        "template": POD_TEMPLATE_SPEC,
        "strategy": Struct(
            "DeploymentStrategy",
            {
                "type": STRING,
                "rollingUpdate": Struct(
                    "RollingUpdateDeployment", {"maxUnavailable": INTSTR, "maxSurge": INTSTR}
                ),
            },
        ),
        "minReadySeconds": INT32,
        "revisionHistoryLimit": INT32,
        "paused": BOOL,
        "progressDeadlineSeconds": INT32,
    },
)
REPLICA_SET_SPEC = Struct(
    "ReplicaSetSpec",
    {
        "replicas": INT32,
        "minReadySeconds": INT32,
        "selector": LABEL_SELECTOR,
        "template": POD_TEMPLATE_SPEC,
    },
)
SERVICE_PORT = Struct(
    "ServicePort",
    {
        "name": STRING,
        "protocol": STRING,
        "appProtocol": STRING,
        "port": INT32,
        "targetPort": INTSTR,
        "nodePort": INT32,
    },
)
SERVICE_SPEC = Struct(
    "ServiceSpec",
    {
        "ports": ListOf(SERVICE_PORT),
        "selector": STRING_MAP,
        "clusterIP": STRING,
        "clusterIPs": STRINGS,
        "type": STRING,
        "externalIPs": STRINGS,
        "sessionAffinity": STRING,
        "loadBalancerIP": STRING,
        "loadBalancerSourceRanges": STRINGS,
        "externalName": STRING,
        "externalTrafficPolicy": STRING,
        "healthCheckNodePort": INT32,
        "publishNotReadyAddresses": BOOL,
        "sessionAffinityConfig": ANY,
        "ipFamilies": STRINGS,
        "ipFamilyPolicy": STRING,
        "allocateLoadBalancerNodePorts": BOOL,
        "loadBalancerClass": STRING,
        "internalTrafficPolicy": STRING,
        "trafficDistribution": STRING,
    },
)
NODE_SPEC = Struct(
    "NodeSpec",
    {
        "podCIDR": STRING,
        "podCIDRs": STRINGS,
        "providerID": STRING,
        "unschedulable": BOOL,
        "taints": ListOf(
            Struct("Taint", {"key": STRING, "value": STRING, "effect": STRING, "timeAdded": ANY})
        ),
        "configSource": ANY,
        "externalID": STRING,
    },
)
OBJECT_REFERENCE = Struct(
    "ObjectReference",
    {
        "kind": STRING,
        "namespace": STRING,
        "name": STRING,
        "uid": STRING,
        "apiVersion": STRING,
        "resourceVersion": STRING,
        "fieldPath": STRING,
    },
)

_TOP = {"apiVersion": STRING, "kind": STRING, "metadata": OBJECT_META}
TOP_LEVEL: dict[str, Struct] = {
    "Deployment": Struct("Deployment", {**_TOP, "spec": DEPLOYMENT_SPEC, "status": ANY}),
    "ReplicaSet": Struct("ReplicaSet", {**_TOP, "spec": REPLICA_SET_SPEC, "status": ANY}),
    "Pod": Struct("Pod", {**_TOP, "spec": POD_SPEC, "status": ANY}),
    "Service": Struct("Service", {**_TOP, "spec": SERVICE_SPEC, "status": ANY}),
    "ConfigMap": Struct(
        "ConfigMap",
        {
            **_TOP,
            "data": STRING_MAP,
            "binaryData": MapOf(BYTES, "map[string][]uint8"),
            "immutable": BOOL,
        },
    ),
    "Namespace": Struct(
        "Namespace",
        {**_TOP, "spec": Struct("NamespaceSpec", {"finalizers": STRINGS}), "status": ANY},
    ),
    "Node": Struct("Node", {**_TOP, "spec": NODE_SPEC, "status": ANY}),
    "Event": Struct(
        "Event",
        {
            **_TOP,
            "involvedObject": OBJECT_REFERENCE,
            "reason": STRING,
            "message": STRING,
            "source": ANY,
            "firstTimestamp": ANY,
            "lastTimestamp": ANY,
            "count": INT32,
            "type": STRING,
            "eventTime": ANY,
            "series": ANY,
            "action": STRING,
            "related": ANY,
            "reportingComponent": STRING,
            "reportingInstance": STRING,
        },
    ),
    "Endpoints": Struct("Endpoints", {**_TOP, "subsets": ANY}),
    "CustomResourceDefinition": Struct(
        "CustomResourceDefinition", {**_TOP, "spec": ANY, "status": ANY}, "v1"
    ),
}

INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
