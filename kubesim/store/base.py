"""The Store contract: etcd's MVCC key-value model plus kubesim's journal.

Semantics (etcd v3, see shared/reference/k8s-semantics.md section 1):
- one global revision; an empty store is at revision 1; every transaction that changes something
  takes exactly one new revision for all its keys, and every event it produces carries it;
- each key keeps create_revision, mod_revision and version (1 on create, +1 per change; a delete
  resets it, so the next create has version 1 again);
- a `Put` with `expect_mod_revision` is a compare-and-swap (0 means "must not exist"); if any
  compare of a transaction fails nothing is written and `TxnResult.succeeded` is False;
- a Put whose value is byte-identical to the stored one writes nothing: no revision, no event;
  a Delete of a missing key writes nothing;
- history is kept until `compact(rev)`; reads and watches before the compaction floor raise
  `Compacted`, reads after the current revision raise `FutureRevision`;
- `events(start)` is etcd's watch: every event with revision >= start, in revision order (within
  a revision, in the order of the transaction's operations);
- the journal (commands, deliveries, reconciles, relists, ...) is appended in the same transaction
  as the write it describes, so the command log can never disagree with the objects;
- `changes(wake)` tells a long-running reader (`kubesim up`, `kubesim watch`) within
  milliseconds that some process committed a new revision (a ChangeNotifier; readers still poll
  slowly as a fallback, and may be woken by their own writes or by a write that changed nothing);
- `control_plane_lock()` records which process runs the store's control plane (`kubesim up`):
  one per store (a ControlPlaneLock); `clear()` deletes everything the store holds (`reset`).

Values are opaque bytes to the store (the API stores canonical JSON). Nothing outside
kubesim/store knows which backend is in use; every backend passes tests/store/contract.py.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubesim.model.errors import StoreCorrupt, StoreError

#: how long ControlPlaneLock.stop waits for a control plane to finish after SIGTERM
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True, slots=True)
class Event:
    """One watch event. For DELETE, `value` is the last value before the delete (what the API
    server sends: the old object stamped with the delete's revision) and version is 0."""

    type: str  # "PUT" or "DELETE"
    key: str
    revision: int
    value: bytes
    create_revision: int
    version: int
    prev_value: bytes | None = None

    @property
    def is_create(self) -> bool:
        return self.type == "PUT" and self.version == 1


@dataclass(frozen=True, slots=True)
class Put:
    key: str
    value: bytes
    #: None: unconditional; 0: the key must not exist; N: the key's mod_revision must be N
    expect_mod_revision: int | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    key: str
    expect_mod_revision: int | None = None


@dataclass(frozen=True, slots=True)
class TxnResult:
    succeeded: bool
    #: the revision this transaction took; if it changed nothing (or failed), the current revision
    revision: int
    #: the keys actually written (a no-op Put or a Delete of a missing key is not listed)
    changed: tuple[str, ...] = ()
    #: on a failed compare: the key whose compare failed, and its current value (None if absent)
    failed_key: str | None = None
    current: KeyValue | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One line of the journal.

    type: "command" (actor, verb, target, outcome, revision = the revision it produced, or the
    current one if it wrote nothing), "delivery" (actor = consumer, revision delivered),
    "reconcile" (actor = consumer, target = key, outcome "no-op" or "wrote", data: triggers,
    writes, duration), "relist" (actor, revision, data: objects, seconds), "cache" and others the
    read side adds. `time` is the clock of whoever wrote it (wall clock for command-side
    processes, the control plane's clock otherwise). `seq` is assigned by the store.
    """

    type: str
    actor: str = ""
    verb: str = ""
    target: str = ""
    outcome: str = ""
    revision: int = 0
    time: float = 0.0
    data: dict[str, Any] | None = field(default=None, compare=False)
    seq: int = 0


class ChangeNotifier(ABC):
    """Sets `changed` and calls `wake()` (from a background thread) when any process commits a
    new revision to the store, from `start()` until `stop()`. The reader clears `changed` before
    it reads. It may also fire for the reader's own writes, or for a write that took no revision
    (the reader compares revisions); if watching fails it stops quietly, so readers keep a slow
    poll as well. Made by `Store.changes`."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self.wake = wake
        self.changed = threading.Event()

    def notify(self) -> None:
        """What a backend calls when it sees a commit."""
        self.changed.set()
        if self.wake is not None:
            self.wake()

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...


class NoChanges(ChangeNotifier):
    """The notifier of a store no other process can write (in memory): it never fires."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class ControlPlaneHeld(StoreError):
    """`kubesim up` on a store whose control plane already runs (one per store)."""


class ControlPlaneLock(ABC):
    """Which process runs the control plane (`kubesim up`) of a store: one per store.

    `hold()` is a context manager that `up` keeps for as long as it runs (ControlPlaneHeld if
    another process holds it); however that process ends, a dead holder never counts.
    `holder()` is the pid of the running `up` (0 if it has not said yet), or None; `describe(pid)`
    names it in messages ("pid 4242"; a backend shared by machines may add the host). `stop(pid)`
    asks it to stop as on Ctrl-C and waits until it let go (`reset --force`): `stop_local` does
    that with SIGTERM for a holder on this machine (never send a signal to a pid read from
    another machine). `clear_stale()` forgets a record left by an `up` that no longer runs
    (`reset`). `where` names the store in messages. Made by `Store.control_plane_lock` (the file
    store's needs no open store: kubesim.store.control_plane_lock).
    """

    where: str = ""

    @abstractmethod
    def hold(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def holder(self) -> int | None: ...

    @abstractmethod
    def stop(self, pid: int, timeout: float = STOP_TIMEOUT_S) -> None: ...

    def describe(self, pid: int) -> str:
        """The holder `pid` as messages name it."""
        return f"pid {pid}"

    def held_error(self, pid: int) -> ControlPlaneHeld:
        return ControlPlaneHeld(
            f"a control plane (kubesim up, {self.describe(pid)}) is already running against "
            f"{self.where}: one control plane per store"
        )

    def clear_stale(self) -> None:
        """Forget what a dead holder left behind (nothing, by default)."""
        return None


def stop_local(lock: ControlPlaneLock, pid: int, timeout: float = STOP_TIMEOUT_S) -> None:
    """Send SIGTERM to `pid`, a holder of `lock` on this machine (an `up` ends as on Ctrl-C),
    and wait until no control plane holds the store; StoreError if one still does after
    `timeout` seconds."""
    if pid <= 0:
        raise StoreError(f"the control plane running against {lock.where} did not say its pid")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except OSError as e:
        raise StoreError(f"cannot stop the control plane (pid {pid}): {e.strerror or e}") from e
    end = time.monotonic() + timeout
    while lock.holder() is not None:
        if time.monotonic() > end:
            raise StoreError(
                f"the control plane (kubesim up, {lock.describe(pid)}) did not stop within "
                f"{timeout:g} s of SIGTERM; nothing was removed"
            )
        time.sleep(0.05)


class Store(ABC):
    """The write model. Every method is safe to call from several processes at once."""

    #: a read is a round trip to another process (etcd): the API server then keeps a copy of
    #: what it writes and reads for its next update (api/writecache.py); a file store's read
    #: costs less than the memory that copy would take
    remote: bool = False

    @abstractmethod
    def txn(self, ops: Sequence[Put | Delete], journal: Sequence[JournalEntry] = ()) -> TxnResult:
        """Apply all ops atomically under one new revision, with the journal entries, or nothing.

        Journal entries passed here get `revision` set to the transaction's result revision
        (the new one, or the current one if nothing changed) and are written in the same
        transaction. If a compare fails, nothing is written, journal included.
        """

    @abstractmethod
    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """The key's value at `revision` (default: now), or None if absent then."""

    @abstractmethod
    def range(
        self, prefix: str, revision: int | None = None, limit: int | None = None
    ) -> tuple[list[KeyValue], int]:
        """All keys starting with `prefix` at `revision`, sorted by key, and the revision read
        (the current revision when `revision` is None: a list's resourceVersion)."""

    @abstractmethod
    def count(self, prefix: str) -> int:
        """How many keys start with `prefix` now."""

    @abstractmethod
    def events(
        self,
        start_revision: int,
        prefix: str = "",
        end_revision: int | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Watch: events with start_revision <= revision (<= end_revision), in order."""

    @abstractmethod
    def current_revision(self) -> int: ...

    def created_revision(self) -> int:
        """The revision of this store when it was new and empty: 1 for a file store (as an
        empty etcd); in a shared etcd, the revision its marker was written at. The API server
        writes its initial objects into a store still at this revision."""
        return 1

    @abstractmethod
    def compact_revision(self) -> int:
        """The compaction floor: reads and watches below it raise Compacted (0: never compacted)."""

    @abstractmethod
    def compact(self, revision: int) -> None:
        """Drop history superseded before `revision` (the latest version of each key is kept)."""

    @abstractmethod
    def append_journal(self, entries: Iterable[JournalEntry]) -> None:
        """Append entries in one transaction (the read side batches them per loop tick)."""

    @abstractmethod
    def journal(
        self,
        types: Sequence[str] | None = None,
        since_seq: int = 0,
        actor: str | None = None,
        min_revision: int | None = None,
        max_revision: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Journal entries with seq > since_seq, filtered, in seq order."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def changes(self, wake: Callable[[], None] | None = None) -> ChangeNotifier:
        """A notifier (not started) that fires when any process commits a new revision."""

    def control_plane_lock(self) -> ControlPlaneLock:
        """Which process runs this store's control plane (see ControlPlaneLock)."""
        raise StoreError(
            f"the store {self.where} cannot record which process runs its control plane "
            "(kubesim up) on this backend yet"
        )

    def clear(self) -> bool:
        """Delete every object, its history and the journal (`kubesim reset`); False if the
        store held nothing. The file store is removed as files instead (kubesim.store)."""
        raise StoreError(f"the store {self.where} cannot be reset on this backend yet")

    @property
    def where(self) -> str:
        """How errors name this store (the file store: its path)."""
        return "(in memory)"

    def check_identity(self) -> None:
        """Raise StoreReplaced if what backs this store was removed or replaced since it was
        opened. A long-running process (`kubesim up`) calls it on every poll, so that it never
        goes on writing to a file nobody else can see. The default (in memory): nothing."""
        return None

    def corrupt(self, detail: str) -> StoreCorrupt:
        """The error for damaged contents: stored bytes that do not decode, say."""
        return StoreCorrupt(self.where, detail)

    def load_object(self, value: bytes, key: str, revision: int) -> dict[str, Any]:
        """A stored value as the object it holds (kubesim stores JSON objects with metadata);
        StoreCorrupt, naming the key, if it is not one. For callers that decode what they
        read: the API server and replay."""
        try:
            obj = orjson.loads(value)
        except ValueError as e:
            obj, detail = None, f"{e}"
        else:
            detail = "not an object with metadata"
        if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
            return obj
        raise self.corrupt(f"the value of {key} at revision {revision} does not decode: {detail}")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
