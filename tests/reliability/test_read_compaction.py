"""Compaction and the read side: open watches outlive it, caught-up ones resume past it (their
revision moves with bookmarks), and history reads below the floor say where history starts.
The store-level checks run on both backends (`stores`: a file, and etcd's own compaction)."""

from __future__ import annotations

import json

import pytest

from kubesim.api.apply import apply
from kubesim.api.server import ApiServer
from kubesim.cli.watch import watch_from
from kubesim.model.errors import Expired
from kubesim.model.kinds import builtin
from kubesim.sim.cachecheck import StoreHistory, check_caches, guard_compaction
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults
from kubesim.sim.stress import configmap, deployment
from kubesim.store.sqlite import SqliteStore
from tests.cli import conftest as cli
from tests.sim import conftest as sim

make_plane, run, store_path = sim.make_plane, cli.run, cli.store_path  # fixtures
DEPLOY = builtin("Deployment")


def expired_relists(plane, name: str) -> int:
    return sum(
        1 for r in plane.store.journal(types=["relist"], actor=name) if r.outcome == "expired"
    )


def test_a_caught_up_reflector_resumes_after_other_kinds_were_compacted(make_plane, stores):
    config = SimConfig(check_mutation=True, faults=Faults(compact_every=5))
    plane = make_plane(config, store=stores.open())
    history = StoreHistory(plane.store)
    guard_compaction(plane.store, history)
    assert plane.run_until_settled()
    kubelet = plane.consumer("kubelet-node-1")  # watches its node and its pods: none change
    for i in range(30):  # revisions of a kind it does not watch
        apply(plane.api, configmap(f"cm-{i}", i))
        plane.poll()
        assert plane.run_until_settled()
    floor = plane.store.compact_revision()
    assert floor > kubelet.revision + 1  # its last event is older than the history kept...
    assert kubelet.reflector.last_sync_revision >= floor - 1  # ...its bookmarks are not
    plane.resume_watch(kubelet)  # what a dropped watch does
    assert plane.run_until_settled()
    assert expired_relists(plane, kubelet.name) == 0  # resumed, no 410
    assert check_caches(plane, history)[1] == []

    # without the bookmarks it would resume from its last event, compacted: 410 and a relist
    kubelet.reflector.last_sync_revision = kubelet.revision
    plane.resume_watch(kubelet)
    assert plane.run_until_settled()
    assert expired_relists(plane, kubelet.name) == 1
    assert check_caches(plane, history)[1] == []


def test_kubesim_watch_of_one_kind_moves_with_every_revision(stores):
    api = ApiServer(stores.open())
    # from the store's start (0 for a file; in a shared etcd, the revision before its marker)
    events, after = watch_from(api, [DEPLOY], api.store.created_revision() - 1)
    assert events == []  # no Deployments yet
    start = after
    for i in range(5):  # revisions of another kind only
        apply(api, configmap(f"cfg-{i}", i))
        events, after = watch_from(api, [DEPLOY], after)
        assert events == [] and after == api.store.current_revision()  # the position moves
    api.store.compact(after)
    apply(api, deployment("web", 1, "1.27"))
    events, _ = watch_from(api, [DEPLOY], after)  # caught up: no 410
    assert [(e.type, e.obj["metadata"]["name"]) for e in events] == [("ADDED", "web")]
    # had it stayed at its last Deployment event, the compaction would have expired it
    with pytest.raises(Expired, match=rf"too old resource version: {start} \({after}\)"):
        watch_from(api, [DEPLOY], start)


@pytest.fixture
def compacted(run, store_path, tmp_path):
    """A store with a few revisions, compacted at the current one; returns the floor."""
    for i in range(3):
        manifest = tmp_path / f"cm{i}.yaml"
        manifest.write_text(json.dumps(configmap(f"cfg-{i}", i)))
        assert run("apply", "-q", "-f", manifest)[0] == 0
    store = SqliteStore(str(store_path))
    floor = store.current_revision()
    store.compact(floor)
    store.close()
    return floor


def test_history_since_below_the_floor_says_where_history_starts(run, compacted):
    code, out, err = run("history", "--since", "2", "-o", "json")
    assert code == 0
    assert err.strip() == (
        f"warning: revisions before {compacted} were compacted: the history starts at "
        f"revision {compacted}, not 2"
    )
    revisions = [r["revision"] for r in json.loads(out) if r["revision"] is not None]
    assert revisions and min(revisions) == compacted
    code, _, err = run("history")  # from the start: a note, not a warning
    assert err.strip() == (
        f"revisions before {compacted} were compacted: the history starts at revision {compacted}"
    )
    assert run("history", "--since", str(compacted))[2] == ""  # at the floor: nothing to say


def test_watch_since_below_the_floor_says_where_history_starts(run, compacted):
    code, out, err = run("watch", "--since", "2", "--for", "0.05s", "-o", "json")
    assert code == 0
    assert err.strip() == (
        f"warning: revisions before {compacted} were compacted: the history starts at "
        f"revision {compacted}, not 3"
    )
    assert [
        json.loads(line)["object"]["metadata"]["resourceVersion"] for line in out.splitlines()
    ] == [str(compacted)]
