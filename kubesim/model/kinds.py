"""The kinds kubesim simulates: group, version, resource names, scope, and their etcd keys.

`BUILTIN_KINDS` are compiled in; custom resources become kinds when their CRD is stored (the API
builds a `Registry` from the store's CRDs). Used by every layer to turn `deploy`, `deployment.apps`
or `apps/v1 Deployment` into one `Kind`, and a kind plus a name into its store key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubesim.model.errors import UnsupportedKind


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str
    version: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    #: metadata.generation is maintained (Deployment, ReplicaSet, custom resources in 1.32)
    has_generation: bool = False
    #: /status is a separate endpoint: the main resource cannot change status and vice versa
    status_subresource: bool = False
    #: /scale (autoscaling/v1 Scale) is served
    scale_subresource: bool = False
    #: the etcd key prefix segment (nodes are stored as "minions", services under "services/specs")
    etcd_resource: str = ""
    #: for custom resources: the CRD's schema of this version, if any
    schema: dict | None = field(default=None, compare=False, hash=False)
    #: custom resources: the names of the versions served by the CRD
    served_versions: tuple[str, ...] = ()
    #: custom resources: the CRD's additionalPrinterColumns for this version
    printer_columns: tuple[dict, ...] = field(default=(), compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `pods`: the name kubectl and the API use in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kubectl_name(self) -> str:
        """`deployment.apps`, `pod`: the prefix of kubectl's name printer."""
        lower = self.kind.lower()
        return f"{lower}.{self.group}" if self.group else lower

    @property
    def is_custom(self) -> bool:
        return self.schema is not None or bool(self.served_versions)

    def prefix(self, namespace: str | None = None) -> str:
        base = f"/registry/{self.etcd_resource or self.plural}/"
        if self.namespaced and namespace:
            return f"{base}{namespace}/"
        return base

    def key(self, namespace: str | None, name: str) -> str:
        if self.namespaced:
            return f"/registry/{self.etcd_resource or self.plural}/{namespace}/{name}"
        return f"/registry/{self.etcd_resource or self.plural}/{name}"


def _k(
    kind: str, group: str, version: str, plural: str, namespaced: bool, *short: str, **kw
) -> Kind:
    return Kind(kind, group, version, plural, kind.lower(), namespaced, tuple(short), **kw)


BUILTIN_KINDS: tuple[Kind, ...] = (
    _k("Namespace", "", "v1", "namespaces", False, "ns", status_subresource=True),
    _k("Node", "", "v1", "nodes", False, "no", status_subresource=True, etcd_resource="minions"),
    _k("Pod", "", "v1", "pods", True, "po", status_subresource=True),
    _k(
        "Service",
        "",
        "v1",
        "services",
        True,
        "svc",
        status_subresource=True,
        etcd_resource="services/specs",
    ),
    _k("ConfigMap", "", "v1", "configmaps", True, "cm"),
    _k("Event", "", "v1", "events", True, "ev"),
    _k("Endpoints", "", "v1", "endpoints", True, "ep", etcd_resource="services/endpoints"),
    _k(
        "Deployment",
        "apps",
        "v1",
        "deployments",
        True,
        "deploy",
        has_generation=True,
        status_subresource=True,
        scale_subresource=True,
    ),
    _k(
        "ReplicaSet",
        "apps",
        "v1",
        "replicasets",
        True,
        "rs",
        has_generation=True,
        status_subresource=True,
        scale_subresource=True,
    ),
    _k(
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        False,
        "crd",
        "crds",
        has_generation=True,
        status_subresource=True,
        etcd_resource="apiextensions.k8s.io/customresourcedefinitions",
    ),
)

#: Kinds a real cluster has that kubesim does not simulate, with their group: a manifest of one of
#: these gets `kind "X" is not supported by kubesim` rather than "no matches for kind".
KNOWN_UNSUPPORTED = {
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "Secret",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "Ingress",
    "IngressClass",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "StorageClass",
    "LimitRange",
    "ResourceQuota",
    "PriorityClass",
    "EndpointSlice",
    "Lease",
    "CertificateSigningRequest",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
}


#: the API groups of Kubernetes itself (besides the *.k8s.io ones): a kind of these that kubesim
#: does not serve is "not supported", not a custom resource waiting for its CRD
KUBERNETES_GROUPS = {"apps", "batch", "autoscaling", "policy", "extensions"}


class Registry:
    """Lookup of kinds by (apiVersion, kind) and by the resource names the CLI accepts."""

    def __init__(self, kinds: Iterable[Kind] = BUILTIN_KINDS) -> None:
        self._kinds: list[Kind] = []
        self._by_gvk: dict[tuple[str, str], Kind] = {}
        self._by_name: dict[str, Kind] = {}
        for k in kinds:
            self.add(k)

    def add(self, k: Kind) -> None:
        self._kinds.append(k)
        for version in k.served_versions or (k.version,):
            api_version = f"{k.group}/{version}" if k.group else version
            self._by_gvk[(api_version, k.kind)] = k
        names = {k.plural, k.singular, k.kind.lower(), *k.short_names}
        for n in names:
            self._by_name.setdefault(n, k)
            if k.group:
                self._by_name.setdefault(f"{n}.{k.group}", k)

    @property
    def kinds(self) -> list[Kind]:
        return list(self._kinds)

    def supported_kinds(self) -> list[str]:
        return sorted(k.kind for k in self._kinds)

    def for_object(self, api_version: str, kind: str) -> Kind:
        """The kind of a manifest document; raises UnsupportedKind with the clear message."""
        found = self._by_gvk.get((api_version, kind))
        if found:
            return found
        same_kind = [k for k in self._kinds if k.kind == kind]
        if same_kind:
            expected = ", ".join(
                sorted(
                    {
                        f"{k.group + '/' if k.group else ''}{v}"
                        for k in same_kind
                        for v in (k.served_versions or (k.version,))
                    }
                )
            )
            raise UnsupportedKind(
                f'no matches for kind "{kind}" in version "{api_version}"'
                f" (kubesim serves {kind} as {expected})"
            )
        group = api_version.rpartition("/")[0]
        if (
            kind not in KNOWN_UNSUPPORTED
            and group
            and not group.endswith(".k8s.io")
            and (group not in KUBERNETES_GROUPS)
        ):
            # a custom resource whose CRD is not stored (yet): kubectl's words
            raise UnsupportedKind(
                f'no matches for kind "{kind}" in version "{api_version}"; ensure CRDs are '
                "installed first"
            )
        raise UnsupportedKind(
            f'kind "{kind}" is not supported by kubesim; supported kinds: '
            + ", ".join(self.supported_kinds())
            + ", and custom resources of an applied CustomResourceDefinition"
        )

    def for_resource(self, name: str) -> Kind:
        """`deploy`, `deployments`, `Deployment`, `deployment.apps`: kubectl's resource argument."""
        found = self._by_name.get(name.lower())
        if found:
            return found
        raise UnsupportedKind(
            f'the server doesn\'t have a resource type "{name}"',
        )

    def for_kind(self, kind: str) -> Kind:
        """The kind called `kind` (`Deployment`, or a custom resource's kind)."""
        for k in self._kinds:
            if k.kind == kind:
                return k
        raise UnsupportedKind(f'kind "{kind}" is not known to kubesim')

    def try_for_resource(self, name: str) -> Kind | None:
        return self._by_name.get(name.lower())


BUILTIN = Registry()


def builtin(kind: str) -> Kind:
    """The compiled-in kind called `kind` (`Deployment`)."""
    return BUILTIN.for_kind(kind)
