"""The garbage collector end to end: Background, Foreground and Orphan deletion, several owners.

Owners and dependents are created directly through the API with ownerReferences; only the garbage
collector runs, so every deletion after the user's comes from it.
"""

from __future__ import annotations

import pytest
import yaml

import kubesim.controllers
from kubesim.api.delete import delete
from kubesim.controllers.garbagecollector import GarbageCollector
from kubesim.model.kinds import builtin
from kubesim.model.objects import new_controller_ref
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults
from tests.sim.conftest import apply_yaml, deployment

DEPLOYMENT, REPLICASET, POD, CONFIGMAP = (
    builtin(k) for k in ("Deployment", "ReplicaSet", "Pod", "ConfigMap")
)


@pytest.fixture
def gc_plane(make_plane, monkeypatch):
    """make_plane with only the garbage collector (objects are made through the API)."""
    monkeypatch.setattr(
        kubesim.controllers,
        "default_processes",
        lambda nodes, config: [("kube-controller-manager", [GarbageCollector()])],
    )
    return make_plane


def create(plane, obj):
    return plane.api.create(obj).obj


def replicaset(name, owner=None):
    md = {"name": name, "namespace": "default", "labels": {"app": "web"}}
    if owner is not None:
        md["ownerReferences"] = [new_controller_ref(owner)]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": md,
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    }


def pod(name, owner):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"app": "web"},
            "ownerReferences": [new_controller_ref(owner)],
        },
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
    }


def configmap(name, *owners, block=False):
    refs = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": o["metadata"]["name"],
            "uid": o["metadata"]["uid"],
            **({"blockOwnerDeletion": True} if block else {}),
        }
        for o in owners
    ]
    md = {"name": name, "namespace": "default"}
    if refs:
        md["ownerReferences"] = refs
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": {"k": name}}


def tree(plane):
    """Deployment web -> ReplicaSet web-1 -> pods web-1-a, web-1-b."""
    deploy = create(plane, yaml.safe_load(deployment(replicas=2)))
    rs = create(plane, replicaset("web-1", deploy))
    pods = [create(plane, pod(f"web-1-{s}", rs)) for s in "ab"]
    plane.poll()
    plane.run_until_settled()
    return deploy, rs, pods


def names(plane, kind):
    return sorted(o["metadata"]["name"] for o in plane.api.list(kind, "default")[0])


def history(plane, after: int, event_type: str, kind: str | None = None):
    """(kind, name, revision, object) of the store's events after a revision (the watch)."""
    return [
        (ev.kind.kind, ev.obj["metadata"]["name"], ev.revision, ev.obj)
        for ev in plane.api.watch(plane.api.registry().kinds, after)
        if ev.type == event_type and (kind is None or ev.kind.kind == kind)
    ]


def test_gc_projection_and_workers(gc_plane):
    plane = gc_plane()
    kcm = plane.consumer("kube-controller-manager")
    assert sorted(kcm.informers) == ["ConfigMap", "Deployment", "Pod", "ReplicaSet", "Service"]
    assert plane.controller("kube-controller-manager/garbagecollector").workers == 20


def test_settled_tree_is_left_alone(gc_plane):
    plane = gc_plane()
    tree(plane)
    assert names(plane, POD) == ["web-1-a", "web-1-b"]
    assert plane.controller("kube-controller-manager/garbagecollector").client.stats.writes == 0


def test_background_deletes_dependents_after_owner(gc_plane):
    plane = gc_plane()
    tree(plane)
    start = plane.store.current_revision()
    result = delete(plane.api, DEPLOYMENT, "default", "web", propagation="Background")
    assert result.removed  # the owner is gone at once
    plane.poll()
    plane.run_until_settled()
    assert names(plane, REPLICASET) == [] and names(plane, POD) == []
    order = [name for _, name, _, _ in history(plane, start, "DELETED")]
    assert order[0] == "web" and order.index("web-1") < order.index("web-1-a")
    gc = plane.controller("kube-controller-manager/garbagecollector")
    assert gc.client.stats.writes == 3  # the ReplicaSet and its two pods
    assert gc.controller.live_gets > 0


def test_default_policy_is_background(gc_plane):
    plane = gc_plane()
    tree(plane)
    delete(plane.api, DEPLOYMENT, "default", "web")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, POD) == []


def test_foreground_owner_stays_until_dependents_are_gone(gc_plane):
    plane = gc_plane()
    tree(plane)
    start = plane.store.current_revision()
    result = delete(plane.api, DEPLOYMENT, "default", "web", propagation="Foreground")
    assert not result.removed
    live = plane.api.get(DEPLOYMENT, "default", "web")
    assert live["metadata"]["deletionTimestamp"]
    assert live["metadata"]["finalizers"] == ["foregroundDeletion"]
    plane.poll()
    plane.run_until_settled()
    assert plane.api.try_get(DEPLOYMENT, "default", "web") is None
    assert names(plane, REPLICASET) == [] and names(plane, POD) == []
    revision = {name: rev for _, name, rev, _ in history(plane, start, "DELETED")}
    # bottom up: the pods, then the ReplicaSet (itself deleted in the foreground), then the owner
    assert max(revision["web-1-a"], revision["web-1-b"]) < revision["web-1"] < revision["web"]


