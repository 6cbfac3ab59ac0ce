"""The ReplicaSet controller on the virtual clock: creation, scale-down order, expectations.

The planes here run the ReplicaSet controller, the scheduler and the kubelets only (the other
controllers are tested on their own), so every pod seen was made by the controller under test.
"""

from __future__ import annotations

import re

import pytest
import yaml

import kubesim.controllers as controllers
from kubesim.api.apply import apply
from kubesim.api.delete import delete
from kubesim.api.subresources import scale
from kubesim.controllers.expectations import ControllerExpectations
from kubesim.controllers.kubelet import Kubelet
from kubesim.controllers.podutil import pods_to_delete
from kubesim.controllers.replicaset import ReplicaSetController
from kubesim.controllers.scheduler import Scheduler
from kubesim.model.errors import Forbidden
from kubesim.model.kinds import builtin
from kubesim.model.objects import format_timestamp
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults
from tests.sim.conftest import T0

POD, RS, EVENT, NODE = builtin("Pod"), builtin("ReplicaSet"), builtin("Event"), builtin("Node")
NAME = "web-6f6b679f8f"
POD_NAME = re.compile(r"^web-6f6b679f8f-[bcdfghjklmnpqrstvwxz2456789]{5}$")

REPLICA_SET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-6f6b679f8f
  labels: {{app: web}}
