"""`kubesim rollout status|history|undo deployment/NAME`, with kubectl's messages.

`status` prints kubectl's progress lines; it waits for the rollout only while a control plane is
running (`kubesim up` holds the store's control-plane lock), and otherwise says that nothing will
progress until one runs. `history` lists the revisions kept in old ReplicaSets; `undo` puts a
previous revision's pod template back (a new command, so a new rollout).
"""

from __future__ import annotations

import time

import typer

from kubesim.cli import context
from kubesim.cli.options import duration_option, int_option
from kubesim.model.errors import KubesimError

rollout_app = typer.Typer(
    help="Manage the rollout of a Deployment.\n\nExample: kubesim rollout status deployment/web",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    rollout_app.command(
        "status",
        help="Show the rollout's progress (waits while a control "
        "plane runs).\n\nExample: kubesim rollout status deployment/web",
    )(status)
    rollout_app.command(
        "history",
        help="List the Deployment's revisions.\n\nExample: kubesim rollout history deployment/web",
    )(history)
    rollout_app.command(
        "undo",
        help="Roll back to the previous (or --to-revision) template.\n\n"
        "Example: kubesim rollout undo deployment/web",
    )(undo)
    app.add_typer(rollout_app, name="rollout")


def control_plane_running() -> bool:
    """Is a `kubesim up` process running against this store?"""
    from kubesim.cli.planelock import holder

    return holder() is not None


def _deployment(args: list[str], namespace: str | None):
    from kubesim.model.kinds import builtin

    kind, name = context.one_object(args, "exactly one deployment/NAME is required")
    if kind.kind != "Deployment":
        raise KubesimError(
            f"no status viewer has been implemented for {kind.kind}"
            if kind.kind != "ReplicaSet"
            else "rollout is supported for deployments only in kubesim"
        )
    api = context.api()
    ns = namespace or "default"
    dep = api.get(kind, ns, name)
    # every ReplicaSet of the namespace: controllers/rollout.py keeps those the Deployment controls
    rss, _ = api.list(builtin("ReplicaSet"), ns)
    return kind, dep, rss


def status(
    args: list[str] = typer.Argument(..., metavar="deployment/NAME"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    watch: bool = typer.Option(True, "--watch", "-w", help="Wait until the rollout finishes."),
    timeout: float = duration_option("0", "--timeout", help="Give up after this long (0: never)."),
) -> None:
    from kubesim.controllers.rollout import rollout_status

    end = time.monotonic() + timeout if timeout else None
    last = None
    while True:
        _, dep, rss = _deployment(args, namespace)
        message, done = rollout_status(dep, rss)
        if message != last:
            context.out(message)
            last = message
        if done or not watch:
            return
        if not control_plane_running():
            context.note(
                "no control plane is running, so nothing will progress: start "
                "`kubesim up` in another terminal (or run `kubesim reconcile`)"
            )
            raise typer.Exit(1)
        if end is not None and time.monotonic() > end:
            raise KubesimError("timed out waiting for the condition")
        time.sleep(0.1)
        context.close()  # re-open: read the store fresh


def history(
    args: list[str] = typer.Argument(..., metavar="deployment/NAME"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
) -> None:
    from kubesim.controllers.rollout import rollout_history

    kind, dep, rss = _deployment(args, namespace)
    context.out(f"{kind.kubectl_name}/{dep['metadata']['name']} ")
    context.out(rollout_history(dep, rss).rstrip("\n"))


def undo(
    args: list[str] = typer.Argument(..., metavar="deployment/NAME"),
    namespace: str = typer.Option(None, "--namespace", "-n"),
    to_revision: int = int_option(0, "--to-revision", minimum=0),
) -> None:
    from kubesim.controllers.rollout import rollback

    kind, dep, rss = _deployment(args, namespace)
    plan = rollback(dep, rss, to_revision)
    name = dep["metadata"]["name"]
    if not plan.skipped:

        def roll_back(live: dict) -> dict:
            live["spec"]["template"] = plan.template
            live["metadata"]["annotations"] = plan.annotations
            return live

        context.api().guaranteed_update(
            kind,
            dep["metadata"]["namespace"],
            name,
            roll_back,
            actor="user",
            verb="rollback",
            outcome="rolled back",
        )
    context.out(f"{kind.kubectl_name}/{name} {plan.message}")
