"""Imperative commands that change one field: `scale`, `label`, `set image`.

Each is a command on the command side like `apply`, printed in kubectl's words
(`deployment.apps/web scaled`, `... labeled`, `... image updated`). `scale` goes through the
scale subresource, as kubectl's does.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.model.errors import KubesimError

set_app = typer.Typer(
    help="Set specific features on objects (kubectl set).\n\n"
    "Example: kubesim set image deployment/web nginx=nginx:1.27",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command(
        "scale",
        help="Set the replicas of a Deployment or ReplicaSet (scale "
        "subresource).\n\nExample: kubesim scale deployment/web --replicas=5",
    )(scale_command)
    app.command(
        "label",
        help="Add, change (--overwrite) or remove (key-) labels.\n\n"
        "Example: kubesim label deployment web tier=frontend",
    )(label_command)
    set_app.command(
        "image",
        help="Update container images of a Deployment, ReplicaSet or Pod."
        "\n\nExample: kubesim set image deployment/web nginx=nginx:1.27",
    )(image_command)
    app.add_typer(set_app, name="set")


def _one_target(args: list[str]) -> tuple:
    return context.one_object(args, "exactly one KIND NAME (or KIND/NAME) is required")


def scale_command(
    args: list[str] = typer.Argument(..., metavar="KIND/NAME | KIND NAME"),
    replicas: int = typer.Option(..., "--replicas", help="The new desired number of replicas."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    resource_version: str = typer.Option(
        None, "--resource-version", help="Scale only if the object is at this version."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    from kubesim.api.subresources import scale

    kind, name = _one_target(args)
    if not kind.scale_subresource:
        raise KubesimError(
            f"cannot scale {kind.kind}: the scale subresource is served only for "
            "Deployments and ReplicaSets"
        )
    rv = int(resource_version) if resource_version else None
    result = scale(context.api(), kind, namespace or "default", name, replicas, resource_version=rv)
    context.out(f"{kind.kubectl_name}/{name} scaled")
    context.note(_note(result), quiet=quiet)


def label_command(
    args: list[str] = typer.Argument(..., metavar="KIND NAME KEY=VAL ... KEY-"),
    overwrite: bool = typer.Option(False, "--overwrite"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    changes = [a for a in args if "=" in a or a.endswith("-")]
    target = [a for a in args if a not in changes]
    if not changes:
        raise KubesimError("at least one label update is required")
    kind, name = _one_target(target)
    add = dict(c.split("=", 1) for c in changes if "=" in c)
    remove = [c[:-1] for c in changes if c.endswith("-") and "=" not in c]

    def relabel(live: dict) -> dict:
        labels = live["metadata"].setdefault("labels", {})
        for k, v in add.items():
            if k in labels and labels[k] != v and not overwrite:
                raise KubesimError(
                    f"'{k}' already has a value ({labels[k]}), and --overwrite is false"
                )
            labels[k] = v
        for k in remove:
            labels.pop(k, None)
        return live

    result = context.api().guaranteed_update(
        kind,
        namespace or "default" if kind.namespaced else None,
        name,
        relabel,
        actor="user",
        verb="label",
        outcome="labeled",
    )
    word = "labeled" if add else "unlabeled"
    context.out(f"{kind.kubectl_name}/{name} {word if result.changed else 'not labeled'}")
    context.note(_note(result), quiet=quiet)


def image_command(
    args: list[str] = typer.Argument(..., metavar="KIND/NAME CONTAINER=IMAGE ..."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    images = dict(a.split("=", 1) for a in args if "=" in a)
    kind, name = _one_target([a for a in args if "=" not in a])
    if not images:
        raise KubesimError("at least one image update is required")
    if kind.kind not in ("Deployment", "ReplicaSet", "Pod"):
        raise KubesimError(f"set image is not supported for {kind.kind}")

    def set_images(live: dict) -> dict:
        spec = live.get("spec", {})
        pod_spec = spec if kind.kind == "Pod" else spec.get("template", {}).get("spec", {})
        containers = (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or [])
        for cname, image in images.items():
            matched = [c for c in containers if cname in ("*", c.get("name"))]
            if not matched:
                raise KubesimError(f'unable to find container named "{cname}"')
            for c in matched:
                c["image"] = image
        return live

    result = context.api().guaranteed_update(
        kind,
        namespace or "default",
        name,
        set_images,
        actor="user",
        verb="set-image",
        outcome="configured",
    )
    context.out(
        f"{kind.kubectl_name}/{name} image updated"
        if result.changed
        else f"{kind.kubectl_name}/{name} image unchanged"
    )
    context.note(_note(result), quiet=quiet)


def _note(result) -> str:
    if not result.changed:
        return "nothing changed: no write, no revision, no event"
    return (
        f"command accepted -> revision {result.revision} (write model); "
        "no controller has seen it yet"
    )
