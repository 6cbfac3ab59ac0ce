"""The four-stage view as a pure function of a `StageState`: `render(state, width, height)`.

Command | Event | Projection | Staleness, with a header (store revision, clock, speed, paused or
running, reads:writes, faults), the caption when there is one (the demo's narration) and a
footer with the keys. Two layouts:

- compact (under 120 columns or 30 lines, down to 80x24): sections with a title rule instead of
  borders, Command above Event, Projection beside Staleness with their rows aligned by consumer;
  consumer names lose `-controller` and objects use kubectl short names (`deploy/web`);
- wide: four bordered panels in a 2x2 grid, full names, bars for time behind, relist costs, and
  the followed object's causal chain in a panel of its own.

`render_text` gives the same frame as plain text with no colour (the snapshot tests). The live
view (kubesim/view/live.py) and replay both call `render`; nothing here touches a terminal.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from kubesim.view.keys import KEYS, footer_items
from kubesim.view.stages_panels import (
    caption_block,
    command_table,
    event_table,
    follow_lines,
    projection_table,
    staleness_table,
    target,
    workload_lines,
)
from kubesim.view.state import StageState

WIDE_WIDTH = 120
WIDE_HEIGHT = 30


def render(state: StageState, width: int, height: int) -> RenderableType:
    """The whole frame, exactly `width` x `height` cells."""
    width, height = max(width, 40), max(height, 12)
    compact = width < WIDE_WIDTH or height < WIDE_HEIGHT
    header = header_lines(state, compact)
    caption, caption_h = caption_block(state.caption, compact) if state.caption else (None, 0)
    body_h = height - len(header) - caption_h - 1
    if state.show_help:
        body: RenderableType = help_panel(state)
    elif compact:
        body = _compact_body(state, width, body_h)
    else:
        body = _wide_body(state, width, body_h)
    layout = Layout()
    parts = [Layout(Text("\n").join(header), size=len(header))]
    if caption is not None:
        parts.append(Layout(caption, size=caption_h))
    parts += [Layout(body, size=body_h), Layout(footer_line(state), size=1)]
    layout.split_column(*parts)
    return _Sized(layout, width, height)


def render_text(state: StageState, width: int, height: int) -> str:
    """The frame as plain text (no colour, no escape codes), trailing spaces trimmed."""
    console = Console(
        file=io.StringIO(),
        width=width,
        height=height,
        color_system=None,
        force_terminal=False,
        legacy_windows=False,
        _environ={},
    )
    console.print(render(state, width, height))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


class _Sized:
    """Renders its content at a fixed size, whatever the console's own size."""

    def __init__(self, content: RenderableType, width: int, height: int) -> None:
        self.content, self.width, self.height = content, width, height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.content, options.update_dimensions(self.width, self.height))


# ----------------------------------------------------------------------------- header, footer
def header_lines(state: StageState, compact: bool = False) -> list[Text]:
    h = state.header
    ratio = f"{h.reads / h.writes:.1f}:1" if h.writes else "-"
    line = Text.assemble(
        ("kubesim " + ("up" if h.mode == "live" else h.mode), "bold"),
        "  ",
        (f"r{h.revision}", "bold cyan"),
        "  ",
        f"t+{h.clock:.3f}s  ",
        (f"speed {h.speed:g}x" if h.speed else "virtual time", "bold"),
        "  ",
        ("⏸ PAUSED" if h.paused else "▶ running", "bold yellow" if h.paused else "green"),
        "  ",
        f"reads:writes {h.reads}:{h.writes} ({ratio})",
    )
    line.no_wrap, line.overflow = True, "ellipsis"
    lines = [line]
    second = Text()
    for fault in h.faults:
        second.append(f"⚠ {fault}  ", style="bold red")
    if state.follow is not None:
        f = state.follow
        second.append(
            f"following {target(f.kind, f.namespace, f.name, compact)}  ", style="bold reverse"
        )
    if h.message:
        second.append(h.message, style="cyan")
    if second:
        second.no_wrap, second.overflow = True, "ellipsis"
        lines.append(second)
    return lines


def footer_line(state: StageState) -> Text:
    if state.prompt:
        return Text(state.prompt, style="bold yellow", no_wrap=True, overflow="ellipsis")
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (key, what) in enumerate(footer_items()):
        if i:
            out.append(" ")
        out.append(key, style="bold reverse")
        out.append(" " + what, style="dim")
    return out


def help_panel(state: StageState | None = None) -> RenderableType:
    """What the panels mean, who watches what (each consumer process and the kinds its one
    informer cache holds), and the keys."""
    keys = Table(box=None, show_header=False, padding=(0, 2))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for k in KEYS:
        keys.add_row(k.label, k.help)
    stages = Text.assemble(
        ("Command", "bold"),
        ": what was asked of the API server (apply, a controller's "
        "update) and the revision it wrote in the write model.\n",
        ("Event", "bold"),
        ": the watch stream; every write is an event, delivered to each "
        "consumer that watches its kind (✓ received, … on its way).\n",
        ("Projection", "bold"),
        ": each consumer process's informer cache (its read model, one per process, shared "
        "by its controllers), its controllers' workqueues, and its last reconcile.\n",
        ("Staleness", "bold"),
        ": how far each projection is behind the write model, and "
        "what the write model asks for that has not happened yet.",
    )
    parts: list[RenderableType] = [stages, Text()]
    if state is not None and any(p.watches for p in state.projections):
        watches = Table(box=None, padding=(0, 2), header_style="bold")
        watches.add_column("CONSUMER", no_wrap=True)
        watches.add_column("WATCHES (one LIST and one WATCH per kind)")
        for p in state.projections:
            watches.add_row(p.consumer, p.watches)
        parts += [watches, Text()]
    return Panel(Group(*parts, keys), title="kubesim up: help", box=box.ROUNDED)


