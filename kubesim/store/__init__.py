"""The write model (etcd's role) and the journal: see base.py for the contract."""

from kubesim.store.base import Delete, Event, JournalEntry, KeyValue, Put, Store, TxnResult

__all__ = ["Delete", "Event", "JournalEntry", "KeyValue", "Put", "Store", "TxnResult", "open_store"]


def open_store(path: str | None = None, *, create: bool = True) -> Store:
    """Open the default (SQLite file) store at `path` (see cli for how the path is chosen)."""
    from kubesim.store.sqlite import SqliteStore

    return SqliteStore(path, create=create)
