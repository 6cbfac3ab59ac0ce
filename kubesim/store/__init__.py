"""The write model (etcd's role) and the journal: see base.py for the contract.

A store is named by a LOCATION (location.py): a file path (the SQLite backend, sqlite.py) or
`etcd://HOST:PORT[,HOST:PORT...]` (the etcd backend, etcd.py, imported only when named). The
functions here are the only place that picks a backend; nothing outside kubesim/store knows
which one is in use.

What the etcd backend provides (kubesim.store.etcd): `EtcdStore(endpoints, create=...)`, a Store
whose `changes()`, `control_plane_lock()` and `clear()` work across machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kubesim.model.errors import StoreError
from kubesim.store.base import (
    ChangeNotifier,
    ControlPlaneHeld,
    ControlPlaneLock,
    Delete,
    Event,
    JournalEntry,
    KeyValue,
    Put,
    Store,
    TxnResult,
)
from kubesim.store.location import StoreLocation, parse_location

__all__ = [
    "ChangeNotifier",
    "ControlPlaneHeld",
    "ControlPlaneLock",
    "Delete",
    "Event",
    "JournalEntry",
    "KeyValue",
    "Put",
    "Store",
    "StoreLocation",
    "TxnResult",
    "check_store_file",
    "control_plane_lock",
    "open_store",
    "parse_location",
    "remove_store",
]

Location = str | Path | StoreLocation


def _etcd() -> Any:
    """The etcd backend's module, imported on first use (it needs a client library)."""
    try:
        from kubesim.store import etcd  # type: ignore[attr-defined, unused-ignore]
    except ModuleNotFoundError as e:
        if e.name != "kubesim.store.etcd":
            raise
        raise StoreError("etcd store backend not available in this kubesim") from None
    return etcd


def open_store(location: Location | None = None, *, create: bool = True) -> Store:
    """Open the store at `location` (see cli/context.py for how it is chosen): an etcd
    cluster for `etcd://...`, else the SQLite file (in memory when None or ":memory:")."""
    from kubesim.store.sqlite import SqliteStore

    if location is None or str(location) == ":memory:":
        return SqliteStore(None, create=create)
    loc = parse_location(location)
    if loc.path is None:
        store: Store = _etcd().EtcdStore(loc.endpoints, create=create)
        return store
    return SqliteStore(loc.path, create=create)


def remove_store(location: Location) -> bool:
    """Delete the store at `location`, everything it holds; False if there was none.
    A file store: the file and those kept beside it (files.py), refusing a file that is not a
    kubesim store and removing a corrupt one. Another backend: Store.clear()."""
    loc = parse_location(location)
    if loc.path is None:
        with open_store(loc) as store:
            return store.clear()
    from kubesim.store.files import remove_store as remove

    return remove(loc.path)


def check_store_file(location: Location) -> None:
    """For a file store: refuse (StoreError) an existing, non-empty file that is not a kubesim
    store, judged by its header alone (a corrupt store, or one of another schema version,
    passes). Other backends hold no file: nothing to check."""
    loc = parse_location(location)
    if loc.path is None:
        return
    from kubesim.store.files import check_store_file as check

    check(loc.path)


@contextmanager
def control_plane_lock(location: Location) -> Iterator[ControlPlaneLock]:
    """The control-plane lock of the store at `location` (base.ControlPlaneLock), for the block.
    The file store's needs no open store (a corrupt one can still be reset); another backend's
    comes from its open store, closed when the block ends."""
    loc = parse_location(location)
    if loc.path is not None:
        from kubesim.store.planelock import FileControlPlaneLock

        yield FileControlPlaneLock(loc.path)
        return
    with open_store(loc) as store:
        yield store.control_plane_lock()
