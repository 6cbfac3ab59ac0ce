"""Writes without a precondition never surface 409 Conflict, however often they lose the race.

kube-apiserver's GuaranteedUpdate retries a lost compare-and-swap until it wins (or the request
times out): a patch, a scale or a controller's update that carries no resourceVersion, and a
delete, re-read the object and apply their change again. Here: a rival that wins the race many
more times than the old fixed limit (20), writers in threads and in processes hammering one
Deployment with patches and scales, and the backoff's shape. Every acknowledged write must be in
the store, under its own revision, with no gap; a pinned resourceVersion still gets its 409.
On both store backends (`stores`): a file shared by processes, and etcd's txn compares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from kubesim.api import retry
from kubesim.api.delete import delete
from kubesim.api.retry import CasRetry
from kubesim.api.server import ApiServer
from kubesim.api.subresources import scale
from kubesim.model.errors import ApiError, Conflict, NotFound, Timeout
from kubesim.model.kinds import builtin
from kubesim.sim.stress import deployment
from kubesim.store.base import Store
from tests.stores import Stores, open_spec

DEPLOY = builtin("Deployment")
KEY = "/registry/deployments/default/web"
REPO = Path(__file__).resolve().parents[2]


def annotate(key: str, value: str):
    def mutate(live: dict[str, Any]) -> dict[str, Any]:
        live["metadata"].setdefault("annotations", {})[key] = value
        return live

    return mutate


def make_racing(store: Store, rival_store: Store, losses: int) -> Store:
    """`store`, whose next `losses` compare-and-swap writes lose: just before each one, a rival
    (another connection to the same store) changes the object. Any backend."""
    rival = ApiServer(rival_store)
    txn = store.txn
    store.losses = losses  # type: ignore[attr-defined]
    store.rival_writes = 0  # type: ignore[attr-defined]

    def racing_txn(ops, journal=()):
        if store.losses and any(op.expect_mod_revision for op in ops):
            store.losses -= 1
            store.rival_writes += 1
            rival.guaranteed_update(
                DEPLOY,
                "default",
                "web",
                annotate("rival", str(store.rival_writes)),
                actor="rival",
                verb="patch",
            )
        return txn(ops, journal)

    store.txn = racing_txn  # type: ignore[method-assign]
    return store


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoffs recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def racing_api(stores: Stores, losses: int) -> tuple[ApiServer, Any]:
    ApiServer(stores.open()).create(deployment("web", 1, "1.27"))
    store = make_racing(stores.open(), stores.open(), losses)
    return ApiServer(store), store


def conflicts_journaled(store: Store) -> list:
    return [e for e in store.journal(types=["command"]) if e.outcome == "conflict"]


def test_patch_outlasts_many_lost_races(stores, fast_backoff):
    api, store = racing_api(stores, losses=60)  # three times the old fixed limit of 20
    result = api.guaranteed_update(
        DEPLOY, "default", "web", annotate("mine", "yes"), actor="user", verb="patch"
    )
    assert result.changed and store.losses == 0
    live = api.get(DEPLOY, "default", "web")
    # the rival's 60 writes and ours: none lost, ours applied to the latest
    assert live["metadata"]["annotations"] == {"rival": "60", "mine": "yes"}
    assert int(live["metadata"]["resourceVersion"]) == result.revision
    assert not conflicts_journaled(store)
    assert len(fast_backoff) == 59  # the first retry is immediate, as kube-apiserver's


def test_scale_and_delete_outlast_lost_races(stores, fast_backoff):
    api, store = racing_api(stores, losses=30)
    result = scale(api, DEPLOY, "default", "web", 7)
    assert result.obj["spec"]["replicas"] == 7
    assert api.get(DEPLOY, "default", "web")["metadata"]["annotations"]["rival"] == "30"
    store.losses = 25
    gone = delete(api, DEPLOY, "default", "web")
    assert gone.removed and store.rival_writes == 55
    with pytest.raises(NotFound):
        api.get(DEPLOY, "default", "web")
    assert not conflicts_journaled(store)


def test_a_pinned_resource_version_still_conflicts(stores, fast_backoff):
    api, store = racing_api(stores, losses=1)
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["replicas"] = 4
    with pytest.raises(Conflict):  # the rival wrote after our read: the precondition fails
        api.update(live)
    assert [e.verb for e in conflicts_journaled(store)] == ["update"]


def test_backoff_is_jittered_growing_and_ends_at_the_request_timeout():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    r = CasRetry(timeout=100.0, sleep=sleep, monotonic=lambda: now[0])
    r.lost()
    assert slept == []  # first retry at once
    for _ in range(200):
        r.lost()
    assert all(0 <= s <= retry.MAX_DELAY_S for s in slept)
    assert len(set(slept)) > 100  # jittered, not a fixed delay
    # the n-th lost race (n >= 2) sleeps at most base * 2^n: the bound doubles up to the cap
    assert all(s <= retry.BASE_DELAY_S * 2 ** (i + 2) for i, s in enumerate(slept[:5]))
    late = slept[-100:]
    assert sum(late) / len(late) > retry.MAX_DELAY_S / 4  # uniform in [0, cap]: mean cap / 2
    with pytest.raises(Timeout) as e:
        while True:
            r.lost()
    assert now[0] >= 100.0 and e.value.code == 504
    assert "request did not complete within requested timeout" in str(e.value)


def _hammer(spec: str, writer: int, writes: int) -> dict[str, Any]:
    """One writer's patches (a distinct annotation each) and scales, none with a
    resourceVersion: what it was told (revision, what it wrote) and the errors it got.
    `spec`: the store, as tests/stores.py's open_spec takes it."""
    api = ApiServer(open_spec(spec))
    acked: list[tuple[int, str, Any]] = []
    errors: list[str] = []
    for i in range(writes):
        try:
            if i % 3 == 2:
                replicas = writer * 1000 + i
                r = scale(api, DEPLOY, "default", "web", replicas)
                acked.append((r.revision, "replicas", replicas))
            else:
                name = f"w{writer}-{i}"
                r = api.guaranteed_update(
                    DEPLOY, "default", "web", annotate(name, "1"), actor=name, verb="patch"
                )
                acked.append((r.revision, "annotation", name))
        except ApiError as e:
            errors.append(f"{type(e).__name__}: {e}")
    api.store.close()
    return {"acked": acked, "errors": errors}


