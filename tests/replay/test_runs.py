"""Replay over a history with two separate control plane runs and writes made while none ran:
consumers exist only while a control plane runs, each run starts fresh (a LIST), and what a LIST
brought is never shown as on its way."""

from __future__ import annotations

import random

import pytest
import yaml

from kubesim.api.apply import apply
from kubesim.api.server import ApiServer
from kubesim.replay.blocks import block
from kubesim.replay.state import NO_CONTROL_PLANE, Timeline
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.store.sqlite import SqliteStore
from tests.sim.conftest import T0, deployment


def user_apply(store: SqliteStore, at: float, replicas: int) -> int:
    """`kubesim apply` with no control plane running: the API alone, on the wall clock."""
    api = ApiServer(store, clock=lambda: at, rng=random.Random(0))
    doc = yaml.safe_load(deployment(replicas))
    return apply(api, doc, source="web.yaml").revision


def run(store: SqliteStore, at: float) -> dict:
    """`kubesim reconcile`: a new control plane on a virtual clock, settled, then stopped."""
    plane = ControlPlane(store, VirtualClock(at), SimConfig(seed=3))
    plane.start()
    plane.run_until_settled()
    plane.flush()
    live = {c.name: (c.revision, c.cached_objects(), c.queue_depth()) for c in plane.consumers}
    plane.record_stop()
    return live


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "store.db"
    store = SqliteStore(str(path))
    first = user_apply(store, T0, 3)
    run(store, T0 + 1)  # its virtual clock runs ahead of the wall clock
    between = user_apply(store, T0 + 2, 5)  # earlier, on the journal's clocks, than run 1's end
    live = run(store, T0 + 3)
    store.close()
    store = SqliteStore(str(path))
    yield {"store": store, "first": first, "between": between, "live": live}
    store.close()


@pytest.fixture(scope="module")
def timeline(runs):
    return Timeline(runs["store"])


def test_two_runs_are_indexed(timeline, runs):
    h = timeline.history
    assert len(h.runs) == 2
    one, two = h.runs
    assert one.stop > one.start and two.stop > two.start > one.stop
    assert one.revision >= runs["first"] and two.revision >= runs["between"]


def test_a_write_while_no_control_plane_runs_has_no_receivers(timeline, runs):
    h = timeline.history
    one, two = h.runs
    stopped = [r for r in h.revisions() if r <= one.revision]
    stopped += [r for r in h.revisions() if r >= runs["between"] and r <= two.revision]
    assert runs["first"] in stopped and runs["between"] in stopped
    for r in stopped:
        state = timeline.frame(r)
        assert not state.projections and not state.staleness, r
        assert state.caption.startswith(NO_CONTROL_PLANE)
        event = state.events[-1]
        assert event.revision == r
        if r in (runs["first"], runs["between"]):
            assert event.pending == [] and event.delivered == []
        text = block(state)
        assert NO_CONTROL_PLANE in text and "on its way: -" in text
        assert "queue" not in text


def test_what_a_list_brought_is_not_on_its_way(timeline, runs):
    h = timeline.history
    for run_ in h.runs:
        state = timeline.frame(run_.revision + 1)
        assert not state.caption
        rows = {p.consumer: p for p in state.projections}
        assert set(rows) == {w.name for w in run_.watches}
        for p in state.projections:  # every run starts fresh: one LIST, at its start
            assert p.relists == 1 and p.revision >= run_.revision, p
        for ev in state.events:
            if ev.revision <= run_.revision:
                assert ev.pending == [], ev  # its LIST brought it (or did not cover it)
    state = timeline.frame(h.runs[0].revision + 1)
    first = next(e for e in state.events if e.revision == runs["first"])
    assert "kube-controller-manager" in first.delivered


def test_second_run_does_not_carry_the_first_runs_state(timeline):
    h = timeline.history
    two = h.runs[1]
    state = timeline.frame(two.revision + 1)
    for p in state.projections:
        assert p.last_reconcile in ("", *[k for k in _reconciled(h, p.consumer, two)])
        assert p.relists == 1


def _reconciled(h, consumer, run_):
    found = h.reconciles.get(consumer)
    if not found:
        return []
    positions, _, keys = found
    return [k for p, k in zip(positions, keys, strict=True) if p > run_.start]


def test_the_end_matches_the_live_control_plane(timeline, runs):
    state = timeline.frame(timeline.history.current)
    assert not state.caption
    got = {p.consumer: (p.revision, p.cached, p.queue_depth) for p in state.projections}
    assert got == runs["live"]


def test_queue_depth_is_only_what_was_queued(timeline):
    h = timeline.history
    for r in h.revisions():
        state = timeline.frame(r)
        for p in state.projections:
            assert p.queue_depth >= 0
            # a queued key is one a controller of the process reconciled later in this run
            position = timeline.position(r)
            run_ = h.run_at(position)
            end = run_.stop if run_.stop >= 0 else len(h.seqs)
            later = len(
                {
                    (actor, k)
                    for actor, found in h.reconciles.items()
                    if h.process_of(actor) == p.consumer
                    for q, k in zip(found[0], found[2], strict=True)
                    if position <= q <= end
                }
            )
            assert p.queue_depth <= later, (r, p)


def test_kubelets_cache_their_own_node_only(timeline, runs):
    state = timeline.frame(timeline.history.current)
    store = runs["store"]
    pods, _ = store.range("/registry/pods/", store.current_revision())
    for p in state.projections:
        if p.consumer.startswith("kubelet-"):
            node = p.consumer.removeprefix("kubelet-")
            mine = [kv for kv in pods if f'"nodeName":"{node}"'.encode() in kv.value]
            assert p.cached == len(mine) + 1, p


def test_time_never_goes_back(timeline, runs):
    h = timeline.history
    stops = [e for e in runs["store"].journal(types=["controlplane"]) if e.verb == "stop"]
    assert stops[0].time > T0 + 2  # run 1's virtual clock ended after the wall clock's write
    clocks = [timeline.frame(r).header.clock for r in h.revisions()]
    assert all(b >= a for a, b in zip(clocks, clocks[1:], strict=False))
    # the write between the runs comes after everything run 1 did, on the replay clock
    end_of_one = h.entry_times[h.runs[0].stop] - h.start_time
    assert timeline.frame(runs["between"]).header.clock >= end_of_one
    assert h.revision_at_time(timeline.frame(runs["between"]).header.clock) >= runs["between"]
