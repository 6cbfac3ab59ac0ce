"""Imperative commands that change one field: `scale`, `label`, `set image`.

Each is a command on the command side like `apply`, printed in kubectl's words
(`deployment.apps/web scaled`, `... labeled`, `... image updated`). `scale` goes through the
scale subresource, as kubectl's does. `scale --resource-version` / `--current-replicas` are
kubectl's client-side preconditions (pkg/scale ScalePrecondition): it GETs the Scale, compares,
and on a mismatch prints `error: Expected resource version to be 3, was 4` without sending a
write; on a match it PUTs the Scale it read, carrying that resourceVersion. Without them kubectl
sends a merge patch of spec.replicas: no resourceVersion, so last writer wins.
"""

from __future__ import annotations

import typer

from kubesim.cli import context
from kubesim.cli.options import int_option
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
    replicas: int = int_option(..., "--replicas", help="The new desired number of replicas."),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    resource_version: str = typer.Option(
        None,
        "--resource-version",
        help="Precondition: scale only if the current resourceVersion matches (checked by the "
        "client before it sends anything).",
    ),
    current_replicas: int = int_option(
        -1,
        "--current-replicas",
        help="Precondition: scale only if the current replicas match (-1: no condition).",
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
    ns = namespace or "default"
    rv = None
    if resource_version or current_replicas != -1:
        rv = _check_scale_preconditions(kind, ns, name, resource_version, current_replicas)
    result = scale(context.api(), kind, ns, name, replicas, resource_version=rv)
    context.out(f"{kind.kubectl_name}/{name} scaled")
    context.note(_note(result), quiet=quiet)


def _check_scale_preconditions(
    kind, namespace: str, name: str, resource_version: str | None, current_replicas: int
) -> int:
    """kubectl's ScalePrecondition.validate on the Scale it GETs: a mismatch is an error before
    any request that writes. Returns the resourceVersion read (the PUT that follows carries it)."""
    from kubesim.api.subresources import scale_of

    live = scale_of(context.api().get(kind, namespace, name))
    actual_replicas = live["spec"]["replicas"]
    actual_rv = live["metadata"]["resourceVersion"]
    if current_replicas != -1 and actual_replicas != current_replicas:
        raise KubesimError(f"Expected replicas to be {current_replicas}, was {actual_replicas}")
    if resource_version and actual_rv != resource_version:
        raise KubesimError(f"Expected resource version to be {resource_version}, was {actual_rv}")
    return int(actual_rv)


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
