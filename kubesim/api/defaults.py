"""Defaulting: the fields the API server fills in before validation, per kind, as the v1
`SetDefaults_*` functions (k8s pkg/apis/{apps,core}/v1/defaults.go, apiextensions v1 defaults) and
the Namespace strategy's canonicalisation do.

`apply_defaults(kind, obj)` changes `obj` in place; it never overwrites a value the user set (the
namespace name label excepted, which the server always resets). Called by the API server on
create and update, before validation. Custom resources are defaulted from their schema
(`kubesim.api.crd.apply_schema_defaults`), not here.
"""

from __future__ import annotations

from typing import Any

from kubesim.model.kinds import Kind

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def image_pull_policy(image: str) -> str:
    """Always for `:latest` or no tag (and no digest), IfNotPresent otherwise."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _probe(probe: dict[str, Any] | None) -> None:
    if not isinstance(probe, dict):
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _container(ctr: dict[str, Any]) -> None:
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = image_pull_policy(str(ctr.get("image") or ""))
    ctr.setdefault("terminationMessagePath", "/dev/termination-log")
    ctr.setdefault("terminationMessagePolicy", "File")
    for port in ctr.get("ports") or []:
        if isinstance(port, dict) and not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in ctr.get("env") or []:
        field_ref = ((env or {}).get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(ctr.get(name))


def _volumes(volumes: list[dict[str, Any]] | None) -> None:
    for volume in volumes or []:
        for source in ("configMap", "secret", "downwardAPI", "projected"):
            if isinstance(volume.get(source), dict):
                volume[source].setdefault("defaultMode", 420)
        if isinstance(volume.get("hostPath"), dict):
            volume["hostPath"].setdefault("type", "")


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and the container defaults (pods and pod templates alike)."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for group in ("initContainers", "containers"):
        for ctr in spec.get(group) or []:
            if isinstance(ctr, dict):
                _container(ctr)
    if spec.get("hostNetwork"):
        for ctr in spec.get("containers") or []:
            for port in ctr.get("ports") or []:
                port.setdefault("hostPort", port.get("containerPort"))
    _volumes(spec.get("volumes"))


def _pod(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    for group in ("initContainers", "containers"):
        for ctr in spec.get(group) or []:
            resources = ctr.get("resources")
            limits = (resources or {}).get("limits") or {}
            if limits:
                requests = resources.setdefault("requests", {})
                for name, value in limits.items():
                    requests.setdefault(name, value)


def _template(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    template = spec.setdefault("template", {})
    default_pod_spec(template.setdefault("spec", {}))


def _deployment(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(obj)


def _replica_set(obj: dict[str, Any]) -> None:
    obj.setdefault("spec", {}).setdefault("replicas", 1)
    _template(obj)


def _service(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        config = spec.setdefault("sessionAffinityConfig", {})
        client_ip = config.setdefault("clientIP", {})
        client_ip.setdefault("timeoutSeconds", 10800)
    spec.setdefault("type", "ClusterIP")
    for port in spec.get("ports") or []:
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if kind != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])


def _namespace(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if name:
        labels = meta.get("labels")
        if labels is None:
            labels = meta["labels"] = {}
        labels[NAMESPACE_NAME_LABEL] = name


def _node(obj: dict[str, Any]) -> None:
    status = obj.get("status")
    if isinstance(status, dict) and status.get("capacity") and not status.get("allocatable"):
        status["allocatable"] = dict(status["capacity"])


def _crd(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if not names.get("singular") and names.get("kind"):
        names["singular"] = names["kind"].lower()
    if not names.get("listKind") and names.get("kind"):
        names["listKind"] = names["kind"] + "List"
    spec.setdefault("conversion", {"strategy": "None"})


_BY_KIND = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "Service": _service,
    "Namespace": _namespace,
    "Node": _node,
    "CustomResourceDefinition": _crd,
}


def apply_defaults(kind: Kind, obj: dict[str, Any]) -> None:
    """Fill in the defaults of `kind` in `obj` (in place)."""
    fn = _BY_KIND.get(kind.kind) if not kind.is_custom else None
    if fn is not None:
        fn(obj)
