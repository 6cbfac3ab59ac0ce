"""One staleness, counted in revisions (kubesim.client.staleness): the live view, the summary,
`kubesim lag`, the lesson check `behind` and replay agree, and neither duplicate deliveries nor a
dropped watch change what it says (the delivery queue's length did: it counted duplicates and
emptied on a drop)."""

from __future__ import annotations

import orjson

from kubesim.cli.lag import lag_rows
from kubesim.lessons.checks import behind
from kubesim.replay.state import Timeline
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults
from kubesim.sim.snapshot import StageTracker, snapshot
from kubesim.sim.summary import consumer_table
from tests.sim.conftest import apply_yaml, deployment

SCHEDULER = "kube-scheduler"


def _running(make_plane, tmp_path, faults: Faults):
    config = SimConfig(seed=3, latency={SCHEDULER: 1.0}, faults=faults, check_mutation=True)
    plane = make_plane(config, start=False, path=tmp_path / "stale.db")
    tracker = StageTracker(plane)
    plane.start()
    plane.run_until_settled()
    apply_yaml(plane, deployment(3))
    # long enough for the controllers to write, too short for the scheduler's slow watch
    plane.run_until_settled(until=plane.clock.now() + 0.5)
    return plane, tracker


def _revisions_behind(plane, name: str) -> int:
    """Counted by hand: revisions of the kinds the process watches after its projection's (a
    kubelet: its node's pods and its Node)."""
    c = plane.consumer(name)
    prefixes = tuple(i.kind.prefix() for i in c.informers.values())
    node = c.watching().get("node")

    def covered(ev) -> bool:
        if not ev.key.startswith(prefixes):
            return False
        if node and ev.key.startswith("/registry/pods/"):
            return orjson.loads(ev.value)["spec"].get("nodeName") == node
        return not node or ev.key.endswith("/" + node)

    return sum(1 for ev in plane.store.events(c.revision + 1) if covered(ev))


def test_duplicates_are_not_counted_twice(make_plane, tmp_path):
    plane, tracker = _running(make_plane, tmp_path, Faults(duplicate_rate=1.0))
    scheduler = plane.consumer(SCHEDULER)
    expected = _revisions_behind(plane, SCHEDULER)
    assert expected > 0
    assert len(scheduler.channel) == 2 * expected  # every event queued twice
    rows = {r.consumer: r for r in snapshot(plane, tracker).staleness}
    assert rows[SCHEDULER].events_behind == expected
    assert rows[SCHEDULER].seconds_behind > 0


def test_a_dropped_watch_still_shows_what_is_unseen(make_plane, tmp_path):
    config = SimConfig(seed=3, faults=Faults(drop_watch_every=3), check_mutation=True)
    plane = make_plane(config, start=False, path=tmp_path / "drop.db")
    tracker = StageTracker(plane)
    apply_yaml(plane, deployment(3))
    plane.start()
    down = None
    while down is None and plane.step():  # until a watch is down while events are unseen
        down = next(
            (c for c in plane.consumers if c.watch_down and _revisions_behind(plane, c.name)),
            None,
        )
    assert down is not None and not down.channel  # what was in flight is gone with the watch
    rows = {r.consumer: r.events_behind for r in snapshot(plane, tracker).staleness}
    assert rows == {c.name: _revisions_behind(plane, c.name) for c in plane.consumers}
    assert rows[down.name] > 0


def test_view_summary_lag_check_and_replay_agree(make_plane, tmp_path):
    plane, tracker = _running(make_plane, tmp_path, Faults(duplicate_rate=0.5))
    plane.record_stop()
    expected = _revisions_behind(plane, SCHEDULER)
    assert expected > 0
    view = {r.consumer: r.events_behind for r in snapshot(plane, tracker).staleness}
    summary = {line.split()[0]: int(line.split()[2]) for line in consumer_table(plane, 200)[1:]}
    lag = {row[0]: int(row[2]) for row in lag_rows(plane.store)[0][1:]}
    checked = {c.name: behind(plane.store, c.name) for c in plane.consumers}
    frame = Timeline(plane.store).frame(plane.store.current_revision())
    replay = {r.consumer: r.events_behind for r in frame.staleness}
    assert view[SCHEDULER] == expected
    assert view == summary == lag == checked == replay
