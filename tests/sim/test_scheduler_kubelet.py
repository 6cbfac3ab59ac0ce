"""The scheduler and the kubelets on the virtual clock: placement, fit, pod lifecycle."""

from __future__ import annotations

import pytest
import yaml

import kubesim.controllers as controllers
from kubesim.api.apply import apply
from kubesim.api.delete import delete
from kubesim.controllers.kubelet import Kubelet, normalize_image
from kubesim.controllers.nodes import node_manifest
from kubesim.controllers.replicaset import ReplicaSetController
from kubesim.controllers.scheduler import Scheduler, fit_error
from kubesim.model.kinds import builtin
from kubesim.model.objects import parse_timestamp
from kubesim.sim.controlplane import SimConfig
from tests.sim.conftest import T0

POD, EVENT, NODE = builtin("Pod"), builtin("Event"), builtin("Node")

REPLICA_SET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: web-6f6b679f8f}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources: {{requests: {{cpu: "{cpu}"}}}}
"""

POD_YAML = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    resources: {{requests: {{cpu: "{cpu}"}}}}
"""


@pytest.fixture(autouse=True)
def only_these_controllers(monkeypatch):
    def build(nodes, config):
        return [
            ("kube-controller-manager", [ReplicaSetController()]),
            ("kube-scheduler", [Scheduler()]),
            *[(f"kubelet-{n}", [Kubelet(n, start_delay=config.pod_start_delay)]) for n in nodes],
        ]

    monkeypatch.setattr(controllers, "default_processes", build)


def create(plane, text):
    apply(plane.api, yaml.safe_load(text))
    plane.poll()


def pods(plane):
    return sorted(plane.api.list(POD)[0], key=lambda p: p["metadata"]["name"])


def events(plane, reason):
    return [e for e in plane.api.list(EVENT)[0] if e["reason"] == reason]


def set_ready(plane, node, ready):
    def mutate(obj):
        for cond in obj["status"]["conditions"]:
            if cond["type"] == "Ready":
                cond["status"] = "True" if ready else "False"
        return obj

    plane.api.guaranteed_update(
        NODE, None, node, mutate, actor="user", verb="patch", subresource="status"
    )
    plane.poll()


def test_pods_spread_across_the_nodes(make_plane):
    plane = make_plane()
    create(plane, REPLICA_SET.format(replicas=6, cpu="100m"))
    assert plane.run_until_settled()
    per_node = {}
    for pod in pods(plane):
        per_node[pod["spec"]["nodeName"]] = per_node.get(pod["spec"]["nodeName"], 0) + 1
    assert per_node == {"node-1": 2, "node-2": 2, "node-3": 2}
    scheduled = events(plane, "Scheduled")
    assert sorted(e["message"] for e in scheduled) == sorted(
        f"Successfully assigned default/{p['metadata']['name']} to {p['spec']['nodeName']}"
        for p in pods(plane)
    )
    assert all(e["source"] == {"component": "default-scheduler"} for e in scheduled)


def test_only_ready_nodes_get_pods(make_plane):
    plane = make_plane()
    set_ready(plane, "node-3", False)
    create(plane, REPLICA_SET.format(replicas=6, cpu="100m"))
    assert plane.run_until_settled()
    assert {p["spec"]["nodeName"] for p in pods(plane)} == {"node-1", "node-2"}


def test_the_scheduler_projection_has_pods_and_nodes_only(make_plane):
    plane = make_plane()
    assert set(plane.consumer("kube-scheduler").informers) == {
        "Pod",
        "Node",
        "Namespace",
        "Service",
        "ReplicaSet",
    }


def test_a_pod_too_big_for_every_node_is_unschedulable(make_plane):
    plane = make_plane()
    create(plane, POD_YAML.format(name="huge", cpu="100"))
    assert plane.run_until_settled()
    pod = plane.api.get(POD, "default", "huge")
    assert not pod["spec"].get("nodeName")
    cond = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    message = (
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod."
    )
    assert cond == {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": message,
        "lastProbeTime": None,
        "lastTransitionTime": cond["lastTransitionTime"],
    }
    assert pod["status"]["phase"] == "Pending"
    failed = events(plane, "FailedScheduling")
    assert [(e["type"], e["message"]) for e in failed] == [("Warning", message)]

    # a node big enough joins: the pod is retried and bound there
    big = node_manifest(
        "node-big", {"cpu": "128", "memory": "512Gi", "pods": "110"}, plane.clock.now()
    )
    plane.api.create(big, actor="kubelet-node-big")
    plane.poll()
    assert plane.run_until_settled()
    assert plane.api.get(POD, "default", "huge")["spec"]["nodeName"] == "node-big"


def test_fit_error_wording_mixes_reasons_as_kube_scheduler_does():
    reasons = {
        "node-1": ["Insufficient cpu"],
        "node-2": ["Insufficient cpu"],
        "node-3": ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"],
    }
    assert fit_error(3, reasons) == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node.kubernetes.io/not-ready: }, 2 Insufficient cpu. preemption: 0/3 nodes are "
        "available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found "
        "for incoming pod."
    )


