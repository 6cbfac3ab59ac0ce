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


def reset_command(yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    path = context.store_path()
    if not path.exists():
        context.out(f"nothing to reset: {path} does not exist")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise KubesimError(f"refusing to delete {path} without --yes (no terminal to ask)")
        typer.confirm(f"Delete {path} and its whole history?", abort=True)
    from kubesim.store import open_store

    open_store(str(path), create=False).close()  # refuses a file that is not a kubesim store
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    context.out(f"store {path} deleted")


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
