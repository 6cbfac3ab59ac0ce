"""The only code that drives a terminal: the live four-stage view of `kubesim up`.

Three threads, one job each:
- the caller's thread (the main thread) runs the control plane's loop (`body`, the
  RealTimeRunner): it owns the store connection and gets Ctrl-C. Between actions it publishes
  snapshots (`publish`, at most `fps` a second); it never waits for a frame to be drawn.
- a renderer thread turns the latest snapshot into a frame (`stages.render`) and draws it with
  rich's Live (alternate screen, no auto refresh), at most `fps` times a second, and less when a
  frame is expensive (`frame_delay`: drawing takes at most RENDER_SHARE of one CPU, since it
  shares the interpreter with the loop). A snapshot that arrives while one is being drawn
  replaces the one waiting: the view drops frames, never slows the loop.
- a key reader thread puts the terminal in cbreak mode (termios/tty: keys arrive one at a time,
  Ctrl-C still interrupts) and hands each key to a KeyDispatcher; the terminal's mode is
  restored on the way out, however the view ends.

termios was chosen over a library (Textual, prompt_toolkit, blessed): the view needs one key at
a time and nothing else, rich already draws the frames, and termios is in the standard library.
"""

from __future__ import annotations

import dataclasses
import os
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.live import Live

from kubesim.view.keys import Controls, KeyDispatcher, decode
from kubesim.view.stages import export_svg, render
from kubesim.view.state import StageState


class KeyReader:
    """Reads keys from a terminal file descriptor in cbreak mode on a thread of its own."""

    def __init__(self, fd: int | None, on_key: Callable[[str], None]) -> None:
        self.fd = fd
        self.on_key = on_key
        self._stop = threading.Event()
        self._saved: list | None = None
        self._thread = threading.Thread(target=self._run, name="keys", daemon=True)

    def __enter__(self) -> KeyReader:
        if self.fd is not None:
            import termios
            import tty

            try:
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd, termios.TCSANOW)
            except termios.error:
                self._saved = None
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1.0)
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _run(self) -> None:
        assert self.fd is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 64)
            except OSError:
                return
            if not data:
                return
            for key in decode(data):
                self.on_key(key)


class LiveView:
    def __init__(
        self,
        console: Console,
        controls: Controls,
        *,
        input_fd: int | None,
        fps: float = 10.0,
        svg_path: str | None = None,
        keys: KeyDispatcher | None = None,
    ) -> None:
        self.console = console
        self.controls = controls
        #: what keys do (`press`, `prompt`, `help`): the live view's, or replay's player's
        self.keys = keys or KeyDispatcher(controls)
        self.input_fd = input_fd
        self.interval = 1.0 / fps
        self.svg_path = svg_path
        self.frames = 0
        self.render_seconds = 0.0
        self._latest: StageState | None = None
        self._drawn: StageState | None = None
        self._lock = threading.Lock()
        self._new = threading.Event()
        self._stop = threading.Event()
        self._save_requested = False
        self._note = ("", 0.0)

    # ----------------------------------------------------------------------------- any thread
    def publish(self, state: StageState) -> None:
        """The loop's thread hands over its latest snapshot (never blocks on drawing)."""
        with self._lock:
            self._latest = state
        self._new.set()

    def request_svg(self) -> None:
        self._save_requested = True
        self._new.set()

    def press(self, key: str) -> None:
        self.keys.press(key)
        self._new.set()  # redraw the footer's prompt / the help at once

    def latest(self) -> StageState | None:
        with self._lock:
            return self._latest

    # ----------------------------------------------------------------------------- running
    def run(self, body: Callable[[], None]) -> None:
        """Draw while `body` (the control plane's loop) runs in this thread; restore the
        terminal when it returns or raises."""
        live = Live(
            console=self.console,
            screen=True,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        drawer = threading.Thread(target=self._draw_loop, args=(live,), name="render", daemon=True)
        with KeyReader(self.input_fd, self.press), live:
            drawer.start()
            try:
                body()
            finally:
                self._stop.set()
                self._new.set()
                drawer.join(timeout=2.0)

    def _draw_loop(self, live: Live) -> None:
        next_frame = 0.0
        while not self._stop.is_set():
            self._new.wait(timeout=self.interval)
            self._new.clear()
            wait = next_frame - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            state = self.frame_state()
            if state is None or (state == self._drawn and not self._save_requested):
                continue
            self._drawn = state
            started = time.monotonic()
            width, height = self.console.size
            live.update(render(state, width, height), refresh=True)
            took = time.monotonic() - started
            self.render_seconds += took
            self.frames += 1
            next_frame = started + frame_delay(took, self.interval)
            if self._save_requested:
                self._save_requested = False
                path = self.save_svg(self.svg_path or _default_svg_name(), width, height)
                self._note = (f"saved {path}", time.monotonic() + 5)

    def frame_state(self) -> StageState | None:
        """The latest snapshot with what only the view knows: prompt, help, notes."""
        state = self.latest()
        if state is None:
            return None
        header = state.header
        note, until = self._note
        if note and time.monotonic() < until:
            header = dataclasses.replace(header, message=note)
        return dataclasses.replace(
            state, header=header, prompt=self.keys.prompt, show_help=self.keys.help
        )

    def save_svg(self, path: str, width: int | None = None, height: int | None = None) -> str:
        """Save the latest frame as an SVG; returns the path written ("" if nothing yet)."""
        state = self.latest()
        if state is None:
            return ""
        w, h = (width, height) if width and height else self.console.size
        Path(path).write_text(export_svg(state, w, h))
        return path


#: the share of one CPU the renderer may take: drawing shares the interpreter with the loop
RENDER_SHARE = 0.08


def frame_delay(render_seconds: float, interval: float) -> float:
    """Seconds from the start of a frame to the next: the frame rate cap, stretched so that
    drawing takes at most RENDER_SHARE of the time (big terminals get fewer frames, the
    control plane keeps its speed)."""
    return max(interval, render_seconds / RENDER_SHARE)


def _default_svg_name() -> str:
    return time.strftime("kubesim-%Y%m%d-%H%M%S.svg")
