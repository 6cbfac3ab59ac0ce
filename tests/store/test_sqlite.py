"""The Store contract on SqliteStore, plus what only the SQLite file store promises: the file
format checks (a foreign or newer file is refused and left untouched), persistence, settings."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubesim.model.errors import StoreError
from kubesim.store import open_store, schema
from kubesim.store import sqlite as sqlite_store
from kubesim.store.base import Delete, JournalEntry, KeyValue, Put, Store
from kubesim.store.schema import AT as _AT
from kubesim.store.sqlite import SqliteStore, prefix_end
from tests.store.contract import StoreContract
from tests.store.sharing import SharedStoreContract


class TestSqliteContract(StoreContract):
    @pytest.fixture
    def new_store(self, tmp_path: Path) -> Iterator[Callable[[], Store]]:
        opened: list[Store] = []

        def make() -> Store:
            opened.append(SqliteStore(tmp_path / f"s{len(opened)}" / "store.db"))
            return opened[-1]

        yield make
        for s in opened:
            s.close()


class TestSnapshotsContract(StoreContract):
    """With a snapshot at every even revision: past reads start from snapshots."""

    @pytest.fixture
    def new_store(self, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Store]:
        monkeypatch.setattr(sqlite_store, "SNAPSHOT_EVERY", 2)
        monkeypatch.setattr(sqlite_store, "SNAPSHOT_KEYS", 0)
        return lambda: SqliteStore(None)


class TestInMemoryContract(StoreContract):
    """Path None: an in-memory database (tests only; the CLI always passes a file)."""

    @pytest.fixture
    def new_store(self) -> Callable[[], Store]:
        return lambda: SqliteStore(None)


class TestSqliteSharing(SharedStoreContract):
    @pytest.fixture
    def location(self, tmp_path: Path) -> str:
        return str(tmp_path / "store.db")


def snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_creates_parent_directories_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    with SqliteStore(path) as store:
        assert store.path == path
        store.txn([Put("/k", b"v")], [JournalEntry("command", target="/k")])
    with SqliteStore(path, create=False) as store:
        assert store.current_revision() == 2
        assert store.get("/k") == KeyValue("/k", b"v", 2, 2, 1)
        assert [j.revision for j in store.journal()] == [2]


def test_file_settings(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with SqliteStore(path) as store:
        conn = store._conn
        assert conn is not None
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == schema.APPLICATION_ID
    assert int.from_bytes(header[60:64], "big") == schema.SCHEMA_VERSION


def test_two_handles_on_one_file_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with SqliteStore(path) as writer, open_store(str(path)) as reader:
        writer.txn([Put("/k", b"1")])
        assert reader.current_revision() == 2
        assert [e.key for e in reader.events(2)] == ["/k"]
        reader.txn([Put("/k", b"2", expect_mod_revision=2)])
        assert writer.get("/k") == KeyValue("/k", b"2", 2, 3, 2)


def test_missing_file_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "store.db"
    with pytest.raises(StoreError, match=str(path)):
        SqliteStore(path, create=False)
    assert not path.parent.exists()


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="empty"):
        SqliteStore(path, create=False)
    assert path.read_bytes() == b""
    with SqliteStore(path) as store:
        assert store.current_revision() == 1


@pytest.mark.parametrize("content", [b"apiVersion: v1\nkind: Pod\n" * 20, b"x", b"SQLite format 3"])
def test_text_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    before = snapshot(path)
    with pytest.raises(StoreError, match="not a kubesim store") as info:
        SqliteStore(path)
    assert str(path) in str(info.value)
    assert snapshot(path) == before


@pytest.mark.parametrize("wal", [False, True])
def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path, wal: bool) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE kv (key TEXT, value BLOB)")
    conn.execute("INSERT INTO kv VALUES ('a', x'00')")
    conn.commit()
    conn.close()
    before = snapshot(path)
    with pytest.raises(StoreError, match="not a kubesim store") as info:
        SqliteStore(path)
    assert str(path) in str(info.value)
    assert snapshot(path) == before


def _bump_schema(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    conn.close()  # the last connection checkpoints the WAL into the file


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    _bump_schema(path, schema.SCHEMA_VERSION + 1)
    before = snapshot(path)
    with pytest.raises(StoreError, match="newer kubesim") as info:
        SqliteStore(path)
    assert str(path) in str(info.value)
    assert snapshot(path)[0] == before[0]


def test_newer_schema_still_in_the_wal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    keep = SqliteStore(path)  # keeps the WAL from being checkpointed on close
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE meta SET value = 99 WHERE key = 'schema_version'")
    try:
        with pytest.raises(StoreError, match="newer kubesim"):
            SqliteStore(path)
    finally:
        conn.close()
        keep.close()


def test_kubesim_marker_missing(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE meta")
    conn.close()
    with pytest.raises(StoreError, match="not a kubesim store"):
        SqliteStore(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="directory"):
        SqliteStore(tmp_path)


def test_closed_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.txn([Put("/k", b"v")])


def test_put_value_must_be_bytes(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "store.db") as store, pytest.raises(TypeError):
        store.txn([Put("/k", "text")])  # type: ignore[arg-type]


def test_prefix_end() -> None:
    assert prefix_end("") is None
    assert prefix_end("/a/") == "/a0"
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("a\ud7ff") == "a\ue000"


def test_listing_uses_the_key_range_not_a_scan(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "store.db") as store:
        conn = store._conn
        assert conn is not None
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key",
            ("/a/", "/a0"),
        ).fetchall()
        assert "SEARCH" in " ".join(row[-1] for row in plan)
        # watch: a rowid range of history, already in order
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM history WHERE id >= ? ORDER BY id", (5 << 16,)
        ).fetchall()
        text = " ".join(row[-1] for row in plan)
        assert "SEARCH" in text and "TEMP B-TREE" not in text
        # a past revision: the walk starts from the key range of kv and follows rowids
        for start in ("kv WHERE", "snapshot WHERE rev = :snap AND"):
            sql = _AT.format(start=start, where="key >= :lo AND key < :end") + " ORDER BY h.key"
            args = {"lo": "/a/", "end": "/a0", "hi": 9, "snap": 3}
            text = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
            assert "SCAN kv" not in text and "SCAN snapshot" not in text, text
            assert "SCAN h" not in text, text


def test_page_size(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "store.db") as store:
        assert store._conn is not None
        assert store._conn.execute("PRAGMA page_size").fetchone()[0] == schema.PAGE_SIZE


def test_older_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    _bump_schema(path, schema.SCHEMA_VERSION - 1)
    with pytest.raises(StoreError, match="older kubesim"):
        SqliteStore(path)


@pytest.mark.parametrize("snapshot_every", [1024, 16])
def test_long_histories_read_back_at_every_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, snapshot_every: int
) -> None:
    """Past reads walk each key's chain of rows (prev and jump pointers, from kv or from a
    snapshot): check them on keys with hundreds of versions, deletes and re-creations, before
    and after compactions."""
    monkeypatch.setattr(sqlite_store, "SNAPSHOT_EVERY", snapshot_every)
    rng = random.Random(7)
    keys = [f"/registry/leases/k{i}" for i in range(4)]
    with SqliteStore(tmp_path / "store.db") as store:
        model: dict[str, KeyValue] = {}
        snapshots: dict[int, dict[str, KeyValue]] = {1: {}}
        for n in range(600):
            key = rng.choice(keys)
            old = model.get(key)
            if old is not None and rng.random() < 0.1:
                rev = store.txn([Delete(key)]).revision
                del model[key]
            else:
                rev = store.txn([Put(key, b"%d" % n)]).revision
                create = old.create_revision if old else rev
                model[key] = KeyValue(key, b"%d" % n, create, rev, old.version + 1 if old else 1)
            snapshots[rev] = dict(model)

        def check(floor: int) -> None:
            for rev, snap in snapshots.items():
                if rev < floor:
                    continue
                want = sorted(snap.values(), key=lambda kv: kv.key)
                assert store.range("/registry/leases/", rev) == (want, rev)
                for key in keys:
                    assert store.get(key, rev) == snap.get(key)

        check(1)
        if snapshot_every < 100:
            assert store._conn is not None
            assert store._conn.execute("SELECT COUNT(DISTINCT rev) FROM snapshot").fetchone()[0] > 5
        store.compact(250)
        check(250)
        for key in keys[:2]:
            store.txn([Put(key, b"after")])
        store.compact(450)
        check(450)


def test_a_past_read_follows_few_links(tmp_path: Path) -> None:
    """Jump pointers: finding a version among thousands takes O(log n) steps, not O(n)."""
    with SqliteStore(tmp_path / "store.db") as store:
        for n in range(4000):
            store.txn([Put("/hot", b"%d" % n)])
        conn = store._conn
        assert conn is not None
        steps = []
        for rev in (2, 3, 1000, 2001, 3999, 4000):
            sql = "SELECT COUNT(*) FROM (" + _AT.split(" SELECT h.key")[0] + " SELECT id FROM walk)"
            hi = rev << 16 | 0xFFFF
            sql = sql.format(start="kv WHERE", where="key = :k")
            steps.append(conn.execute(sql, {"k": "/hot", "hi": hi}))
        counts = [c.fetchone()[0] for c in steps]
        assert max(counts) <= 40, counts
        assert store.get("/hot", 1000) == KeyValue("/hot", b"998", 2, 1000, 999)
