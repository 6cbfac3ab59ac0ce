"""The endpoints controller: a Service's Endpoints follow the ready pods its selector picks.

Pods are created directly through the API and given an IP and a Ready condition with
update_status, as a kubelet would; only the endpoints controller runs.
"""

from __future__ import annotations

import pytest

import kubesim.controllers
from kubesim.api.delete import delete
from kubesim.controllers.endpoints import EndpointsController
from kubesim.model.kinds import builtin
from kubesim.model.objects import deepcopy
from tests.sim.conftest import apply_yaml, deployment

ENDPOINTS, POD, SERVICE = builtin("Endpoints"), builtin("Pod"), builtin("Service")


@pytest.fixture
def ep_plane(make_plane, monkeypatch):
    """make_plane with only the endpoints controller (objects are made through the API)."""
    monkeypatch.setattr(
        kubesim.controllers,
        "default_processes",
        lambda nodes, config: [("kube-controller-manager", [EndpointsController()])],
    )
    return make_plane


def service(name="web", selector=None, ports=None, **spec):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "labels": {"team": "a"}},
        "spec": {
            "selector": selector if selector is not None else {"app": "web"},
            "ports": ports or [{"name": "http", "port": 80, "targetPort": "http"}],
            **spec,
        },
    }


def make_pod(plane, name, labels=None, node="node-1"):
    return plane.api.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": labels or {"app": "web"}},
            "spec": {
                "nodeName": node,
                "containers": [
                    {
                        "name": "c",
                        "image": "nginx:1.27",
                        "ports": [{"name": "http", "containerPort": 8080}],
                    }
                ],
            },
        }
    ).obj


def set_status(plane, name, ip, ready):
    pod = deepcopy(plane.api.get(POD, "default", name))
    pod["status"] = {
        "phase": "Running",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    plane.api.update_status(pod)


def settle(plane):
    plane.poll()
    plane.run_until_settled()


def endpoints(plane, name="web"):
    return plane.api.try_get(ENDPOINTS, "default", name)


def ips(ep, field="addresses"):
    return sorted(a["ip"] for s in ep.get("subsets", []) for a in s.get(field, []))


def test_projection_is_services_pods_and_endpoints(ep_plane):
    plane = ep_plane()
    kinds = list(plane.consumer("kube-controller-manager").informers)
    assert kinds == ["Service", "Pod", "Endpoints"]


def test_endpoints_follow_ready_selected_pods(ep_plane):
    plane = ep_plane()
    plane.api.create(service())
    for i in (1, 2, 3):
        make_pod(plane, f"web-{i}")
    make_pod(plane, "other", labels={"app": "db"})
    settle(plane)
    ep = endpoints(plane)
    assert ep is not None and "subsets" not in ep  # no pod has an IP yet
    assert ep["metadata"]["labels"] == {"team": "a"}

    set_status(plane, "web-1", "10.244.1.5", ready=True)
    set_status(plane, "web-2", "10.244.2.7", ready=False)
    set_status(plane, "other", "10.244.3.9", ready=True)
    settle(plane)
    ep = endpoints(plane)
    assert ips(ep) == ["10.244.1.5"]
    assert ips(ep, "notReadyAddresses") == ["10.244.2.7"]
    [subset] = ep["subsets"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    pod1 = plane.api.get(POD, "default", "web-1")
    assert subset["addresses"][0] == {
        "ip": "10.244.1.5",
        "nodeName": "node-1",
        "targetRef": {
            "kind": "Pod",
            "namespace": "default",
            "name": "web-1",
            "uid": pod1["metadata"]["uid"],
        },
    }

    set_status(plane, "web-2", "10.244.2.7", ready=True)
    settle(plane)
    assert ips(endpoints(plane)) == ["10.244.1.5", "10.244.2.7"]

    # relabelled out of the selector: gone from the endpoints
    pod = deepcopy(plane.api.get(POD, "default", "web-1"))
    pod["metadata"]["labels"] = {"app": "canary"}
    plane.api.update(pod)
    settle(plane)
    assert ips(endpoints(plane)) == ["10.244.2.7"]

    delete(plane.api, POD, "default", "web-2", grace_period=0)
    settle(plane)
    assert "subsets" not in endpoints(plane)


def test_numeric_target_port_and_unchanged_pods_write_nothing(ep_plane):
    plane = ep_plane()
    plane.api.create(service(ports=[{"port": 80, "targetPort": 9376, "protocol": "TCP"}]))
    make_pod(plane, "web-1")
    set_status(plane, "web-1", "10.244.1.5", ready=True)
    settle(plane)
    assert endpoints(plane)["subsets"][0]["ports"] == [{"port": 9376, "protocol": "TCP"}]
    consumer = plane.controller("kube-controller-manager/endpoint")
    writes, revision = consumer.client.stats.writes, plane.store.current_revision()
    pod = deepcopy(plane.api.get(POD, "default", "web-1"))
    pod["metadata"]["annotations"] = {"note": "irrelevant to endpoints"}
    plane.api.update(pod)
    plane.restart("kube-controller-manager")  # a relist reconciles every service again
    settle(plane)
    assert consumer.client.stats.writes == writes
    assert plane.store.current_revision() == revision + 1  # only the annotation


def test_service_without_selector_is_left_alone(ep_plane):
    plane = ep_plane()
    plane.api.create(service(name="manual", selector={}))
    settle(plane)
    assert endpoints(plane, "manual") is None


def test_headless_service_label(ep_plane):
    plane = ep_plane()
    plane.api.create(service(name="db", clusterIP="None"))
    settle(plane)
    labels = endpoints(plane, "db")["metadata"]["labels"]
    assert labels == {"team": "a", "service.kubernetes.io/headless": ""}


def test_service_deletion_deletes_its_endpoints(ep_plane):
    plane = ep_plane()
    plane.api.create(service())
    make_pod(plane, "web-1")
    set_status(plane, "web-1", "10.244.1.5", ready=True)
    settle(plane)
    assert endpoints(plane) is not None
    delete(plane.api, SERVICE, "default", "web")
    settle(plane)
    assert endpoints(plane) is None


# ------------------------------------------------------------------ with every controller running

SERVICE_YAML = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""


def test_end_to_end_endpoints_follow_a_deployment(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(replicas=3) + "---" + SERVICE_YAML)
    plane.run_until_settled()
    running = plane.api.list(POD, "default")[0]
    assert ips(endpoints(plane)) == sorted(p["status"]["podIP"] for p in running)
    assert len(running) == 3
    apply_yaml(plane, deployment(replicas=1))
    plane.run_until_settled()
    [left] = plane.api.list(POD, "default")[0]
    assert ips(endpoints(plane)) == [left["status"]["podIP"]]
