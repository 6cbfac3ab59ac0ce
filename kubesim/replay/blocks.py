"""One plain-text block per replay step: what `kubesim replay --auto` prints without a terminal.

The same four stages as a frame, as a few lines with no colour and no layout: the command that
produced the revision (and the reconcile that issued it), the event and who had received it,
each consumer's projection revision and cached objects, and staleness then (or, while no
control plane ran, that nothing was reading the write model). Lessons and scripts
read these; `block(state)` takes the StageState a frame is rendered from.

A block fits `width` (the terminal's when stdout is one, else 100, as the stage log of
`kubesim reconcile`): below 100 columns objects take kubectl's short kinds (`rs/web-...`);
a command's reconcile, an event's receivers and a consumer's last reconcile go on a line of
their own when the line would be too long; receivers lose "-controller", then become a count;
the projection rows drop the word "staleness" and then "-controller" (all rows alike, so they
stay aligned); what still does not fit ends in an ellipsis.
"""

from __future__ import annotations

from kubesim.view.plain import PIPE_WIDTH, SHORT_KINDS, cut, plain_width, short_consumer
from kubesim.view.state import StageState

INDENT = " " * 12
_SHORT = {kind.lower(): short for kind, short in SHORT_KINDS.items()}


def _short_kinds(text: str) -> str:
    """`create replicaset/web-...` -> `create rs/web-...` (kubectl's short kinds)."""
    words = []
    for word in text.split(" "):
        kind, slash, rest = word.partition("/")
        words.append(f"{_SHORT[kind]}/{rest}" if slash and kind in _SHORT else word)
    return " ".join(words)


def _names(names: list[str], room: int) -> str:
    """Consumer names in `room` columns: in full, without "-controller", or counted."""
    if not names:
        return "-"
    for text in (", ".join(names), ", ".join(short_consumer(n) for n in names)):
        if len(text) <= room:
            return text
    return f"{len(names)} consumer" + ("s" if len(names) > 1 else "")


def block(state: StageState, width: int | None = None) -> str:
    width = width if width is not None else plain_width()
    compact = width < PIPE_WIDTH
    h = state.header
    lines = [f"=== r{h.revision}  t+{h.clock:.3f}s"]
    message = _short_kinds(h.message) if compact else h.message
    lines += _command(message, width)
    event = next((e for e in reversed(state.events) if e.revision == h.revision), None)
    if event is not None:
        what = f"{event.kind.lower()}/{event.name}" if event.kind else event.key
        what = _short_kinds(what) if compact else what
        head = f"event       {event.type} {what}"
        got, waiting = ", ".join(event.delivered) or "-", ", ".join(event.pending) or "-"
        one = f"{head}  received: {got}  on its way: {waiting}"
        if len(one) <= width:
            lines.append(one)
        else:
            lines.append(cut(head, width))
            two = f"{INDENT}received: {got}  on its way: {waiting}"
            if len(two) <= width:
                lines.append(two)
            else:
                room = width - len(INDENT) - len("on its way: ")
                lines.append(cut(f"{INDENT}received: {_names(event.delivered, room + 2)}", width))
                lines.append(cut(f"{INDENT}on its way: {_names(event.pending, room)}", width))
    if not state.projections and state.caption:  # no control plane: the caption says so
        lines.append(cut(f"projection  {state.caption.splitlines()[0]}", width))
    lines += _projections(state, width)
    return "\n".join(lines) + "\n"


def _command(message: str, width: int) -> list[str]:
    """The command line; too long, the reconcile that issued it (or the file it came from) goes
    on a line of its own."""
    one = f"command     {message}"
    if len(one) <= width:
        return [one]
    for sep, keep in ((" · ", ""), (" (from ", "(from ")):
        first, found, rest = message.partition(sep)
        if found:
            return [cut(f"command     {first}", width), cut(f"{INDENT}{keep}{rest}", width)]
    return [cut(one, width)]


def _projections(state: StageState, width: int) -> list[str]:
    rows = list(zip(state.projections, state.staleness, strict=False))
    if not rows:
        return []

    def behind(s) -> str:
        return f"{s.events_behind} behind, {s.seconds_behind:.3f}s" if s.events_behind else "0"

    def last(p) -> str:
        return f"  last reconcile {p.last_reconcile} {p.last_outcome}" if p.last_reconcile else ""

    forms = [
        lambda p, s: (
            f"projection  {p.consumer:<24} r{p.revision:<6} cached {p.cached:<4} "
            f"queue {p.queue_depth:<3} staleness {behind(s)}"
        )
    ]
    for name in (lambda p: p.consumer, lambda p: short_consumer(p.consumer)):
        w = max(len(name(p)) for p, _ in rows)
        forms.append(
            lambda p, s, name=name, w=w: (
                f"projection  {name(p):<{w}} r{p.revision:<5} cached {p.cached:<3} "
                f"queue {p.queue_depth:<2} {behind(s) if s.events_behind else '0 behind'}"
            )
        )
    # the first form whose rows all fit (but for the last reconcile, which is cut)
    form = next((f for f in forms if all(len(f(p, s)) <= width for p, s in rows)), forms[-1])
    lines = []
    for p, s in rows:
        row = form(p, s)
        if len(row + last(p)) <= width:
            lines.append(row + last(p))
        else:  # the last reconcile on a line of its own
            lines += [cut(row, width), cut(INDENT + last(p).lstrip(), width)]
    return lines
