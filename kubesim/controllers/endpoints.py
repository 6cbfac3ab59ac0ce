"""The endpoints controller (`kube-controller-manager/endpoint`): each Service's v1 Endpoints
object.

Its informers are Services, Pods and Endpoints, as the real controller's. For a Service with a
selector (and not of type ExternalName) it writes the Endpoints object of the same name: the
selected pods that have an IP and are neither terminal nor terminating, as `addresses` when
Ready (or when the service sets publishNotReadyAddresses) and `notReadyAddresses` otherwise,
each with ip, nodeName and a targetRef to the Pod; the ports are the service's, with the
targetPort resolved per pod (a number, or a named container port). Subsets are repacked as the
API's RepackSubsets does: addresses that serve the same ports share one subset. Labels are the
service's, plus `service.kubernetes.io/headless` for a headless service. Deleting the service
deletes its Endpoints. (k8s pkg/controller/endpoint/endpoints_controller.go,
pkg/api/v1/endpoints, pkg/controller/util/endpointslice ShouldPodBeInEndpoints,
GetServicesToUpdateOnPodChange.)

A pod event queues the services that select it (old and new labels); a pod update that changes
nothing the endpoints show (labels, IP, readiness, deletion) queues nothing. Not modelled: the
last-change-trigger-time annotation and the truncation at 1000 addresses.

The current Endpoints comes from its cache: none there, it creates one (AlreadyExists while the
cache lags: the key is retried); the same labels and subsets, it writes nothing; otherwise it
sends an Update of its cached copy, resourceVersion included (409 Conflict when that copy is
stale: retried). A deleted Endpoints queues its service again.
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import DeletedFinalStateUnknown, Handler, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec, split_key
from kubesim.model.errors import Forbidden, NotFound
from kubesim.model.kinds import builtin
from kubesim.model.labels import Requirement, Selector, matches
from kubesim.model.objects import cache_key, deepcopy, dumps, labels_of, loads

Object = dict[str, Any]

ENDPOINTS = builtin("Endpoints")
HEADLESS_LABEL = "service.kubernetes.io/headless"


def service_selector(svc: Object) -> Selector | None:
    """The service's selector, None when it has none (its Endpoints are managed by hand)."""
    selector = (svc.get("spec") or {}).get("selector")
    if not selector:
        return None
    return tuple(Requirement(k, "In", (str(v),)) for k, v in sorted(selector.items()))


def pod_ready(pod: Object) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_ips(pod: Object) -> tuple[str, ...]:
    status = pod.get("status") or {}
    ips = tuple(p.get("ip", "") for p in status.get("podIPs") or [] if p.get("ip"))
    if not ips and status.get("podIP"):
        ips = (status["podIP"],)
    return ips


def should_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    return include_terminating or not (pod.get("metadata") or {}).get("deletionTimestamp")


