"""The SQLite store's on-disk format: schema, version marker, creation and the opening checks.

Called by kubesim/store/sqlite.py only, when it opens a file. `check_file` reads the raw 100-byte
SQLite header of an existing file and refuses anything that is not a kubesim store *before* SQLite
opens it, so a foreign file (a text file, somebody else's database) is never modified: no WAL
switch, no table. `check_open` then reads the schema version through the WAL; `create` makes a
new store.

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

import sqlite3
from pathlib import Path

from kubesim.model.errors import StoreError

SCHEMA_VERSION = 2
#: set when the file is created (see the module docstring); SQLite ignores it afterwards
PAGE_SIZE = 2048
#: "KSIM": the SQLite header's application_id for a kubesim store.
APPLICATION_ID = 0x4B53494D
MAGIC = "kubesim-store"

SQLITE_MAGIC = b"SQLite format 3\x00"

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
    check_version(path, int.from_bytes(header[60:64], "big"))


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
