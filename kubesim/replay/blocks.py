"""One plain-text block per replay step: what `kubesim replay --auto` prints without a terminal.

The same four stages as a frame, as a few lines with no colour and no layout: the command that
produced the revision (and the reconcile that issued it), the event and who had received it,
each consumer's projection revision and cached objects, and staleness then (or, while no
control plane ran, that nothing was reading the write model). Lessons and scripts
read these; `block(state)` takes the StageState a frame is rendered from.
"""

from __future__ import annotations

from kubesim.view.state import StageState


def block(state: StageState) -> str:
    h = state.header
    lines = [f"=== r{h.revision}  t+{h.clock:.3f}s", f"command     {h.message}"]
    event = next((e for e in reversed(state.events) if e.revision == h.revision), None)
    if event is not None:
        got = ", ".join(event.delivered) or "-"
        waiting = ", ".join(event.pending) or "-"
        what = f"{event.kind.lower()}/{event.name}" if event.kind else event.key
        lines.append(f"event       {event.type} {what}  received: {got}  on its way: {waiting}")
    if not state.projections and state.caption:  # no control plane: the caption says so
        lines.append(f"projection  {state.caption.splitlines()[0]}")
    for p, s in zip(state.projections, state.staleness, strict=False):
        behind = f"{s.events_behind} behind, {s.seconds_behind:.3f}s" if s.events_behind else "0"
        last = f"  last reconcile {p.last_reconcile} {p.last_outcome}" if p.last_reconcile else ""
        lines.append(
            f"projection  {p.consumer:<24} r{p.revision:<6} cached {p.cached:<4} "
            f"queue {p.queue_depth:<3} staleness {behind}{last}"
        )
    return "\n".join(lines) + "\n"
