"""`kubesim demo [--speed X] [--fast]`: a narrated scenario of the CQRS stages, about a minute long.

The scenario itself is kubesim/lessons/demo.py (it runs in a temporary store, never yours).
Until the live view lands, it prints plain stage lines with narration between the scenes.
"""

from __future__ import annotations

import sys

import typer

from kubesim.cli import context
from kubesim.model.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command(
        "demo",
        help="A narrated one-minute scenario: a command, its events, the "
        "controllers reacting, stale reads, a restart.\n\nExample: kubesim demo "
        "--speed 2",
    )(demo_command)


def demo_command(
    speed: float = typer.Option(1.0, "--speed", help="Time scale: 2 runs twice as fast."),
    fast: bool = typer.Option(False, "--fast", help="No waiting: virtual time (for tests)."),
) -> None:
    from kubesim.lessons.demo import run_demo

    if speed <= 0:
        raise UsageError("--speed must be greater than 0")

    def write(line: str) -> None:
        context.out(line)
        sys.stdout.flush()

    run_demo(write, speed=speed, fast=fast)