spec:
  replicas: {replicas}
  minReadySeconds: {min_ready}
  selector:
    matchLabels: {{app: web, pod-template-hash: 6f6b679f8f}}
  template:
    metadata:
      labels: {{app: web, pod-template-hash: 6f6b679f8f}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


@pytest.fixture(autouse=True)
def only_these_controllers(monkeypatch):
    """A plane of the ReplicaSet controller, the scheduler and the kubelets."""

    def build(nodes, config):
        return [
            ("kube-controller-manager", [ReplicaSetController()]),
            ("kube-scheduler", [Scheduler()]),
            *[(f"kubelet-{n}", [Kubelet(n, start_delay=config.pod_start_delay)]) for n in nodes],
        ]

    monkeypatch.setattr(controllers, "default_processes", build)


def create_rs(plane, replicas=3, min_ready=0):
    apply(plane.api, yaml.safe_load(REPLICA_SET.format(replicas=replicas, min_ready=min_ready)))
    plane.poll()


def pods(plane):
    return sorted(plane.api.list(POD)[0], key=lambda p: p["metadata"]["name"])


def events(plane, reason):
    return [e for e in plane.api.list(EVENT)[0] if e["reason"] == reason]


def rs_status(plane):
    return plane.api.get(RS, "default", NAME).get("status", {})


def set_replicas(plane, n):
    scale(plane.api, RS, "default", NAME, n)
    plane.poll()


def test_scale_up_creates_owned_pods_named_after_the_replica_set(make_plane):
    plane = make_plane()
    create_rs(plane)
    assert plane.run_until_settled()

    rs = plane.api.get(RS, "default", NAME)
    got = pods(plane)
    assert len(got) == 3
    for pod in got:
        md = pod["metadata"]
        assert POD_NAME.match(md["name"])
        assert md["generateName"] == f"{NAME}-"
        assert md["labels"] == {"app": "web", "pod-template-hash": "6f6b679f8f"}
        assert md["ownerReferences"] == [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": NAME,
                "uid": rs["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert pod["status"]["phase"] == "Running"
    created = sorted(e["message"] for e in events(plane, "SuccessfulCreate"))
    assert created == sorted(f"Created pod: {p['metadata']['name']}" for p in got)
    assert all(
        e["involvedObject"]["kind"] == "ReplicaSet" for e in events(plane, "SuccessfulCreate")
    )
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }


def test_scale_to_five_then_two_deletes_unscheduled_pods_first(make_plane):
    plane = make_plane()
    create_rs(plane)
    assert plane.run_until_settled()
    running = {p["metadata"]["name"] for p in pods(plane)}
    for node in ("node-1", "node-2", "node-3"):  # cordon: new pods stay unscheduled
        plane.api.guaranteed_update(NODE, None, node, _cordon, actor="user", verb="patch")
    set_replicas(plane, 5)
    assert plane.run_until_settled()
    assert len(pods(plane)) == 5
    pending = {p["metadata"]["name"] for p in pods(plane) if not p["spec"].get("nodeName")}
    assert len(pending) == 2
    assert rs_status(plane)["readyReplicas"] == 3

    set_replicas(plane, 2)
    assert plane.run_until_settled()
    left = {p["metadata"]["name"] for p in pods(plane)}
    assert len(left) == 2 and left < running  # both unscheduled pods went, then one running
    deleted = {
        e["message"].removeprefix("Deleted pod: ") for e in events(plane, "SuccessfulDelete")
    }
    assert pending < deleted and len(deleted) == 3
    assert rs_status(plane)["replicas"] == 2


def _cordon(node):
    node.setdefault("spec", {})["unschedulable"] = True
    return node


def lagging_plane_with_a_second_trigger(make_plane):
    """The controller sees events 2 s late; the ReplicaSet is created at 0 s and annotated at
    1 s, so a second sync runs at 3 s, while its cache still lacks the pods the first sync (at
    2 s) created: they only arrive at 4 s."""
    plane = make_plane(SimConfig(latency={"kube-controller-manager": 2.0}, check_mutation=True))
    assert plane.run_until_settled()  # the controller has listed (an empty cluster)
    start = plane.clock.now()
    create_rs(plane, replicas=10)
    plane.run_until_settled(until=start + 1)

    def annotate(rs):
        rs["metadata"]["annotations"] = {"team": "web"}
        return rs

    plane.api.guaranteed_update(RS, "default", NAME, annotate, actor="user", verb="patch")
    plane.poll()
    return plane, start


def test_expectations_prevent_duplicates_when_the_controller_lags(make_plane):
    plane, start = lagging_plane_with_a_second_trigger(make_plane)
    assert plane.run_until_settled()
    assert len(pods(plane)) == 10
    syncs = plane.store.journal(types=["reconcile"], actor="kube-controller-manager/replicaset")
    assert any(start + 2.5 < s.time < start + 4 for s in syncs)  # the sync on a stale cache ran


def test_without_expectations_the_same_lag_creates_duplicates(make_plane, monkeypatch):
    monkeypatch.setattr(ControllerExpectations, "satisfied", lambda self, key: True)
    plane, start = lagging_plane_with_a_second_trigger(make_plane)
    plane.run_until_settled(until=start + 3.5)
    assert len(pods(plane)) == 20  # what expectations are for


def test_duplicate_deliveries_still_give_exactly_n_pods(make_plane):
    plane = make_plane(SimConfig(faults=Faults(duplicate_rate=0.5), check_mutation=True))
    create_rs(plane, replicas=7)
    assert plane.run_until_settled()
    assert len(pods(plane)) == 7
    assert plane.consumer("kube-controller-manager").stats.duplicates > 0
    set_replicas(plane, 4)
    assert plane.run_until_settled()
    assert len(pods(plane)) == 4
    assert rs_status(plane)["replicas"] == 4


def test_slow_start_batches_stop_at_the_first_failing_batch(make_plane, monkeypatch):
    """20 replicas: batches 1, 2, 4, ...; creates 4..7 (the batch of 4) are refused by the API
    (say a quota): the sync stops after that batch and the next one creates the rest."""
    plane = make_plane()
    real_create = plane.api.create
    calls = {"n": 0}

    def create(obj, **kw):
        if obj.get("kind") == "Pod":
            calls["n"] += 1
            if 4 <= calls["n"] <= 7:
                raise Forbidden(f'pods "{NAME}-x" is forbidden: exceeded quota: pods')
        return real_create(obj, **kw)

    monkeypatch.setattr(plane.api, "create", create)
    create_rs(plane, replicas=20)
    assert plane.run_until_settled()

    syncs = plane.store.journal(types=["reconcile"], actor="kube-controller-manager/replicaset")
    creates = [
        sum(1 for w in s.data["writes"] if w[1] == "create" and "/pods/" in w[2]) for s in syncs
    ]
    first = next(i for i, n in enumerate(creates) if n)
    assert creates[first] == 3  # batches of 1 and 2; the batch of 4 failed
    assert syncs[first].outcome.startswith("error")
    assert len(events(plane, "FailedCreate")) == 4  # the whole batch was attempted
    assert sum(creates) == 20 and len(pods(plane)) == 20
    assert calls["n"] == 24


def test_one_sync_creates_all_missing_pods_in_slow_start_batches(make_plane):
    plane = make_plane()
    create_rs(plane, replicas=20)
    assert plane.run_until_settled()
    commands = [
        e
        for e in plane.store.journal(types=["command"], actor="kube-controller-manager/replicaset")
        if e.verb == "create" and e.target.startswith("/registry/pods/")
    ]
    assert len(commands) == 20
    assert len(events(plane, "SuccessfulCreate")) == 20


def test_a_terminating_pod_is_replaced_at_once(make_plane):
    plane = make_plane()
    create_rs(plane)
    assert plane.run_until_settled()
    victim = pods(plane)[0]["metadata"]["name"]
    result = delete(plane.api, POD, "default", victim)
    assert not result.removed  # graceful: the kubelet removes it
    plane.poll()
    plane.run_until_settled(until=plane.clock.now() + 0.5)
    now = pods(plane)
    assert len(now) == 4  # the replacement exists while the old pod terminates
    assert rs_status(plane)["replicas"] == 3
    assert plane.run_until_settled()
    assert victim not in {p["metadata"]["name"] for p in pods(plane)}
    assert len(pods(plane)) == 3


def test_orphans_are_adopted_and_non_matching_pods_released(make_plane):
    plane = make_plane()
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stray", "labels": {"app": "web", "pod-template-hash": "6f6b679f8f"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
    }
    plane.api.create(orphan)
    create_rs(plane)
    assert plane.run_until_settled()
    names = {p["metadata"]["name"] for p in pods(plane)}
    assert "stray" in names and len(names) == 3
    stray = plane.api.get(POD, "default", "stray")
    assert stray["metadata"]["ownerReferences"][0]["name"] == NAME

    def relabel(pod):
        pod["metadata"]["labels"] = {"app": "debug"}
        return pod

    plane.api.guaranteed_update(POD, "default", "stray", relabel, actor="user", verb="patch")
    plane.poll()
    assert plane.run_until_settled()
    assert "ownerReferences" not in plane.api.get(POD, "default", "stray")["metadata"]
    assert len(pods(plane)) == 4  # released, and replaced
    assert rs_status(plane)["replicas"] == 3


def test_available_replicas_wait_for_min_ready_seconds(make_plane):
    plane = make_plane()
    create_rs(plane, min_ready=5)
    plane.run_until_settled(until=T0 + 3)
    status = rs_status(plane)
    assert status["readyReplicas"] == 3 and status["availableReplicas"] == 0
    assert plane.run_until_settled()
    assert rs_status(plane)["availableReplicas"] == 3


def test_status_is_written_only_when_it_changes(make_plane):
    plane = make_plane()
    create_rs(plane)
    assert plane.run_until_settled()
    syncs = plane.store.journal(types=["reconcile"], actor="kube-controller-manager/replicaset")
    assert syncs[-1].outcome == "no-op"  # its own status write came back: nothing to do
    # resyncs change nothing and write nothing
    rs = plane.api.get(RS, "default", NAME)
    consumer = plane.controller("kube-controller-manager/replicaset")
    writes = consumer.client.stats.writes
    consumer.enqueue("default/" + NAME)
    plane.schedule_work(consumer)
    assert plane.run_until_settled()
    assert consumer.client.stats.writes == writes
    assert (
        plane.api.get(RS, "default", NAME)["metadata"]["resourceVersion"]
        == (rs["metadata"]["resourceVersion"])
    )


# --------------------------------------------------------------------------- deletion order


def _pod(name, node="", phase="Running", ready=True, ready_at=0.0, cost=None, created=0.0):
    md = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "creationTimestamp": format_timestamp(T0 + created),
    }
    if cost is not None:
        md["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    status = {
        "phase": phase,
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": format_timestamp(T0 + ready_at),
            }
        ],
    }
    return {"metadata": md, "spec": {"nodeName": node}, "status": status}


def test_deletion_order_follows_active_pods_ranking():
    now = T0 + 10_000
    pods_ = [
        _pod("ready-old", "n1", created=0, ready_at=10),
        _pod("ready-new", "n2", created=5000, ready_at=5010),
        _pod("not-ready", "n1", ready=False),
        _pod("pending", "n2", phase="Pending", ready=False),
        _pod("unscheduled", "", phase="Pending", ready=False),
    ]
    got = [p["metadata"]["name"] for p in pods_to_delete(pods_, [], 4, now)]
    assert got == ["unscheduled", "pending", "not-ready", "ready-new"]


def test_deletion_cost_and_doubled_up_nodes_come_before_age():
    now = T0 + 10_000
    a, b, c = _pod("a", "n1"), _pod("b", "n2"), _pod("c", "n2")
    # b and c share n2: one of them goes first
    assert pods_to_delete([a, b, c], [a, b, c], 1, now)[0]["metadata"]["name"] in ("b", "c")
    # a low deletion cost beats being doubled up
    cheap = _pod("a", "n1", cost=-10)
    assert pods_to_delete([cheap, b, c], [cheap, b, c], 1, now)[0]["metadata"]["name"] == "a"
