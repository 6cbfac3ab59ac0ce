"""A step's `show:`: one frame of the four-stage view, drawn from the lesson's store and journal.

`revision_of(show, store, step_mark)` picks the revision the frame shows (now, a number, the
step's start, or just after the learner's last command in the step); `frame(show, ws, ...)`
builds it with replay's Timeline (kubesim.replay.state: the frame the view would have shown
while the store was at that revision, read from the journal, re-running nothing) and renders
it with kubesim.view.stages: plain text for a pipe, or a rich renderable for a terminal.
Called by the CLI when a step's check passes (`kubesim lesson check`, watch mode) and by
`lesson run --auto --verbose`; the linter renders every `show` in auto mode.
"""

from __future__ import annotations

from typing import Any

from kubesim.lessons.checks import Mark
from kubesim.lessons.format import Show
from kubesim.store.base import Store
from kubesim.view.plain import PIPE_WIDTH

#: the frame's size when it is plain text (a pipe, a file, the tests): the compact layout, as
#: wide as kubesim's other plain output in a pipe (replay's blocks, the stage log)
PLAIN_WIDTH, PLAIN_HEIGHT = PIPE_WIDTH, 28
#: on a terminal: at most this big (the wide layout needs 120 x 30)
MAX_WIDTH, MAX_HEIGHT = 140, 36


def revision_of(show: Show, store: Store, step_mark: Mark) -> int:
    """The revision the frame shows (clamped to the store's current revision)."""
    current = store.current_revision()
    if show.replay is None:
        return current
    if show.replay == "step":
        return min(max(step_mark.revision, 1), current)
    if show.replay == "command":
        written = [
            e.revision
            for e in store.journal(types=["command"], since_seq=step_mark.seq, actor="user")
            if e.revision > step_mark.revision
        ]
        return written[-1] if written else current
    return min(int(show.replay), current)


def frame_state(show: Show, store: Store, step_mark: Mark, title: str) -> Any:
    """The StageState to draw, labelled for the lesson (`title`: the footer's words)."""
    from kubesim.replay.state import Timeline

    revision = revision_of(show, store, step_mark)
    state = Timeline(store).frame(revision)
    state.header.mode = "lesson"
    if show.caption:  # the lesson's title above what replay says (no control plane ran, ...)
        state.caption = "\n".join(c for c in (show.caption, state.caption) if c)
    state.prompt = f"{title} · the store at revision {revision} (kubesim replay --from {revision})"
    return state


def frame_text(show: Show, store: Store, step_mark: Mark, title: str) -> str:
    """The frame as plain text, PLAIN_WIDTH x PLAIN_HEIGHT, no colour."""
    from kubesim.view.stages import render_text

    return render_text(frame_state(show, store, step_mark, title), PLAIN_WIDTH, PLAIN_HEIGHT)


def frame_renderable(
    show: Show, store: Store, step_mark: Mark, title: str, width: int, height: int
) -> Any:
    """The frame for a terminal of `width` x `height` (at most MAX_WIDTH x MAX_HEIGHT)."""
    from kubesim.view.stages import render

    state = frame_state(show, store, step_mark, title)
    return render(state, min(width, MAX_WIDTH), min(height, MAX_HEIGHT))
