"""`kubesim lag`: how far behind each projection is, from the journal alone.

For the latest control plane (running or stopped) it shows, per consumer: its projection revision
(the last revision delivered or listed), how many events of the kinds it watches it has not seen,
the age of the oldest of them, and its relists; then the objects whose metadata.generation is
ahead of status.observedGeneration (desired state a controller has not acted on yet).
"""

from __future__ import annotations

import time

import typer

from kubesim.cli import context
from kubesim.client.staleness import last_run, unseen
from kubesim.model.errors import KubesimError


def register(app: typer.Typer) -> None:
    app.command(
        "lag",
        help="Each consumer's projection revision and staleness, from the journal."
        "\n\nExample: kubesim lag",
    )(lag_command)


def lag_rows(store) -> tuple[list[list[str]], float, int]:
    run = last_run(store)
    if run is None:
        raise KubesimError(
            "no control plane has run against this store yet",
            hint="run `kubesim up` or `kubesim reconcile` first",
        )
    start, entries, seen, relists = run.start, run.entries, run.seen, run.relists
    current = store.current_revision()
    oldest_seen = min(seen.values(), default=current)
    # when each revision was written: its command (user or controller), on the journal's clock
    commands = store.journal(types=["command"], min_revision=oldest_seen + 1)
    times: dict[int, float] = {}
    for e in commands:
        times.setdefault(e.revision, e.time)
    now = max([e.time for e in entries] + [e.time for e in commands] + [start.time])
    if any(e.type == "controlplane" and e.verb == "stop" for e in entries):
        now = max(now, time.time())  # nothing consumes now: what is unseen waits on the wall
    rows = [["CONSUMER", "PROJECTION", "BEHIND", "OLDEST UNSEEN", "RELISTS", "WATCHES"]]
    for name, watch in run.consumers().items():
        revision = seen.get(name, 0)
        behind = unseen(store, watch, revision)
        age = "-"  # nothing unseen
        if behind.oldest is not None:
            written = times.get(behind.oldest)
            age = f"{max(0.0, now - written):.3f}s" if written is not None else "unknown"
        kinds = ",".join(watch.get("kinds") or []) or "-"
        if watch.get("node"):
            kinds += f" (spec.nodeName={watch['node']})"
        rows.append(
            [name, f"r{revision}", str(behind.events), age, str(relists.get(name, 0)), kinds]
        )
    return rows, now, current


def generation_lag(api) -> list[list[str]]:
    rows = [["OBJECT", "GENERATION", "OBSERVED"]]
    for kind in api.registry().kinds:
        if not kind.has_generation or kind.kind == "CustomResourceDefinition":
            continue
        objects, _ = api.list(kind)
        for o in objects:
            gen = o["metadata"].get("generation", 0)
            observed = (o.get("status") or {}).get("observedGeneration", 0)
            if gen > observed:
                name = o["metadata"]["name"]
                rows.append([f"{kind.kubectl_name}/{name}", str(gen), str(observed)])
    return rows


def lag_command() -> None:
    from kubesim.view.table_text import align_rows

    api = context.api()
    rows, _, current = lag_rows(api.store)
    context.out(f"store at revision {current}")
    context.out(align_rows(rows).rstrip("\n"))
    gen = generation_lag(api)
    if len(gen) > 1:
        context.out("")
        context.out("generation ahead of observedGeneration (not yet acted on):")
        context.out(align_rows(gen).rstrip("\n"))
    else:
        context.out("")
        context.out("every object's generation has been observed by its controller")
