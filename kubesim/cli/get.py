"""`kubesim get` and `kubesim describe`: the read side as kubectl shows it.

kubectl's grammar (`get KIND[,KIND] [NAME ...]`, `KIND/NAME`, `get all`, `-n`, `-A`, `-l`,
`--show-labels`, `-o wide|yaml|json|name|jsonpath=...`), its columns and its messages. These
commands read the write model directly, as `kubectl get` reads from the API server.
`--at-revision N` reads the store as it was at revision N (recorded in the journal as a `read`
entry). `-w` prints the list, then each change after the list's resourceVersion, as kubectl does.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.cli.options import duration_option, int_option
from kubesim.cli.output import print_objects
from kubesim.model.errors import ApiError, KubesimError, NotFound

#: kubectl's `all` category, restricted to the kinds kubesim simulates, in kubectl's order
ALL = ("pods", "services", "deployments", "replicasets")


def register(app: typer.Typer) -> None:
    app.command(
        "get",
        help="Display objects, as kubectl get does.\n\n"
        "Examples: kubesim get all; kubesim get pods -o wide; kubesim get deploy web -o yaml",
    )(get_command)
    app.command(
        "describe",
        help="Show details of an object and its events.\n\n"
        "Example: kubesim describe deployment web",
    )(describe_command)


def get_command(
    args: list[str] = typer.Argument(None, metavar="KIND[,KIND...] [NAME...]"),
    output: str = typer.Option("", "--output", "-o", help="wide, yaml, json, name, jsonpath=..."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    all_namespaces: bool = typer.Option(False, "--all-namespaces", "-A"),
    selector: str = typer.Option(None, "--selector", "-l", help="Label selector, e.g. app=web."),
    show_labels: bool = typer.Option(False, "--show-labels"),
    no_headers: bool = typer.Option(False, "--no-headers"),
    at_revision: int = int_option(None, "--at-revision", help="Read the store as of revision N."),
    watch: bool = typer.Option(False, "--watch", "-w", help="After listing, print each change."),
    for_: float = duration_option(None, "--for", help="With -w: stop after this."),
) -> None:
    from kubesim.model.labels import parse_selector
    from kubesim.view.tables import format_table

    api = context.api()
    ns = None if all_namespaces else (namespace or "default")
    sel = parse_selector(selector) if selector else None
    pairs = context.parse_kind_names(args or [])
    if all_namespaces and any(names for _, names in pairs):
        raise KubesimError("a resource cannot be retrieved by name across all namespaces")
    if pairs[0][0] == "all" and len(pairs) == 1:
        pairs = [(r, pairs[0][1]) for r in ALL]
    multi = len(pairs) > 1
    if watch and (multi or at_revision is not None):
        raise KubesimError(
            "you may only specify a single resource type (and no --at-revision) with --watch"
        )
    list_revision = api.store.current_revision()
    now = api.clock()
    failed = False
    found_objects: list[dict] = []
    names_out: list[str] = []
    tables: list[str] = []
    single = len(pairs) == 1 and len(pairs[0][1]) == 1
    for resource, names in pairs:
        kind = context.resolve_kind(resource)
        kind_ns = ns if kind.namespaced else None
        if names:
            objects = []
            for name in names:
                try:
                    objects.append(api.get(kind, kind_ns or "default", name, at_revision))
                except NotFound as e:
                    context.err(str(e))
                    failed = True
        else:
            objects, _ = api.list(kind, kind_ns, sel, at_revision)
        if at_revision is not None:
            _journal_time_travel(kind, kind_ns, names, at_revision)
        found_objects += objects
        names_out += [f"{kind.kubectl_name}/{o['metadata']['name']}" for o in objects]
        if objects and output in ("", "wide"):
            tables.append(
                format_table(
                    kind,
                    objects,
                    now,
                    wide=output == "wide",
                    show_labels=show_labels,
                    with_namespace=all_namespaces and kind.namespaced,
                    with_kind_prefix=multi,
                    no_headers=no_headers,
                    printer_columns=list(kind.printer_columns) or None,
                )
            )
    if output in ("", "wide"):
        if tables:
            context.out("\n".join(t.rstrip("\n") + "\n" for t in tables).rstrip("\n"))
        elif not failed:
            context.err(
                _no_resources(ns, all(not context.resolve_kind(r).namespaced for r, _ in pairs))
            )
    elif watch and output in ("json", "yaml"):
        for i, obj in enumerate(found_objects):  # kubectl get -w prints each object, not a List
            if i and output == "yaml":
                context.out("---")
            print_objects([obj], output, force_list=False)
    else:
        print_objects(found_objects, output, force_list=not single, names=names_out)
    if watch:
        from kubesim.cli.watch import stream

        kind = context.resolve_kind(pairs[0][0])
        stream(
            [kind],
            list_revision,
            ns if kind.namespaced else None,
            output,
            for_,
            table=output in ("", "wide"),
            header=not (tables or found_objects),
            names=set(pairs[0][1]) or None,
            event_column=False,
            objects_only=True,
        )
    if failed:
        raise typer.Exit(1)


def _journal_time_travel(kind, namespace: str | None, names: list[str], revision: int) -> None:
    """A read of the past is recorded in the journal (type `read`, verb `get`): lesson checks
    look for it. Reads of the present are not recorded."""
    target = kind.key(namespace, names[0]) if len(names) == 1 else kind.prefix(namespace)
    context.api().journal_read(
        "user",
        "get",
        target,
        revision,
        {"kind": kind.kind, "names": names, "at_revision": revision},
    )


def _no_resources(ns: str | None, cluster_scoped: bool) -> str:
    if ns is None or cluster_scoped:
        return "No resources found"
    return f"No resources found in {ns} namespace."


def describe_command(
    args: list[str] = typer.Argument(..., metavar="KIND NAME | KIND/NAME"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    at_revision: int = int_option(None, "--at-revision", help="Describe it as of revision N."),
) -> None:
    from kubesim.cli.describe import describe_object

    api = context.api()
    ns = namespace or "default"
    pairs = context.parse_kind_names(args)
    failed = False
    texts = []
    for resource, names in pairs:
        kind = context.resolve_kind(resource)
        if not names:
            objects, _ = api.list(kind, ns if kind.namespaced else None, None, at_revision)
        else:
            objects = []
            for name in names:
                try:
                    objects.append(
                        api.get(kind, ns if kind.namespaced else None, name, at_revision)
                    )
                except ApiError as e:
                    context.err(str(e))
                    failed = True
        texts += [describe_object(api, kind, o, at_revision) for o in objects]
    if texts:
        context.out("\n\n".join(t.rstrip("\n") for t in texts))
    elif not failed:
        raise KubesimError(_no_resources(ns, False))
    if failed:
        raise typer.Exit(1)
