"""The SQLite store's on-disk format: schema, version marker, creation, the opening checks, and
the SQL (with its row arithmetic) that reads and writes that layout.

Called by kubesim/store/sqlite.py only: when it opens a file, and for every statement it runs
(SqliteStore keeps the connection, transactions and retries; this module knows the rows).

`check_file` reads the raw 100-byte SQLite header of an existing file and refuses anything that
is not a kubesim store *before* SQLite opens it, so a foreign file (a text file, somebody else's
database) is never modified: no WAL switch, no table. `check_open` then reads the schema version
through the WAL; `create` makes a new store.

Layout (schema version 2). It is shaped so that a single-key write changes as few pages as
possible: in WAL mode a commit costs about one WAL frame (a page) per page it changes, and that
is most of a write's time.
- history: one row per change. `id` = revision << 16 | sub (sub: the operation's position within
  its transaction) is the rowid, so every insert appends to the rightmost page and `events(start)`
  is a rowid range. A DELETE row keeps the deleted value (the watch event carries it) and has
  version 0. Each row links to the key's previous row (`prev`; 0: none; across deletes and
  re-creations) and to an older one (`jump`, with `depth` = how many rows of the key precede this
  one and `jdepth` = the jump target's depth: Myers' jump pointers), so finding a key's row at a
  past revision takes O(log versions) rowid lookups with no (key, revision) index to update on
  every write. The current revision is MAX(id) >> 16 (1 when empty): compaction never removes
  rows at or above the floor, so the newest row always survives and no counter row is written;
- kv: one row per key, pointing at the key's newest history row (`hid`). A deleted key stays as a
  tombstone (`deleted` = 1) until a compaction passes its delete, so that a read at a past
  revision finds, from kv, every key that existed then;
- snapshot: now and then (every few times as many revisions as there are keys, see sqlite.py),
  a copy of kv (key -> hid) at a revision, appended in the write that takes that revision. A
  read at a past revision walks back from the first snapshot at or after it rather than from kv,
  so its walks cover the changes of one snapshot interval, not of the whole history since then;
  compaction drops the snapshots below the floor;
- journal: the JournalEntry fields, `seq` as the rowid, `data` as JSON bytes (orjson);
- meta: schema_version, magic and compact_revision.
The SQLite header also carries application_id = APPLICATION_ID and user_version = SCHEMA_VERSION.
Pages are PAGE_SIZE bytes: rows are a few hundred bytes and a write changes about three pages, so
2 KB pages halve what each commit writes compared with SQLite's default 4 KB.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from kubesim.model.errors import StoreError

SCHEMA_VERSION = 2
#: set when the file is created (see the module docstring); SQLite ignores it afterwards
PAGE_SIZE = 2048
#: "KSIM": the SQLite header's application_id for a kubesim store.
APPLICATION_ID = 0x4B53494D
MAGIC = "kubesim-store"

SQLITE_MAGIC = b"SQLite format 3\x00"
#: the store file and the files SQLite keeps beside it in WAL mode
REMOVABLE_SUFFIXES = ("", "-wal", "-shm")

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    hid INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    deleted INTEGER NOT NULL,
    create_rev INTEGER NOT NULL,
    version INTEGER NOT NULL,
    prev INTEGER NOT NULL,
    jump INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    jdepth INTEGER NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL
);
CREATE TABLE snapshot (
    rev INTEGER NOT NULL,
    key TEXT NOT NULL,
    hid INTEGER NOT NULL,
    PRIMARY KEY (rev, key)
) WITHOUT ROWID;
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    verb TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    revision INTEGER NOT NULL,
    time REAL NOT NULL,
    data BLOB
);
"""

META_ROWS = (
    ("schema_version", SCHEMA_VERSION),
    ("magic", MAGIC),
    ("compact_revision", 0),
)


def check_file(path: Path) -> None:
    """Refuse an existing, non-empty file that is not a kubesim store this code can read.

    Reads bytes only: the file is never opened by SQLite if this raises.
    """
    check_version(path, check_ours(path))


#: the store files this process has open through SQLite, by (device, inode), with how many
#: connections: their header is not read again. Closing any descriptor of a file drops every
#: POSIX lock this process holds on it, SQLite's included; another process then believes it is
#: the file's only user and, on its last close, checkpoints and deletes the WAL the open
#: connections still write to (their commits would be lost to everyone else).
_open_files: dict[tuple[int, int], int] = {}
_open_lock = threading.Lock()


def opened(identity: tuple[int, int]) -> None:
    """A connection to the store file `identity` (device, inode) was opened in this process."""
    with _open_lock:
        _open_files[identity] = _open_files.get(identity, 0) + 1


