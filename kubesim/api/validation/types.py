"""The decoding step: the Go types of the built-in kinds, and the errors their JSON decoder gives.

The API server decodes a body into Go structs before anything else. A value of the wrong JSON type
stops it (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
int32`: only the first such error, in document order); with kubectl's default
`fieldValidation=Strict`, fields the struct does not have are then all reported (`strict decoding
error: unknown field "spec.replica"`). Both come back as a 400 BadRequest prefixed with
`Deployment in version "v1" cannot be handled as a Deployment: `.

Covered structure (strict at every level listed here; `ANY` marks fields accepted as they are):
top level of every built-in kind; ObjectMeta; LabelSelector; Deployment and ReplicaSet spec,
strategy and rolling update; PodTemplateSpec; PodSpec; Container (+ ports, env, resources);
ServiceSpec and ServicePort; ConfigMap data; Namespace spec; Node spec and taints; Event. Status,
volumes, probes, affinity, security contexts and similar nested structs are not checked (`ANY`).
Custom resources are checked against their schema instead (kubesim.api.crd). Used by
`kubesim.api.validation.check_types`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.api.validation.quantity import QuantityError, quantity_of
from kubesim.model.errors import BadRequest
from kubesim.model.kinds import Kind


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
            "binaryData": MapOf(STRING, "map[string][]uint8"),
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

_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class DecodeError(Exception):
    """A Go decoder error; `str()` is its text."""


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in `cannot unmarshal X`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class _Walk:
    unknown: list[str]

    def fail(self, value: Any, go: str, struct: str, path: str, kind: str | None = None) -> None:
        raise DecodeError(
            f"json: cannot unmarshal {kind or json_kind(value)} into Go struct field "
            f"{struct}.{path} of type {go}"
        )

    def value(self, t: Any, v: Any, struct: str, gopath: str, path: str) -> None:
        if v is None or t is ANY:
            return
        if isinstance(t, Struct):
            if not isinstance(v, dict):
                self.fail(v, t.go, struct, gopath)
            self.struct(t, v, gopath, path)
        elif isinstance(t, ListOf):
            if not isinstance(v, list):
                self.fail(v, t.go, struct, gopath)
            for i, item in enumerate(v):
                self.value(t.item, item, struct, gopath, f"{path}[{i}]")
        elif isinstance(t, MapOf):
            if not isinstance(v, dict):
                self.fail(v, t.go, struct, gopath)
            for k, item in v.items():
                self.value(t.value, item, struct, gopath, f"{path}.{k}")
        else:
            self.scalar(t, v, struct, gopath)

    def scalar(self, t: Scalar, v: Any, struct: str, gopath: str) -> None:
        if t.go == "quantity":
            try:
                quantity_of(v)
            except QuantityError as e:
                raise DecodeError(str(e)) from e
            return
        if t.go == "intstr":
            if isinstance(v, str):
                return
            t = INT32
        if t.go == "string":
            if not isinstance(v, str):
                self.fail(v, "string", struct, gopath)
        elif t.go == "bool":
            if not isinstance(v, bool):
                self.fail(v, "bool", struct, gopath)
        elif t.go in _INT_RANGE:
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(v, t.go, struct, gopath)
            lo, hi = _INT_RANGE[t.go]
            integral = isinstance(v, int) or float(v).is_integer()
            if not integral or not lo <= v <= hi:
                self.fail(v, t.go, struct, gopath, f"number {_go_number(v)}")

    def struct(self, t: Struct, obj: dict, gopath: str, path: str) -> None:
        for k, v in obj.items():
            sub = f"{path}.{k}" if path else k
            if k not in t.fields:
                self.unknown.append(sub)
                continue
            self.value(t.fields[k], v, t.name, f"{gopath}.{k}" if gopath else k, sub)


def _go_number(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def _decodes(t: Any, v: Any) -> bool:
    """The fast path: does `v` decode into `t` with no unknown field? (No messages: when it
    does not, the `_Walk` goes over it again to say why.)"""
    if v is None or t is ANY:
        return True
    if isinstance(t, Struct):
        if not isinstance(v, dict):
            return False
        fields = t.fields
        for k, item in v.items():
            ft = fields.get(k)
            if ft is None or not _decodes(ft, item):
                return False
        return True
    if isinstance(t, ListOf):
        return isinstance(v, list) and all(_decodes(t.item, item) for item in v)
    if isinstance(t, MapOf):
        return isinstance(v, dict) and all(_decodes(t.value, item) for item in v.values())
    go = t.go
    if go == "string":
        return isinstance(v, str)
    if go == "bool":
        return isinstance(v, bool)
    if go == "intstr" and isinstance(v, str):
        return True
    if go in _INT_RANGE or go == "intstr":
        lo, hi = _INT_RANGE.get(go, _INT_RANGE["int32"])
        return type(v) is int and lo <= v <= hi
    return False  # quantities and the rest: the walk decides


def decode_errors(kind_name: str, obj: dict) -> tuple[str | None, list[str]]:
    """(the first type error or None, the unknown field paths) for a built-in kind."""
    top = TOP_LEVEL.get(kind_name)
    if top is None or _decodes(top, obj):
        return None, []
    walk = _Walk([])
    try:
        walk.struct(top, obj, "", "")
    except DecodeError as e:
        return str(e), []
    return None, walk.unknown


def cannot_handle(kind: Kind, detail: str) -> BadRequest:
    return BadRequest(
        f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: {detail}'
    )


def strict_error(unknown: list[str]) -> str:
    return "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)


def check_builtin_types(kind: Kind, obj: dict) -> None:
    error, unknown = decode_errors(kind.kind, obj)
    if error:
        raise cannot_handle(kind, error)
    if unknown:
        raise cannot_handle(kind, strict_error(unknown))