def _check(spec: str, results: list[dict[str, Any]], start: int) -> None:
    store = open_spec(spec)
    errors = [e for r in results for e in r["errors"]]
    assert errors == []  # no 409 Conflict (nor anything else) surfaced
    acked = sorted(tuple(a) for r in results for a in r["acked"])
    revisions = [a[0] for a in acked]
    assert len(set(revisions)) == len(revisions)  # each acknowledged write took its own revision
    events = store.events(start + 1, "/registry/")
    assert [e.revision for e in events] == revisions  # and nothing else did: no gap, no stray
    final = json.loads(store.get(KEY).value)
    for revision, what, value in acked:
        at = json.loads(store.get(KEY, revision).value)
        if what == "annotation":
            assert final["metadata"]["annotations"][value] == "1"  # never overwritten
            assert value in at["metadata"]["annotations"]
        else:
            assert at["spec"]["replicas"] == value
    assert not conflicts_journaled(store)
    store.close()


def test_threads_hammer_one_object(stores, monkeypatch):
    lost = []
    real_lost = CasRetry.lost
    monkeypatch.setattr(CasRetry, "lost", lambda self: (lost.append(1), real_lost(self)))
    path = stores.spec()
    api = ApiServer(stores.open())
    start = api.create(deployment("web", 1, "1.27")).revision
    results: list[dict[str, Any]] = [{} for _ in range(6)]

    def run(w: int) -> None:
        results[w] = _hammer(path, w, 60)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    _check(path, results, start)
    assert lost  # the writers did race (about 40 lost compare-and-swaps in 360 writes)


def test_processes_hammer_one_object(stores):
    path = stores.spec()
    api = ApiServer(stores.open())
    start = api.create(deployment("web", 1, "1.27")).revision
    code = (
        "import json, sys; "
        "from tests.reliability.test_write_contention import _hammer; "
        "print(json.dumps(_hammer(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path), str(w), "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for w in range(4)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    _check(path, results, start)
