"""`kubesim demo`: the plain narration, its length at the default speed, and the hooks the live
view drives (caption, tick, stop), all on the virtual clock (no waiting)."""

from __future__ import annotations

from kubesim.lessons.demo import SCENES, Demo, duration
from kubesim.view.stages import render_text
from kubesim.view.state import StageState


def test_plain_narration_shows_kubesim_commands(cli):
    code, out, _ = cli("demo", "--fast", "--plain")
    assert code == 0
    assert "$ kubesim apply -f web-deployment.yaml" in out
    assert "$ kubesim scale deployment/web --replicas=5" in out
    assert "$ kubectl" not in out
    assert "kubectl's grammar" in out
    assert "deployment.apps/web created   (revision" in out
    assert "409 Conflict" in out


def test_about_a_minute_at_the_default_speed(tmp_path):
    assert 50 <= duration() <= 70
    assert duration(10) == duration() / 10
    demo = Demo(tmp_path / "store.db", fast=True)
    try:
        assert demo.play()
        assert demo.clock.now() == duration()
    finally:
        demo.close()


def test_caption_follows_the_scenes(tmp_path):
    demo = Demo(tmp_path / "store.db", fast=True)
    captions: list[str] = []

    def tick() -> None:
        if not captions or captions[-1] != demo.caption:
            captions.append(demo.caption)

    demo.tick = tick
    try:
        assert demo.play()
        lines = demo.finish(True)
    finally:
        demo.close()
    titles = [c.split("\n")[0] for c in captions]
    for i, scene in enumerate(SCENES):
        assert f"{i + 1}/{len(SCENES)}  {scene.title}" in titles
    assert titles[-1] == "The end"
    applied = next(c for c in captions if "→ deployment.apps/web created" in c)
    assert applied.split("\n")[-1].startswith("$ kubesim apply -f web-deployment.yaml  → ")
    assert all(len(line) <= 79 for c in captions for line in c.split("\n"))
    assert "# Now try it yourself: kubesim lesson start 1" in lines
    frame = render_text(StageState(caption=captions[0]), 80, 24)
    assert "1/5  A command" in frame and "$ kubesim apply -f web-deployment.yaml" in frame


def test_q_stops_the_demo_cleanly(tmp_path):
    demo = Demo(tmp_path / "store.db", fast=True)
    ticks = [0]

    def tick() -> None:
        ticks[0] += 1
        if demo.scene == 2:
            demo.stop()

    demo.tick = tick
    try:
        assert demo.play() is False
        lines = demo.finish(False)
    finally:
        demo.close()
    assert "# Demo stopped in scene 3 of 5." in lines
    assert any(line.startswith("store at revision") for line in lines)
