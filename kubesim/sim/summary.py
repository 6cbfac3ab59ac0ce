"""The end-of-run summary of `kubesim reconcile` and `kubesim up`.

Totals (events, deliveries, reconciles, writes), the reads that fed them (LIST items, watch
events delivered, cache reads) and the read:write ratio, virtual and wall time, then one row per
consumer: its projection revision, objects cached, deliveries, reconciles, writes, relists.
"""

from __future__ import annotations

from typing import Any


def summary_lines(plane: Any, virtual: float, wall: float, settled: bool | None) -> list[str]:
    from kubesim.view.table_text import align_rows

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
    lines = [
        "",
        f"{state} after {virtual:.3f}s of virtual time ({wall:.3f}s wall){quiet}; "
        f"store at revision {plane.store.current_revision()}",
        f"events {t.events}   deliveries {t.deliveries}   reconciles {t.reconciles}   "
        f"writes {writes}",
        f"reads: LIST items {t.list_items}, watch events delivered {t.deliveries}, cache reads "
        f"{plane.cache_reads()}   reads:writes {ratio}",
        "",
    ]
    rows = [
        [
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
    ]
    for c in plane.consumers:
        rows.append(
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
        )
    lines += align_rows(rows).rstrip("\n").split("\n")
    return lines
