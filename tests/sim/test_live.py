"""The live view's moving parts: keys against a real control plane (step while paused runs
exactly one action, pause stops the clock), quitting restores the terminal (on a pty), plain
mode prints stage lines with no escape codes, and a command applied from another process shows
up in all four panels."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
from rich.console import Console

from kubesim.sim.clock import RealClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.sim.controls import PlaneControls
from kubesim.sim.runner import RealTimeRunner
from kubesim.sim.snapshot import StageTracker, snapshot
from kubesim.store.sqlite import SqliteStore
from kubesim.view.keys import KeyDispatcher
from kubesim.view.live import LiveView
from kubesim.view.stages import render_text
from tests.cli.conftest import invoke
from tests.sim.conftest import T0, apply_yaml, deployment

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def paused_plane(tmp_path):
    store = SqliteStore(str(tmp_path / "store.db"))
    clock = RealClock(start=T0)
    clock.set_paused(True)
    plane = ControlPlane(store, clock, SimConfig(seed=3))
    tracker = StageTracker(plane)
    plane.start()
    runner = RealTimeRunner(plane, watch=False)
    controls = PlaneControls(plane, runner, tracker)
    yield plane, runner, controls, KeyDispatcher(controls)
    store.close()


def _press_and_run(plane, controls: PlaneControls, keys: KeyDispatcher, *pressed: str) -> None:
    """Press keys, then run the runner's loop once (a runner stops for good: one per call)."""
    runner = RealTimeRunner(plane, watch=False)
    controls.runner = runner
    for key in pressed:
        keys.press(key)

    def tick() -> None:
        controls.tick()
        runner.stop()

    runner.run(tick=tick)


def test_step_while_paused_runs_exactly_one_action(paused_plane):
    plane, runner, controls, keys = paused_plane
    apply_yaml(plane, deployment(2))
    assert len(plane.loop) > 1
    before = plane.loop.steps
    _press_and_run(plane, controls, keys, "n")
    assert plane.loop.steps == before + 1
    _press_and_run(plane, controls, keys, "right", "n")
    assert plane.loop.steps == before + 3
    _press_and_run(plane, controls, keys)  # no key: nothing runs while paused
    assert plane.loop.steps == before + 3


def test_pause_stops_the_clock_and_space_resumes(paused_plane):
    plane, runner, controls, keys = paused_plane
    clock = plane.clock
    t = clock.now()
    assert clock.now() == t
    keys.press("space")
    assert not clock.paused
    keys.press("space")
    assert clock.paused
    frozen = clock.now()
    assert clock.now() == frozen
    keys.press("+")
    assert clock.speed == 2.0


def test_keys_restart_follow_and_faults_act_on_the_plane(paused_plane):
    plane, runner, controls, keys = paused_plane
    apply_yaml(plane, deployment(2))
    _press_and_run(plane, controls, keys, "r", "1", "l", "2", "d", "f")
    assert plane.faults.duplicate_rate == 0.5
    assert plane.consumer("kube-scheduler").latency == pytest.approx(2.01)
    state = snapshot(plane, controls.tracker)
    assert "latency kube-scheduler +2000ms" in state.header.faults
    assert state.follow is not None and state.follow.name == "web"
    _press_and_run(plane, controls, keys, *["n"] * 9)  # the 5 start LISTs, then the restart
    state = snapshot(plane, controls.tracker)
    assert "restarted kube-controller-manager" in state.header.message


def test_quit_restores_the_terminal():
    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        out = io.StringIO()
        console = Console(
            file=out, width=80, height=24, force_terminal=True, color_system=None, _environ={}
        )
        quit_pressed = threading.Event()

        class Controls:
            def consumers(self) -> list[str]:
                return []

            def quit(self) -> None:
                quit_pressed.set()

            def __getattr__(self, name):
                return lambda *a: None

        view = LiveView(console, Controls(), input_fd=slave, fps=50)
        cbreak = []

        def body() -> None:
            cbreak.append(termios.tcgetattr(slave))
            os.write(master, b"q")
            assert quit_pressed.wait(5)

        view.run(body)
        assert cbreak[0][3] & termios.ICANON == 0  # keys arrived one at a time
        assert termios.tcgetattr(slave) == before
        text = out.getvalue()
        assert "\x1b[?1049h" in text and "\x1b[?1049l" in text  # alternate screen left
    finally:
        os.close(master)
        os.close(slave)


def test_plain_mode_prints_stage_lines_without_escape_codes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KUBESIM_STORE", str(tmp_path / "store.db"))
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "web.yaml"
    manifest.write_text(deployment(2))
    assert invoke(capsys, ["apply", "-f", str(manifest)], None)[0] == 0
    svg = tmp_path / "view.svg"
    code, out, err = invoke(
        capsys, ["up", "--plain", "--for", "10s", "--speed", "100", "--svg", str(svg)], None
    )
    assert code == 0, err
    assert "\x1b" not in out and "\x1b" not in err
    assert "relist     kcm: LIST" in out
    assert "reconcile  kcm/deployment web " in out
    assert svg.read_text().startswith("<svg")


def test_a_command_from_another_process_shows_in_all_four_panels(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(str(path))
    from kubesim.sim.clock import VirtualClock

    plane = ControlPlane(
        store, VirtualClock(T0), SimConfig(seed=5, latency={"kube-scheduler": 0.5})
    )
    tracker = StageTracker(plane)
    plane.start()
    plane.run_until_settled()
    manifest = tmp_path / "web.yaml"
    manifest.write_text(deployment(3))
    env = {**os.environ, "KUBESIM_STORE": str(path), "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "kubesim", "apply", "-f", str(manifest)],
        env=env,
        check=True,
        capture_output=True,
    )
    plane.poll()
    command = render_text(snapshot(plane, tracker), 100, 30)
    assert any(
        line.split()[1:4] == ["user", "apply", "deploy/web"]
        for line in command.splitlines()
        if line.startswith("r")
    )
    assert "desired 3 · pods 0 · running 0" in command  # apply, then no pods for a beat
    for _ in range(4):
        plane.step()
    text = render_text(snapshot(plane, tracker), 100, 30)
    rev = store.current_revision()
    lines = text.splitlines()
    event = next(line for line in lines if "ADDED" in line and "deploy/web" in line)
    assert "✓kcm" in event
    projection = next(line for line in lines if line.startswith("1  kcm "))
    assert "deployment default/web" in projection  # the process's latest reconcile
    plane.run_until_settled(until=plane.clock.now() + 0.1)
    text = render_text(snapshot(plane, tracker), 100, 30)
    assert "EVENTS BEHIND" in text
    assert any("kube-scheduler" in line and "█" in line for line in text.splitlines())
    plane.run_until_settled()
    text = render_text(snapshot(plane, tracker), 100, 30)
    assert "desired 3 · pods 3 · running 3" in text
    assert store.current_revision() > rev
    store.close()
