"""`kubesim apply -f PATH --watch`: apply, then re-apply each time a manifest is saved.

Each save is a new command: its outcome (created, configured, unchanged, or the error) is printed
as `kubesim apply` prints it. A save that breaks the YAML prints the error and keeps watching.
Ctrl-C stops it. Called by cli/apply.py.
"""

from __future__ import annotations

from pathlib import Path

from kubesim.cli import context
from kubesim.model.errors import KubesimError

#: file endings kubectl reads from a directory
WATCHED = (".yaml", ".yml", ".json")


def _watched(path: Path) -> bool:
    return path.suffix in WATCHED and not path.name.startswith(".")


def watch_and_apply(paths: list[str], recursive: bool, namespace: str | None, quiet: bool) -> None:
    from watchfiles import watch

    from kubesim.cli.apply import apply_paths

    if "-" in paths:
        raise KubesimError("--watch needs files or directories, not standard input")
    _apply_once(apply_paths, paths, recursive, namespace, quiet)
    roots = [Path(p) for p in paths]
    context.note(f"watching {', '.join(paths)} for changes (Ctrl-C to stop)", quiet=False)
    try:
        for changes in watch(*roots, debounce=50, recursive=recursive):
            saved = sorted({p for _, p in changes if _watched(Path(p)) and Path(p).exists()})
            if not saved:
                continue
            context.note(f"saved: {', '.join(saved)}", quiet=quiet)
            _apply_once(apply_paths, saved, False, namespace, quiet)
    except KeyboardInterrupt:
        pass


def _apply_once(apply_paths, paths, recursive, namespace, quiet) -> None:
    try:
        apply_paths(paths, recursive, False, "", namespace, quiet)
    except KubesimError as e:
        context.err(str(e) if str(e).startswith("error") else f"error: {e}")