# ----------------------------------------------------------------------------- layouts
def _title(name: str, note: str) -> Text:
    return Text.assemble((name, "bold"), (f"  {note}" if note else "", "dim"))


def _section(name: str, note: str, body: RenderableType) -> RenderableType:
    return Group(Rule(_title(name, note), align="left", style="dim"), body)


def _panel(name: str, note: str, body: RenderableType) -> RenderableType:
    return Panel(
        body, title=_title(name, note), title_align="left", box=box.ROUNDED, padding=(0, 1)
    )


def _notes(state: StageState) -> tuple[str, str]:
    c = state.counts
    rate = f" · {c.events_per_second:,.0f}/s" if c.events_per_second >= 1 else ""
    return (
        f"{c.commands:,} commands · actor verb target → outcome",
        f"{c.events:,} events{rate} · {c.deliveries:,} deliveries",
    )


def _workload(state: StageState) -> int:
    return len(state.deployments) + len(state.generations)


def _compact_body(state: StageState, width: int, height: int) -> RenderableType:
    n = len(state.projections)
    extra = min(_workload(state), 3)
    while extra and height - (n + 2 + extra) < 8:
        extra -= 1
    bottom = min(n + 2, max(3, height - 8 - extra))
    top = height - bottom - extra
    command_h = top // 2
    event_h = top - command_h
    command_note, event_note = _notes(state)
    if state.follow is not None:
        upper = _section("Follow", _chain_note(state), follow_lines(state.follow, command_h - 1))
    else:
        upper = _section(
            "Command",
            command_note,
            command_table(state.commands, command_h - 1, True, header=False),
        )
    stale_w = max(26, width // 3)
    bar_w = max(4, stale_w - 15)
    layout = Layout()
    parts = [
        Layout(upper, size=command_h),
        Layout(
            _section(
                "Event", event_note, event_table(state.events, event_h - 1, True, header=False)
            ),
            size=event_h,
        ),
        Layout(name="bottom", size=bottom),
    ]
    if extra:
        parts.append(
            Layout(workload_lines(state.deployments, state.generations, extra, True), size=extra)
        )
    layout.split_column(*parts)
    layout["bottom"].split_row(
        Layout(_section("Projection", "cache · queue", projection_table(state.projections, True))),
        Layout(
            Padding(
                _section(
                    "Staleness",
                    "behind",
                    staleness_table(state.staleness, True, bar_w, names=False),
                ),
                (0, 0, 0, 1),
            ),
            size=stale_w,
        ),
    )
    return layout


def _wide_body(state: StageState, width: int, height: int) -> RenderableType:
    n = len(state.projections)
    #: below 170 columns the halves are too narrow for full names in the command and event rows
    short = width < 170
    bar_w = max(8, min(20, (width * 9 // 20 - 40) // 2))
    extra = min(_workload(state), 6)
    bottom = n + 3 + (extra + 1 if extra else 0)
    follow_h = 0
    if state.follow is not None:
        follow_h = min(len(state.follow.chain) + 2, 12, max(3, height - bottom - 8))
    top = max(5, height - bottom - follow_h)
    bottom = height - top - follow_h
    command_note, event_note = _notes(state)
    staleness: RenderableType = staleness_table(state.staleness, False, bar_w, names=True)
    if extra:
        fit = max(0, bottom - n - 4)
        staleness = Group(
            staleness, Text(), workload_lines(state.deployments, state.generations, fit, False)
        )
    layout = Layout()
    parts = [Layout(name="top", size=top), Layout(name="bottom", size=bottom)]
    if follow_h:
        parts.append(
            Layout(
                _panel("Follow", _chain_note(state), follow_lines(state.follow, follow_h - 2)),
                size=follow_h,
            )
        )
    layout.split_column(*parts)
    layout["top"].split_row(
        Layout(
            _panel(
                "Command", command_note, command_table(state.commands, top - 3, short, header=True)
            )
        ),
        Layout(_panel("Event", event_note, event_table(state.events, top - 3, short, header=True))),
    )
    layout["bottom"].split_row(
        Layout(
            _panel(
                "Projection",
                "informer cache · workqueue · last reconcile",
                projection_table(state.projections, False, costs=not short),
            ),
            ratio=11,
        ),
        Layout(
            _panel("Staleness", "how far each projection is behind the write model", staleness),
            ratio=9,
        ),
    )
    return layout


def _chain_note(state: StageState) -> str:
    f = state.follow
    assert f is not None
    return (
        f"{target(f.kind, f.namespace, f.name, True)}: command → event → deliveries → "
        "reconciles → commands"
    )


def export_svg(state: StageState, width: int, height: int, title: str = "kubesim up") -> str:
    """The frame as an SVG document (rich's terminal look), for `--svg` and the `s` key."""
    console = Console(
        file=io.StringIO(),
        width=width,
        height=height,
        record=True,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        _environ={},
    )
    console.print(render(state, width, height))
    return console.export_svg(title=title)