def test_foreground_rs_waits_for_its_pods(gc_plane):
    plane = gc_plane()
    tree(plane)
    start = plane.store.current_revision()
    delete(plane.api, DEPLOYMENT, "default", "web", propagation="Foreground")
    plane.poll()
    plane.run_until_settled()
    seen_rs_deleting = [
        o["metadata"].get("finalizers")
        for _, _, _, o in history(plane, start, "MODIFIED", "ReplicaSet")
    ]
    assert ["foregroundDeletion"] in seen_rs_deleting  # the cascade went down in the foreground


def test_orphan_leaves_dependents_without_owner_reference(gc_plane):
    plane = gc_plane()
    _, rs, _ = tree(plane)
    result = delete(plane.api, DEPLOYMENT, "default", "web", propagation="Orphan")
    assert not result.removed
    assert plane.api.get(DEPLOYMENT, "default", "web")["metadata"]["finalizers"] == ["orphan"]
    plane.poll()
    plane.run_until_settled()
    assert plane.api.try_get(DEPLOYMENT, "default", "web") is None
    survivor = plane.api.get(REPLICASET, "default", "web-1")
    assert "ownerReferences" not in survivor["metadata"]
    assert survivor["metadata"]["uid"] == rs["metadata"]["uid"]
    assert names(plane, POD) == ["web-1-a", "web-1-b"]  # still owned by the surviving RS


def test_dependent_with_two_owners_survives_while_one_remains(gc_plane):
    plane = gc_plane()
    a = create(plane, configmap("a"))
    b = create(plane, configmap("b"))
    create(plane, configmap("shared", a, b))
    plane.poll()
    plane.run_until_settled()
    delete(plane.api, CONFIGMAP, "default", "a")
    plane.poll()
    plane.run_until_settled()
    shared = plane.api.get(CONFIGMAP, "default", "shared")
    assert [r["name"] for r in shared["metadata"]["ownerReferences"]] == ["b"]
    delete(plane.api, CONFIGMAP, "default", "b")
    plane.poll()
    plane.run_until_settled()
    assert plane.api.try_get(CONFIGMAP, "default", "shared") is None


def test_dependent_created_after_its_owner_is_gone(gc_plane):
    plane = gc_plane()
    owner = create(plane, configmap("owner"))
    delete(plane.api, CONFIGMAP, "default", "owner")
    create(plane, configmap("late", owner))
    plane.poll()
    plane.run_until_settled()
    assert plane.api.try_get(CONFIGMAP, "default", "late") is None


def test_foreground_waits_only_for_blocking_dependents(gc_plane):
    plane = gc_plane()
    owner = create(plane, configmap("owner"))
    create(plane, configmap("blocking", owner, block=True))
    create(plane, configmap("loose", owner))
    plane.poll()
    plane.run_until_settled()
    delete(plane.api, CONFIGMAP, "default", "owner", propagation="Foreground")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, CONFIGMAP) == []


def test_gc_after_restart_and_with_duplicates(gc_plane):
    plane = gc_plane(SimConfig(seed=3, check_mutation=True, faults=Faults(duplicate_rate=0.5)))
    tree(plane)
    plane.restart("kube-controller-manager")
    plane.run_until_settled()
    assert names(plane, POD) == ["web-1-a", "web-1-b"]
    delete(plane.api, DEPLOYMENT, "default", "web", propagation="Foreground")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, DEPLOYMENT) == [] and names(plane, POD) == []


# ------------------------------------------------------------------ with every controller running


def test_end_to_end_background_and_foreground(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(replicas=3))
    plane.run_until_settled()
    assert len(names(plane, POD)) == 3
    delete(plane.api, DEPLOYMENT, "default", "web")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, REPLICASET) == [] and names(plane, POD) == []

    apply_yaml(plane, deployment(replicas=2))
    plane.run_until_settled()
    start = plane.store.current_revision()
    delete(plane.api, DEPLOYMENT, "default", "web", propagation="Foreground")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, DEPLOYMENT) == [] and names(plane, POD) == []
    deleted = {kind: rev for kind, _, rev, _ in history(plane, start, "DELETED")}
    assert deleted["Pod"] < deleted["ReplicaSet"] < deleted["Deployment"]


def test_end_to_end_orphan_keeps_the_pods_running(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(replicas=2))
    plane.run_until_settled()
    delete(plane.api, DEPLOYMENT, "default", "web", propagation="Orphan")
    plane.poll()
    plane.run_until_settled()
    assert names(plane, DEPLOYMENT) == []
    [rs] = plane.api.list(REPLICASET, "default")[0]
    assert "ownerReferences" not in rs["metadata"]
    pods = plane.api.list(POD, "default")[0]
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
