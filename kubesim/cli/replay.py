"""`kubesim replay`, `kubesim why` and `kubesim diff`: time travel over the history and the journal.

- `replay [--from REV] [--to REV] [--follow KIND/NAME]`: the interactive player (the live view's
  four stages, as they were at each revision); `--auto [--speed X]` plays without input, and
  without a terminal prints one plain block per step; `--svg DIR` / `--html FILE` export;
  `--rebuild CONSUMER` rebuilds one projection from the event stream and compares it with the
  live one; `--fork REV --into NEW.db` copies the history up to REV into a new store.
- `why KIND NAME` / `why --revision N`: the causal chain back to the user's command.
- `diff KIND NAME [--from REV] [--to REV]`: a field-level diff of two versions of an object.

All of it reads the store and its journal (kubesim.replay); nothing re-runs a controller. A replay
is recorded in the journal as a `read` entry (verb replay), as is `get --at-revision`.
`get`/`describe --at-revision N` (cli/get.py) show an object as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kubesim.cli import context
from kubesim.cli.options import check_output, float_option, int_option
from kubesim.model.errors import Compacted, KubesimError, UsageError


def register(app: typer.Typer) -> None:
    app.command(
        "replay",
        help="Step through the history: the command, the event, every projection and its "
        "staleness, as they were at each revision.\n\nExamples: kubesim replay; kubesim replay "
        "--auto --speed 4; kubesim replay --rebuild scheduler; kubesim replay --fork 12 --into "
        "whatif.db; kubesim replay --html replay.html",
    )(replay_command)
    app.command(
        "why",
        help="Why an object is as it is: the causal chain from its revision back to the "
        "user's command.\n\nExamples: kubesim why pod web-6f6b679f8f-x7k2p; kubesim why "
        "--revision 14",
    )(why_command)
    app.command(
        "diff",
        help="A field-level diff between two versions of an object (default: the previous "
        "version against the current one).\n\nExample: kubesim diff deployment web --from 6",
    )(diff_command)


def _store():
    return context.api().store


def _timeline():
    from kubesim.replay.state import Timeline

    store = _store()
    if store.current_revision() <= 1:
        raise KubesimError(
            "the store has no history yet", hint="apply something first: kubesim apply -f web.yaml"
        )
    return Timeline(store)


def _key(args: list[str], namespace: str | None) -> tuple[str, str]:
    """(store key, kubectl-style name) of `KIND NAME` or `KIND/NAME`."""
    kind, name = context.one_object(
        args, "name exactly one object: KIND NAME or KIND/NAME", UsageError
    )
    key = kind.key(namespace or "default" if kind.namespaced else None, name)
    return key, f"{kind.kubectl_name}/{name}"


def _check_revision(revision: int | None, name: str) -> None:
    if revision is None:
        return
    store = _store()
    floor = store.compact_revision()
    if revision < floor:
        raise Compacted(revision, floor)
    if revision < 1 or revision > store.current_revision():
        raise UsageError(
            f"{name} {revision}: the history has revisions 1 to {store.current_revision()}"
        )


# ----------------------------------------------------------------------------- replay
def replay_command(
    from_rev: int = int_option(None, "--from", help="First revision to show."),
    to_rev: int = int_option(None, "--to", help="Last revision to show."),
    follow: str = typer.Option(None, "--follow", metavar="KIND/NAME", help="Follow an object."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    auto: bool = typer.Option(False, "--auto", help="Play without input (plain without a TTY)."),
    speed: float = float_option(2.0, "--speed", above=True, help="Steps per second when playing."),
    rebuild: str = typer.Option(
        None,
        "--rebuild",
        metavar="CONSUMER",
        help="Rebuild a consumer's projection from the event stream.",
    ),
    fork: int = int_option(
        None,
        "--fork",
        metavar="REV",
        help="Copy the history up to REV into a new store (with --into).",
    ),
    into: str = typer.Option(None, "--into", metavar="NEW.db", help="The store --fork writes."),
    svg: str = typer.Option(None, "--svg", metavar="DIR", help="Write an SVG per step."),
    html: str = typer.Option(None, "--html", metavar="FILE", help="Write one HTML timeline."),
) -> None:
    _check_revision(from_rev, "--from")
    _check_revision(to_rev, "--to")
    if svg:
        check_output(svg, "--svg", directory=True)
    if html:
        check_output(html, "--html", directory=False)
    if rebuild:
        return _rebuild(rebuild)
    if fork is not None or into:
        if fork is None or not into:
            raise UsageError("--fork REV and --into NEW.db go together")
        return _fork(fork, into)
    timeline = _timeline()
    key = _key([follow], namespace)[0] if follow else None
    from kubesim.replay.player import Player

    player = Player(timeline, from_rev, to_rev, key, speed)
    revisions = range(player.first, player.last + 1)
    context.api().journal_read(
        "user", "replay", key or "", player.first, {"from": player.first, "to": player.last}
    )  # a read of the past: the journal records it (lesson checks look for it)
    if svg or html:
        from kubesim.replay.export import export_html, export_svgs

        if svg:
            written = export_svgs(timeline, revisions, svg, follow=key)
            context.out(f"wrote {len(written)} SVG files to {svg}")
        if html:
            n = export_html(timeline, revisions, html, follow=key)
            context.out(f"wrote {html}: {n} steps")
        return None
    tty = sys.stdout.isatty() and sys.stdin.isatty()
    if not tty:
        if not auto:
            context.note("no terminal: printing every step (as --auto does without a terminal)")
        from kubesim.replay.blocks import block

        for r in revisions:
            player.seek(r)
            context.out(block(player.state()))
        return None
    from rich.console import Console

    player.playing = auto
    player.auto_quit = auto
    player.run(Console(), sys.stdin.fileno())
    return None


def _rebuild(consumer: str) -> None:
    from kubesim.replay.history import History
    from kubesim.replay.rebuild import rebuild

    store = _store()
    context.note(
        f"rebuilding {consumer}'s projection: replaying the store's event stream into fresh "
        "informers (the read-side code runs; no controller does)"
    )
    r = rebuild(store, History(store), consumer)
    start = (
        "from the beginning"
        if r.started_at <= 1
        else f"from a LIST of {r.listed} objects at revision {r.started_at} (the oldest kept)"
    )
    context.out(f"consumer {r.consumer}: rebuilt up to revision {r.revision} {start}")
    rate = f" ({r.events / r.seconds:,.0f} events/s)" if r.seconds > 0 else ""
    context.out(f"events processed: {r.events}{rate}")
    context.out(f"time taken:       {r.seconds * 1000:.1f} ms")
    context.out(f"objects:          rebuilt {r.objects}, live projection {r.live_objects}")
    if r.equal:
        context.out(f"result:           equal to the live projection at revision {r.revision}")
        return
    context.out("result:           DIFFERENT from the live projection")
    for label, keys in (("missing", r.missing), ("extra", r.extra), ("different", r.different)):
        for k in keys[:20]:
            context.out(f"  {label}: {k}")
    raise typer.Exit(1)


def _fork(revision: int, into: str) -> None:
    from kubesim.replay.fork import fork
    from kubesim.replay.history import History

    context.check_store_path(Path(into), "--into")
    store = _store()
    result = fork(store, History(store), revision, into)
    context.out(
        f"forked revisions 1-{result.revision} into {result.path} "
        f"({result.journal} journal entries); the original store is untouched"
    )
    context.note(
        f"try another command there: kubesim --store {result.path} apply -f ...; compare: "
        f"kubesim history --since {revision} and kubesim --store {result.path} history --since "
        f"{revision}"
    )


# ----------------------------------------------------------------------------- why, diff
def why_command(
    args: list[str] = typer.Argument(None, metavar="KIND NAME | KIND/NAME"),
    revision: int = int_option(None, "--revision", help="Explain this revision."),
    last: bool = typer.Option(False, "--last", help="Explain its last change, not its creation."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
) -> None:
    from kubesim.replay.history import History
    from kubesim.replay.why import chain, explain

    store = _store()
    if revision is None:
        if not args:
            raise UsageError("name an object (KIND NAME) or a revision (--revision N)")
        key, shown = _key(args, namespace)
        kv = store.get(key)
        if kv is None:
            raise KubesimError(
                f"{shown} does not exist now",
                hint="use --revision N for a revision of a deleted object",
            )
        revision = kv.mod_revision if last else kv.create_revision
    else:
        _check_revision(revision, "--revision")
    history = History(store)
    links = chain(history, revision)
    if not links:
        raise KubesimError(f"no command is journaled for revision {revision}")
    context.out("\n".join(explain(links)))


def diff_command(
    args: list[str] = typer.Argument(..., metavar="KIND NAME | KIND/NAME"),
    from_rev: int = int_option(None, "--from", help="The old version: as of this revision."),
    to_rev: int = int_option(None, "--to", help="The new version: as of this revision."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
) -> None:
    from kubesim.replay.diff import field_diff, format_diff, versions

    key, shown = _key(args, namespace)
    old, new = versions(_store(), key, from_rev, to_rev)
    if old.obj is None and new.obj is None:
        raise KubesimError(f"{shown} did not exist at either revision")
    left = f"revision {old.revision}" if old.obj is not None else "(absent)"
    right = f"revision {new.revision}" if new.obj is not None else "(absent)"
    context.out(f"{shown}: {left} -> {right}")
    lines = format_diff(field_diff(old.obj or {}, new.obj or {}))
    context.out("\n".join(lines) if lines else "no differences")
