"""The end-of-run summary of `kubesim reconcile` and `kubesim up`.

Totals (events, deliveries, reconciles, writes), the reads that fed them (LIST items, watch
events delivered, cache reads) and the read:write ratio, virtual and wall time, then one row per
consumer process (its projection revision, objects cached, LISTs and watches opened, deliveries,
relists), then one row per controller (reconciles, no-ops, errors, writes).

It fits the width of the stage log (`kubesim.view.plain.plain_width`): the sentences wrap at
words; each table takes the first of its forms that fits (kubectl's spacing, tighter, then with
short process names: `kcm/replicaset`), and cuts its rows with an ellipsis only if none does.
"""

from __future__ import annotations

import textwrap
from typing import Any

from kubesim.view.plain import cut, plain_width, short_consumer

PROCESS_HEADERS = [
    "CONSUMER",
    "PROJECTION",
    "BEHIND",
    "CACHED",
    "LISTS",
    "WATCHES",
    "DELIVERIES",
    "RELISTS",
]
#: the same columns, named for narrow terminals
PROCESS_SHORT = ["CONSUMER", "REV", "BEHIND", "CACHED", "LISTS", "WATCH", "DELIV", "RELISTS"]
CONTROLLER_HEADERS = ["CONTROLLER", "RECONCILES", "NO-OP", "ERRORS", "WRITES"]
CONTROLLER_SHORT = ["CONTROLLER", "RECON", "NO-OP", "ERR", "WRITES"]


def api_reads_and_writes(plane: Any) -> tuple[int, int]:
    """The one reads:writes figure kubesim shows (this summary, the live view's header, lesson
    checks, replay): reads the API server served to the consumers (objects their LISTs returned,
    watch events delivered, and what controllers read live past their informers: the garbage
    collector's GETs, the namespace controller's LISTs) against the writes the control plane
    made. Cache reads are
    counted apart: the informer caches serve them, the API server never sees them."""
    t = plane.totals
    return t.list_items + t.deliveries + t.live_reads, t.writes


def summary_lines(
    plane: Any,
    virtual: float,
    wall: float | None,
    settled: bool | None,
    width: int | None = None,
) -> list[str]:
    width = width if width is not None else plain_width()
    t = plane.totals
    reads, writes = api_reads_and_writes(plane)
    ratio = f"{reads / writes:.1f}:1" if writes else "no writes"
    state = {
        True: "settled: nothing left to do",
        False: "stopped before settling",
        None: "stopped",
    }[settled]
    quiet = ""
    pending = plane.loop.peek()
    if settled and pending is not None:
        state = "settled: the cluster is quiet"
        quiet = (
            f"; {len(plane.loop)} timers pending, the next in "
            f"{pending.time - plane.clock.now():.0f}s (`--for` lets that time pass)"
        )
    headline = (
        f"{state} after {virtual:.3f}s of virtual time"
        + (f" ({wall:.3f}s wall)" if wall is not None else "")
        + f"{quiet}; "
        f"store at revision {plane.store.current_revision()}"
    )
    lines = ["", *textwrap.wrap(headline, width, break_on_hyphens=False)]
    lines += _pack(
        [f"events {t.events}", f"deliveries {t.deliveries}", f"reconciles {t.reconciles}"]
        + [f"writes {writes}"],
        width,
    )
    lines += _pack(
        [
            f"reads: LIST items {t.list_items} + watch events delivered {t.deliveries}"
            + (f" + live reads {t.live_reads}" if t.live_reads else ""),
            f"reads:writes {ratio}",
            f"(and {plane.cache_reads()} cache reads, served by the informer caches)",
        ],
        width,
    )
    lines.append("")
    return lines + consumer_table(plane, width) + [""] + controller_table(plane, width)


def consumer_table(plane: Any, width: int) -> list[str]:
    """One row per consumer process: its projection (one shared cache) and how many revisions of
    its kinds it has not seen, the LISTs and watch streams it opened (one per kind), the events
    delivered to it and its relists; then one per client that watched through `kubesim serve`."""
    from kubesim.sim.clients import ClientProjections

    rows = [
        [
            c.name,
            f"r{c.revision}",
            str(plane.staleness(c).events),
            str(c.cached_objects()),
            str(c.stats.lists),
            str(c.stats.watches),
            str(c.stats.deliveries),
            str(c.stats.relists),
        ]
        for c in plane.consumers
    ]
    rows += ClientProjections(plane.store).summary_rows()  # clients of `kubesim serve`
    return _fit_table(PROCESS_HEADERS, PROCESS_SHORT, rows, width)


def controller_table(plane: Any, width: int) -> list[str]:
    """One row per controller: its reconciles (no-op and failed ones) and the writes it made."""
    rows = [
        [
            ctl.name,
            str(ctl.stats.reconciles),
            str(ctl.stats.noop_reconciles),
            str(ctl.stats.errors),
            str(ctl.client.stats.writes),
        ]
        for ctl in plane.controller_loops()
    ]
    return _fit_table(CONTROLLER_HEADERS, CONTROLLER_SHORT, rows, width)


def _fit_table(
    headers: list[str], short_headers: list[str], rows: list[list[str]], width: int
) -> list[str]:
    """The table with kubectl's spacing, then tighter, then with short headers, then with short
    process names (`kcm/replicaset`), whichever fits first; cut with an ellipsis if none does."""
    from kubesim.view.table_text import align_rows

    short = [[short_consumer(r[0]), *r[1:]] for r in rows]
    forms = [
        ([headers, *rows], 3),
        ([headers, *rows], 2),
        ([short_headers, *rows], 2),
        ([short_headers, *short], 2),
    ]
    for table, padding in forms:
        lines = align_rows(table, padding=padding).rstrip("\n").split("\n")
        if max(len(line) for line in lines) <= width:
            return lines
    return [cut(line, width) for line in lines]


def _pack(pieces: list[str], width: int, gap: str = "   ") -> list[str]:
    """`pieces` on as few lines as fit `width`, `gap` between them on a line."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + len(gap) + len(piece) <= width:
            lines[-1] += gap + piece
        else:
            lines += textwrap.wrap(piece, width, break_on_hyphens=False) or [""]
    return lines
