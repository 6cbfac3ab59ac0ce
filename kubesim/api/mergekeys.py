"""The strategic-merge metadata of the built-in kinds: which lists merge, by which key.

In Kubernetes this lives in struct tags of k8s.io/api (`patchStrategy:"merge"
patchMergeKey:"name"`, `patchStrategy:"retainKeys"`), published in OpenAPI as
`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`. Here it is a table from a type
name to its fields; each field names the type of its value (or of its list's elements) so that
lookups can walk down an object. A field not in the table has no strategy: maps merge key by key,
lists are replaced whole. Used by `kubesim.api.merge` and the strategic patch modules
(`kubesim.api.strategicdiff`, `kubesim.api.strategicapply`).

Sources: k8s.io/api core/v1/types.go, apps/v1/types.go, apimachinery meta/v1/types.go (v1.32).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubesim.model.kinds import Kind


@dataclass(frozen=True)
class FieldMeta:
    """Patch metadata of one field: what `LookupPatchMetadata` returns in apimachinery."""

    #: "merge" (lists merge by `merge_key`, or as sets for primitive lists), "replace" or ""
    strategy: str = ""
    #: the `retainKeys` strategy: fields missing from the new value are cleared
    retain_keys: bool = False
    merge_key: str = ""
    #: the type name of the value (or of each list element), if the table knows it
    type: str | None = None


NONE = FieldMeta()


def _merge(key: str, type_name: str | None = None, *, retain: bool = False) -> FieldMeta:
    return FieldMeta("merge", retain, key, type_name)


def _t(type_name: str) -> FieldMeta:
    return FieldMeta(type=type_name)


_CONDITIONS = _merge("type")
_OBJECT = {"metadata": _t("ObjectMeta")}

TYPES: dict[str, dict[str, FieldMeta]] = {
    "ObjectMeta": {
        "finalizers": _merge(""),
        "ownerReferences": _merge("uid"),
    },
    # core/v1
    "Pod": {**_OBJECT, "spec": _t("PodSpec"), "status": _t("PodStatus")},
    "PodTemplateSpec": {**_OBJECT, "spec": _t("PodSpec")},
    "PodSpec": {
        "volumes": _merge("name", "Volume", retain=True),
        "initContainers": _merge("name", "Container"),
        "containers": _merge("name", "Container"),
        "ephemeralContainers": _merge("name", "Container"),
        "imagePullSecrets": _merge("name"),
        "hostAliases": _merge("ip"),
        "topologySpreadConstraints": _merge("topologyKey"),
        "schedulingGates": _merge("name"),
        "resourceClaims": _merge("name", retain=True),
        # tolerations, readinessGates, affinity terms: no strategy (replaced whole)
    },
    "Container": {
        "ports": _merge("containerPort"),
        "env": _merge("name"),
        "volumeMounts": _merge("mountPath"),
        "volumeDevices": _merge("devicePath"),
        # args, command, envFrom, resizePolicy: no strategy
    },
    "Volume": {},
    "PodStatus": {
        "conditions": _CONDITIONS,
        "podIPs": _merge("ip"),
        "hostIPs": _merge("ip"),
        "resourceClaimStatuses": _merge("name", retain=True),
    },
    "Service": {**_OBJECT, "spec": _t("ServiceSpec"), "status": _t("ServiceStatus")},
    "ServiceSpec": {"ports": _merge("port")},
    "ServiceStatus": {"conditions": _CONDITIONS},
    "Node": {**_OBJECT, "spec": _t("NodeSpec"), "status": _t("NodeStatus")},
    "NodeSpec": {"podCIDRs": _merge("")},
    "NodeStatus": {"conditions": _CONDITIONS, "addresses": _merge("type")},
    "Namespace": {**_OBJECT, "status": _t("NamespaceStatus")},
    "NamespaceStatus": {"conditions": _CONDITIONS},
    "ConfigMap": dict(_OBJECT),
    "Event": dict(_OBJECT),
    "Endpoints": dict(_OBJECT),
    # apps/v1
    "Deployment": {**_OBJECT, "spec": _t("DeploymentSpec"), "status": _t("DeploymentStatus")},
    "DeploymentSpec": {
        "template": _t("PodTemplateSpec"),
        "strategy": FieldMeta(retain_keys=True),
    },
    "DeploymentStatus": {"conditions": _CONDITIONS},
    "ReplicaSet": {**_OBJECT, "spec": _t("ReplicaSetSpec"), "status": _t("ReplicaSetStatus")},
    "ReplicaSetSpec": {"template": _t("PodTemplateSpec")},
    "ReplicaSetStatus": {"conditions": _CONDITIONS},
}


def lookup(type_name: str | None, field: str) -> FieldMeta:
    """The patch metadata of `field` inside a value of type `type_name` (NONE if unknown)."""
    if type_name is None:
        return NONE
    return TYPES.get(type_name, {}).get(field, NONE)


def root_type(kind: Kind) -> str | None:
    """The type name at the top of an object of `kind`, or None if the table does not know it."""
    return kind.kind if kind.kind in TYPES else None


def uses_strategic_merge(kind: Kind) -> bool:
    """Does kubectl send a strategic merge patch for `kind` (rather than a JSON merge patch)?

    kubectl uses strategic merge for the types compiled into its scheme; custom resources, and
    CustomResourceDefinitions too (apiextensions is not in kubectl's scheme), get a JSON merge
    patch (kubectl: pkg/cmd/apply/patcher.go, pkg/scheme).
    """
    return not kind.is_custom and kind.group != "apiextensions.k8s.io"
