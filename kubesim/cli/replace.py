"""`kubesim replace -f FILE`: kubectl replace, a PUT of the whole object.

What kubectl does (pkg/cmd/replace/replace.go, cli-runtime resource/helper.go `Replace` with
overwrite=true): if the manifest carries `metadata.resourceVersion`, the PUT carries it and the
API server refuses a stale one with 409 Conflict (optimistic concurrency); if it carries none,
kubectl first GETs the object and sends the current resourceVersion. A manifest that already has
the last-applied annotation gets it recomputed (util.CreateOrUpdateAnnotation). Prints
`deployment.apps/web replaced`; errors read `error when replacing "FILE": ...`.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.model.errors import InputError, KubesimError


def register(app: typer.Typer) -> None:
    app.command(
        "replace",
        help="Replace objects by file name (kubectl replace: a PUT, conditional on the "
        "resourceVersion it carries).\n\nExample: kubesim replace -f web.yaml",
    )(replace_command)


def replace_command(
    filename: list[str] = typer.Option(..., "--filename", "-f", help="File, directory or -."),
    recursive: bool = typer.Option(False, "--recursive", "-R", help="Recurse into directories."),
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Namespace for objects without one."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No CQRS notes."),
) -> None:
    import sys

    from kubesim.api.manifest import read_manifests
    from kubesim.cli.apply import context_error, describe_failure

    failed, seen = False, 0
    stdin = sys.stdin.buffer if "-" in filename else None
    for doc in read_manifests(filename, recursive=recursive, stdin=stdin):
        if isinstance(doc, InputError):
            context.err(context_error(doc))
            failed = True
            continue
        seen += 1
        try:
            line, note = replace_one(doc.obj, namespace, doc.source)
        except KubesimError as e:
            e.operation = "replacing"  # type: ignore[attr-defined]
            context.err(describe_failure(e, doc.source, doc.index, doc.obj))
            failed = True
            continue
        context.out(line)
        context.note(note, quiet=quiet)
    if not seen and not failed:
        raise KubesimError("no objects passed to replace")
    if failed:
        raise typer.Exit(1)


def replace_one(obj: dict, namespace: str | None, source: str) -> tuple[str, str]:
    """PUT one manifest; returns kubectl's line and the CQRS note."""
    from kubesim.api.lastapplied import LAST_APPLIED, with_last_applied
    from kubesim.model.errors import BadRequest
    from kubesim.model.objects import deepcopy

    api = context.api()
    kind = api.kind_for(obj)
    obj = deepcopy(obj)
    md = obj.setdefault("metadata", {})
    if not isinstance(md, dict) or not md.get("name"):
        raise BadRequest("resource name may not be empty")
    if kind.namespaced:
        md["namespace"] = md.get("namespace") or namespace or "default"
    else:
        md.pop("namespace", None)
    if LAST_APPLIED in (md.get("annotations") or {}):
        obj = with_last_applied(obj)  # updateApplyAnnotation: only if it is already there
        md = obj["metadata"]
    rv = str(md.get("resourceVersion") or "")
    if rv and not rv.isdigit():
        raise BadRequest(f'invalid resourceVersion "{rv}"')
    if not rv:  # overwrite: send the version the object has now
        live = api.try_get(kind, md.get("namespace"), md["name"])
        if live is not None:
            md["resourceVersion"] = live["metadata"]["resourceVersion"]
    result = api.update(
        obj, actor="user", verb="replace", outcome="replaced", journal_data={"source": source}
    )
    line = f"{kind.kubectl_name}/{md['name']} replaced"
    if not result.changed:
        return line, "the stored object is the same: no new revision, no event"
    return line, (
        f"PUT carried resourceVersion {md.get('resourceVersion')}, still current -> "
        f"revision {result.revision} (write model)"
    )
