"""The default write model: etcd's MVCC key-value store and kubesim's journal in one SQLite file.

Opened through `kubesim.store.open_store` by the command side (`kubesim apply`, ... write and
exit) and by the read side (`kubesim up`/`reconcile` tail `events()`), often by several processes
at once on the same file. The semantics are base.py's; the file format is schema.py's.

Concurrency and durability:
- WAL mode: readers never block the writer and see a consistent snapshot per read transaction;
- every write is `BEGIN IMMEDIATE` (it takes the write lock before reading, so a transaction
  never has to upgrade a read lock, which fails under contention whatever the busy timeout), with
  a busy timeout and a retry loop on top: "database is locked" never reaches the caller;
- synchronous=NORMAL: in WAL mode a commit survives a crash of any process (the data is in the
  WAL file, which the OS keeps); only a power loss or OS crash may lose the last commits, never
  corrupt the file.
A store object may be shared by threads (one lock serialises its connection).

Damage: SQLite keeps no checksums, so a page overwritten in the middle of the file shows up as
"database disk image is malformed", as text that is not UTF-8, or as a value that does not
decode; every such error is a StoreCorrupt naming the file (never an sqlite3 traceback). The file's
identity (device, inode) is noted at open: `check_identity` says when it was removed or replaced.
Removing a store (`kubesim reset`) is files.py's; its change notifier is filewatch.py's and its
control-plane lock planelock.py's.

Write cost: a single-key write is BEGIN IMMEDIATE, one SELECT (current revision, the key's row and
what its new history row links to), an insert or update of kv, an append to history, an append to
journal, COMMIT. The commit writes each changed page to the WAL, about 3 to 4 pages of 2 KB (kv,
the tails of history and journal, now and then page 1 and a parent page when a table grows): see
schema.py for why the layout has no secondary index.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from kubesim.model.errors import (
    Compacted,
    FutureRevision,
    StoreCorrupt,
    StoreError,
    StoreReplaced,
)
from kubesim.store import schema
from kubesim.store.base import (
    ChangeNotifier,
    ControlPlaneLock,
    Delete,
    Event,
    JournalEntry,
    KeyValue,
    NoChanges,
    Put,
    Store,
    TxnResult,
)
from kubesim.store.schema import (
    AT,
    COMPACT_HISTORY,
    COMPACT_KV,
    COMPACT_SNAPSHOTS,
    EVENT_COLUMNS,
    FLOOR_AND_REV,
    HISTORY_INSERT,
    JOURNAL_INSERT,
    KEY,
    KV_INSERT,
    KV_NOW,
    KV_UPDATE,
    MAX_OPS,
    REV,
    REV_AND_KEY,
    SUB_BITS,
    hi,
    maybe_snapshot,
    next_jump,
    prefix_clause,
    prefix_end,
    revision_of,
    walk_start,
)

T = TypeVar("T")
_UNDECODABLE = re.compile(r"Could not decode to UTF-8 column '([^']*)'")
_NON_STR_KEYS = orjson.OPT_NON_STR_KEYS

BUSY_TIMEOUT_S = 5.0
#: how long the retry loop keeps trying to get the write lock before giving up with a StoreError
LOCK_DEADLINE_S = 120.0
#: WAL pages between automatic checkpoints (SQLite's default is 1000). Each checkpoint costs two
#: fsyncs (WAL, then the database file: synchronous=NORMAL's only syncs), which take milliseconds
#: on a busy disk: with 1000 pages (~250 writes of ~4 pages) they were a large and erratic part
#: of a write's time. 10000 pages of 2 KB: a WAL of up to ~20 MB, a checkpoint every ~2500 writes,
#: and each hot page (the tails of history and journal) copied once for more commits.
WAL_AUTOCHECKPOINT = 10000
#: past reads (walks through history rows) and watches read pages at random: map the file rather
#: than copy each page in with a read call (only the database file is mapped, never the WAL)
MMAP_SIZE = 256 << 20
#: Snapshots (see schema.py): a write whose revision is a multiple of SNAPSHOT_EVERY checks
#: whether the last snapshot is at least max(SNAPSHOT_EVERY, SNAPSHOT_KEYS * keys) revisions old,
#: and if so copies kv (key -> newest row) into `snapshot`. About 1/SNAPSHOT_KEYS of a snapshot row
#: per write; a past read then walks back from the next snapshot, a few revisions per key away.
SNAPSHOT_EVERY = 1024
SNAPSHOT_KEYS = 4


def _connect(target: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=256,
    )
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
    conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
    conn.execute("PRAGMA temp_store = MEMORY")  # sorts of past reads, compaction's key groups
    return conn


class SqliteStore(Store):
    """The Store contract on one SQLite file (`path`), or in memory when `path` is None."""

    def __init__(self, path: str | Path | None, create: bool = True) -> None:
        self._path = None if path is None or str(path) == ":memory:" else Path(path)
        self._where = str(self._path) if self._path else ":memory:"
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._conn = self._open(create)
        self._cur = self._conn.cursor()
        if self._path is not None:
            st = os.stat(self._path)
            self._identity = (st.st_dev, st.st_ino)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def where(self) -> str:
        return self._where

    def check_identity(self) -> None:
        if self._path is None or self._identity is None:
            return
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            raise StoreReplaced(
                f"the store file {self._path} was removed while this process had it open "
                "(by `kubesim reset` or by hand): nothing written since then can be seen"
            ) from None
        except OSError:
            return  # unreadable for a moment: the next check tells
        if (st.st_dev, st.st_ino) != self._identity:
            raise StoreReplaced(
                f"the store file {self._path} was replaced by another file while this process "
                "had it open (by `kubesim reset` or by hand)"
            )

    def _error(self, e: sqlite3.Error) -> StoreError:
        """An sqlite3 error (not busy or locked) as kubesim's: damage is a StoreCorrupt."""
        text = str(e)
        if isinstance(e, sqlite3.DatabaseError) and (
            not isinstance(e, sqlite3.OperationalError)
            or any(sign in text for sign in ("decode", "malformed", "unsupported file format"))
        ):
            column = _UNDECODABLE.match(text)  # the message quotes the damaged bytes: drop them
            if column:
                text = f"the text of a row's column {column.group(1)!r} is not UTF-8"
            elif text.startswith("malformed database schema"):
                text = "malformed database schema"
            return StoreCorrupt(self._where, text)
        return StoreError(f"store {self._where}: {text}")

    # -- opening ---------------------------------------------------------------------------

    def _open(self, create: bool) -> sqlite3.Connection:
        p = self._path
        if p is None:
            conn = _connect(":memory:")
            self._retry(conn, lambda: schema.create(conn))
            return conn
        if p.is_dir():
            raise StoreError(f"{p} is a directory, not a kubesim store")
        fresh = not p.exists() or p.stat().st_size == 0
        if fresh and not create:
            state = "is empty" if p.exists() else "does not exist"
            raise StoreError(f"no kubesim store at {p} (the file {state})")
        if fresh:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the store file {p}: {e.strerror or e}") from e
        else:
            schema.check_file(p)  # before SQLite touches the file
        try:
            conn = _connect(str(p))
        except sqlite3.Error as e:
            error = self._error(e)
            if isinstance(error, StoreCorrupt) and not fresh:  # a kubesim header, bad pages
                raise error from e
            raise StoreError(f"cannot open the store file {p}: {e}") from e
        try:
            if fresh:
                self._retry(conn, lambda: schema.create(conn))
            self._retry(conn, lambda: schema.check_open(conn, self._where))
            self._retry(conn, lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        except BaseException:
            conn.close()
            raise
        return conn

    # -- transactions and retries ----------------------------------------------------------

    def _retry(self, conn: sqlite3.Connection, fn: Callable[[], T]) -> T:
        deadline = 0.0
        delay = 0.001
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as e:
                text = str(e)
                if "locked" not in text and "busy" not in text:
                    raise self._error(e) from e
                now = time.monotonic()
                if not deadline:
                    deadline = now + LOCK_DEADLINE_S
                elif now > deadline:
                    raise StoreError(
                        f"the store {self._where} stayed locked by another process for more "
                        f"than {LOCK_DEADLINE_S:.0f} s"
                    ) from e
                time.sleep(delay)  # contention only: back off, then try again
                delay = min(delay * 2, 0.05)
            except sqlite3.DatabaseError as e:
                raise self._error(e) from e

    def _run(self, begin: str, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(cursor, *args) in one transaction (BEGIN IMMEDIATE for writes), retrying."""
        with self._lock:
            if self._conn is None:
                raise StoreError(f"store {self._where} is closed")
            try:
                return self._attempt(begin, fn, args)
            except sqlite3.OperationalError:
                pass  # busy or locked past the busy timeout (or worse): the slow path decides
            except sqlite3.DatabaseError as e:
                raise self._error(e) from e
            return self._retry(self._conn, lambda: self._attempt(begin, fn, args))

    def _attempt(self, begin: str, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        cur = self._cur
        cur.execute(begin)
        try:
            result = fn(cur, *args)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        try:
            cur.execute("COMMIT")
        except BaseException:
            if self._conn is not None and self._conn.in_transaction:
                cur.execute("ROLLBACK")  # so that the retry starts afresh
            raise
        return result

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement outside an explicit transaction (a statement reads one snapshot)."""
        with self._lock:
            if self._conn is None:
                raise StoreError(f"store {self._where} is closed")
            try:
                return self._cur.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                pass
            except sqlite3.DatabaseError as e:
                raise self._error(e) from e
            return self._retry(self._conn, lambda: self._cur.execute(sql, params).fetchall())

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return self._run("BEGIN IMMEDIATE", fn, *args)

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        return self._run("BEGIN", fn, *args)

    @staticmethod
    def _check_revision(cur: sqlite3.Cursor, revision: int) -> int:
        """Raise Compacted/FutureRevision for `revision`; return the current revision."""
        floor, last = cur.execute(FLOOR_AND_REV).fetchone()
        current = revision_of(last)
        if revision < floor:
            raise Compacted(revision, floor)
        if revision > current:
            raise FutureRevision(revision, current)
        return current

    # -- writes ----------------------------------------------------------------------------

    def txn(self, ops: Sequence[Put | Delete], journal: Sequence[JournalEntry] = ()) -> TxnResult:
        if len(ops) > 1:
            if len({op.key for op in ops}) != len(ops):
                raise ValueError("a transaction may not name the same key twice (as in etcd)")
            if len(ops) > MAX_OPS:
                raise ValueError(f"a transaction may have at most {MAX_OPS} operations")
        for op in ops:
            if type(op) is Put and not isinstance(op.value, bytes):
                raise TypeError(f"Put value for {op.key} must be bytes")
        with self._lock:  # _run, inlined: this is the hot path
            if self._conn is None:
                raise StoreError(f"store {self._where} is closed")
            args = (ops, journal)
            try:
                return self._attempt("BEGIN IMMEDIATE", self._apply, args)
            except sqlite3.OperationalError:
                pass
            except sqlite3.DatabaseError as e:
                raise self._error(e) from e
            return self._retry(
                self._conn, lambda: self._attempt("BEGIN IMMEDIATE", self._apply, args)
            )

    @staticmethod
    def _apply(
        cur: sqlite3.Cursor, ops: Sequence[Put | Delete], journal: Sequence[JournalEntry]
    ) -> TxnResult:
        execute = cur.execute
        rows = []
        if ops:  # the revision and the first key in one statement: the common case is one key
            last, *first = execute(REV_AND_KEY, (ops[0].key,)).fetchone()
        else:
            last = execute(REV).fetchone()[0]
        rev = revision_of(last)
        for i, op in enumerate(ops):
            if i:
                row = execute(KEY, (op.key,)).fetchone()
            else:
                row = None if first[0] is None else first
            # row: hid, deleted, value, create_rev, version, depth, jump, jdepth, j.jump, j.jdepth
            expect = op.expect_mod_revision
            if expect is not None:
                live = row is not None and not row[1]
                if (row[0] >> SUB_BITS if live else 0) != expect:
                    current = None
                    if live:
                        current = KeyValue(op.key, row[2], row[3], row[0] >> SUB_BITS, row[4])
                    return TxnResult(False, rev, failed_key=op.key, current=current)
            rows.append(row)
        new = rev + 1
        base = new << SUB_BITS
        changed: list[str] = []
        for op, row in zip(ops, rows, strict=True):
            key = op.key
            hid = base + len(changed)
            if row is None:  # a new key (no tombstone either)
                if type(op) is not Put:
                    continue
                execute(KV_INSERT, (key, hid, 0))
                execute(HISTORY_INSERT, (hid, 0, new, 1, 0, 0, 0, 0, key, op.value))
                changed.append(key)
                continue
            prev, deleted, value, create, version, depth, jump, jdepth, jjump, jjdepth = row
            jump, jdepth = next_jump(prev, depth, jump, jdepth, jjump, jjdepth)
            if type(op) is Put:
                if deleted:
                    create, version = new, 1
                elif value == op.value:
                    continue  # byte-identical: etcd is not written
                else:
                    version += 1
                execute(KV_UPDATE, (hid, 0, key))
                execute(
                    HISTORY_INSERT,
                    (hid, 0, create, version, prev, jump, depth + 1, jdepth, key, op.value),
                )
            else:
                if deleted:
                    continue
                execute(KV_UPDATE, (hid, 1, key))
                execute(
                    HISTORY_INSERT, (hid, 1, create, 0, prev, jump, depth + 1, jdepth, key, value)
                )
            changed.append(key)
        result = new if changed else rev
        if changed and not new % SNAPSHOT_EVERY:
            maybe_snapshot(cur, new, SNAPSHOT_EVERY, SNAPSHOT_KEYS)
        if len(journal) == 1:  # the common case, without _insert_journal's list
            e = journal[0]
            data = None if e.data is None else orjson.dumps(e.data, option=_NON_STR_KEYS)
            row = (e.type, e.actor, e.verb, e.target, e.outcome, result, e.time, data)
            execute(JOURNAL_INSERT, row)
        elif journal:
            _insert_journal(cur, journal, result)
        return TxnResult(True, result, tuple(changed))

    def append_journal(self, entries: Iterable[JournalEntry]) -> None:
        batch = list(entries)
        if batch:
            self._write(_insert_journal, batch, None)

    def compact(self, revision: int) -> None:
        self._write(self._compact, revision)

    @staticmethod
    def _compact(cur: sqlite3.Cursor, revision: int) -> None:
        floor = cur.execute(FLOOR_AND_REV).fetchone()[0]
        if revision <= floor:
            raise Compacted(revision, floor)
        SqliteStore._check_revision(cur, revision)
        lo = {"lo": revision << SUB_BITS}
        cur.execute(COMPACT_HISTORY, lo)
        cur.execute(COMPACT_KV, lo)
        cur.execute(COMPACT_SNAPSHOTS, {"floor": revision})
        cur.execute("UPDATE meta SET value = ? WHERE key = 'compact_revision'", (revision,))

    # -- reads -----------------------------------------------------------------------------

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """`revision` None (or <= 0, as in etcd) reads now."""
        if revision is None or revision <= 0:
            rows = self._query(KV_NOW, (key,))
            return KeyValue(key, *rows[0]) if rows else None
        return self._read(self._get, key, revision)

    def _get(self, cur: sqlite3.Cursor, key: str, revision: int) -> KeyValue | None:
        self._check_revision(cur, revision)
        start, snap = walk_start(cur, revision)
        sql = AT.format(start=start, where="key = :key")
        row = cur.execute(sql, {"key": key, "hi": hi(revision), "snap": snap}).fetchone()
        return None if row is None else KeyValue(*row)

    def range(
        self, prefix: str, revision: int | None = None, limit: int | None = None
    ) -> tuple[list[KeyValue], int]:
        return self._read(self._range, prefix, revision, limit)

    def _range(
        self, cur: sqlite3.Cursor, prefix: str, revision: int | None, limit: int | None
    ) -> tuple[list[KeyValue], int]:
        tail = "" if limit is None else f" LIMIT {int(limit)}"
        if revision is None or revision <= 0:
            last = cur.execute(REV).fetchone()[0]
            where, params = prefix_clause(prefix, "k.key")
            sql = (
                "SELECT k.key, h.value, h.create_rev, k.hid >> 16, h.version FROM kv k "
                f"JOIN history h ON h.id = k.hid WHERE {where} AND NOT k.deleted ORDER BY k.key"
            )
            rows = cur.execute(sql + tail, params).fetchall()
            return [KeyValue(*row) for row in rows], revision_of(last)
        self._check_revision(cur, revision)
        end = prefix_end(prefix)
        where = "1" if end is None else "key >= :lo AND key < :end"
        start, snap = walk_start(cur, revision)
        sql = AT.format(start=start, where=where) + " ORDER BY h.key" + tail
        args = {"lo": prefix, "end": end, "hi": hi(revision), "snap": snap}
        rows = cur.execute(sql, args).fetchall()
        return [KeyValue(*row) for row in rows], revision

    def count(self, prefix: str) -> int:
        where, params = prefix_clause(prefix)
        sql = f"SELECT COUNT(*) FROM kv WHERE {where} AND NOT deleted"
        return self._query(sql, params)[0][0]

    def events(
        self,
        start_revision: int,
        prefix: str = "",
        end_revision: int | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Watch from `start_revision` (inclusive). A `limit` never splits a revision: the
        events of the last revision returned are all returned (etcd's "atomic" guarantee)."""
        return self._read(self._events, start_revision, prefix, end_revision, limit)

    @staticmethod
    def _events(
        cur: sqlite3.Cursor, start: int, prefix: str, end: int | None, limit: int | None
    ) -> list[Event]:
        floor = cur.execute(FLOOR_AND_REV).fetchone()[0]
        if start < floor:
            raise Compacted(start, floor)
        where, params = prefix_clause(prefix, "h.key")
        sql = f"{EVENT_COLUMNS}h.id >= ? AND {where}"
        args: tuple[Any, ...] = (start << SUB_BITS, *params)
        if end is not None:
            sql += " AND h.id <= ?"
            args += (hi(end),)
        sql += " ORDER BY h.id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = cur.execute(sql, args).fetchall()
        if limit is not None and rows and len(rows) >= limit:
            last = rows[-1][0]
            rest = f"{EVENT_COLUMNS}h.id > ? AND h.id <= ? AND {where} ORDER BY h.id"
            rows += cur.execute(rest, (last, hi(last >> SUB_BITS), *params)).fetchall()
        return [
            Event("DELETE" if deleted else "PUT", key, i >> SUB_BITS, value, create, version, prev)
            for i, key, deleted, value, create, version, prev in rows
        ]

    def current_revision(self) -> int:
        try:
            return revision_of(self._query(REV)[0][0])
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e

    def compact_revision(self) -> int:
        return self._query(FLOOR_AND_REV)[0][0]

    def journal(
        self,
        types: Sequence[str] | None = None,
        since_seq: int = 0,
        actor: str | None = None,
        min_revision: int | None = None,
        max_revision: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        sql = (
            "SELECT type, actor, verb, target, outcome, revision, time, data, seq FROM journal "
            "WHERE seq > ?"
        )
        args: list[Any] = [since_seq]
        if types is not None:
            sql += f" AND type IN ({', '.join('?' * len(types))})"
            args += types
        if actor is not None:
            sql += " AND actor = ?"
            args.append(actor)
        if min_revision is not None:
            sql += " AND revision >= ?"
            args.append(min_revision)
        if max_revision is not None:
            sql += " AND revision <= ?"
            args.append(max_revision)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, args)
        try:
            return [
                JournalEntry(t, a, v, tg, o, r, tm, None if d is None else orjson.loads(d), s)
                for t, a, v, tg, o, r, tm, d, s in rows
            ]
        except orjson.JSONDecodeError as e:
            raise StoreCorrupt(self._where, f"a journal entry does not decode: {e}") from e

    def changes(self, wake: Callable[[], None] | None = None) -> ChangeNotifier:
        """A watchfiles thread on the file and its -wal (filewatch.py); in memory, nothing."""
        if self._path is None:
            return NoChanges(wake)
        from kubesim.store.filewatch import FileChangeNotifier

        return FileChangeNotifier(self._path, wake)

    def control_plane_lock(self) -> ControlPlaneLock:
        """The pid file beside the store file (planelock.py)."""
        if self._path is None:
            return super().control_plane_lock()
        from kubesim.store.planelock import FileControlPlaneLock

        return FileControlPlaneLock(self._path)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _insert_journal(
    cur: sqlite3.Cursor, entries: Sequence[JournalEntry], revision: int | None
) -> None:
    """Insert journal rows; `revision` (if not None) replaces each entry's revision."""
    rows = [
        (
            e.type,
            e.actor,
            e.verb,
            e.target,
            e.outcome,
            e.revision if revision is None else revision,
            e.time,
            None if e.data is None else orjson.dumps(e.data, option=_NON_STR_KEYS),
        )
        for e in entries
    ]
    if len(rows) == 1:
        cur.execute(JOURNAL_INSERT, rows[0])
    else:
        cur.executemany(JOURNAL_INSERT, rows)
