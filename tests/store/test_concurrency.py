"""Several processes write the same store file at once: every write lands, under its own
revision, with no gap, no duplicate and no "database is locked" reaching the caller."""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

from kubesim.store.base import JournalEntry, Put
from kubesim.store.sqlite import SqliteStore

PROCESSES = 4
WRITES = 250


def _writer(path: str, worker: int, barrier: Any, results: Any) -> None:
    try:
        with SqliteStore(path) as store:
            barrier.wait(timeout=60)
            revisions = []
            for i in range(WRITES):
                key = f"/registry/configmaps/default/w{worker}-{i:04d}"
                entry = JournalEntry("command", actor=f"w{worker}", verb="create", target=key)
                result = store.txn([Put(key, b'{"n":%d}' % i, expect_mod_revision=0)], [entry])
                assert result.succeeded and result.changed == (key,)
                revisions.append(result.revision)
            results.put((worker, revisions, None))
    except BaseException:
        results.put((worker, [], traceback.format_exc()))


def test_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()  # created beforehand, as `kubesim` does on first use
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(path), w, barrier, results)) for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [err for _, _, err in outcomes if err]
    assert not errors, errors[0]
    assert all(p.exitcode == 0 for p in procs)

    total = PROCESSES * WRITES
    returned = sorted(r for _, revisions, _ in outcomes for r in revisions)
    assert returned == list(range(2, total + 2))  # exactly 2..N+1: no gap, none shared
    for _, revisions, _ in outcomes:
        assert revisions == sorted(revisions)  # each writer saw its own writes in order
    with SqliteStore(path, create=False) as store:
        assert store.current_revision() == total + 1
        assert store.count("/registry/configmaps/") == total
        events = store.events(2)
        assert [e.revision for e in events] == list(range(2, total + 2))
        journal = store.journal()
        assert len(journal) == total
        # each command's journal entry carries the revision of the write it describes
        by_key = {e.key: e.revision for e in events}
        assert all(j.revision == by_key[j.target] for j in journal)


def _creator(path: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        with SqliteStore(path) as store:
            results.put((store.txn([Put("/k", b"v")]).revision, None))
    except BaseException:
        results.put((0, traceback.format_exc()))


def test_processes_create_the_store_at_once(tmp_path: Path) -> None:
    path = tmp_path / "new" / "store.db"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    results = ctx.Queue()
    procs = [ctx.Process(target=_creator, args=(str(path), barrier, results)) for _ in range(3)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [err for _, err in outcomes if err] == []
    # the first writer creates the key; the others' identical Put writes nothing
    assert sorted(rev for rev, _ in outcomes) == [2, 2, 2]


def _killed_writer(path: str, acked: Any) -> None:
    with SqliteStore(path) as store:
        for i in range(100_000):
            key = f"/registry/configmaps/default/k{i:06d}"
            entry = JournalEntry("command", actor="w", verb="create", target=key)
            acked.put(store.txn([Put(key, b"v%d" % i)], [entry]).revision)


def test_acknowledged_writes_survive_a_killed_process(tmp_path: Path) -> None:
    """Durability against process crashes: a write that returned is in the file, whatever
    happens to its process afterwards (here SIGKILL in the middle of a stream of writes)."""
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    acked = ctx.Queue()
    proc = ctx.Process(target=_killed_writer, args=(str(path), acked))
    proc.start()
    last = 0
    while last < 3000:  # enough to cross automatic checkpoints in most runs
        last = acked.get(timeout=120)
    proc.kill()
    proc.join(timeout=60)
    while not acked.empty():
        last = max(last, acked.get(timeout=5))
    with SqliteStore(path, create=False) as store:
        assert store.current_revision() >= last
        events = store.events(2)
        assert [e.revision for e in events] == list(range(2, store.current_revision() + 1))
        journal = store.journal()
        assert len(journal) == len(events)
        assert [j.revision for j in journal] == [e.revision for e in events]
