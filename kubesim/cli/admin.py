"""`kubesim reset`, `kubesim version` and `kubesim manifests [--copy DIR]`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

from kubesim import KUBERNETES_VERSION, __version__
from kubesim.cli import context
from kubesim.cli.options import check_output
from kubesim.model.errors import KubesimError


def register(app: typer.Typer) -> None:
    app.command(
        "reset",
        help="Delete the store: every object, its history and the journal."
        "\n\nExample: kubesim reset --yes",
    )(reset_command)
    app.command(
        "version",
        help="Print kubesim's version and the Kubernetes version it "
        "simulates.\n\nExample: kubesim version",
    )(version_command)
    app.command(
        "manifests",
        help="Show where the sample manifests are, or copy them out."
        "\n\nExample: kubesim manifests --copy ./my-manifests",
    )(manifests_command)


def reset_command(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
    force: bool = typer.Option(
        False,
        "--force",
        help="If a control plane (kubesim up) runs against the store, stop it first.",
    ),
) -> None:
    """Refuses while a `kubesim up` holds the store (it would go on running against the deleted
    store); `--force` stops it first, as Ctrl-C would, and says so. A corrupt store file is
    removed; a file that is not a kubesim store is not. An etcd store is emptied of everything
    kubesim keeps there."""
    from kubesim.store import check_store_file, control_plane_lock, remove_store

    store = context.store_location()
    with control_plane_lock(store) as lock:
        pid = lock.holder()
        who = "" if pid is None else lock.describe(pid)
        if pid is not None and not force:
            raise KubesimError(
                f"a control plane (kubesim up, {who}) is running against {store}: stop it "
                "first (Ctrl-C in its terminal), or use `kubesim reset --force` to stop it and "
                "reset"
            )
        if store.path is not None and not store.path.exists() and pid is None:
            context.out(f"nothing to reset: {store} does not exist")
            return
        check_store_file(store)  # refuses a file that is not a kubesim store, before anything
        if not yes:
            if not sys.stdin.isatty():
                raise KubesimError(f"refusing to delete {store} without --yes (no terminal to ask)")
            what = f" (and stop the control plane, {who})" if pid is not None else ""
            typer.confirm(f"Delete {store} and its whole history{what}?", abort=True)
        if pid is not None:
            lock.stop(pid)
            context.out(f"stopped the control plane (kubesim up, {who}) running against {store}")
        else:
            lock.clear_stale()  # a stale record (the file store's pid file), if any
    if remove_store(store):
        context.out(f"store {store} deleted")
    elif store.path is not None:
        context.out(f"nothing to reset: {store} does not exist")
    else:
        context.out(f"nothing to reset: {store} holds no kubesim store")


def version_command() -> None:
    context.out(f"kubesim {__version__} (simulates Kubernetes {KUBERNETES_VERSION})")


def manifests_command(
    copy: Path = typer.Option(None, "--copy", metavar="DIR", help="Copy the samples to DIR."),
) -> None:
    from kubesim.data import manifests_dir

    src = manifests_dir()
    if copy is None:
        context.out(str(src))
        for f in sorted(src.iterdir()):
            context.out(f"  {f.name}")
        return
    check_output(copy, "--copy", directory=True)
    if copy.exists() and any(copy.iterdir()):
        raise KubesimError(f"{copy} exists and is not empty; choose another directory")
    try:
        shutil.copytree(src, copy, dirs_exist_ok=True)
    except OSError as e:
        raise KubesimError(f"cannot copy the samples to {copy}: {e.strerror or e}") from e
    context.out(f"copied {len(list(src.iterdir()))} files to {copy}")
