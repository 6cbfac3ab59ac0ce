"""Lesson paths stay inside the lesson: its folder (what it copies from) and its work dir (what
it writes to).

A lesson may come from anywhere ($KUBESIM_LESSONS_DIR), so every path it names (`files:`,
`edit.file`, `edit.solution`, a command's `-f`, `--controller`, `> FILE` ...) must be relative,
without `..`, and must resolve (symlinks followed) inside its root. `problem(value)` says what is
wrong with a path as written, `file_problem(value)` with a file the lesson writes in its work dir
(not the work dir itself, nor its .kubesim/ where the store is); `inside(root, value)` is the
resolved path, checked; `tree(root, value)` checks every entry under a directory too (a symlink in
a copied folder). Each raises
PathEscape with the reason; format.py turns it into a LessonFormatError naming the lesson file
and the field, the runner and the CLI check again where they write (defence in depth).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from kubesim.model.errors import KubesimError


class PathEscape(KubesimError):
    """A lesson path that leads out of the lesson's folder or work dir."""


def problem(value: str) -> str | None:
    """What is wrong with `value` as a lesson path, as written (None: nothing)."""
    if not value.strip():
        return "an empty path"
    if value.startswith(("/", "~", "\\")):
        return f"{value} is an absolute path"
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return f"{value} goes up with .."
    return None


def file_problem(value: str) -> str | None:
    """What is wrong with `value` as a file the lesson writes in its work dir (None: nothing)."""
    reason = problem(value)
    if reason:
        return reason
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if not parts:
        return f"{value} names the folder itself, not a file in it"
    if parts[0] == ".kubesim":
        return f"{value} is in .kubesim/, where kubesim keeps the lesson's store"
    return None


def inside(root: Path, value: str) -> Path:
    """`root / value`, resolved (symlinks followed), refused unless it stays under `root`."""
    reason = problem(value)
    if reason:
        raise PathEscape(reason)
    base = root.resolve()
    path = (root / value).resolve()
    if path != base and base not in path.parents:
        raise PathEscape(f"{value} is a symlink that leads out of {root} (to {path})")
    return path


def tree(root: Path, value: str) -> Path:
    """`inside(root, value)`, and for a directory, every entry under it too."""
    path = inside(root, value)
    if (root / value).is_dir():
        for entry in sorted((root / value).rglob("*")):
            inside(root, entry.relative_to(root).as_posix())
    return path