def find_port(pod: Object, svc_port: dict[str, Any]) -> int | None:
    """podutil.FindPort: a numeric targetPort as is, a named one from the pod's containers."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    protocol = svc_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or []), *sidecars]:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def endpoint_address(svc: Object, pod: Object) -> dict[str, Any]:
    md, spec = pod["metadata"], pod.get("spec") or {}
    address: dict[str, Any] = {"ip": pod_ips(pod)[0]}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        address["hostname"] = spec["hostname"]
    address["nodeName"] = spec.get("nodeName", "")
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": md.get("namespace"),
        "name": md["name"],
        "uid": md.get("uid"),
    }
    return address


def endpoint_port(svc_port: dict[str, Any], number: int) -> dict[str, Any]:
    port: dict[str, Any] = {}
    if svc_port.get("name"):
        port["name"] = svc_port["name"]
    port["port"] = number
    port["protocol"] = svc_port.get("protocol") or "TCP"
    if svc_port.get("appProtocol"):
        port["appProtocol"] = svc_port["appProtocol"]
    return port


def desired_subsets(svc: Object, pods: list[Object]) -> list[dict[str, Any]]:
    """The Endpoints subsets for a service and the pods its selector matches, repacked."""
    spec = svc.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    svc_ports = spec.get("ports") or []
    # port (as a sorted JSON string, "" for none) -> address key -> (address, ready)
    by_port: dict[str, dict[tuple[str, str], tuple[dict[str, Any], bool]]] = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, publish_not_ready):
            continue
        address = endpoint_address(svc, pod)
        ready = publish_not_ready or pod_ready(pod)
        addr_key = (address["ip"], address["targetRef"]["uid"] or "")
        if not svc_ports:
            if spec.get("clusterIP") == "None":
                by_port.setdefault("", {})[addr_key] = (address, ready)
            continue
        for svc_port in svc_ports:
            number = find_port(pod, svc_port)
            if number is None:
                continue
            port_key = dumps(endpoint_port(svc_port, number)).decode()
            by_port.setdefault(port_key, {})[addr_key] = (address, ready)
    return _repack(by_port)


def _repack(by_port: dict[str, dict[tuple[str, str], tuple[dict[str, Any], bool]]]) -> list:
    """RepackSubsets: the ports served by exactly the same addresses share a subset."""
    groups: dict[tuple, tuple[dict, list[str]]] = {}
    for port_key in sorted(by_port):
        addrs = by_port[port_key]
        group_key = tuple(sorted((k, ready) for k, (_, ready) in addrs.items()))
        groups.setdefault(group_key, (addrs, []))[1].append(port_key)
    subsets = []
    for addrs, port_keys in groups.values():
        subset: dict[str, Any] = {}
        ready = [a for k, (a, r) in sorted(addrs.items()) if r]
        not_ready = [a for k, (a, r) in sorted(addrs.items()) if not r]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        ports = [loads(k) for k in port_keys if k]
        if ports:
            subset["ports"] = ports
        subsets.append(subset)
    return sorted(subsets, key=lambda s: dumps(s))


def endpoints_labels(svc: Object) -> dict[str, str]:
    labels = dict(labels_of(svc))
    cluster_ip = (svc.get("spec") or {}).get("clusterIP")
    if not cluster_ip or cluster_ip == "None":
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


class EndpointsController(Controller):
    name = "endpoint"
    component = "endpoint-controller"
    workers = 5  # --concurrent-endpoint-syncs

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec("Service"), InformerSpec("Pod"), InformerSpec("Endpoints")]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.services = ctx.lister("Service")
        self.pods = ctx.lister("Pod")
        self.endpoints = ctx.lister("Endpoints")
        ctx.handle("Service", Handler.each(self._service_changed))
        ctx.handle(
            "Endpoints", Handler(on_delete=lambda ep: self.ctx.enqueue(cache_key(object_of(ep))))
        )
        ctx.handle(
            "Pod",
            Handler(
                on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
            ),
        )

    # ----------------------------------------------------------------------------- events
    def _service_changed(self, svc: Object) -> None:
        self.ctx.enqueue(cache_key(svc))

    def _services_of(self, pod: Object) -> set[str]:
        """GetPodServiceMemberships: the keys of the services whose selector matches the pod."""
        namespace = (pod.get("metadata") or {}).get("namespace") or ""
        keys = set()
        for svc in self.services.list(namespace):
            selector = service_selector(svc)
            if selector is not None and matches(selector, labels_of(pod)):
                keys.add(cache_key(svc))
        return keys

    def _pod_added(self, pod: Object) -> None:
        for key in sorted(self._services_of(pod)):
            self.ctx.enqueue(key)

    def _pod_deleted(self, pod: Object | DeletedFinalStateUnknown) -> None:
        self._pod_added(object_of(pod))

    def _pod_updated(self, old: Object, new: Object) -> None:
        """GetServicesToUpdateOnPodChange."""
        labels_changed = labels_of(old) != labels_of(new) or _host(old) != _host(new)
        pod_changed = (
            (old.get("metadata") or {}).get("deletionTimestamp")
            != (new.get("metadata") or {}).get("deletionTimestamp")
            or pod_ready(old) != pod_ready(new)
            or pod_ips(old) != pod_ips(new)
        )
        if not labels_changed and not pod_changed:
            return
        services = self._services_of(new)
        if labels_changed:
            old_services = self._services_of(old)
            services = (services | old_services) if pod_changed else (services ^ old_services)
        for key in sorted(services):
            self.ctx.enqueue(key)

    # ----------------------------------------------------------------------------- reconcile
    def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        svc = self.services.get(namespace, name)
        if svc is None:
            try:
                self.ctx.client.delete(ENDPOINTS, namespace, name)
            except NotFound:
                pass
            return None
        selector = service_selector(svc)
        if selector is None or (svc.get("spec") or {}).get("type") == "ExternalName":
            return None
        pods = self.pods.by_selector(namespace, selector)
        subsets = desired_subsets(svc, sorted(pods, key=cache_key))
        labels = endpoints_labels(svc)

        current = self.endpoints.get(namespace, name)
        desired: Object = (
            deepcopy(current)
            if current is not None
            else {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": name, "namespace": namespace},
            }
        )
        md = desired["metadata"]
        if labels:
            md["labels"] = labels
        else:
            md.pop("labels", None)
        if subsets:
            desired["subsets"] = subsets
        else:
            desired.pop("subsets", None)
        if current is None:
            try:
                self.ctx.client.create(desired)
            except Forbidden:
                pass  # the namespace is terminating: creates will keep failing, drop the key
        elif desired != current:
            self.ctx.client.update(desired)  # carries the cached resourceVersion
        return None


def _host(pod: Object) -> tuple[str, str]:
    spec = pod.get("spec") or {}
    return spec.get("hostname", ""), spec.get("subdomain", "")
