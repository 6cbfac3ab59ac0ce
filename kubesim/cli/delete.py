"""`kubesim delete (-f PATH | KIND NAME ... | KIND -l SELECTOR | KIND --all) [--cascade=...]`.

Prints kubectl's `deployment.apps "web" deleted`. It never waits for a control plane: what is
left to do (dependents for the garbage collector, a pod's graceful termination by its kubelet,
finalizers) is said in a CQRS note instead.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.cli.options import int_option
from kubesim.model.errors import ApiError, InputError, KubesimError, UnsupportedKind

CASCADE = {
    "background": "Background",
    "foreground": "Foreground",
    "orphan": "Orphan",
    "true": "Background",
    "false": "Orphan",
}


def register(app: typer.Typer) -> None:
    app.command(
        "delete",
        help="Delete objects (the garbage collector deletes their dependents).\n\n"
        "Examples: kubesim delete deployment web; kubesim delete -f manifests/web.yaml; "
        "kubesim delete pods -l app=web --cascade=foreground",
    )(delete_command)


def delete_command(
    args: list[str] = typer.Argument(None, metavar="KIND [NAME...] | KIND/NAME"),
    filename: list[str] = typer.Option(None, "--filename", "-f"),
    recursive: bool = typer.Option(False, "--recursive", "-R"),
    selector: str = typer.Option(None, "--selector", "-l"),
    all_: bool = typer.Option(False, "--all", help="Delete every object of the kind."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    cascade: str = typer.Option(
        "background", "--cascade", help="background (default), foreground or orphan."
    ),
    grace_period: int = int_option(-1, "--grace-period", help="Seconds; 0 with --force."),
    now: bool = typer.Option(False, "--now", help="Grace period 1 second."),
    force: bool = typer.Option(False, "--force", help="Skip graceful termination."),
    output: str = typer.Option("", "--output", "-o", help="name"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    policy = CASCADE.get(cascade.lower())
    if policy is None:
        raise KubesimError(
            f'invalid cascade value ({cascade}). Must be "background", "foreground", or "orphan".'
        )
    grace = 1 if now else (0 if force and grace_period < 0 else grace_period)
    grace = None if grace < 0 else grace
    api = context.api()
    targets = _targets(api, args or [], filename or [], recursive, selector, all_, namespace)
    failed = False
    if targets is None:
        return
    for kind, ns, name, err in targets:
        if err is not None:
            context.err(err)
            failed = True
            continue
        try:
            result = _delete(api, kind, ns, name, policy, grace)
        except ApiError as e:
            context.err(str(e))
            failed = True
            continue
        if output == "name":
            context.out(f"{kind.kubectl_name}/{name}")
        else:
            word = "force deleted" if grace == 0 and kind.kind == "Pod" else "deleted"
            context.out(f'{kind.kubectl_name} "{name}" {word}')
        context.note(_note(api, kind, result, policy), quiet=quiet or bool(output))
    if failed:
        raise typer.Exit(1)


def _delete(api, kind, ns, name, policy, grace):
    from kubesim.api.delete import delete

    return delete(api, kind, ns, name, propagation=policy, grace_period=grace)


def _targets(api, args, filenames, recursive, selector, all_, namespace):
    """(kind, namespace, name, error line) for everything the command line names."""
    from kubesim.api.manifest import read_manifests
    from kubesim.model.labels import parse_selector

    ns = namespace or "default"
    out = []
    if filenames:
        if args:
            raise KubesimError("when paths are specified, resource arguments may not be given")
        for doc in read_manifests(filenames, recursive=recursive):
            if isinstance(doc, InputError):
                out.append((None, None, None, str(doc)))
                continue
            try:
                kind = api.kind_for(doc.obj)
            except UnsupportedKind as e:
                out.append(
                    (None, None, None, f'error: "{doc.source}" (document {doc.index}): {e.message}')
                )
                continue
            md = doc.obj.get("metadata") or {}
            out.append(
                (
                    kind,
                    (md.get("namespace") or ns) if kind.namespaced else None,
                    md.get("name", ""),
                    None,
                )
            )
        return out
    if not args:
        raise KubesimError("You must provide one or more resources by argument or filename.")
    for resource, names in context.parse_kind_names(args):
        kind = context.resolve_kind(resource)
        kind_ns = ns if kind.namespaced else None
        if names:
            out += [(kind, kind_ns, n, None) for n in names]
        elif selector or all_:
            sel = parse_selector(selector) if selector else None
            objects, _ = api.list(kind, kind_ns, sel)
            if not objects:
                context.err(
                    f"No resources found in {ns} namespace."
                    if kind.namespaced
                    else "No resources found"
                )
            out += [(kind, kind_ns, o["metadata"]["name"], None) for o in objects]
        else:
            raise KubesimError("resource(s) were provided, but no name was specified")
    return out


def _note(api, kind, result, policy: str) -> str:
    md = result.obj["metadata"]
    if result.pending == "graceful":
        node = result.obj.get("spec", {}).get("nodeName")
        return (
            f"revision {result.revision}: deletionTimestamp set; the pod terminates "
            f"gracefully ({md.get('deletionGracePeriodSeconds')}s) and kubelet-{node} "
            "removes it (only while a control plane runs: kubesim up / kubesim reconcile)"
        )
    if result.pending == "finalizers":
        return (
            f"revision {result.revision}: deletionTimestamp set; the object stays until its "
            f"finalizers {md.get('finalizers')} are removed ({policy} deletion: the garbage "
            "collector's job, while a control plane runs)"
        )
    if result.pending == "namespace-content":
        return (
            f"revision {result.revision}: the namespace is Terminating; the namespace "
            "controller deletes what is in it, then the namespace (only while a control "
            "plane runs: kubesim up / kubesim reconcile)"
        )
    owner_kind = kind.kind in ("Deployment", "ReplicaSet") or kind.is_custom
    dependents = _dependents(api, md.get("uid"), md.get("namespace")) if owner_kind else ""
    text = f"revision {result.revision}: DELETED event in the write model"
    if dependents and policy == "Background":
        text += (
            f"; {dependents} left for the garbage collector (nothing deletes them until a "
            "control plane runs: kubesim up / kubesim reconcile)"
        )
    return text


def _dependents(api, uid: str | None, namespace: str | None) -> str:
    """What still names the deleted object as an owner (the garbage collector's work)."""
    counts: dict[str, int] = {}
    for kind in api.registry().kinds:
        if not kind.namespaced or kind.kind == "Event":
            continue
        objects, _ = api.list(kind, namespace)
        for o in objects:
            if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or []):
                counts[kind.kind] = counts.get(kind.kind, 0) + 1
    return ", ".join(f"{n} {k if n == 1 else k + 's'}" for k, n in sorted(counts.items()))
