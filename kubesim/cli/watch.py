"""`kubesim watch [KIND] [--since REV] [-o json]` and `kubesim get KIND -w`: the event bus, raw.

Prints each watch event as it is stored: by default `r14  ADDED  pod/web-6f6b679f8f-x7k2p`, with a
KIND the kubectl table row behind an EVENT column (`kubectl get -w --output-watch-events`), with
`-o json` one `{"type": ..., "object": ...}` per line. Starts after `--since REV` (default: now),
waits for writes from other processes (watchfiles, with a slow poll as fallback) and stops on
Ctrl-C or after `--for`.
"""

from __future__ import annotations

import sys
import time

import typer

from kubesim.cli import context


def register(app: typer.Typer) -> None:
    app.command(
        "watch",
        help="Print the watch stream (the event bus) as events are stored.\n\n"
        "Examples: kubesim watch; kubesim watch pods --since 0 -o json",
    )(watch_command)


def watch_command(
    kind: str = typer.Argument(None, metavar="[KIND]", help="Only this kind (e.g. pods)."),
    since: int = typer.Option(
        None, "--since", help="Start after this revision (0: from the oldest kept)."
    ),
    output: str = typer.Option("", "--output", "-o", help="json"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    for_: str = typer.Option(None, "--for", metavar="DURATION", help="Stop after this long."),
) -> None:
    from kubesim.cli.controlplane import parse_duration

    api = context.api()
    kinds = [context.resolve_kind(kind)] if kind else api.registry().kinds
    start = (
        api.store.current_revision()
        if since is None
        else max(since, api.store.compact_revision() - 1)
    )
    duration = parse_duration(for_) if for_ else None
    stream(kinds, start, namespace, output, duration, table=bool(kind))


def stream(
    kinds,
    after: int,
    namespace: str | None,
    output: str,
    duration: float | None,
    *,
    table: bool,
    header: bool = True,
    names: set[str] | None = None,
    event_column: bool = True,
) -> None:
    """Print events after revision `after` until interrupted (or `duration` seconds); `names`
    keeps only those objects (`get KIND NAME -w`)."""
    from kubesim.model.objects import dumps
    from kubesim.sim.runner import StoreWatcher

    api = context.api()
    end = time.monotonic() + duration if duration is not None else None
    watcher = StoreWatcher(str(context.store_path()))
    watcher.start()
    printed_header = not header
    try:
        while end is None or time.monotonic() < end:
            for ev in api.watch(kinds, after):
                after = ev.revision
                if namespace and ev.obj["metadata"].get("namespace") not in (None, namespace):
                    continue
                if names and ev.obj["metadata"]["name"] not in names:
                    continue
                if output == "json":
                    context.out(dumps({"type": ev.type, "object": ev.obj}).decode())
                elif table:
                    printed_header = _table_row(ev, printed_header, event_column)
                else:
                    md = ev.obj["metadata"]
                    ns = f" -n {md['namespace']}" if md.get("namespace") else ""
                    context.out(
                        f"r{ev.revision:<6} {ev.type:<9} {ev.kind.kubectl_name}/{md['name']}{ns}"
                    )
            sys.stdout.flush()
            wait = 1.0 if end is None else max(0.0, min(1.0, end - time.monotonic()))
            watcher.changed.wait(wait)
            watcher.changed.clear()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()


def _table_row(ev, printed_header: bool, event_column: bool = True) -> bool:
    from kubesim.view.tables import format_table

    text = format_table(ev.kind, [ev.obj], time.time(), no_headers=printed_header)
    lines = text.rstrip("\n").split("\n")
    if not printed_header:
        context.out(f"{'EVENT':<11}{lines[0]}" if event_column else lines[0])
        lines = lines[1:]
    for line in lines:
        context.out(f"{ev.type:<11}{line}" if event_column else line)
    return True
