"""The write model (etcd's role) and the journal: see base.py for the contract."""

from kubesim.store.base import Delete, Event, JournalEntry, KeyValue, Put, Store, TxnResult

__all__ = [
    "Delete",
    "Event",
    "JournalEntry",
    "KeyValue",
    "Put",
    "Store",
    "TxnResult",
    "check_store_file",
    "open_store",
    "remove_store",
]


def open_store(path: str | None = None, *, create: bool = True) -> Store:
    """Open the default (SQLite file) store at `path` (see cli for how the path is chosen)."""
    from kubesim.store.sqlite import SqliteStore

    return SqliteStore(path, create=create)


def remove_store(path: str) -> bool:
    """Delete the store at `path` (and the files kept beside it); False if there was none.
    Refuses a file that is not a kubesim store; removes a corrupt one."""
    from kubesim.store.files import remove_store as remove

    return remove(path)


def check_store_file(path: str) -> None:
    """Refuse (StoreError) an existing, non-empty file that is not a kubesim store, judged by
    its header alone (a corrupt store, or one of another schema version, passes)."""
    from kubesim.store.files import check_store_file as check

    check(path)
