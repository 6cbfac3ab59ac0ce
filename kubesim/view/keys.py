"""The live view's keys: what each one does, how raw terminal bytes become key names, and the
dispatch of a key to the controls.

`KEYS` is the one list the footer, the help panel and the dispatcher read. `decode` turns bytes
read in cbreak mode into key names (`"space"`, `"right"`, `"escape"`, `"n"`, ...). `KeyDispatcher`
holds the only state keys have (waiting for a consumer's number after `r` or `l`) and calls the
methods of a `Controls` object: the live view (kubesim/view/live.py) passes the control plane's
controls (kubesim/sim/controls.py); tests pass a recorder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Controls(Protocol):
    def toggle_pause(self) -> None: ...
    def step(self) -> None: ...
    def speed(self, factor: float) -> None: ...
    def restart(self, consumer: str) -> None: ...
    def follow_next(self) -> None: ...
    def unfollow(self) -> None: ...
    def toggle_latency(self, consumer: str) -> None: ...
    def toggle_duplicates(self) -> None: ...
    def save_svg(self) -> None: ...
    def toggle_help(self) -> None: ...
    def quit(self) -> None: ...
    def consumers(self) -> list[str]: ...


@dataclass(frozen=True)
class Key:
    keys: tuple[str, ...]
    label: str
    footer: str
    help: str


KEYS: tuple[Key, ...] = (
    Key(("space",), "space", "pause", "pause / resume the control plane's clock"),
    Key(("n", "right"), "n →", "step", "while paused: run exactly one action of the loop"),
    Key(("+", "="), "+/-", "speed", "twice as fast / half as fast"),
    Key(
        ("r",),
        "r",
        "restart",
        "restart a process (then its number): its projection is "
        "rebuilt from a fresh LIST, and the cost is shown",
    ),
    Key(
        ("f",),
        "f",
        "follow",
        "follow an object through the four stages (f again: the next one; esc: stop)",
    ),
    Key(
        ("l",),
        "l",
        "latency",
        "fault: add 2 s of watch latency to a consumer (then its number; again to remove)",
    ),
    Key(
        ("d",),
        "d",
        "dup",
        "fault: half the events handed over again (as a relist/resync does) on/off",
    ),
    Key(("s",), "s", "svg", "save the view as an SVG file"),
    Key(("?", "h"), "?", "help", "this help (any key closes it)"),
    Key(("q",), "q", "quit", "quit (the terminal is restored)"),
)

LATENCY_FAULT = 2.0
SPEED_FACTOR = 2.0


def footer_items() -> list[tuple[str, str]]:
    return [(k.label, k.footer) for k in KEYS]


def decode(data: bytes) -> list[str]:
    """Raw bytes from a terminal in cbreak mode as key names."""
    text = data.decode("utf-8", errors="replace")
    keys: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\x1b":
            seq = text[i : i + 3]
            if seq in ("\x1b[C", "\x1bOC"):
                keys.append("right")
                i += 3
                continue
            if seq in ("\x1b[D", "\x1bOD"):
                keys.append("left")
                i += 3
                continue
            if len(seq) == 3 and seq[1] in "[O":
                keys.append("unknown")
                i += 3
                continue
            keys.append("escape")
        elif ch == " ":
            keys.append("space")
        elif ch in "\r\n":
            keys.append("enter")
        else:
            keys.append(ch)
        i += 1
    return keys


class KeyDispatcher:
    """Calls the controls for each key; `r` and `l` wait for a consumer's number (1-9, 0 for
    the tenth; escape cancels). `prompt` says what is awaited, for the footer."""

    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        self.choosing: str | None = None
        self.help = False

    @property
    def prompt(self) -> str:
        if self.choosing is None:
            return ""
        what = "restart" if self.choosing == "restart" else "add/remove 2 s of latency for"
        n = len(self.controls.consumers())
        return f"{what} which consumer? 1-{min(n, 9)}{' (0 = 10)' if n >= 10 else ''}, esc cancels"

    def press(self, key: str) -> None:
        c = self.controls
        if self.help and key != "q":
            self.help = False
            c.toggle_help()
            return
        if self.choosing is not None:
            self._choose(key)
            return
        if key == "space":
            c.toggle_pause()
        elif key in ("n", "right"):
            c.step()
        elif key in ("+", "="):
            c.speed(SPEED_FACTOR)
        elif key in ("-", "_"):
            c.speed(1 / SPEED_FACTOR)
        elif key == "r":
            self.choosing = "restart"
        elif key == "l":
            self.choosing = "latency"
        elif key == "f":
            c.follow_next()
        elif key == "escape":
            c.unfollow()
        elif key == "d":
            c.toggle_duplicates()
        elif key == "s":
            c.save_svg()
        elif key in ("?", "h"):
            self.help = True
            c.toggle_help()
        elif key == "q":
            c.quit()

    def _choose(self, key: str) -> None:
        action, self.choosing = self.choosing, None
        if not key.isdigit():
            return
        index = (int(key) or 10) - 1
        names = self.controls.consumers()
        if index >= len(names):
            return
        if action == "restart":
            self.controls.restart(names[index])
        else:
            self.controls.toggle_latency(names[index])
