"""The Store contract on EtcdStore against a real etcd (tests/conftest.py's `etcd_server`), plus
what only the etcd store promises: its schema marker, one-line errors when etcd is unreachable,
failover between endpoints, identity, and revisions that are etcd's own."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator

import orjson
import pytest

from kubesim.model.errors import Compacted, StoreError, StoreReplaced
from kubesim.store import ControlPlaneHeld, etcdwatch, open_store
from kubesim.store.base import JournalEntry, Put, Store
from kubesim.store.etcd import EtcdStore
from kubesim.store.etcdhttp import Gateway, b64, unb64
from kubesim.store.etcdlock import LEASE_TTL_S
from tests.etcd import EtcdServer, free_port
from tests.store.contract import StoreContract


class TestEtcdContract(StoreContract):
    JOURNAL_TAKES_A_REVISION = True

    @pytest.fixture
    def new_store(self, etcd_store: Callable[[], Store]) -> Callable[[], Store]:
        return etcd_store


P = "/registry/pods/default/"


@pytest.fixture
def raw(etcd_server: EtcdServer) -> Iterator[Gateway]:
    """A client of the test etcd that is not a store: what another etcd client sees."""
    gateway = Gateway([f"127.0.0.1:{etcd_server.port}"], etcd_server.location)
    yield gateway
    gateway.close()


def test_objects_and_journal_are_etcd_keys_written_in_one_revision(
    etcd_store: Callable[[], EtcdStore], raw: Gateway
) -> None:
    store = etcd_store()
    ns = store.where.split("namespace ")[1].rstrip(")")
    result = store.txn([Put(P + "a", b"1")], [JournalEntry("command", target=P + "a")])
    answer = raw.post("/v3/kv/range", {"key": b64(ns + P + "a")})
    # the object is at its /registry key, at etcd's own revision
    assert int(answer["header"]["revision"]) == result.revision == store.current_revision()
    assert int(answer["kvs"][0]["mod_revision"]) == result.revision
    journal = raw.post(
        "/v3/kv/range",
        {"key": b64(ns + "/kubesim/journal/"), "range_end": b64(ns + "/kubesim/journal0")},
    )
    assert [int(kv["mod_revision"]) for kv in journal["kvs"]] == [result.revision]


def test_unreachable_etcd_is_one_line_naming_the_endpoints() -> None:
    port = free_port()
    with pytest.raises(StoreError) as info:
        EtcdStore(f"etcd://127.0.0.1:{port}")
    assert str(info.value) == (
        f"cannot reach etcd at etcd://127.0.0.1:{port} (127.0.0.1:{port}: connection refused)"
    )


def test_fails_over_to_the_next_endpoint(etcd_server: EtcdServer) -> None:
    dead = free_port()
    with EtcdStore(f"etcd://127.0.0.1:{dead},127.0.0.1:{etcd_server.port}", namespace="/fo") as s:
        assert s.where == f"etcd://127.0.0.1:{dead},127.0.0.1:{etcd_server.port} (namespace /fo)"
        assert s.txn([Put(P + "a", b"1")]).succeeded
        assert s.get(P + "a") is not None
        assert [e.key for e in s.events(s.current_revision())] == [P + "a"]


def test_a_newer_schema_is_refused(etcd_store: Callable[[], EtcdStore], raw: Gateway) -> None:
    store = etcd_store()
    ns = store.where.split("namespace ")[1].rstrip(")")
    marker = b'{"magic": "kubesim-store", "schema_version": 99}'
    raw.post("/v3/kv/put", {"key": b64(ns + "/kubesim/schema"), "value": b64(marker)})
    with pytest.raises(StoreError, match="written by a newer kubesim .store schema version 99"):
        EtcdStore(store.where.split(" ")[0], namespace=ns)
    raw.post("/v3/kv/put", {"key": b64(ns + "/kubesim/schema"), "value": b64(b"{}")})
    with pytest.raises(StoreError, match="are not a kubesim store"):
        EtcdStore(store.where.split(" ")[0], namespace=ns)


def test_open_without_create_needs_a_store(etcd_server: EtcdServer) -> None:
    with pytest.raises(StoreError, match="no kubesim store in etcd at"):
        EtcdStore(etcd_server.location, namespace="/never-created", create=False)


def test_identity_notices_a_reset(etcd_store: Callable[[], EtcdStore], raw: Gateway) -> None:
    store = etcd_store()
    ns = store.where.split("namespace ")[1].rstrip(")")
    store.check_identity()
    raw.post("/v3/kv/deleterange", {"key": b64(ns + "/"), "range_end": b64(ns + "0")})
    with pytest.raises(StoreReplaced, match="was removed"):
        store.check_identity()
    EtcdStore(store.where.split(" ")[0], namespace=ns).close()  # a new store, same place
    with pytest.raises(StoreReplaced, match="replaced by a new one"):
        store.check_identity()


def test_compaction_by_another_client_is_seen(
    etcd_store: Callable[[], EtcdStore], raw: Gateway
) -> None:
    store = etcd_store()
    revisions = [store.txn([Put(P + "a", str(i).encode())]).revision for i in range(5)]
    raw.post("/v3/kv/compaction", {"revision": revisions[3]})
    assert store.compact_revision() == revisions[3]
    with pytest.raises(Compacted) as info:
        store.events(revisions[1])
    assert info.value.compact_revision == revisions[3]
    assert [e.value for e in store.events(revisions[3])] == [b"3", b"4"]


def test_two_processes_share_the_journal_and_see_each_other(
    etcd_store: Callable[[], EtcdStore],
) -> None:
    one = etcd_store()
    ns = one.where.split("namespace ")[1].rstrip(")")
    two = EtcdStore(one.where.split(" ")[0], namespace=ns)
    try:
        start = one.current_revision()
        assert one.events(start + 1) == []  # one's watch is running from here on
        for i in range(6):
            writer = (one, two)[i % 2]
            writer.txn([Put(P + str(i), b"1")], [JournalEntry("command", target=str(i))])
            writer.append_journal([JournalEntry("delivery", actor=str(i))])
        # both journal sequences interleave without a gap or a repeat
        assert [(j.seq, j.target or j.actor) for j in two.journal()] == [
            (n + 1, str(n // 2)) for n in range(12)
        ]
        assert [e.key for e in one.events(start + 1)] == [P + str(i) for i in range(6)]
        # a start older than what the watch buffered is read by a watch of its own
        assert [e.key for e in one.events(start - 1, prefix=P)] == [P + str(i) for i in range(6)]
    finally:
        two.close()


def test_too_many_operations_for_etcd(etcd_store: Callable[[], EtcdStore]) -> None:
    store = etcd_store()
    with pytest.raises(ValueError, match="at most 126 operations on etcd"):
        store.txn([Put(P + str(i), b"1") for i in range(127)])
    assert store.txn([Put(P + str(i), b"1") for i in range(126)]).succeeded


def test_open_store_names_etcd_by_its_location(etcd_server: EtcdServer) -> None:
    location = f"etcd://127.0.0.1:{free_port()},127.0.0.1:{etcd_server.port}"
    with open_store(location) as store:
        assert isinstance(store, EtcdStore)
        assert store.where == location


def test_changes_wake_a_reader_when_another_process_commits(
    etcd_store: Callable[[], EtcdStore],
) -> None:
    reader = etcd_store()
    writer = EtcdStore(reader.endpoints, namespace=reader.namespace)
    woken = threading.Event()
    notifier = reader.changes(woken.set)
    notifier.start()
    try:
        writer.txn([Put(P + "a", b"1")])
        assert woken.wait(10) and notifier.changed.is_set()
        notifier.changed.clear()
        woken.clear()
        writer.append_journal([JournalEntry("delivery", actor="x")])  # a journal write commits
        assert woken.wait(10) and notifier.changed.is_set()
    finally:
        notifier.stop()
        writer.close()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_one_control_plane_per_store(etcd_store: Callable[[], EtcdStore], raw: Gateway) -> None:
    store = etcd_store()
    lock = store.control_plane_lock()
    assert lock.holder() is None
    with lock.hold():
        assert lock.holder() == os.getpid()
        other = EtcdStore(store.endpoints, namespace=store.namespace)
        with pytest.raises(ControlPlaneHeld, match=f"pid {os.getpid()}\\) is already running"):
            with other.control_plane_lock().hold():
                pass
        other.close()
        store.txn([Put(P + "a", b"1")])
        assert store.clear()  # reset keeps a running control plane's lock
        assert lock.holder() == os.getpid()
    assert lock.holder() is None
    key = b64(store.namespace + "/kubesim/control-plane")
    # an `up` of this machine that died without letting go never counts
    dead = orjson.dumps({"host": socket.gethostname(), "pid": _dead_pid()})
    raw.post("/v3/kv/put", {"key": key, "value": b64(dead)})
    assert lock.holder() is None
    with lock.hold():
        assert lock.holder() == os.getpid()
    raw.post("/v3/kv/put", {"key": key, "value": b64(dead)})
    lock.clear_stale()
    assert raw.post("/v3/kv/range", {"key": key}).get("kvs") is None
    # another machine's is stopped there
    away = orjson.dumps({"host": "instructor-laptop", "pid": 4242})
    raw.post("/v3/kv/put", {"key": key, "value": b64(away)})
    assert lock.holder() == 4242
    with pytest.raises(ControlPlaneHeld, match="pid 4242 on instructor-laptop"):
        with lock.hold():
            pass
    with pytest.raises(StoreError, match="runs on instructor-laptop: stop it there"):
        lock.stop(4242)


def test_a_dead_holders_lease_expires(etcd_store: Callable[[], EtcdStore], raw: Gateway) -> None:
    """The key is held by a lease: revoking it (what its expiry does) lets the store go."""
    store = etcd_store()
    lock = store.control_plane_lock()
    with lock.hold():
        key = b64(store.namespace + "/kubesim/control-plane")
        lease = raw.post("/v3/kv/range", {"key": key})["kvs"][0]["lease"]
        ttl = raw.post("/v3/lease/timetolive", {"ID": lease})
        assert 0 < int(ttl["TTL"]) <= LEASE_TTL_S
        raw.post("/v3/lease/revoke", {"ID": lease})
        assert lock.holder() is None


def test_reset_deletes_kubesim_keys_only(etcd_store: Callable[[], EtcdStore], raw: Gateway) -> None:
    store = etcd_store()
    ns = store.namespace
    raw.post("/v3/kv/put", {"key": b64(ns + "/other-program/x"), "value": b64(b"keep")})
    store.txn([Put(P + "a", b"1")], [JournalEntry("command", target=P + "a")])
    assert store.clear() is True
    with pytest.raises(StoreReplaced):
        store.check_identity()
    left = raw.post("/v3/kv/range", {"key": b64(ns + "/"), "range_end": b64(ns + "0")})
    assert [unb64(kv["key"]) for kv in left["kvs"]] == [(ns + "/other-program/x").encode()]
    with EtcdStore(store.endpoints, namespace=ns) as fresh:  # a new, empty store
        assert fresh.range("/registry/") == ([], fresh.current_revision())
        assert fresh.journal() == []
        assert fresh.clear() is False


def test_every_unreachable_endpoint_is_named_in_order() -> None:
    one, two = free_port(), free_port()
    with pytest.raises(StoreError) as info:
        EtcdStore(f"etcd://127.0.0.1:{one},localhost:{two}")
    assert str(info.value) == (
        f"cannot reach etcd at etcd://127.0.0.1:{one},localhost:{two} "
        f"(127.0.0.1:{one}: connection refused; localhost:{two}: connection refused)"
    )


def test_a_trimmed_watch_buffer_still_answers_every_start(
    etcd_store: Callable[[], EtcdStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buffer keeps the newest events (MAX_BUFFER); older starts are read by a watch."""
    monkeypatch.setattr(etcdwatch, "MAX_BUFFER", 6)
    store = etcd_store()
    first = store.current_revision() + 1
    revisions = []
    for i in range(20):
        ops = [Put(P + "a", str(i).encode()), Put(P + "b", str(i).encode())]
        revisions.append(store.txn(ops).revision)
        got = [e.revision for e in store.events(first)]
        assert got == [r for r in revisions for _ in "ab"]
    for start in (first, revisions[5], revisions[-3]):
        events = store.events(start, limit=3)
        assert [(e.key, e.revision) for e in events] == [
            (P + "a", start),
            (P + "b", start),
            (P + "a", start + 1),
            (P + "b", start + 1),
        ]


