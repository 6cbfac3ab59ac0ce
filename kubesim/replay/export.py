"""Replay for sharing: an SVG picture per step, or one HTML page with a timeline of the stages.

`export_svgs(timeline, revisions, directory)` writes `r000014.svg` per revision with the live
view's own renderer (kubesim.view.stages.export_svg). `export_html(timeline, revisions, path)`
writes one self-contained page: a timeline table (revision, command, event, who had it, the
consumers behind) and, for the selected step, the frame as text (kubesim.view.stages.render_text),
with a slider and the arrow keys to move. Used by `kubesim replay --svg DIR` / `--html FILE`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path

from kubesim.replay.state import Timeline
from kubesim.view.stages import export_svg, render_text
from kubesim.view.state import StageState

WIDTH, HEIGHT = 140, 40


def _label(state: StageState, last: int) -> StageState:
    state.prompt = f"kubesim replay · revision {state.header.revision} of {last}"
    return state


def export_svgs(
    timeline: Timeline,
    revisions: Iterable[int],
    directory: str | Path,
    width: int = WIDTH,
    height: int = HEIGHT,
    follow: str | None = None,
) -> list[Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    last = timeline.history.current
    written = []
    for r in revisions:
        state = _label(timeline.frame(r, follow), last)
        path = out / f"r{r:06d}.svg"
        path.write_text(export_svg(state, width, height, title=f"kubesim replay r{r}"))
        written.append(path)
    return written


def export_html(
    timeline: Timeline,
    revisions: Iterable[int],
    path: str | Path,
    width: int = WIDTH,
    height: int = HEIGHT,
    follow: str | None = None,
) -> int:
    last = timeline.history.current
    rows, frames = [], []
    for r in revisions:
        state = _label(timeline.frame(r, follow), last)
        frames.append(render_text(state, width, height))
        event = next((e for e in state.events if e.revision == r), None)
        behind = [s.consumer for s in state.staleness if s.events_behind]
        if not state.projections and state.caption:  # no control plane ran: nobody to be behind
            behind = [state.caption.splitlines()[0]]
        rows.append(
            "<tr data-i='{i}'><td>r{r}</td><td>t+{t:.3f}s</td><td>{cmd}</td><td>{ev}</td>"
            "<td>{got}</td><td>{behind}</td></tr>".format(
                i=len(rows),
                r=r,
                t=state.header.clock,
                cmd=html.escape(state.header.message),
                ev=html.escape(f"{event.type} {event.kind.lower()}/{event.name}" if event else ""),
                got=html.escape(", ".join(event.delivered) if event else ""),
                behind=html.escape(", ".join(behind) or "-"),
            )
        )
    page = _PAGE.replace("{{ROWS}}", "\n".join(rows)).replace(
        "{{FRAMES}}", json.dumps(frames).replace("<", "\\u003c")
    )
    Path(path).write_text(page.replace("{{COUNT}}", str(max(len(frames) - 1, 0))))
    return len(frames)


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>kubesim replay</title>
<style>
body { font-family: sans-serif; margin: 1em; }
pre { font-family: monospace; font-size: 12px; background: #111; color: #ddd; padding: 1em; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
tr.on { background: #ffe9a8; }
tr { cursor: pointer; }
#timeline { max-height: 30em; overflow: auto; }
</style></head><body>
<h1>kubesim replay</h1>
<p>Command → event → projections → staleness, one step per revision.
← → or the slider move one step.</p>
<input id="step" type="range" min="0" max="{{COUNT}}" value="0" style="width: 100%">
<pre id="frame"></pre>
<div id="timeline"><table>
<tr><th>revision</th><th>time</th><th>command</th><th>event</th><th>received by</th>
<th>behind</th></tr>
{{ROWS}}
</table></div>
<script id="frames" type="application/json">{{FRAMES}}</script>
<script>
const frames = JSON.parse(document.getElementById("frames").textContent);
const slider = document.getElementById("step");
const rows = document.querySelectorAll("tr[data-i]");
function show(i) {
  i = Math.max(0, Math.min(frames.length - 1, i));
  slider.value = i;
  document.getElementById("frame").textContent = frames[i] || "";
  rows.forEach(r => r.classList.toggle("on", Number(r.dataset.i) === i));
}
slider.addEventListener("input", () => show(Number(slider.value)));
rows.forEach(r => r.addEventListener("click", () => show(Number(r.dataset.i))));
document.addEventListener("keydown", e => {
  if (e.key === "ArrowRight") show(Number(slider.value) + 1);
  if (e.key === "ArrowLeft") show(Number(slider.value) - 1);
});
show(0);
</script></body></html>
"""
