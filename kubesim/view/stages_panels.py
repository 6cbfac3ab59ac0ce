"""The contents of the four stage panels: Command, Event, Projection, Staleness (and Follow).

Each function takes rows of a `StageState`, how many rows fit and whether the layout is compact
(80 columns), and returns a `Grid` (kubesim/view/grid.py: laid out like a rich Table with no box,
at a fraction of the cost) with no wrapping (cells end in an ellipsis instead), so a panel never
takes more lines than it was given. `caption_block` is the narration under the header
(the demo). Colour is style only: without colour every row
still reads the same. Called by kubesim.view.stages.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from kubesim.model.kinds import BUILTIN_KINDS
from kubesim.view.grid import Cell, Col, Grid
from kubesim.view.plain import short_consumer, short_target
from kubesim.view.state import (
    CommandRow,
    DeploymentRow,
    EventRow,
    Follow,
    GenerationRow,
    ProjectionRow,
    StalenessRow,
)

_PLURAL = {k.kind: k.plural for k in BUILTIN_KINDS}

EVENT_STYLE = {"ADDED": "green", "MODIFIED": "yellow", "DELETED": "red"}
OUTCOME_STYLE = {
    "created": "green",
    "configured": "yellow",
    "patched": "yellow",
    "unchanged": "dim",
    "conflict": "magenta",
    "rejected": "bold red",
    "deleted": "red",
    "deleting": "red",
    "wrote": "yellow",
    "no-op": "dim",
}
FOLLOW_STYLE = "bold reverse"
MARK = "▶"


def target(kind: str, namespace: str, name: str, compact: bool) -> str:
    """`deploy/web` (compact, kubectl short name, default namespace left out) or
    `Deployment default/web`."""
    if compact:
        return short_target(kind, namespace, name)
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def event_target(kind: str, namespace: str, name: str, compact: bool) -> str:
    if compact:
        return short_target(kind, namespace, name)
    plural = _PLURAL.get(kind, kind.lower())
    return f"{plural} {namespace}/{name}" if namespace else f"{plural} {name}"


def _rows(rows: list, cells: list[list[Cell]], marked: bool) -> list[tuple[list[Cell], str | None]]:
    """Each row's cells (behind the follow mark when the column is there) and its style."""
    if marked:
        return [
            ([MARK if r.followed else " ", *c], FOLLOW_STYLE if r.followed else None)
            for r, c in zip(rows, cells, strict=True)
        ]
    return [(c, FOLLOW_STYLE if r.followed else None) for r, c in zip(rows, cells, strict=True)]


_MARK_COL = Col("", width=1)


def command_table(rows: list[CommandRow], fit: int, compact: bool, header: bool) -> Grid:
    rows = rows[-fit:] if fit > 0 else []
    following = any(r.followed for r in rows)
    cols = [
        Col("REV", width=5),
        Col("ACTOR", max_width=14 if compact else 22),
        Col("VERB", max_width=8 if compact else 13),
        Col("TARGET", ratio=1),
        Col("OUTCOME", max_width=10),
    ]
    cells: list[list[Cell]] = []
    for r in rows:
        actor = short_consumer(r.actor) if compact else r.actor
        verb = "status" if compact and r.verb in ("update-status", "patch-status") else r.verb
        outcome = Text(r.outcome, style=OUTCOME_STYLE.get(r.outcome.split(":")[0], ""))
        cells.append(
            [f"r{r.revision}", actor, verb, target(r.kind, r.namespace, r.name, compact), outcome]
        )
    if following:
        cols.insert(0, _MARK_COL)
    return Grid(cols, _rows(rows, cells, following), header)


def _receivers(r: EventRow, compact: bool) -> Text:
    out = Text()
    if not r.delivered and not r.pending:
        return Text("nobody watches", style="dim")
    for name in r.delivered:
        out.append("✓" + (short_consumer(name) if compact else name) + " ", style="green")
    for name in r.pending:
        out.append("…" + (short_consumer(name) if compact else name) + " ", style="bold yellow")
    out.rstrip()
    return out


def event_table(rows: list[EventRow], fit: int, compact: bool, header: bool) -> Grid:
    rows = rows[-fit:] if fit > 0 else []
    following = any(r.followed for r in rows)
    cols = [
        Col("REV", width=5),
        Col("TYPE", width=8),
        Col("OBJECT", max_width=24 if compact else 36),
        Col("RECEIVED (✓) / ON ITS WAY (…)", ratio=1),
    ]
    cells: list[list[Cell]] = [
        [
            f"r{r.revision}",
            Text(r.type, style=EVENT_STYLE.get(r.type, "")),
            event_target(r.kind, r.namespace, r.name, compact),
            _receivers(r, compact),
        ]
        for r in rows
    ]
    if following:
        cols.insert(0, _MARK_COL)
    return Grid(cols, _rows(rows, cells, following), header)


