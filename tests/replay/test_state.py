"""Frames at past revisions: what produced each revision, deliveries, projections, staleness."""

from __future__ import annotations

from kubesim.replay.player import Player, PlayerKeys
from kubesim.replay.state import Timeline
from kubesim.view.stages import render_text


def test_stepping_forward_and_back_gives_the_same_frames(history_store):
    timeline = Timeline(history_store)
    player = Player(timeline)
    forward = []
    for _ in range(25):
        forward.append(render_text(player.state(), 140, 40))
        player.step(1)
    player.step(-1)
    backward = []
    for _ in range(25):
        backward.append(render_text(player.state(), 140, 40))
        player.step(-1)
    assert backward[::-1] == forward
    # a fresh timeline (no cached frames) agrees too
    other = Timeline(history_store)
    r = player.first + 10
    assert render_text(other.frame(r), 140, 40) == render_text(timeline.frame(r), 140, 40)


def test_frame_names_the_command_and_the_reconcile(history_store, known):
    timeline = Timeline(history_store)
    state = timeline.frame(known["first_apply"])
    assert state.header.mode == "replay"
    assert "user apply deployment/web" in state.header.message
    assert "web.yaml" in state.header.message
    assert state.commands[-1].followed and state.commands[-1].actor == "user"
    # the next revision is the deployment controller's ReplicaSet, from its reconcile of web
    nxt = timeline.frame(known["first_apply"] + 1)
    assert "kube-controller-manager/deployment" in nxt.header.message
    assert "reconcile of default/web" in nxt.header.message


def test_staleness_then_and_deliveries(history_store, known):
    timeline = Timeline(history_store)
    # the moment after the write: the control plane has started but no consumer has LISTed yet:
    # nobody has it, and it is not on its way through a watch (their LIST will bring it); one
    # revision later, the first LISTs (after the apply) have brought it
    first = timeline.frame(known["first_apply"]).events[-1]
    assert not first.pending and not first.delivered
    later = timeline.frame(known["first_apply"] + 1).events[-2]
    assert "kube-controller-manager" in later.delivered
    r = known["second_apply"]
    state = timeline.frame(r)
    event = state.events[-1]
    assert event.revision == r and event.type == "MODIFIED"
    # just written: every consumer that watches deployments is one event behind
    assert "kube-controller-manager" in event.pending
    rows = {s.consumer: s for s in state.staleness}
    assert rows["kube-controller-manager"].events_behind == 1
    assert rows["kubelet-node-1"].events_behind == 0  # kubelets do not watch deployments
    # at the end of the history everyone has caught up
    end = timeline.frame(timeline.history.current)
    assert all(s.events_behind == 0 for s in end.staleness)
    projections = {p.consumer: p for p in end.projections}
    # one cache for the whole process: the Deployment, its ReplicaSet, 5 pods, and the
    # namespaces and the kubernetes Service that other controllers of the process watch
    assert projections["kube-controller-manager"].cached == 1 + 1 + 5 + 4 + 1


def test_player_keys(history_store, known):
    player = Player(Timeline(history_store))
    keys = PlayerKeys(player)
    start = player.revision
    keys.press("right")
    keys.press("n")
    assert player.revision == start + 2
    keys.press("left")
    assert player.revision == start + 1
    for k in ["g", *str(known["second_apply"]), "enter"]:
        keys.press(k)
    assert player.revision == known["second_apply"]
    keys.press("[")
    assert player.revision == known["first_apply"]
    keys.press("]")
    assert player.revision == known["second_apply"]
    keys.press("+")
    assert player.speed == 4.0
    keys.press("space")
    assert player.playing
    keys.press("g")
    assert "go to revision" in keys.prompt
    keys.press("escape")
    keys.press("q")
    assert player.done
