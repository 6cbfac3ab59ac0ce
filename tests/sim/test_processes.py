"""Consumers are processes, as in a real cluster: kube-controller-manager runs five controllers
over one shared informer cache (one LIST and one WATCH per kind), each controller with its own
workqueue and client; faults hit a process; without sharing, every controller pays its own."""

from __future__ import annotations

import pytest

from kubesim.controllers.base import InformerSpec
from kubesim.model.kinds import builtin
from kubesim.sim.controlplane import SimConfig, merge_informer_specs
from tests.sim.conftest import apply_yaml, deployment

KCM = "kube-controller-manager"
POD = builtin("Pod")


def _settled(make_plane, **config):
    plane = make_plane(SimConfig(seed=4, check_mutation=True, **config), start=False)
    apply_yaml(plane, deployment(3))
    plane.start()
    assert plane.run_until_settled()
    return plane


def test_the_processes_and_their_controllers(make_plane):
    plane = _settled(make_plane)
    assert [c.name for c in plane.consumers] == [
        KCM,
        "kube-scheduler",
        "kubelet-node-1",
        "kubelet-node-2",
        "kubelet-node-3",
    ]
    kcm = plane.consumer(KCM)
    assert [ctl.name for ctl in kcm.controllers] == [
        f"{KCM}/deployment",
        f"{KCM}/replicaset",
        f"{KCM}/garbagecollector",
        f"{KCM}/endpoint",
        f"{KCM}/namespace",
    ]
    # one informer per kind, whichever controllers asked for it
    assert sorted(kcm.informers) == [
        "ConfigMap",
        "Deployment",
        "Endpoints",
        "Namespace",
        "Pod",
        "ReplicaSet",
        "Service",
    ]
    # every controller's own workqueue and client (the journal's actor), over the same cache
    queues = {id(ctl.queue) for ctl in kcm.controllers}
    assert len(queues) == 5
    assert {ctl.client.actor for ctl in kcm.controllers} == {ctl.name for ctl in kcm.controllers}
    actors = {e.actor for e in plane.store.journal(types=["reconcile"])}
    assert {f"{KCM}/deployment", f"{KCM}/replicaset", "kube-scheduler"} <= actors
    assert {e.actor for e in plane.store.journal(types=["delivery", "relist"])} <= {
        c.name for c in plane.consumers
    }


def test_one_list_and_one_delivery_per_process_not_per_controller(make_plane):
    plane = _settled(make_plane)
    kcm = plane.consumer(KCM)
    assert kcm.stats.lists == kcm.stats.watches == len(kcm.informers) == 7
    # a pod event reaches kube-controller-manager once, though four of its controllers need it
    pod_events = [e for e in plane.store.events(1, POD.prefix()) if e.revision > 0]
    deliveries = [
        e
        for e in plane.store.journal(types=["delivery"], actor=KCM)
        if e.target.startswith(POD.prefix())
    ]
    assert len(deliveries) == len({(e.key, e.revision) for e in pod_events})


def test_without_sharing_every_controller_lists_and_watches_its_kinds(make_plane):
    shared = _settled(make_plane)
    unshared = _settled(make_plane, shared_informers=False)
    names = [c.name for c in unshared.consumers if c.name.startswith(KCM)]
    assert names == [
        f"{KCM}/deployment",
        f"{KCM}/replicaset",
        f"{KCM}/garbagecollector",
        f"{KCM}/endpoint",
        f"{KCM}/namespace",
    ]
    lists = sum(c.stats.lists for c in unshared.consumers if c.name.startswith(KCM))
    assert lists == 3 + 2 + 5 + 3 + 1 == 14
    assert shared.consumer(KCM).stats.lists == 7
    # the same work, more reads: every controller's cache gets every event of its kinds
    assert unshared.totals.deliveries > shared.totals.deliveries
    assert len(unshared.api.list(POD, "default")[0]) == 3


def test_latency_and_restart_hit_the_whole_process(make_plane):
    plane = _settled(make_plane, latency={KCM: 2.0})
    latencies = {c.name: c.latency for c in plane.consumers}
    assert latencies[KCM] == 2.0 and latencies["kube-scheduler"] == 0.01
    plane.restart(KCM)
    kcm = plane.consumer(KCM)
    assert kcm.cached_objects() == 0  # the one cache every controller of it reads
    plane.flush()
    restarts = plane.store.journal(types=["restart"])
    assert [e.actor for e in restarts] == [KCM]


def test_controllers_of_one_process_must_agree_on_a_filtered_informer():
    node1 = InformerSpec("Pod", field_selector=("spec.nodeName", "node-1"))
    node2 = InformerSpec("Pod", field_selector=("spec.nodeName", "node-2"))
    with pytest.raises(ValueError, match="disagree on the Pod informer"):
        merge_informer_specs("p", [node1, node2])
    (merged,) = merge_informer_specs(
        "p", [InformerSpec("Pod", indexers={"a": len}), InformerSpec("Pod", indexers={"b": len})]
    )
    assert sorted(merged.indexers) == ["a", "b"]
