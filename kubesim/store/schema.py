"""The SQLite store's on-disk format: schema, version marker, and the checks made before opening.

Called by kubesim/store/sqlite.py only. `check_file` reads the raw 100-byte SQLite header of an
existing file and refuses anything that is not a kubesim store *before* SQLite opens it, so a
foreign file (a text file, somebody else's database) is never modified: no WAL switch, no table.

Layout (schema version 1):
- kv: the current state, one row per live key (what `get`/`range`/`count` at "now" read);
- history: one row per change, PRIMARY KEY (revision, sub) where sub is the operation's position
  within its transaction; a DELETE row keeps the deleted value (the watch event carries it). The
  store's current revision is MAX(history.revision) (1 when empty): compaction never removes rows
  at or above the floor, so the newest row always survives and no counter row has to be written;
- journal: the JournalEntry fields, `seq` as the rowid, `data` as JSON text;
- meta: schema_version, magic and compact_revision.
The SQLite header also carries application_id = APPLICATION_ID and user_version = SCHEMA_VERSION.
"""

from __future__ import annotations

from pathlib import Path

from kubesim.model.errors import StoreError

SCHEMA_VERSION = 1
#: "KSIM": the SQLite header's application_id for a kubesim store.
APPLICATION_ID = 0x4B53494D
MAGIC = "kubesim-store"

SQLITE_MAGIC = b"SQLite format 3\x00"

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    create_rev INTEGER NOT NULL,
    mod_rev INTEGER NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE history (
    revision INTEGER NOT NULL,
    sub INTEGER NOT NULL,
    key TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    value BLOB NOT NULL,
    create_rev INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (revision, sub)
) WITHOUT ROWID;
CREATE INDEX history_key ON history (key, revision);
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    verb TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    revision INTEGER NOT NULL,
    time REAL NOT NULL,
    data TEXT
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
