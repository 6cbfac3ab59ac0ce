"""The replay player: step through the history one revision at a time, in the live view's frame.

`Player` holds the position (a revision between --from and --to), play/pause, the speed and the
`g` prompt, and gives the frame to draw (`state()`, from replay.state's Timeline, with the last
frames kept so stepping back and forth is instant). `PlayerKeys` maps keys to it: right/left (or
n/p) one step, `g` go to a revision or a time (`120`, `r120`, `2.5s`), `]`/`[` next/previous
command of the user, space play/pause, `+`/`-` speed, `q` quit. `run()` draws it in a terminal
with kubesim.view.live's LiveView (its renderer thread, key reader and terminal handling, with
these keys); `--auto` without a terminal prints one plain block per step instead (blocks.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

from rich.console import Console

from kubesim.replay.state import Timeline
from kubesim.view.keys import KeyDispatcher
from kubesim.view.state import StageState

#: frames kept for instant stepping
CACHE = 256
FOOTER = "← → n p step · g go to · [ ] user's commands · space play/pause · +/- speed · q quit"
MIN_SPEED, MAX_SPEED = 0.25, 64.0


class Player:
    def __init__(
        self,
        timeline: Timeline,
        start: int | None = None,
        end: int | None = None,
        follow: str | None = None,
        speed: float = 2.0,
    ) -> None:
        self.timeline = timeline
        h = timeline.history
        first = h.revisions().start
        self.first = max(first, start or first)
        self.last = min(h.current, end or h.current)
        if self.first > self.last:
            self.first = self.last
        self.revision = self.first
        self.follow = follow
        #: steps per second while playing
        self.speed = speed
        self.playing = False
        self.done = False
        #: the `g` prompt's text while it is open, else None
        self.typing: str | None = None
        self.message = ""
        self.changed = threading.Event()
        self._frames: OrderedDict[int, StageState] = OrderedDict()

    # ----------------------------------------------------------------------------- moving
    def seek(self, revision: int) -> None:
        self.revision = max(self.first, min(self.last, revision))
        self.changed.set()

    def step(self, n: int = 1) -> bool:
        """One step forward (or back); False at either end."""
        before = self.revision
        self.seek(self.revision + n)
        return self.revision != before

    def next_user(self) -> None:
        r = self.timeline.history.next_user(self.revision)
        self._jump(r, "no later command of the user")

    def previous_user(self) -> None:
        r = self.timeline.history.previous_user(self.revision)
        self._jump(r, "no earlier command of the user")

    def _jump(self, revision: int | None, otherwise: str) -> None:
        if revision is None or not self.first <= revision <= self.last:
            self.message = otherwise
            self.changed.set()
        else:
            self.message = ""
            self.seek(revision)

    def goto(self, text: str) -> None:
        """`120` / `r120`: a revision; `2.5s`: the last revision written by then."""
        text = text.strip().lower()
        try:
            if text.endswith("s"):
                revision = self.timeline.history.revision_at_time(float(text[:-1]))
            else:
                revision = int(text.removeprefix("r"))
        except ValueError:
            self.message = f"not a revision or a time: {text!r}"
            self.changed.set()
            return
        self.message = ""
        self.seek(revision)

    def toggle_play(self) -> None:
        if not self.playing and self.revision >= self.last:
            self.seek(self.first)
        self.playing = not self.playing
        self.changed.set()

    def faster(self, factor: float) -> None:
        self.speed = max(MIN_SPEED, min(MAX_SPEED, self.speed * factor))
        self.changed.set()

    def quit(self) -> None:
        self.done = True
        self.changed.set()

    # ----------------------------------------------------------------------------- frames
    def frame(self, revision: int) -> StageState:
        state = self._frames.get(revision)
        if state is None:
            state = self.timeline.frame(revision, self.follow)
            self._frames[revision] = state
            if len(self._frames) > CACHE:
                self._frames.popitem(last=False)
        else:
            self._frames.move_to_end(revision)
        return state

    def state(self) -> StageState:
        """The frame at the current revision, with the player's own header and footer."""
        state = self.frame(self.revision)
        header = dataclasses.replace(
            state.header,
            speed=self.speed,
            paused=not self.playing,
            message=self.message or state.header.message,
        )
        return dataclasses.replace(state, header=header)

    # ----------------------------------------------------------------------------- running
    def run(self, console: Console, input_fd: int | None, fps: float = 20.0) -> None:
        """Draw in the terminal until `q` (or the end, when playing with `auto`)."""
        from kubesim.view.live import LiveView

        keys = PlayerKeys(self)
        view = LiveView(console, self, input_fd=input_fd, fps=fps, keys=keys)  # type: ignore[arg-type]

        def body() -> None:
            while not self.done:
                view.publish(self.state())
                self.changed.clear()
                if self.playing:
                    if not self.changed.wait(1.0 / self.speed) and not self.step(1):
                        self.playing = False
                        if self.auto_quit:
                            self.done = True
                else:
                    self.changed.wait(0.5)

        view.run(body)

    auto_quit = False


class PlayerKeys(KeyDispatcher):
    """The player's keys, in the shape LiveView expects of a KeyDispatcher."""

    def __init__(self, player: Player) -> None:
        super().__init__(player)  # type: ignore[arg-type]
        self.player = player

    @property
    def prompt(self) -> str:  # type: ignore[override]
        p = self.player
        if p.typing is not None:
            return f"go to revision (or time, e.g. 2.5s): {p.typing}▏ enter: go · esc: cancel"
        return f"r{p.revision} of r{p.first}-r{p.last} · {FOOTER}"

    def press(self, key: str) -> None:
        p = self.player
        if p.typing is not None:
            if key == "enter":
                text, p.typing = p.typing, None
                if text:
                    p.goto(text)
            elif key == "escape":
                p.typing = None
            elif key in ("\x7f", "\b"):
                p.typing = p.typing[:-1]
            elif len(key) == 1 and (key.isalnum() or key == "."):
                p.typing += key
            p.changed.set()
            return
        if key in ("right", "n"):
            p.playing = False
            p.step(1)
        elif key in ("left", "p"):
            p.playing = False
            p.step(-1)
        elif key == "g":
            p.typing = ""
            p.changed.set()
        elif key == "]":
            p.next_user()
        elif key == "[":
            p.previous_user()
        elif key == "space":
            p.toggle_play()
        elif key in ("+", "="):
            p.faster(2.0)
        elif key in ("-", "_"):
            p.faster(0.5)
        elif key == "q":
            p.quit()
