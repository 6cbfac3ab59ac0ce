"""`kubesim history [--since REV] [-o json]`: the command log and the event log side by side.

Each row is one revision's event (ADDED/MODIFIED/DELETED of a key) with the command that wrote
it (actor, verb, outcome); commands that wrote nothing (unchanged, rejected, conflict) appear
between them without a revision of their own. Reads only the store and its journal. When the
store was compacted after the revision asked for, a line on stderr names where it starts.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.cli.options import int_option


def register(app: typer.Typer) -> None:
    app.command(
        "history",
        help="The command log and the event log side by side.\n\n"
        "Example: kubesim history --since 5",
    )(history_command)


def history_rows(since: int = 0) -> list[dict]:
    from kubesim.cli.watch import compacted_note
    from kubesim.model.objects import format_timestamp

    store = context.api().store
    floor = store.compact_revision()
    start = max(since, floor, 1)
    if since < floor:
        context.err(compacted_note(since, floor))
    commands = store.journal(types=["command"], min_revision=start)
    # the command that wrote a revision is the first journaled at it for that key: commands that
    # wrote nothing (unchanged, rejected) later record the same, then current, revision
    by_key_rev: dict = {}
    for c in commands:
        by_key_rev.setdefault((c.revision, c.target), c)
    rows: list[dict] = []
    written = set()
    for ev in store.events(start, "/registry/"):
        cmd = by_key_rev.get((ev.revision, ev.key))
        if cmd:
            written.add(cmd.seq)
        rows.append(
            {
                "revision": ev.revision,
                "event": "DELETED"
                if ev.type == "DELETE"
                else ("ADDED" if ev.version == 1 else "MODIFIED"),
                "key": ev.key,
                "actor": cmd.actor if cmd else "",
                "verb": cmd.verb if cmd else "",
                "outcome": cmd.outcome if cmd else "",
                "time": format_timestamp(cmd.time) if cmd else "",
                "_order": (ev.revision, 0, cmd.seq if cmd else 0),
            }
        )
    for cmd in commands:
        if cmd.seq in written:
            continue
        rows.append(
            {
                "revision": None,
                "event": "",
                "key": cmd.target,
                "actor": cmd.actor,
                "verb": cmd.verb,
                "outcome": cmd.outcome,
                "time": format_timestamp(cmd.time),
                "_order": (cmd.revision, 1, cmd.seq),
            }
        )
    rows.sort(key=lambda r: r["_order"])
    for r in rows:
        del r["_order"]
    return rows


def history_command(
    since: int = int_option(0, "--since", minimum=0, help="Start at this revision."),
    output: str = typer.Option("", "--output", "-o", help="json"),
) -> None:
    rows = history_rows(since)
    if output == "json":
        from kubesim.view.output import to_json

        context.out(to_json(rows).rstrip("\n"))
        return
    from kubesim.view.table_text import align_rows

    header = ["REVISION", "EVENT", "KEY", "ACTOR", "VERB", "OUTCOME"]
    body = [
        [
            str(r["revision"]) if r["revision"] is not None else "-",
            r["event"] or "-",
            r["key"],
            r["actor"] or "-",
            r["verb"] or "-",
            r["outcome"] or "-",
        ]
        for r in rows
    ]
    context.out(align_rows([header, *body]).rstrip("\n"))
