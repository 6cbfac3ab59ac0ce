"""`kubesim watch [KIND] [--since REV] [-o json]` and `kubesim get KIND -w`: the event bus, raw.

Two different reads, named apart:
- `kubesim watch [KIND]` is a Kubernetes watch from resourceVersion unset/"0" ("Get State and
  Start at Most Recent", or "Any"): synthetic ADDED events for the objects that exist now, then
  every change. It does not replay the history; a controller that restarts catches up the same
  way (LIST, then WATCH from the list's resourceVersion).
- `kubesim watch --since N` is an etcd-style history read (`etcdctl watch --rev=N+1`): every
  stored event after revision N, oldest first (0: from the oldest kept), then every change. A
  Kubernetes watch from resourceVersion N>0 streams the same events while N is still inside the
  API server's window (its watch cache; etcd itself is compacted every 5 minutes), else it gets
  410 Gone; from 0 it would not replay them.

Each event prints as `r14  ADDED  pod/web-6f6b679f8f-x7k2p`, with a KIND as the kubectl table row
behind an EVENT column (`kubectl get -w --output-watch-events`), with `-o json` one
`{"type": ..., "object": ...}` per line. Waits for writes from other processes (the store's
change notifier, with a slow poll as fallback) and stops on Ctrl-C or after `--for`. Its
position advances with every revision read, of any kind (a bookmark), so compaction of other
kinds' revisions never expires it; `--since N` below the compaction floor says on stderr where
the history really starts.
`get -w` (cli/get.py) prints its list first and then uses `stream` for the changes after the
list's resourceVersion.
"""

from __future__ import annotations

import sys
import time

import typer

from kubesim.cli import context
from kubesim.cli.options import duration_option, int_option

HISTORY_HELP = (
    "etcd-style history read: replay every stored event after revision N (0: from the oldest "
    "kept), as etcdctl watch --rev does. Without it: a Kubernetes watch from now (synthetic "
    "ADDED for what exists, then changes)."
)


def register(app: typer.Typer) -> None:
    app.command(
        "watch",
        help="Print the watch stream (the event bus): by default a Kubernetes watch (the "
        "current objects as ADDED, then each change); with --since N the etcd-style history "
        "read.\n\nExamples: kubesim watch deployments; kubesim watch pods --since 0 -o json",
    )(watch_command)


def watch_command(
    kind: str = typer.Argument(None, metavar="[KIND]", help="Only this kind (e.g. pods)."),
    since: int = int_option(None, "--since", minimum=0, metavar="N", help=HISTORY_HELP),
    output: str = typer.Option("", "--output", "-o", help="json"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    for_: float = duration_option(None, "--for", help="Stop after this long."),
) -> None:
    api = context.api()
    kinds = [context.resolve_kind(kind)] if kind else api.registry().kinds
    if since is None:
        start = api.store.current_revision()
        initial = current_state(kinds, namespace, start)
        if output != "json":
            context.note(
                f"watch from now (revision {start}): the current objects as synthetic ADDED "
                "events, then each change; the history is not replayed (--since N reads it)"
            )
    else:
        floor = api.store.compact_revision()
        start = max(since, floor - 1)
        if start > since:
            context.err(compacted_note(since + 1, floor))
        initial = []
        if output != "json":
            context.note(
                f"etcd-style history read: every stored event after revision {start}, "
                "then each change (a Kubernetes watch from resourceVersion 0 would start "
                "from the current state instead)"
            )
    stream(kinds, start, namespace, output, for_, table=bool(kind), initial=initial)


def compacted_note(first: int, floor: int) -> str:
    """The line that says a history read starts later than asked (`first`: the first revision
    asked for; 1 is "from the oldest kept"): revisions before the compaction floor are gone
    (etcd's `required revision has been compacted`)."""
    text = f"revisions before {floor} were compacted: the history starts at revision {floor}"
    return text if first <= 1 else f"warning: {text}, not {first}"


def current_state(kinds, namespace: str | None, revision: int) -> list:
    """The synthetic ADDED events a watch from resourceVersion 0 or unset begins with: one per
    object as of `revision`, carrying the object's own resourceVersion."""
    from kubesim.api.server import WatchEvent

    api = context.api()
    out = []
    for kind in kinds:
        items, _ = api.list(kind, namespace if kind.namespaced else None, revision=revision)
        for obj in items:
            md = obj["metadata"]
            key = kind.key(md.get("namespace"), md["name"])
            out.append(WatchEvent("ADDED", kind, obj, int(md["resourceVersion"]), key))
    return out


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
    initial: list | None = None,
    objects_only: bool = False,
) -> None:
    """Print `initial` events, then events after revision `after` until interrupted (or
    `duration` seconds); `names` keeps only those objects (`get KIND NAME -w`); `objects_only`
    prints each object without its event type (`get -w -o json|yaml|name`)."""
    from kubesim.cli.output import print_objects
    from kubesim.model.objects import dumps

    api = context.api()
    end = time.monotonic() + duration if duration is not None else None
    watcher = api.store.changes()
    watcher.start()
    printed_header = not header

    printed_before = False

    def show(ev) -> None:
        nonlocal printed_header, printed_before
        md = ev.obj["metadata"]
        if namespace and md.get("namespace") not in (None, namespace):
            return
        if names and md["name"] not in names:
            return
        if objects_only and output in ("json", "yaml"):
            if output == "yaml" and (printed_before or not header):
                context.out("---")  # kubectl's YAML printer separates each object after the first
            print_objects([ev.obj], output, force_list=False)
            printed_before = True
        elif objects_only and output == "name":
            context.out(f"{ev.kind.kubectl_name}/{md['name']}")
        elif output == "json":
            context.out(dumps({"type": ev.type, "object": ev.obj}).decode())
        elif table:
            printed_header = _table_row(ev, printed_header, event_column)
        else:
            ns = f" -n {md['namespace']}" if md.get("namespace") else ""
            context.out(f"r{ev.revision:<6} {ev.type:<9} {ev.kind.kubectl_name}/{md['name']}{ns}")

    try:
        for ev in initial or []:
            show(ev)
        while end is None or time.monotonic() < end:
            events, after = watch_from(api, kinds, after)
            for ev in events:
                show(ev)
            sys.stdout.flush()
            wait = 1.0 if end is None else max(0.0, min(1.0, end - time.monotonic()))
            watcher.changed.wait(wait)
            watcher.changed.clear()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()


def watch_from(api, kinds, after: int) -> tuple[list, int]:
    """The events after revision `after`, and the revision to watch from next: the last one
    read of ANY kind (the API's bookmark), so a caught-up watch of one kind is not expired by a
    compaction of revisions that held other kinds. A watch that fell behind a compaction ends
    with 410 Expired, as kubectl's does."""
    from kubesim.model.errors import Compacted, Expired

    try:
        return api.watch_progress(kinds, after)
    except Compacted as e:
        raise Expired(f"too old resource version: {after} ({e.compact_revision})") from e


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
