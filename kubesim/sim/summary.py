"""The end-of-run summary of `kubesim reconcile` and `kubesim up`.

Totals (events, deliveries, reconciles, writes), the reads that fed them (LIST items, watch
events delivered, cache reads) and the read:write ratio, virtual and wall time, then one row per
consumer: its projection revision, objects cached, deliveries, reconciles, writes, relists.

It fits the width of the stage log (`kubesim.view.plain.plain_width`): the sentences wrap at
words; the table takes the first of its forms that fits (kubectl's spacing and full headers,
then short headers, then without the NO-OP and BEHIND columns, then with consumer names
without "-controller"), and cuts its rows with an ellipsis only if none does.
"""

from __future__ import annotations

import textwrap
from typing import Any

from kubesim.view.plain import cut, plain_width, short_consumer

HEADERS = [
    "CONSUMER",
    "PROJECTION",
    "BEHIND",
    "CACHED",
    "DELIVERIES",
    "RECONCILES",
    "NO-OP",
    "WRITES",
    "RELISTS",
]
BEHIND, NO_OP = 2, 6
#: the same columns, named for narrow terminals
SHORT_HEADERS = [
    "CONSUMER",
    "REV",
    "BEHIND",
    "CACHED",
    "DELIV",
    "RECON",
    "NO-OP",
    "WRITES",
    "RELISTS",
]


def summary_lines(
    plane: Any, virtual: float, wall: float, settled: bool | None, width: int | None = None
) -> list[str]:
    width = width if width is not None else plain_width()
    t = plane.totals
    reads = t.list_items + t.deliveries + plane.cache_reads()
    writes = t.writes
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
        f"{state} after {virtual:.3f}s of virtual time ({wall:.3f}s wall){quiet}; "
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
            f"reads: LIST items {t.list_items}, watch events delivered {t.deliveries}, "
            f"cache reads {plane.cache_reads()}",
            f"reads:writes {ratio}",
        ],
        width,
    )
    lines.append("")
    return lines + consumer_table(plane.consumers, width)


def consumer_table(consumers: list[Any], width: int) -> list[str]:
    """One row per consumer, in the first form that fits `width`."""
    from kubesim.view.table_text import align_rows

    rows = [
        [
            c.name,
            f"r{c.revision}",
            str(len(c.channel)),
            str(c.cached_objects()),
            str(c.stats.deliveries),
            str(c.stats.reconciles),
            str(c.stats.noop_reconciles),
            str(c.client.stats.writes),
            str(c.stats.relists),
        ]
        for c in consumers
    ]

    def without(table: list[list[str]], *columns: int) -> list[list[str]]:
        return [[c for i, c in enumerate(r) if i not in columns] for r in table]

    short = [SHORT_HEADERS, *([short_consumer(r[0]), *r[1:]] for r in rows)]
    forms = [
        ([HEADERS, *rows], 3),
        ([HEADERS, *rows], 2),
        ([SHORT_HEADERS, *rows], 2),
        (without([SHORT_HEADERS, *rows], NO_OP), 2),
        (without([SHORT_HEADERS, *rows], NO_OP, BEHIND), 2),
        (without(short, NO_OP, BEHIND), 2),
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