def test_a_put_the_compare_proves_different_is_a_plain_put(
    etcd_store: Callable[[], EtcdStore],
) -> None:
    """A create, and an update at a mod revision whose value this store wrote or read, send a
    plain put (no nested txn comparing the value); an update it knows nothing of, or whose
    value may be identical, sends the nested txn, so an identical Put still writes nothing."""
    one = etcd_store()
    ns = one.where.split("namespace ")[1].rstrip(")")
    two = EtcdStore(one.where.split(" ")[0], namespace=ns)
    sent: list[str] = []
    post = one.gateway.post

    def record(path: str, body: dict) -> dict:
        if path == "/v3/kv/txn":
            sent.append(next(iter(body["success"][0])))
        return post(path, body)

    one.gateway.post = record  # type: ignore[method-assign]
    try:
        key = P + "a"
        r1 = one.txn([Put(key, b"v1", 0)])
        r2 = one.txn([Put(key, b"v2", r1.revision)])
        assert sent == ["request_put", "request_put"]
        r3 = one.txn([Put(key, b"v2", r2.revision)])  # identical: nothing written
        assert sent[-1] == "request_txn" and r3.succeeded and r3.changed == ()
        r4 = two.txn([Put(key, b"v3", r2.revision)])  # another process: `one` knows nothing
        assert r4.changed == (key,)
        lost = one.txn([Put(key, b"v4", r2.revision)])  # stale: the compare fails
        assert not lost.succeeded and lost.current is not None and lost.current.value == b"v3"
        r5 = one.txn([Put(key, b"v4", r4.revision)])  # the failed compare told it the value
        assert sent[-1] == "request_put" and r5.changed == (key,)
        got = one.get(key)
        assert got is not None and (got.value, got.version) == (b"v4", 4)
        r6 = one.txn([Put(key, b"v4", got.mod_revision)])
        assert sent[-1] == "request_txn" and r6.changed == ()
        assert [e.value for e in two.events(r1.revision, prefix=key)] == [
            b"v1",
            b"v2",
            b"v3",
            b"v4",
        ]
    finally:
        two.close()
