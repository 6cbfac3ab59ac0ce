"""`kubesim apply -f PATH [-R] [--dry-run=server] [-o name|json|yaml] [-q] [--watch]`.

kubectl's grammar and lines (`deployment.apps/web created`); every valid document of the input is
applied and each bad one reported on its own line naming the file and the document; exit 1 if any
failed. After kubectl's lines, one dim CQRS note per command says what happened in the write
model. `--watch` re-applies a file each time it is saved (watchfiles).
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.cli.output import print_objects
from kubesim.model.errors import (
    ApiError,
    InputError,
    Invalid,
    KubesimError,
    StoreError,
    UnsupportedKind,
)


def register(app: typer.Typer) -> None:
    app.command(
        "apply",
        help="Apply manifests: the command side of CQRS (kubectl's client-side apply).\n\n"
        "Example: kubesim apply -f manifests/",
    )(apply_command)


def apply_command(
    filename: list[str] = typer.Option(..., "--filename", "-f", help="File, directory or -."),
    recursive: bool = typer.Option(False, "--recursive", "-R", help="Recurse into directories."),
    dry_run: str = typer.Option("none", "--dry-run", help="none or server (client is server)."),
    output: str = typer.Option("", "--output", "-o", help="name, json or yaml."),
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Namespace for objects without one."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No CQRS notes."),
    watch: bool = typer.Option(False, "--watch", help="Re-apply each time a file is saved."),
) -> None:
    if dry_run not in ("none", "server", "client"):
        raise KubesimError(
            f'Invalid dry-run value ({dry_run}). Must be "none", "server", or "client".'
        )
    if output not in ("", "name", "json", "yaml"):
        raise KubesimError(
            f'unable to match a printer suitable for the output format "{output}", '
            "allowed formats are: json,name,yaml"
        )
    if watch:
        from kubesim.cli.applywatch import watch_and_apply

        watch_and_apply(filename, recursive, namespace, quiet)
        return
    failed = apply_paths(filename, recursive, dry_run != "none", output, namespace, quiet)
    if failed:
        raise typer.Exit(1)


def apply_paths(
    paths: list[str],
    recursive: bool,
    dry_run: bool,
    output: str,
    namespace: str | None,
    quiet: bool,
) -> bool:
    """Apply every document under `paths`; print kubectl's lines; return True if any failed."""
    import sys

    from kubesim.api.apply import apply
    from kubesim.api.manifest import read_manifests

    api = context.api()
    failed = False
    seen = 0
    results = []
    stdin = sys.stdin.buffer if "-" in paths else None
    for doc in read_manifests(paths, recursive=recursive, stdin=stdin):
        if isinstance(doc, InputError):
            context.err(context_error(doc))
            failed = True
            continue
        seen += 1
        for warning in doc.warnings:
            context.err(f'Warning: "{doc.source}" (document {doc.index}): {warning}')
        obj = doc.obj
        try:
            if namespace:
                obj = _with_namespace(obj, namespace)
            result = apply(api, obj, dry_run=dry_run, source=doc.source)
        except StoreError:
            raise  # not about this document: the store itself failed (corrupt, say)
        except KubesimError as e:
            context.err(describe_failure(e, doc.source, doc.index, obj))
            _journal_rejected(api, obj, e, doc.source)
            failed = True
            continue
        results.append(result)
        if not output:
            suffix = " (server dry run)" if dry_run else ""
            context.out(result.kubectl_line + suffix)
        elif output == "name":
            context.out(f"{result.kind.kubectl_name}/{result.name}")
    if output in ("json", "yaml") and results:
        print_objects([r.obj for r in results], output, force_list=len(results) > 1)
    if not seen and not failed:
        raise KubesimError("no objects passed to apply")
    if not dry_run:
        for r in results:
            context.note(cqrs_note(r), quiet=quiet or bool(output))
    return failed


def _with_namespace(obj: dict, namespace: str) -> dict:
    md = _metadata(obj)
    if md.get("namespace") and md["namespace"] != namespace:
        raise KubesimError(
            f'the namespace from the provided object "{md["namespace"]}" does not match the '
            f"namespace \"{namespace}\". You must pass '--namespace={md['namespace']}' to perform "
            "this operation."
        )
    return {**obj, "metadata": {**md, "namespace": namespace}}


def _metadata(obj: dict) -> dict:
    """The document's metadata if it is a mapping (a bad document may hold anything there)."""
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def context_error(e: InputError) -> str:
    return str(e) if str(e).startswith("error") else f"error: {e}"


def describe_failure(e: KubesimError, source: str, index: int, obj: dict) -> str:
    """One line in kubectl's words, naming the file and the document."""
    where = f'"{source}" (document {index})'
    # kubectl: "error when creating" when the object did not exist, else "error when applying"
    verb = getattr(e, "operation", "applying")
    if isinstance(e, Invalid):
        return f"error when {verb} {where}: {e.message}"
    if isinstance(e, ApiError) and getattr(e, "kubectl_context", ""):
        return e.kubectl_text(e.kubectl_context)  # kubectl names the patch and the object
    if isinstance(e, ApiError):
        return e.kubectl_text(f"error when {verb} {where}: ")
    if isinstance(e, UnsupportedKind):
        md = _metadata(obj)
        return (
            f'error: resource mapping not found for name: "{md.get("name", "")}" namespace: '
            f'"{md.get("namespace", "")}" from {where}: {e.message}'
        )
    return f"error: {where}: {e.message}"


def _journal_rejected(api, obj: dict, e: KubesimError, source: str) -> None:
    if getattr(e, "journaled", False):
        return  # the API server journaled it already
    md = _metadata(obj)
    target = f"{obj.get('kind', '?')}/{md.get('name', '')}"
    api.journal_command(
        "user",
        "apply",
        target,
        "rejected",
        {
            "kind": obj.get("kind"),
            "name": md.get("name"),
            "namespace": md.get("namespace"),
            "source": source,
            "reason": getattr(e, "reason", type(e).__name__),
            "message": e.message,
        },
    )


def cqrs_note(result) -> str:
    name = f"{result.kind.kubectl_name}/{result.name}"
    if result.outcome == "unchanged":
        return f"{name}: nothing to patch, so nothing written: no revision, no event"
    if not result.changed:
        return (
            f"{name}: command accepted, but the stored object is the same: no new revision, "
            "no event"
        )
    return (
        f"{name}: command accepted -> revision {result.revision} (write model); "
        "no controller has seen it yet"
    )
