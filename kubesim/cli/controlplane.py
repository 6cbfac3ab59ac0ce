"""`kubesim reconcile` and `kubesim up`: the read side, headless on virtual time or live.

Both build the same ControlPlane (controllers, scheduler, kubelets, garbage collector, endpoints)
over the store, with the same options: `--seed`, `--latency NAME=MS`, `--reconcile-duration
NAME=MS`, fault switches, `--pod-start-delay`, `--nodes`, `--controller FILE.py`.
`reconcile` runs on the virtual clock until settled (or `--steps N` / `--for 30s`), prints a
compact stage log and a summary, and exits. `up` runs in real time (scaled by `--speed`), picks up
commands written by other processes within milliseconds, and stops on Ctrl-C, SIGTERM (`kubesim
reset --force`) or after `--for`; while it runs it holds the store's control-plane lock
(cli/planelock.py), and if its store is removed or replaced it says so and exits 1.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import typer

from kubesim.cli import context
from kubesim.cli.options import (
    check_output,
    duration,
    duration_option,
    float_option,
    int_option,
    number,
)
from kubesim.model.errors import KubesimError, StoreReplaced, UsageError

#: `reconcile` (until settled) stops once only timers this far past the last write remain
IDLE_SECONDS = 60.0


def register(app: typer.Typer) -> None:
    app.command(
        "reconcile",
        help="Run the control plane on virtual time until it settles, "
        "then print what happened.\n\nExamples: kubesim reconcile; kubesim reconcile "
        "--latency kube-scheduler=2000 --seed 7",
    )(reconcile_command)
    app.command(
        "up",
        help="Run the control plane in real time against the store (watch it in "
        "another terminal while you apply).\n\nExample: kubesim up --speed 0.5",
    )(up_command)


def parse_assignments(values: list[str] | None, option: str) -> dict[str, float]:
    """`NAME=MS` pairs (milliseconds, finite and not negative) as seconds per consumer."""
    out: dict[str, float] = {}
    for v in values or []:
        name, sep, ms = v.partition("=")
        try:
            float(ms)
        except ValueError:
            sep = ""
        if not sep or not name:
            raise UsageError(
                f'invalid {option} "{v}": use NAME=MILLISECONDS, e.g. kube-scheduler=500'
            )
        out[name] = number(ms, option, shown=v) / 1000.0
    return out


def parse_restarts(values: list[str] | None) -> list[tuple[str, float]]:
    """`--restart PROCESS[@DURATION]` as (process, seconds after the start; 1 s by default)."""
    return [
        (name, duration(at, "--restart") if sep else 1.0)
        for name, sep, at in (v.partition("@") for v in values or [])
    ]


LATENCY = typer.Option(
    None,
    "--latency",
    metavar="PROCESS=MS",
    help="Watch delivery latency of a consumer process, e.g. kube-scheduler=500 (repeatable).",
)
DURATION_OPT = typer.Option(
    None,
    "--reconcile-duration",
    metavar="NAME=MS",
    help="How long a reconcile keeps a worker busy: a process, or one controller "
    "(kube-controller-manager/replicaset=200).",
)
SEED = int_option(0, "--seed", help="Seed of every random choice (names, uids, faults).")
DUPLICATE = float_option(
    0.0,
    "--duplicate-rate",
    maximum=1.0,
    help="Fault: hand this share of events to the informers again, as a relist or resync does.",
)
DROP = int_option(
    0,
    "--drop-watch-every",
    minimum=0,
    help="Fault: drop each consumer's watch every N events (it resumes from its last revision).",
)
COMPACT = int_option(
    0,
    "--compact-every",
    minimum=0,
    help="Fault: compact the history every N revisions, keeping the last N (open watches "
    "carry on; a dropped watch that must resume from before that gets 410 Expired and relists).",
)
START_DELAY = float_option(1.0, "--pod-start-delay", help="Seconds from binding to Running.")
NODES = int_option(3, "--nodes", minimum=0, help="Nodes to register if the store has none.")
CONTROLLER = typer.Option(
    None, "--controller", metavar="FILE.py", help="Load a user controller (repeatable)."
)
SHARED = typer.Option(
    True,
    "--shared-informers/--no-shared-informers",
    help="One informer cache per process, as in Kubernetes (the default), or one per "
    "controller (to count the LISTs and watches that sharing saves).",
)


def build_plane(
    clock,
    *,
    seed: int,
    latency: list[str] | None,
    reconcile_duration: list[str] | None,
    duplicate_rate: float,
    drop_watch_every: int,
    compact_every: int,
    pod_start_delay: float,
    nodes: int,
    controller: list[str] | None,
    shared_informers: bool = True,
):
    """The ControlPlane of `reconcile` and `up`, from their shared options (same names)."""
    from kubesim.controllers.user import load_user_controller
    from kubesim.sim.controlplane import ControlPlane, SimConfig
    from kubesim.sim.faults import Faults

    config = SimConfig(
        seed=seed,
        latency=parse_assignments(latency, "--latency"),
        reconcile_duration=parse_assignments(reconcile_duration, "--reconcile-duration"),
        pod_start_delay=pod_start_delay,
        nodes=nodes,
        shared_informers=shared_informers,
        faults=Faults(
            duplicate_rate=duplicate_rate,
            drop_watch_every=drop_watch_every,
            compact_every=compact_every,
        ),
    )
    kinds = context.api().registry().supported_kinds()
    users = [load_user_controller(p, kinds=kinds) for p in controller or []]
    store = context.api().store
    plane = ControlPlane(store, clock, config, users)
    return plane, config


def check_consumer_names(plane, config) -> None:
    """`--latency` names a process (its watch is slow); `--reconcile-duration` a process
    (all its controllers) or one controller."""
    processes = {c.name for c in plane.consumers}
    controllers = processes | {ctl.name for ctl in plane.controller_loops()}
    for option, values, names, what in (
        ("--latency", config.latency, processes, "consumer processes"),
        ("--reconcile-duration", config.reconcile_duration, controllers, "names"),
    ):
        unknown = sorted(set(values) - names)
        if unknown:
            raise KubesimError(
                f'{option}: no consumer named "{unknown[0]}"; {what} are: '
                + ", ".join(sorted(names))
            )


def reconcile_command(
    until_settled: bool = typer.Option(
        False,
        "--until-settled",
        help="Run until nothing is left to do (the default, without --steps or --for).",
    ),
    steps: int = int_option(None, "--steps", minimum=0, help="Run exactly N actions of the loop."),
    for_: float = duration_option(None, "--for", help="Run for this much virtual time, e.g. 30s."),
    seed: int = SEED,
    latency: list[str] = LATENCY,
    reconcile_duration: list[str] = DURATION_OPT,
    duplicate_rate: float = DUPLICATE,
    drop_watch_every: int = DROP,
    compact_every: int = COMPACT,
    pod_start_delay: float = START_DELAY,
    nodes: int = NODES,
    controller: list[str] = CONTROLLER,
    shared_informers: bool = SHARED,
    restart: list[str] = typer.Option(
        None,
        "--restart",
        metavar="PROCESS[@DURATION]",
        help="Restart a consumer process after DURATION of virtual time "
        "(default 1s): its cache is dropped and rebuilt by a "
        "LIST (repeatable).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the summary."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also every delivery."),
) -> None:
    from kubesim.sim.clock import VirtualClock
    from kubesim.sim.log import StageLog
    from kubesim.sim.runner import run_virtual
    from kubesim.sim.summary import summary_lines

    if until_settled and (steps is not None or for_ is not None):
        raise UsageError("--until-settled cannot be combined with --steps or --for")
    restarts = parse_restarts(restart)
    plane, config = build_plane(
        VirtualClock(virtual_start(context.api().store)),
        seed=seed,
        latency=latency,
        reconcile_duration=reconcile_duration,
        duplicate_rate=duplicate_rate,
        drop_watch_every=drop_watch_every,
        compact_every=compact_every,
        pod_start_delay=pod_start_delay,
        nodes=nodes,
        controller=controller,
        shared_informers=shared_informers,
    )
    if not quiet:
        StageLog(plane, context.out, verbose=verbose)
    wall = time.perf_counter()
    start = plane.clock.now()
    plane.start()
    check_consumer_names(plane, config)
    _schedule_restarts(plane, restarts)
    progress = _progress(plane) if quiet and sys.stdout.isatty() else None
    settled = run_virtual(
        plane,
        steps=steps,
        duration=for_,
        idle=IDLE_SECONDS if steps is None and for_ is None else None,
        on_step=progress.update if progress else None,
    )
    if progress:
        progress.close()
    plane.record_stop()
    for line in summary_lines(plane, plane.clock.now() - start, None, settled):
        context.out(line)
    # on stderr: the only figure of the run that depends on the machine, not on seed and store
    virtual, real = plane.clock.now() - start, time.perf_counter() - wall
    context.note(f"{virtual:.3f}s of virtual time in {real:.3f}s wall")


def virtual_start(store) -> float:
    """Where `reconcile`'s virtual clock starts: the time of the store's latest journal entry
    (the last command, or the end of the last run), rounded up to a whole second. Timestamps
    then follow on from the store's story, and the same seed on the same store gives the same
    run: Kubernetes' timestamps have whole seconds, so a start at a fraction of one would shift
    every timer computed from them (a Deployment's progress deadline) by that fraction."""
    latest = store.journal(min_revision=store.current_revision())
    return float(math.ceil(max((e.time for e in latest), default=0.0)))


def _schedule_restarts(plane, restarts: list[tuple[str, float]]) -> None:
    """`--restart NAME[@DURATION]`: a process restart at a virtual time after the start."""
    names = {c.name for c in plane.consumers}
    for name, delay in restarts:
        if name not in names:
            raise KubesimError(
                f'--restart: no consumer named "{name}"; consumers are: ' + ", ".join(sorted(names))
            )
        plane.loop.call_later(delay, lambda n=name: plane.restart(n), f"restart {name}")


class _progress:
    """A one-line counter on a terminal for long headless runs."""

    def __init__(self, plane) -> None:
        self.plane = plane

    def update(self) -> None:
        t = self.plane.totals
        sys.stderr.write(f"\r{t.events} events, {t.reconciles} reconciles, {t.writes} writes ...")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r\x1b[K")


def up_command(
    speed: float = float_option(
        1.0, "--speed", above=True, help="Time scale: 2 runs twice as fast."
    ),
    for_: float = duration_option(None, "--for", help="Stop after this much (control plane) time."),
    plain: bool = typer.Option(False, "--plain", help="Plain stage lines even on a terminal."),
    svg: str = typer.Option(
        None,
        "--svg",
        metavar="FILE",
        help="Save the four-stage view as an SVG picture when up ends (also without a terminal).",
    ),
    seed: int = SEED,
    latency: list[str] = LATENCY,
    reconcile_duration: list[str] = DURATION_OPT,
    duplicate_rate: float = DUPLICATE,
    drop_watch_every: int = DROP,
    compact_every: int = COMPACT,
    pod_start_delay: float = START_DELAY,
    nodes: int = NODES,
    controller: list[str] = CONTROLLER,
    shared_informers: bool = SHARED,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also every delivery (plain)."),
) -> None:
    """On a terminal: the live four-stage view (Command | Event | Projection | Staleness, keys
    to pause, step, restart, follow and switch faults). Without one, or with --plain: the plain
    stage lines of `reconcile`, with no escape codes."""
    run_up(
        speed=speed,
        for_=for_,
        plain=plain,
        svg=svg,
        verbose=verbose,
        seed=seed,
        latency=latency,
        reconcile_duration=reconcile_duration,
        duplicate_rate=duplicate_rate,
        drop_watch_every=drop_watch_every,
        compact_every=compact_every,
        pod_start_delay=pod_start_delay,
        nodes=nodes,
        controller=controller,
        shared_informers=shared_informers,
    )


def run_up(
    *,
    speed: float,
    for_: float | None,
    plain: bool,
    svg: str | None,
    verbose: bool,
    serve: Callable[[Callable[[], None]], Any] | None = None,
    **plane_options: Any,
) -> None:
    """`up` (and `serve`, which passes `serve(wake)`: it starts the HTTP front once the store
    is held, with the control plane's wake-up for its writes, and returns what stops it)."""
    from kubesim.cli import planelock
    from kubesim.sim.clock import RealClock

    if svg:
        check_output(svg, "--svg", directory=False)
    live = not plain and sys.stdout.isatty() and sys.stdin.isatty()
    store = context.store_location()
    clock = RealClock(speed=speed)
    plane, config = build_plane(clock, **plane_options)
    # held from the first write of the control plane to its last: `kubesim reset` refuses while
    # it is held (with --force it sends SIGTERM and waits for it); were the store removed in the
    # moment before, the runner's first poll sees it
    terminated = planelock.StopOnSigterm()
    try:
        with planelock.hold(store):
            front = serve(clock.wake) if serve is not None else None
            try:
                _up(plane, config, clock, store, terminated, live, svg, for_, speed, verbose)
            finally:
                if front is not None:
                    front.stop()
    finally:
        terminated.restore()


def _up(plane, config, clock, store, terminated, live, svg, duration, speed, verbose) -> None:
    """`up` once it holds the store: run until Ctrl-C, SIGTERM, --for, or the store goes."""
    from kubesim.sim.runner import RealTimeRunner
    from kubesim.sim.snapshot import StageTracker
    from kubesim.sim.summary import summary_lines

    tracker = StageTracker(plane) if live or svg else None
    log = None
    if not live:
        from kubesim.sim.log import StageLog

        def write(line: str) -> None:
            context.out(line)
            sys.stdout.flush()

        log = StageLog(plane, write, verbose=verbose)
        context.note(
            f"control plane up against {store} at speed {speed:g} "
            "(Ctrl-C to stop); apply manifests from another terminal"
        )
    wall = time.perf_counter()
    start = clock.now()
    plane.start()
    check_consumer_names(plane, config)
    runner = RealTimeRunner(plane)
    terminated.attach(runner)
    view = None
    try:
        if live:
            view = _run_live(plane, runner, tracker, duration, svg, config.faults.duplicate_rate)
        else:
            runner.run(duration, tick=log.commands if log else None)
    except KeyboardInterrupt:
        pass
    except StoreReplaced as e:
        raise StoreReplaced(f"{e}; the control plane stops (start `kubesim up` again)") from e
    if terminated.signalled:
        context.note("control plane stopped: SIGTERM (`kubesim reset --force`, or kill)")
    plane.record_stop()
    if svg:
        _save_final_svg(plane, tracker, view, svg)
    for line in summary_lines(plane, clock.now() - start, time.perf_counter() - wall, None):
        context.out(line)


def _run_live(plane, runner, tracker, duration, svg, duplicate_rate):
    """The live view: the loop runs in this (main) thread, frames are drawn on another."""
    from rich.console import Console

    from kubesim.sim.controls import PlaneControls
    from kubesim.view.live import LiveView

    controls = PlaneControls(plane, runner, tracker, duplicate_rate=duplicate_rate or 0.5)
    view = LiveView(Console(), controls, input_fd=sys.stdin.fileno(), svg_path=svg)
    controls.publish = view.publish
    controls.save = view.request_svg
    controls.tick()
    try:
        view.run(lambda: runner.run(duration, tick=controls.tick))
    except KeyboardInterrupt:
        pass
    return view


def _save_final_svg(plane, tracker, view, path: str) -> None:
    """The last frame as an SVG: the terminal's size when there is one, else 100x30."""
    from kubesim.sim.snapshot import snapshot
    from kubesim.view.stages import export_svg

    size = os.get_terminal_size(sys.stdout.fileno()) if sys.stdout.isatty() else None
    width, height = (size.columns, size.lines) if size else (100, 30)
    state = snapshot(plane, tracker)
    with open(path, "w", encoding="utf-8") as f:
        f.write(export_svg(state, width, height))
    context.note(f"saved the view to {path}")
