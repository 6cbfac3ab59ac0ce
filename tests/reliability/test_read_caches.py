"""Informer caches never go back to an older object: duplicates, relists, restarts and resumes
under every fault mix, checked against the store after every step (kubesim.sim.stress; the
long run is benchmarks/stress_caches.py). On both store backends (`stores`)."""

from __future__ import annotations

import pytest

from kubesim.api.apply import apply
from kubesim.api.delete import delete
from kubesim.api.server import ApiServer
from kubesim.client.informer import Handler, Informer
from kubesim.client.reflector import Reflector
from kubesim.model.kinds import builtin
from kubesim.sim.cachecheck import StoreHistory, check_caches
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.stress import MIXES, configmap, run_trial
from tests.sim import conftest

make_plane = conftest.make_plane  # the fixture: a control plane on a virtual clock
CM = builtin("ConfigMap")
KCM = "kube-controller-manager"


def cached_value(plane, name: str = "cfg-0") -> str | None:
    obj = plane.consumer(KCM).informers["ConfigMap"].cache.get(f"default/{name}")
    return obj and obj["data"]["value"]


def test_a_duplicate_never_takes_the_cache_back(stores):
    api = ApiServer(stores.open())
    informer = Informer(CM)
    resyncs: list[str] = []  # updates where the resourceVersion did not change

    def on_update(old, new):
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            resyncs.append(new["data"]["value"])

    informer.add_handler(Handler(on_update=on_update, wants_resync=True))
    reflector = Reflector(api, {"ConfigMap": informer})
    start = reflector.list_and_replace().revision
    apply(api, configmap("cfg-0", 1))
    apply(api, configmap("cfg-0", 2))
    first, second = api.watch([CM], start)
    assert reflector.deliver(first)
    assert reflector.deliver(first, duplicate=True)  # the same resourceVersion: a resync
    assert resyncs == ["1"]
    assert reflector.deliver(second)
    assert not reflector.deliver(first, duplicate=True)  # older than the cache: ignored
    assert informer.cache.get("default/cfg-0")["data"]["value"] == "2"
    delete(api, CM, "default", "cfg-0")
    (deleted,) = api.watch([CM], second.revision)
    assert reflector.deliver(deleted)
    assert not reflector.deliver(second, duplicate=True)  # a deleted object stays deleted
    assert "default/cfg-0" not in informer.cache and resyncs == ["1"]


def test_a_restart_drops_what_its_old_watch_had_queued(make_plane, stores):
    plane = make_plane(SimConfig(check_mutation=True, latency={KCM: 1.0}), store=stores.open())
    history = StoreHistory(plane.store)
    assert plane.run_until_settled()
    plane.restart(KCM)
    plane.faults.duplicate_rate = 1.0  # the first change is delivered twice...
    apply(plane.api, configmap("cfg-0", 1))
    plane.poll()
    plane.faults.duplicate_rate = 0.0  # ...the second once, before the relist runs
    apply(plane.api, configmap("cfg-0", 2))
    plane.poll()
    assert plane.run_until_settled()
    assert cached_value(plane) == "2"
    assert check_caches(plane, history)[1] == []


def test_a_resume_scheduled_before_a_restart_does_nothing(make_plane):
    plane = make_plane(SimConfig(check_mutation=True, latency={KCM: 0.5}))
    history = StoreHistory(plane.store)
    assert plane.run_until_settled()
    kcm = plane.consumer(KCM)
    plane.faults.drop_watch_every = 1
    apply(plane.api, configmap("cfg-0", 1))
    plane.poll()
    while not kcm.watch_down:  # the watch drops as it delivers that event: a resume is due
        assert plane.step()
    plane.faults.drop_watch_every = 0
    plane.restart(KCM)
    apply(plane.api, configmap("cfg-0", 2))  # not polled before the stale resume is due
    plane.faults.duplicate_rate = 1.0
    plane.step()
    plane.faults.duplicate_rate = 0.0
    plane.poll()
    assert plane.run_until_settled()
    assert cached_value(plane) == "2"
    assert check_caches(plane, history)[1] == []
    journal = plane.store.journal(actor=KCM)
    restart = next(i for i, e in enumerate(journal) if e.type == "restart")
    assert not [e for e in journal[restart:] if e.type == "watch-resume"]  # nothing stale ran
    assert [e.outcome for e in journal[restart:] if e.type == "relist"] == ["restart"]


@pytest.mark.parametrize("mix", sorted(MIXES))
@pytest.mark.parametrize("seed", [1, 2])
def test_every_cache_equals_the_store_after_every_step(stores, mix, seed):
    result = run_trial(seed, mix, 400, stores.open())
    assert result.violations == []
    assert result.steps == 400 and result.writes > 10
    assert result.checks >= 4 * 350  # four processes, checked after (nearly) every step
    faults = MIXES[mix]
    # the faults of the mix really happened
    assert bool(result.duplicates) == bool(faults.duplicate_rate)
    assert bool(result.resumes) == bool(faults.drop_watch_every)
    assert bool(result.compactions) == bool(faults.compact_every)
    assert bool(result.restarts) == bool(faults.restart_rate)
