"""The store as files on disk: is a file a kubesim store (by its header alone), and removing it.

Called by `kubesim reset` (through kubesim.store.check_store_file and remove_store). Neither
opens the file with SQLite, so both work on a store whose pages are corrupt, or of another
schema version, and never modify a file that is not a kubesim store.
"""

from __future__ import annotations

import stat
from pathlib import Path

from kubesim.model.errors import StoreError
from kubesim.store import schema
from kubesim.store.schema import REMOVABLE_SUFFIXES


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