def test_assumed_pods_prevent_overcommit_with_a_stale_cache(make_plane):
    """Nodes of 1 cpu, pods of 400m, and a scheduler whose watch lags 2 s: it must count the
    pods it has just bound although its cache does not show them yet."""
    config = SimConfig(
        latency={"kube-scheduler": 2.0},
        check_mutation=True,
        node_allocatable={"cpu": "1", "memory": "4Gi", "pods": "110"},
    )
    plane = make_plane(config)
    create(plane, REPLICA_SET.format(replicas=8, cpu="400m"))
    assert plane.run_until_settled()
    bound = [p for p in pods(plane) if p["spec"].get("nodeName")]
    per_node = {}
    for pod in bound:
        per_node[pod["spec"]["nodeName"]] = per_node.get(pod["spec"]["nodeName"], 0) + 1
    assert per_node == {"node-1": 2, "node-2": 2, "node-3": 2}
    assert len(pods(plane)) - len(bound) == 2


def test_kubelet_reports_pending_then_running_after_the_start_delay(make_plane):
    plane = make_plane(SimConfig(pod_start_delay=5.0, check_mutation=True))
    create(plane, POD_YAML.format(name="solo", cpu="100m"))
    plane.run_until_settled(until=T0 + 2)
    pod = plane.api.get(POD, "default", "solo")
    node = pod["spec"]["nodeName"]
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "ContainerCreating"}
    }
    assert "podIP" not in pod["status"]

    # only the kubelet of that node has the pod in its projection
    for consumer in plane.consumers:
        if consumer.name.startswith("kubelet-"):
            keys = consumer.informers["Pod"].cache.list_keys()
            assert keys == (["default/solo"] if consumer.name == f"kubelet-{node}" else [])

    assert plane.run_until_settled()
    status = plane.api.get(POD, "default", "solo")["status"]
    assert status["phase"] == "Running"
    assert status["podIP"].startswith(f"10.244.{node.removeprefix('node-')}.")
    assert status["hostIP"] and status["startTime"]
    (cs,) = status["containerStatuses"]
    assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert cs["image"] == "docker.io/library/nginx:1.27"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["containerID"].startswith("containerd://")
    assert parse_timestamp(cs["state"]["running"]["startedAt"]) == T0 + 5
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodReadyToStartContainers": "True",
        "Initialized": "True",
        "Ready": "True",
        "ContainersReady": "True",
        "PodScheduled": "True",
    }
    assert [e["message"] for e in events(plane, "Started")] == ["Started container nginx"]


def test_few_event_and_status_writes_per_pod(make_plane):
    plane = make_plane()
    create(plane, REPLICA_SET.format(replicas=9, cpu="100m"))
    assert plane.run_until_settled()
    per_pod = len(plane.api.list(EVENT)[0]) / 9
    assert per_pod <= 3  # SuccessfulCreate, Scheduled, Started
    kubelet_writes = sum(c.writes() for c in plane.consumers if c.name.startswith("kubelet-"))
    assert kubelet_writes == 9 * 3  # Pending status, Running status, one event
    # settled: resyncs rewrite nothing
    for consumer in plane.consumers:
        if consumer.name.startswith("kubelet-"):
            for key in consumer.informers["Pod"].cache.list_keys():
                consumer.controllers[0].enqueue(key)
            plane.schedule_process(consumer)
    assert plane.run_until_settled()
    assert kubelet_writes == sum(
        c.writes() for c in plane.consumers if c.name.startswith("kubelet-")
    )


def test_graceful_deletion_stops_then_removes_the_pod(make_plane):
    plane = make_plane()
    create(plane, POD_YAML.format(name="solo", cpu="100m"))
    assert plane.run_until_settled()
    result = delete(plane.api, POD, "default", "solo")
    assert not result.removed and result.obj["metadata"]["deletionTimestamp"]
    plane.poll()
    plane.run_until_settled(until=plane.clock.now() + 0.5)
    assert plane.api.try_get(POD, "default", "solo") is not None  # still terminating
    assert [e["message"] for e in events(plane, "Killing")] == ["Stopping container nginx"]
    assert plane.run_until_settled()
    assert plane.api.try_get(POD, "default", "solo") is None


def test_a_node_without_ready_condition_gets_one_from_its_kubelet(make_plane):
    plane = make_plane()
    bare = node_manifest("node-x", {"cpu": "4", "memory": "8Gi", "pods": "110"}, plane.clock.now())
    bare["status"].pop("conditions")
    plane.api.create(bare)
    plane.add_process("kubelet-node-x", [Kubelet("node-x")])
    plane.poll()
    assert plane.run_until_settled()
    conditions = plane.api.get(NODE, None, "node-x")["status"]["conditions"]
    assert [(c["type"], c["status"]) for c in conditions] == [("Ready", "True")]


def test_image_names_are_normalized_as_containerd_reports_them():
    assert normalize_image("nginx") == "docker.io/library/nginx:latest"
    assert normalize_image("nginx:1.27") == "docker.io/library/nginx:1.27"
    assert normalize_image("bitnami/redis:7") == "docker.io/bitnami/redis:7"
    assert normalize_image("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10"
    assert normalize_image("localhost:5000/app") == "localhost:5000/app:latest"
