"""What every command needs: the store location, the API server, kind lookup, and the two streams.

The store is `--store LOCATION` (the CLI puts it in KUBESIM_STORE), else ./.kubesim/store.db: a
file path, or `etcd://HOST:PORT[,HOST:PORT...]` (kubesim/store/location.py). A malformed one is
one line and exit 1 when a command first needs it; file-only checks apply to files only.

stdout carries kubectl's text (or data with -o json|yaml|name); the dim CQRS notes go to stderr,
so scripts can parse stdout as they would kubectl's. Rich is imported only when a note is printed
to a terminal; without a TTY (or with NO_COLOR) notes are plain lines with no escape codes.

While a lesson is in progress, a command whose store is not the lesson's says so once, when it
opens the store: `note: using store .kubesim/store.db; lesson 4 works in DIR (cd there)` (on
stderr, never with `-o json|yaml|name|jsonpath=...` or -q). It costs reading progress.json.
"""

from __future__ import annotations

import errno
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kubesim.model.errors import KubesimError, StoreError, UnsupportedKind

if TYPE_CHECKING:
    from kubesim.api.server import ApiServer
    from kubesim.model.kinds import Kind
    from kubesim.store import StoreLocation

DEFAULT_STORE = Path(".kubesim") / "store.db"
#: whether a command notes that it uses another store than the lesson in progress (the lesson
#: engine turns it off for the commands it runs itself, in its own work dirs)
note_other_store = True


def store_location() -> StoreLocation:
    """`--store LOCATION` (the CLI puts it in KUBESIM_STORE), else ./.kubesim/store.db; a
    malformed location is refused in one line (cli/options.py)."""
    from kubesim.cli.options import store_location as checked

    return checked(os.environ.get("KUBESIM_STORE") or str(DEFAULT_STORE))


@cache
def api() -> ApiServer:
    from kubesim.api.server import ApiServer
    from kubesim.store import open_store

    location = store_location()
    if location.path is not None:
        check_store_path(location.path)
    server = ApiServer(open_store(location))
    lesson_store_note()
    return server


def check_store_path(path: Path, flag: str = "--store") -> None:
    """Refuse, in one clear line, a store path that can never hold a store file: a device, a FIFO
    or a socket (`--store /dev/null`), or a path under something that is not a directory."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        if e.errno != errno.ENOTDIR:
            raise StoreError(f"cannot use the store file {path}: {e.strerror or e}") from e
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        kinds = (
            (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"),
            (stat.S_ISFIFO, "a named pipe (FIFO)"),
            (stat.S_ISSOCK, "a socket"),
        )
        what = next((name for test, name in kinds if test(mode)), "not a regular file")
        example = f", such as {DEFAULT_STORE}" if flag == "--store" else ""
        raise StoreError(
            f"{path} is {what}, not a kubesim store: {flag} takes a file path{example}"
        )
    if mode is None:
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise StoreError(
                        f"cannot create the store file {path}: {parent} is not a directory"
                    )
                break


def lesson_store_note() -> None:
    """One note when a lesson is in progress and this command's store is not the lesson's."""
    output, quiet = _options()
    if not note_other_store or quiet or output not in ("", "wide"):
        return
    from kubesim.lessons import progress

    active = progress.load().active
    if not active:
        return
    lesson_store = progress.store_file(active)
    used = store_location()
    if used.path is not None and used.path.resolve() == lesson_store.resolve():
        return
    number = active.split("-", 1)[0].lstrip("0") or active
    note(
        f"note: using store {used}; lesson {number} works in {progress.work_dir(active)} (cd there)"
    )


def _options() -> tuple[str, bool]:
    """The running command's -o/--output value ("" when it has none) and its -q/--quiet. Reads
    click's current context, from whichever click typer uses (its own vendored copy in newer
    versions)."""
    for name in ("typer._click", "click"):
        current = getattr(sys.modules.get(name), "get_current_context", None)
        ctx = current(silent=True) if current else None
        if ctx is not None:
            return str(ctx.params.get("output") or ""), bool(ctx.params.get("quiet"))
    return "", False


def close() -> None:
    if api.cache_info().currsize:
        api().store.close()
        api.cache_clear()


def resolve_kind(resource: str) -> Kind:
    """kubectl's resource argument (`deploy`, `deployments.apps`, `Shirt`) to a Kind."""
    reg = api().registry()
    kind = reg.try_for_resource(resource)
    if kind is None:
        raise UnsupportedKind(
            f'the server doesn\'t have a resource type "{resource}"',
            hint="kubesim serves: " + ", ".join(sorted(k.plural for k in reg.kinds)),
        )
    return kind


def out(text: str) -> None:
    """kubectl's own text, to stdout."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def note(text: str, *, quiet: bool = False) -> None:
    """A CQRS annotation (dim on a colour terminal), to stderr."""
    if quiet:
        return
    if sys.stderr.isatty() and not os.environ.get("NO_COLOR"):
        sys.stderr.write(f"\x1b[2m{text}\x1b[0m\n")
    else:
        sys.stderr.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def parse_kind_names(args: list[str]) -> list[tuple[str, list[str]]]:
    """kubectl's `KIND[,KIND] [NAME ...]` or `KIND/NAME ...` forms, as (resource, names) pairs."""
    if not args:
        raise KubesimError(
            'you must specify the type of resource to get. Use "kubesim get all" or '
            "a kind such as pods, deployments, services"
        )
    if all("/" in a for a in args):
        pairs: dict[str, list[str]] = {}
        for a in args:
            resource, name = a.split("/", 1)
            pairs.setdefault(resource, []).append(name)
        return list(pairs.items())
    if any("/" in a for a in args):
        raise KubesimError(
            "there is no need to specify a resource type as a separate "
            "argument when passing arguments in resource/name form"
        )
    return [(r, args[1:]) for r in args[0].split(",") if r]


def one_object(
    args: list[str], usage: str, error: type[KubesimError] = KubesimError
) -> tuple[Kind, str]:
    """The one object `KIND NAME` or `KIND/NAME` names, as (Kind, name); `error(usage)` if the
    arguments name more or fewer than one."""
    pairs = parse_kind_names(args)
    if len(pairs) != 1 or len(pairs[0][1]) != 1:
        raise error(usage)
    resource, (name,) = pairs[0]
    return resolve_kind(resource), name
