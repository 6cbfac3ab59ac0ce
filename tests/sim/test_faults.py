"""Faults and restarts keep the outcome right, and the journal explains every reconcile."""

from __future__ import annotations

from kubesim.model.kinds import builtin
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults
from tests.sim.conftest import apply_yaml, deployment

POD = builtin("Pod")


def running(plane) -> int:
    pods, _ = plane.api.list(POD, "default")
    return sum(1 for p in pods if p["status"].get("phase") == "Running")


def test_dropped_watches_resume_and_nothing_is_missed(make_plane):
    plane = make_plane(SimConfig(check_mutation=True, faults=Faults(drop_watch_every=3)))
    apply_yaml(plane, deployment(6))
    assert plane.run_until_settled()
    assert running(plane) == 6
    resumes = plane.store.journal(types=["watch-resume"])
    assert resumes and all(c.stats.relists == 1 for c in plane.consumers)  # resumed, no relist
    # every consumer's projection ends at the last revision it watches
    for consumer in plane.consumers:
        wanted = [
            ev.revision
            for ev in plane.api.watch(plane.api.registry().kinds, 0)
            if consumer.reflector.wants(ev)
        ]
        assert not wanted or consumer.revision >= max(wanted)


def test_an_open_watch_outlives_compaction_and_a_resume_from_a_compacted_revision_relists(
    make_plane,
):
    # a slow watch, history compacted behind it: the watch cache still serves it (no relist)
    slow = {"kube-controller-manager": 0.5}
    plane = make_plane(SimConfig(check_mutation=True, latency=slow, faults=Faults(compact_every=5)))
    apply_yaml(plane, deployment(4))
    assert plane.run_until_settled()
    assert plane.store.journal(types=["compaction"])
    assert not [r for r in plane.store.journal(types=["relist"]) if r.outcome != "start"]
    assert running(plane) == 4 and len(plane.api.list(POD, "default")[0]) == 4
    # the same with dropped watches: one that resumes from a compacted revision gets 410
    faults = Faults(compact_every=5, drop_watch_every=4)
    plane = make_plane(SimConfig(check_mutation=True, latency=slow, faults=faults))
    apply_yaml(plane, deployment(4))
    assert plane.run_until_settled()
    relists = plane.store.journal(types=["relist"], actor="kube-controller-manager")
    assert [r.outcome for r in relists][0] == "start"
    assert "expired" in [r.outcome for r in relists]
    assert running(plane) == 4 and len(plane.api.list(POD, "default")[0]) == 4


def test_a_restart_rebuilds_the_projection_from_a_list(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    kcm = plane.consumer("kube-controller-manager")
    before = kcm.cached_objects()
    assert [len(kcm.informers[k].cache) for k in ("Deployment", "ReplicaSet", "Pod")] == [1, 1, 3]
    plane.restart("kube-controller-manager")
    assert plane.consumer("kube-controller-manager").cached_objects() == 0  # cache discarded
    assert plane.run_until_settled()
    (relist,) = [
        r
        for r in plane.store.journal(types=["relist"], actor="kube-controller-manager")
        if r.outcome == "restart"
    ]
    # one LIST per kind for the whole process: every controller's caches come back at once
    assert relist.data["objects"] == before and relist.data["lists"] == len(kcm.informers)
    assert len(plane.api.list(POD, "default")[0]) == 3  # the rebuild created nothing twice


def test_the_same_seed_gives_the_same_history_and_journal(make_plane, tmp_path):
    def run(path):
        plane = make_plane(
            SimConfig(seed=42, check_mutation=True, faults=Faults(duplicate_rate=0.3)), path=path
        )
        apply_yaml(plane, deployment(5))
        assert plane.run_until_settled()
        events = [(e.revision, e.type, e.key) for e in plane.store.events(1)]
        journal = [
            (j.type, j.actor, j.verb, j.target, j.outcome, j.revision)
            for j in plane.store.journal()
            if j.type != "command" or j.actor != "user"
        ]
        return events, journal

    first, second = run(tmp_path / "a.db"), run(tmp_path / "b.db")
    assert first == second and len(first[0]) > 30


def test_every_reconcile_says_what_triggered_it(make_plane):
    plane = make_plane(SimConfig(check_mutation=True, faults=Faults(duplicate_rate=1.0)))
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    reconciles = plane.store.journal(types=["reconcile"])
    assert reconciles and all(r.data["triggers"] for r in reconciles)
    duplicates = {
        (d.actor, d.revision)
        for d in plane.store.journal(types=["delivery"])
        if d.outcome == "duplicate"
    }
    assert duplicates  # at-least-once delivery is in the journal, next to its reconciles
    assert len(plane.api.list(POD, "default")[0]) == 3  # and acting twice was prevented