def closed(identity: tuple[int, int]) -> None:
    with _open_lock:
        left = _open_files.get(identity, 0) - 1
        if left > 0:
            _open_files[identity] = left
        else:
            _open_files.pop(identity, None)


def is_open(path: Path) -> bool:
    """Whether this process has the store file at `path` open (then its header is not read)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    with _open_lock:
        return (st.st_dev, st.st_ino) in _open_files


def check_ours(path: Path) -> int:
    """Refuse a file whose header is not a kubesim store's; return its schema version. Reads the
    first 100 bytes only, so it holds for a store whose other pages are corrupt. A store this
    process has open is not read again (see `_open_files`): it is ours, at this version."""
    if is_open(path):
        return SCHEMA_VERSION
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise StoreError(f"cannot read the store file {path}: {e.strerror or e}") from e
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path} is not a kubesim store (it is not an SQLite database)")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise StoreError(
            f"{path} is not a kubesim store (an SQLite database written by another program)"
        )
    return int.from_bytes(header[60:64], "big")


def check_version(path: Path | str, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer kubesim (store schema version {version}; this "
            f"kubesim reads up to version {SCHEMA_VERSION}): upgrade kubesim to open it"
        )
    if version < 1:
        raise StoreError(f"{path} is not a kubesim store (no schema version)")
    if version < SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by an older kubesim (store schema version {version}; this "
            f"kubesim reads version {SCHEMA_VERSION} and cannot convert it): remove the file to "
            "start a new store"
        )


def create(conn: sqlite3.Connection) -> None:
    """Make an empty database a kubesim store (nothing if another process just did)."""
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # no effect once the file has a table
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created the store since we looked: check under the lock.
        empty = conn.execute("SELECT 1 FROM sqlite_schema LIMIT 1").fetchone() is None
        if empty and conn.execute("PRAGMA application_id").fetchone()[0] == 0:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in DDL.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", META_ROWS)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def check_open(conn: sqlite3.Connection, where: str) -> None:
    """Check an open database (through its WAL, which the raw header does not show); read only."""
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        raise StoreError(f"{where} is not a kubesim store (an SQLite database of another kind)")
    check_version(where, conn.execute("PRAGMA user_version").fetchone()[0])
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{where} is not a kubesim store (no meta table)") from e
    if meta.get("magic") != MAGIC or not isinstance(meta.get("schema_version"), int):
        raise StoreError(f"{where} is not a kubesim store (no kubesim marker)")
    check_version(where, meta["schema_version"])


# -- the statements kubesim.store.sqlite runs over this layout ---------------------------------

#: a history row's id is revision << SUB_BITS | sub (see schema.py)
SUB_BITS = 16
MAX_OPS = (1 << SUB_BITS) - 1

REV = "SELECT MAX(id) FROM history"
FLOOR_AND_REV = (
    "SELECT (SELECT value FROM meta WHERE key = 'compact_revision'), (SELECT MAX(id) FROM history)"
)
# A key's current row, with what a write needs: the newest history row and its jump target.
KEY_COLUMNS = (
    "k.hid, k.deleted, h.value, h.create_rev, h.version, h.depth, h.jump, h.jdepth, j.jump, "
    "j.jdepth"
)
KEY_JOINS = "LEFT JOIN history h ON h.id = k.hid LEFT JOIN history j ON j.id = h.jump"
REV_AND_KEY = (
    f"SELECT (SELECT MAX(id) FROM history), {KEY_COLUMNS} "
    f"FROM (SELECT 1) LEFT JOIN kv k ON k.key = ? {KEY_JOINS}"
)
KEY = f"SELECT {KEY_COLUMNS} FROM kv k {KEY_JOINS} WHERE k.key = ?"
KV_NOW = (
    "SELECT h.value, h.create_rev, k.hid >> 16, h.version FROM kv k JOIN history h "
    "ON h.id = k.hid WHERE k.key = ? AND NOT k.deleted"
)
KV_INSERT = "INSERT INTO kv VALUES (?, ?, ?)"
KV_UPDATE = "UPDATE kv SET hid = ?, deleted = ? WHERE key = ?"
HISTORY_INSERT = "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
JOURNAL_INSERT = (
    "INSERT INTO journal (type, actor, verb, target, outcome, revision, time, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# The rows of keys at a past revision: from each key's newest row (kv, tombstones included; or
# the snapshot taken next after that revision, which lists the same keys and fewer rows on), walk
# back until a row at or below the revision (:hi = revision << 16 | 0xFFFF), taking the jump
# pointer whenever it still lands above the revision (its revision is in its id: no read needed
# to decide), which makes the walk O(log versions since the revision) rowid lookups. A walk that
# runs out (prev 0, or a row that compaction removed) means the key did not exist then.
AT = (
    "WITH RECURSIVE walk(id) AS (SELECT hid FROM {start} {where} UNION ALL "
    "SELECT CASE WHEN h.jump > :hi THEN h.jump ELSE h.prev END FROM walk w "
    "JOIN history h ON h.id = w.id WHERE w.id > :hi) "
    "SELECT h.key, h.value, h.create_rev, h.id >> 16, h.version FROM walk w "
    "JOIN history h ON h.id = w.id WHERE w.id <= :hi AND NOT h.deleted"
)
# An event row: PUT rows carry the previous value (looked up through `prev`, not stored); a
# DELETE row stores the deleted value, which is both its value and its prev_value.
EVENT_COLUMNS = (
    "SELECT h.id, h.key, h.deleted, h.value, h.create_rev, h.version, "
    "CASE WHEN h.deleted THEN h.value WHEN h.version > 1 THEN "
    "(SELECT p.value FROM history p WHERE p.id = h.prev) END FROM history h WHERE "
)
# Compact(n): drop rows below n except, per key, the newest one below n, unless it is a delete;
# then the tombstones of keys deleted below n.
COMPACT_HISTORY = (
    "DELETE FROM history WHERE id < :lo AND (deleted OR id NOT IN "
    "(SELECT MAX(id) FROM history WHERE id < :lo GROUP BY key))"
)
COMPACT_KV = "DELETE FROM kv WHERE deleted AND hid < :lo"
COMPACT_SNAPSHOTS = "DELETE FROM snapshot WHERE rev < :floor"
NEXT_SNAPSHOT = "SELECT MIN(rev) FROM snapshot WHERE rev >= ?"


def revision_of(last: int | None) -> int:
    """The current revision from MAX(history.id): 1 when there is no row. An id no history row
    can have (the first write takes revision 2) means damaged pages: sqlite3.DatabaseError."""
    if last is None:
        return 1
    if type(last) is not int or last < 2 << SUB_BITS:
        raise sqlite3.DatabaseError(f"malformed history: a row id of {last!r}")
    return last >> SUB_BITS


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (None: no bound)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be encoded: skip to the next character
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def prefix_clause(prefix: str, column: str = "key") -> tuple[str, tuple[str, ...]]:
    end = prefix_end(prefix)
    if end is None:
        return "1", ()
    return f"{column} >= ? AND {column} < ?", (prefix, end)


def maybe_snapshot(cur: sqlite3.Cursor, revision: int, every: int, keys: int) -> None:
    """Copy kv into `snapshot` at `revision` if the last snapshot is at least
    max(every, keys * number of keys) revisions old (sqlite.py's SNAPSHOT_EVERY, SNAPSHOT_KEYS)."""
    last = cur.execute("SELECT MAX(rev) FROM snapshot").fetchone()[0] or 0
    if revision - last < every:
        return
    if keys:  # count the keys only as far as the threshold: bounded work per write
        most = (revision - last) // keys
        sql = "SELECT COUNT(*) FROM (SELECT 1 FROM kv LIMIT ?)"
        if cur.execute(sql, (most + 1,)).fetchone()[0] > most:
            return
    cur.execute("INSERT INTO snapshot SELECT ?, key, hid FROM kv", (revision,))


def next_jump(
    prev: int, depth: int, jump: int, jdepth: int, jjump: int | None, jjdepth: int
) -> tuple[int, int]:
    """The (jump, jdepth) of a key's next history row, given its newest row (`prev`, `depth`,
    `jump`, `jdepth`) and that row's jump target's (`jjump`, `jjdepth`; None: no target).

    Myers' jump pointer: skip to the jump target's jump when the two previous skips have the
    same length, else point at the previous row (a root row points nowhere)."""
    if jump and jjump is not None:
        if not jjump:  # the jump target is a root: it jumps to itself
            jjump, jjdepth = jump, jdepth
        if depth - jdepth == jdepth - jjdepth:
            return jjump, jjdepth
    return prev, depth


def walk_start(cur: sqlite3.Cursor, revision: int) -> tuple[str, int | None]:
    """Where a read at `revision` starts its walks: the first snapshot at or after it, else kv."""
    snap = cur.execute(NEXT_SNAPSHOT, (revision,)).fetchone()[0]
    return ("kv WHERE", None) if snap is None else ("snapshot WHERE rev = :snap AND", snap)


def hi(revision: int) -> int:
    """The largest history id of `revision`."""
    return revision << SUB_BITS | MAX_OPS
