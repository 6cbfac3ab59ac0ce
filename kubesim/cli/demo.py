"""`kubesim demo [--speed X] [--fast] [--plain]`: a narrated scenario of the CQRS stages, about a
minute long.

The scenario itself is kubesim/lessons/demo.py (it runs in a temporary store, never yours). On
a terminal it plays in the live four-stage view (kubesim/view/live.py) with its narration as the
view's caption; the keys work as in `kubesim up` (space pauses, q ends the demo) and the summary
prints when the view closes. Without a terminal, with --plain or with --fast (virtual time, for
tests): plain stage lines with the narration between the scenes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kubesim.cli import context
from kubesim.cli.options import float_option


def register(app: typer.Typer) -> None:
    app.command(
        "demo",
        help="A narrated one-minute scenario: a command, its events, the "
        "controllers reacting, stale reads, a restart.\n\nExample: kubesim demo "
        "--speed 2",
    )(demo_command)


def demo_command(
    speed: float = float_option(
        1.0, "--speed", above=True, help="Time scale: 2 runs twice as fast."
    ),
    fast: bool = typer.Option(False, "--fast", help="No waiting: virtual time (for tests)."),
    plain: bool = typer.Option(False, "--plain", help="Plain stage lines even on a terminal."),
) -> None:
    from kubesim.lessons.demo import run_demo

    def write(line: str) -> None:
        context.out(line)
        sys.stdout.flush()

    if plain or fast or not (sys.stdout.isatty() and sys.stdin.isatty()):
        run_demo(write, speed=speed, fast=fast)
        return
    for line in _live(speed):
        write(line)


def _live(speed: float) -> list[str]:
    """The scenario in the live view; returns the closing lines, printed once it has closed."""
    import dataclasses
    import tempfile

    from rich.console import Console

    from kubesim.lessons.demo import Demo
    from kubesim.sim.controls import PlaneControls
    from kubesim.sim.snapshot import StageTracker
    from kubesim.view.live import LiveView

    with tempfile.TemporaryDirectory(prefix="kubesim-demo-") as tmp:
        demo = Demo(Path(tmp) / "store.db", speed=speed)
        try:
            tracker = StageTracker(demo.plane)
            controls = PlaneControls(demo.plane, demo, tracker)
            view = LiveView(Console(), controls, input_fd=sys.stdin.fileno())

            def publish(state) -> None:
                header = dataclasses.replace(state.header, mode="demo")
                view.publish(dataclasses.replace(state, header=header, caption=demo.caption))

            controls.publish = publish
            controls.save = view.request_svg
            demo.tracker = tracker
            demo.tick = controls.tick
            completed = [False]

            def body() -> None:
                completed[0] = demo.play()

            try:
                view.run(body)
            except KeyboardInterrupt:
                pass
            return demo.finish(completed[0])
        finally:
            demo.close()
