"""Randomized fault trials of the read side: after every step, every cache equals the store.

`run_trial(seed, mix, steps, path)` runs a control plane (virtual clock, seeded) over a fresh
store at `path` while a seeded user applies, scales, re-images and deletes Deployments and
ConfigMaps, with the fault `mix` on: duplicate delivery, dropped watches, compaction, process
restarts and per-process watch latency. After every step (one action of the loop, one user
write or one restart) kubesim.sim.cachecheck compares every synced consumer's caches with the
store's state at the consumer's revision. The trial then runs until settled and checks once
more. `MIXES` names the fault mixes.

Used by tests/reliability/test_read_caches.py (a few seconds) and
benchmarks/stress_caches.py (the long run, which prints the figures).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from kubesim.api.apply import apply
from kubesim.api.delete import delete
from kubesim.model.errors import ApiError
from kubesim.sim.cachecheck import StoreHistory, check_caches, guard_compaction
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.sim.faults import Faults
from kubesim.store.base import Store
from kubesim.store.sqlite import SqliteStore

#: a fixed start time, so trials are reproducible
T0 = 1_767_225_600.0


@dataclass(frozen=True)
class Mix:
    """One fault mix: the faults on, the chance of a restart per step, the latency range."""

    duplicate_rate: float = 0.0
    drop_watch_every: int = 0
    compact_every: int = 0
    restart_rate: float = 0.0
    max_latency: float = 0.01


MIXES: dict[str, Mix] = {
    "duplicates": Mix(duplicate_rate=0.5),
    "drops": Mix(drop_watch_every=3),
    "compaction": Mix(compact_every=4, max_latency=0.5),
    "restarts": Mix(restart_rate=0.02, max_latency=0.2),
    "duplicates+restarts": Mix(duplicate_rate=0.5, restart_rate=0.04, max_latency=0.3),
    "duplicates+compaction+restarts": Mix(
        duplicate_rate=0.5, compact_every=5, restart_rate=0.04, max_latency=0.3
    ),
    "everything": Mix(
        duplicate_rate=0.4, drop_watch_every=4, compact_every=3, restart_rate=0.04, max_latency=1.0
    ),
}


@dataclass
class TrialResult:
    seed: int
    mix: str
    steps: int = 0
    #: user writes accepted
    writes: int = 0
    #: cache-vs-store checks: one per synced consumer per revision checked (all its caches)
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    restarts: int = 0
    relists: int = 0
    resumes: int = 0
    compactions: int = 0
    duplicates: int = 0


def run_trial(seed: int, mix_name: str, steps: int, path: str | Store) -> TrialResult:
    """One trial (see the module docstring); stops at the first violation found. `path`: a
    store file, or an open store of any backend (left open)."""
    mix = MIXES[mix_name]
    rng = random.Random(f"stress/{seed}/{mix_name}")
    if isinstance(path, Store):
        return _run(path, rng, seed, mix_name, mix, steps)
    store = SqliteStore(path)
    try:
        return _run(store, rng, seed, mix_name, mix, steps)
    finally:
        store.close()


def _run(
    store: Store, rng: random.Random, seed: int, mix_name: str, mix: Mix, steps: int
) -> TrialResult:
    faults = Faults(mix.duplicate_rate, mix.drop_watch_every, mix.compact_every)
    processes = ["kube-controller-manager", "kube-scheduler", "kubelet-node-1", "kubelet-node-2"]
    latency = {name: rng.uniform(0.0, mix.max_latency) for name in processes}
    config = SimConfig(seed=seed, nodes=2, latency=latency, faults=faults)
    plane = ControlPlane(store, VirtualClock(T0), config)
    history = StoreHistory(store)
    guard_compaction(store, history)
    plane.start()
    result = TrialResult(seed, mix_name)

    def check() -> bool:
        checks, violations = check_caches(plane, history)
        result.checks += checks
        result.violations += violations
        return not violations

    burst, focus = 0, False
    while result.steps < steps:
        result.steps += 1
        roll = rng.random()
        if roll < mix.restart_rate:
            plane.restart(_victim(plane, rng))
            result.restarts += 1
            # changes of one key racing the relist: events queued for the old watch (some
            # duplicated) must not reach the rebuilt cache
            burst, focus = rng.randint(2, 6), True
        elif burst or roll < mix.restart_rate + 0.04 or not plane.step():
            # writes come in bursts on few keys: a key changes again while events of its
            # earlier change are still in flight, queued or duplicated
            if burst:
                burst -= 1
            else:
                burst, focus = rng.randint(0, 5), False
            result.writes += _user_write(plane, rng, focus)
            plane.poll()
        if not check():
            break
    else:
        plane.run_until_settled(max_steps=20_000)
        check()
    plane.flush()
    result.relists = sum(c.stats.relists for c in plane.consumers)
    result.duplicates = sum(c.stats.duplicates for c in plane.consumers)
    result.resumes = len(store.journal(types=["watch-resume"]))
    result.compactions = len(store.journal(types=["compaction"]))
    return result


def _victim(plane: ControlPlane, rng: random.Random) -> str:
    """The process to restart: mostly one at the worst moment (its watch dropped and not yet
    resumed, or events still in flight), else any."""
    busy = [c for c in plane.consumers if c.watch_down or c.channel]
    return rng.choice(busy if busy and rng.random() < 0.7 else plane.consumers).name


def _user_write(plane: ControlPlane, rng: random.Random, focus: bool = False) -> int:
    """One write a user might make (`focus`: a change of ConfigMap cfg-0); 1 if accepted."""
    api = plane.api
    name = "web" if rng.random() < 0.8 else "api"
    what = 0.8 if focus else rng.random()
    try:
        if what < 0.5:
            apply(api, deployment(name, rng.randint(0, 4), rng.choice(["1.26", "1.27"])))
        elif what < 0.6:
            delete(api, api.registry().for_kind("Deployment"), "default", name)
        elif what < 0.9:
            cm = "cfg-0" if focus else f"cfg-{rng.randint(0, 1)}"
            apply(api, configmap(cm, rng.randint(0, 99)))
        else:
            cm = f"cfg-{rng.randint(0, 1)}"
            delete(api, api.registry().for_kind("ConfigMap"), "default", cm)
    except ApiError:
        return 0
    return 1


def deployment(name: str, replicas: int, tag: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": f"nginx:{tag}"}]},
            },
        },
    }


def configmap(name: str, value: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"value": str(value)},
    }