def projection_table(rows: list[ProjectionRow], compact: bool, costs: bool = False) -> Grid:
    following = any(r.followed for r in rows)
    cols = [
        Col("#", right=True),
        Col("CONSUMER", max_width=17 if compact else 23),
        Col("REV", right=True),
        Col("OBJ" if compact else "CACHED", right=True),
        Col("Q" if compact else "QUEUE", right=True),
        Col("RL" if compact else "RELISTS", right=True),
        Col("LAST RECONCILE", ratio=1),
    ]
    cells: list[list[Cell]] = []
    for number, r in enumerate(rows, 1):
        last = Text(r.last_reconcile)
        if r.last_outcome:
            outcome = r.last_outcome.split(":")[0]
            last.append(" " + outcome, style=OUTCOME_STYLE.get(outcome, "red"))
        relists = str(r.relists)
        if costs and r.relists:
            relists += f" ({r.relist_objects} obj {r.relist_ms:.1f}ms)"
        cells.append(
            [
                str(number % 10),
                short_consumer(r.consumer) if compact else r.consumer,
                f"r{r.revision}",
                str(r.cached),
                Text(str(r.queue_depth), style="bold" if r.queue_depth else "dim"),
                relists,
                last,
            ]
        )
    if following:
        cols.insert(0, _MARK_COL)
    return Grid(cols, _rows(rows, cells, following), header=True)


def bar(value: float, scale: float, width: int) -> Text:
    """A bar of `width` cells, full at `scale`; any value above zero shows at least one cell."""
    if width <= 0:
        return Text()
    cells = 0 if value <= 0 else max(1, min(width, round(width * value / scale)))
    style = "green" if value <= 0 else ("yellow" if cells < width * 0.6 else "red")
    return Text("█" * cells, style=style) + Text("·" * (width - cells), style="dim")


def staleness_table(rows: list[StalenessRow], compact: bool, bar_width: int, names: bool) -> Grid:
    following = any(r.followed for r in rows) and names
    event_scale = max([10, *(r.events_behind for r in rows)])
    time_scale = max([1.0, *(r.seconds_behind for r in rows)])
    cols = [
        Col("EVENTS BEHIND", width=bar_width + 6),
        Col("TIME" if compact else "TIME BEHIND", ratio=1),
    ]
    cells: list[list[Cell]] = []
    for r in rows:
        events = bar(r.events_behind, event_scale, bar_width).append(f" {r.events_behind:>4}")
        seconds = (
            bar(r.seconds_behind, time_scale, max(0, bar_width // 2)) if not compact else Text()
        ).append(f" {r.seconds_behind:.2f}s")
        row: list[Cell] = [events, seconds]
        if names:
            row.insert(0, short_consumer(r.consumer) if compact else r.consumer)
        cells.append(row)
    if names:
        cols.insert(0, Col("CONSUMER", max_width=17 if compact else 23))
    if following:
        cols.insert(0, _MARK_COL)
    return Grid(cols, _rows(rows, cells, following), header=True)


def workload_lines(
    deployments: list[DeploymentRow], generations: list[GenerationRow], fit: int, compact: bool
) -> Text:
    """Desired vs running pods per Deployment, then objects whose spec is not yet observed."""
    lines: list[Text] = []
    for d in deployments:
        style = "green" if d.running == d.desired == d.pods else "bold yellow"
        kind = "deploy/" if compact else "Deployment "
        lines.append(
            Text.assemble(
                f"{kind}{d.name}  ",
                (f"desired {d.desired} · pods {d.pods} · running {d.running}", style),
                no_wrap=True,
                overflow="ellipsis",
            )
        )
    for g in generations:
        lines.append(
            Text.assemble(
                f"{target(g.kind, '', g.name, compact)}  ",
                (f"generation {g.generation} · observedGeneration {g.observed}", "bold magenta"),
                (" (the change is not yet seen by its controller)", "dim"),
                no_wrap=True,
                overflow="ellipsis",
            )
        )
    if len(lines) > fit > 0:
        hidden = len(lines) - fit + 1
        lines = [*lines[: fit - 1], Text(f"... and {hidden} more", style="dim")]
    elif fit <= 0:
        lines = []
    return _lines(lines)


def follow_lines(follow: Follow, fit: int) -> Text:
    """The causal chain of the followed object, latest steps last."""
    steps = follow.chain
    lines = [
        Text.assemble((f"{s.stage:<10}", "bold"), s.text, no_wrap=True, overflow="ellipsis")
        for s in steps
    ]
    if not lines:
        lines = [
            Text(
                "no command or event for it yet: apply it, or press f for the next one", style="dim"
            )
        ]
    if len(lines) > fit > 0:
        lines = [
            Text(f"... {len(lines) - fit + 1} earlier steps", style="dim"),
            *lines[-(fit - 1) :],
        ]
    return _lines(lines)


def _lines(lines: list[Text]) -> Text:
    out = Text("\n").join(lines)
    out.no_wrap, out.overflow = True, "ellipsis"
    return out


#: caption lines shown at most (below the title): compact keeps room for the stages
CAPTION_LINES = {True: 4, False: 6}


def caption_block(caption: str, compact: bool) -> tuple[RenderableType, int]:
    """The narration and the lines it takes: a title rule (compact) or a panel (wide) over the
    text; lines starting with `$ ` are the commands typed."""
    title, *lines = caption.split("\n")
    lines = lines[: CAPTION_LINES[compact]]
    texts = [
        Text(
            line,
            style="bold" if line.startswith("$ ") else "",
            no_wrap=True,
            overflow="ellipsis",
        )
        for line in lines
    ]
    heading = Text(title, style="bold cyan")
    if compact:
        return Group(Rule(heading, align="left", style="cyan"), *texts), len(texts) + 1
    panel = Panel(
        _lines(texts) if texts else Text(),
        title=heading,
        title_align="left",
        box=box.ROUNDED,
        border_style="cyan",
        padding=(0, 1),
    )
    return panel, len(texts) + 2
