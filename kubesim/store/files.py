"""The store as files on disk: is a file a kubesim store (by its header alone), removing it,
and copying it as files.

`check_store_file` and `remove_store` are called by `kubesim reset` (through kubesim.store).
Neither opens the file with SQLite, so both work on a store whose pages are corrupt, or of
another schema version, and never modify a file that is not a kubesim store. `copy_store_files`
and `replace_store_files` are the lessons' step-start copy (lessons/runner.py).
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from kubesim.model.errors import StoreError
from kubesim.store import schema
from kubesim.store.schema import REMOVABLE_SUFFIXES

#: the files that hold a store's commits: SQLite keeps recent ones in the -wal file beside the
#: store file (the -shm index is rebuilt from it when the store is opened)
DATA_SUFFIXES = ("", "-wal")


def check_store_file(path: str | Path) -> None:
    """Refuse (StoreError) a file at `path` that is not a kubesim store, judged by its header
    alone: a store whose other pages are corrupt, or of another schema version, passes, and so
    does an empty regular file (a store whose creation was interrupted) or none at all. A
    device or a FIFO (/dev/null, say) is refused without being read."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"cannot read the store file {p}: {e.strerror or e}") from e
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{p} is a directory, not a kubesim store")
    if not stat.S_ISREG(st.st_mode):  # /dev/null, a FIFO: never read, never removed
        raise StoreError(f"{p} is not a kubesim store (it is not a regular file)")
    if st.st_size:
        schema.check_ours(p)


def remove_store(path: str | Path) -> bool:
    """Delete the store file at `path` and its WAL and shared-memory files (check_store_file
    first); False if there was none."""
    p = Path(path)
    check_store_file(p)
    if not p.exists():
        return False
    for suffix in REMOVABLE_SUFFIXES:
        Path(str(p) + suffix).unlink(missing_ok=True)
    return True


def copy_store_files(path: str | Path, directory: str | Path) -> None:
    """Copy the store file at `path` and its WAL into `directory`, as files, under their names.
    The copy is consistent only if no process writes the store meanwhile."""
    p = Path(path)
    for suffix in DATA_SUFFIXES:
        src = p.with_name(p.name + suffix)
        if src.exists():
            shutil.copy2(src, Path(directory) / src.name)


def replace_store_files(path: str | Path, directory: str | Path) -> bool:
    """Put the store saved by copy_store_files in `directory` back at `path` (its WAL and
    shared-memory files replaced too); False, changing nothing, if none was saved there."""
    p, saved = Path(path), Path(directory)
    if not (saved / p.name).is_file():
        return False
    for suffix in REMOVABLE_SUFFIXES:
        p.with_name(p.name + suffix).unlink(missing_ok=True)
    for suffix in DATA_SUFFIXES:
        src = saved / (p.name + suffix)
        if src.exists():
            shutil.copy2(src, p.with_name(src.name))
    return True
