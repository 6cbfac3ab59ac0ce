"""The Store contract suite (base.py's docstrings as tests): every backend runs it.

A backend's test module subclasses `StoreContract` and provides a `new_store` fixture: a callable
returning a fresh, empty store each time it is called (the suite closes the stores it opens).
See tests/store/test_sqlite.py and test_etcd.py.

Revisions are written as `r(n)`: the n-th revision of a store that starts empty at r(1). A file
store starts at 1, so r(n) == n; a store in a shared etcd starts wherever etcd's revision is (its
revisions are etcd's own). A backend whose journal writes are keys of the same MVCC store (etcd)
sets JOURNAL_TAKES_A_REVISION: a transaction that only journals then takes a revision of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubesim.model.errors import Compacted, FutureRevision
from kubesim.store.base import Delete, Event, JournalEntry, KeyValue, Put, Store, TxnResult

P = "/registry/pods/default/"
_SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
D = "/registry/deployments/default/"


def cmd(target: str = "", **kw: Any) -> JournalEntry:
    fields: dict[str, Any] = {"actor": "user", "verb": "apply", "target": target} | kw
    return JournalEntry("command", **fields)


Rev = Callable[[int], int]


def base_of(store: Store) -> Rev:
    """r(n): the n-th revision of `store`, which is empty now at r(1)."""
    start = store.created_revision()
    return lambda n: start + n - 1


class StoreContract:
    #: a journal write is a write of the MVCC store itself (etcd): it takes a revision
    JOURNAL_TAKES_A_REVISION = False

    @pytest.fixture
    def store(self, new_store: Callable[[], Store]) -> Store:
        return new_store()

    @pytest.fixture
    def r(self, store: Store) -> Rev:
        return base_of(store)

    # -- revisions and per-key metadata ----------------------------------------------------

    def test_empty_store(self, store: Store, r: Rev) -> None:
        assert store.current_revision() == r(1) == store.created_revision()
        assert store.compact_revision() < r(1)
        assert store.get(P + "a") is None
        assert store.range("") == ([], r(1))
        assert store.count("") == 0
        assert store.events(r(1)) == []
        assert store.journal() == []

    def test_create_update_delete_recreate(self, store: Store, r: Rev) -> None:
        res = store.txn([Put(P + "a", b"1")])
        assert (res.succeeded, res.revision, res.changed) == (True, r(2), (P + "a",))
        assert store.get(P + "a") == KeyValue(P + "a", b"1", r(2), r(2), 1)
        assert store.txn([Put(P + "b", b"x")]).revision == r(3)
        assert store.txn([Put(P + "a", b"2")]).revision == r(4)
        assert store.get(P + "a") == KeyValue(P + "a", b"2", r(2), r(4), 2)
        res = store.txn([Delete(P + "a")])
        assert (res.revision, res.changed) == (r(5), (P + "a",))
        assert store.get(P + "a") is None
        store.txn([Put(P + "a", b"3")])
        # a delete resets version; create_revision is the re-creation's revision
        assert store.get(P + "a") == KeyValue(P + "a", b"3", r(6), r(6), 1)
        assert store.current_revision() == r(6)

    def test_identical_put_writes_nothing(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"same")])
        assert store.txn([Put(P + "a", b"same")]) == TxnResult(True, r(2), ())
        assert store.current_revision() == r(2)
        res = store.txn([Put(P + "a", b"same")], [cmd(P + "a", outcome="unchanged")])
        # the journal entry is written, with the current revision (in etcd, its own write's)
        now = r(3) if self.JOURNAL_TAKES_A_REVISION else r(2)
        assert (res.succeeded, res.revision, res.changed) == (True, now, ())
        assert store.current_revision() == now
        assert [e.revision for e in store.events(r(1))] == [r(2)]
        assert store.get(P + "a") == KeyValue(P + "a", b"same", r(2), r(2), 1)
        assert [(j.outcome, j.revision) for j in store.journal()] == [("unchanged", now)]

    def test_delete_of_missing_key_writes_nothing(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        res = store.txn([Delete(P + "missing")])
        assert (res.succeeded, res.revision, res.changed) == (True, r(2), ())
        assert store.current_revision() == r(2)
        assert len(store.events(r(1))) == 1

    def test_one_revision_per_transaction(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "z", b"old")])
        res = store.txn(
            [Put(P + "b", b"1"), Put(P + "a", b"1"), Delete(P + "z"), Put(D + "d", b"1")],
            [cmd(P + "b")],
        )
        assert res.revision == r(3)
        assert res.changed == (P + "b", P + "a", P + "z", D + "d")
        events = store.events(r(3))
        assert [(e.type, e.key, e.revision) for e in events] == [
            ("PUT", P + "b", r(3)),
            ("PUT", P + "a", r(3)),
            ("DELETE", P + "z", r(3)),
            ("PUT", D + "d", r(3)),
        ]
        assert store.current_revision() == r(3)
        assert [j.revision for j in store.journal()] == [r(3)]

    def test_partly_noop_transaction_lists_only_changes(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        res = store.txn([Put(P + "a", b"1"), Put(P + "b", b"1"), Delete(P + "gone")])
        assert (res.revision, res.changed) == (r(3), (P + "b",))
        assert [(e.key, e.revision) for e in store.events(r(3))] == [(P + "b", r(3))]

    def test_same_key_twice_in_one_transaction_is_refused(self, store: Store, r: Rev) -> None:
        with pytest.raises(ValueError):
            store.txn([Put(P + "a", b"1"), Delete(P + "a")])
        assert store.current_revision() == r(1)

    # -- compare-and-swap ------------------------------------------------------------------

    def test_create_only_if_absent(self, store: Store, r: Rev) -> None:
        assert store.txn([Put(P + "a", b"1", expect_mod_revision=0)]).succeeded
        res = store.txn([Put(P + "a", b"2", expect_mod_revision=0)])
        assert not res.succeeded
        assert (res.revision, res.failed_key, res.changed) == (r(2), P + "a", ())
        assert res.current == KeyValue(P + "a", b"1", r(2), r(2), 1)
        assert store.get(P + "a") == KeyValue(P + "a", b"1", r(2), r(2), 1)

    def test_update_on_mod_revision(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        store.txn([Put(P + "other", b"1")])
        stale = store.txn([Put(P + "a", b"2", expect_mod_revision=r(3))])
        assert not stale.succeeded and stale.current is not None
        assert stale.current.mod_revision == r(2)
        ok = store.txn([Put(P + "a", b"2", expect_mod_revision=r(2))])
        assert ok.succeeded and ok.revision == r(4)
        missing = store.txn([Put(P + "nope", b"1", expect_mod_revision=r(7))])
        assert not missing.succeeded and missing.current is None
        assert missing.failed_key == P + "nope"

    def test_conditional_delete(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        assert not store.txn([Delete(P + "a", expect_mod_revision=r(9))]).succeeded
        assert store.get(P + "a") is not None
        assert store.txn([Delete(P + "a", expect_mod_revision=r(2))]).revision == r(3)
        assert store.get(P + "a") is None

    def test_failed_compare_writes_nothing_journal_included(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")], [cmd(P + "a")])
        res = store.txn(
            [Put(P + "new", b"1"), Put(P + "a", b"2", expect_mod_revision=0)],
            [cmd(P + "a", outcome="created")],
        )
        assert not res.succeeded and res.failed_key == P + "a"
        assert store.get(P + "new") is None
        assert store.current_revision() == r(2)
        assert len(store.journal()) == 1
        assert len(store.events(r(1))) == 1

    # -- reads at past revisions -----------------------------------------------------------

    def test_get_at_past_revisions(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])  # 2
        store.txn([Put(P + "a", b"2")])  # 3
        store.txn([Delete(P + "a")])  # 4
        store.txn([Put(P + "b", b"1")])  # 5
        store.txn([Put(P + "a", b"3")])  # 6
        assert store.get(P + "a", r(1)) is None
        assert store.get(P + "a", r(2)) == KeyValue(P + "a", b"1", r(2), r(2), 1)
        assert store.get(P + "a", r(3)) == KeyValue(P + "a", b"2", r(2), r(3), 2)
        assert store.get(P + "a", r(4)) is None
        assert store.get(P + "a", r(5)) is None
        assert store.get(P + "a", r(6)) == KeyValue(P + "a", b"3", r(6), r(6), 1)
        assert store.get(P + "b", r(4)) is None

    def test_range_now_and_in_the_past(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "b", b"1"), Put(P + "a", b"1"), Put(D + "d", b"1")])  # 2
        store.txn([Delete(P + "a")])  # 3
        store.txn([Put(P + "c", b"1"), Put(P + "b", b"2")])  # 4
        items, rev = store.range(P)
        assert rev == r(4)
        assert [(kv.key, kv.value, kv.mod_revision) for kv in items] == [
            (P + "b", b"2", r(4)),
            (P + "c", b"1", r(4)),
        ]
        items, rev = store.range(P, revision=r(2))
        assert rev == r(2)
        assert items == [
            KeyValue(P + "a", b"1", r(2), r(2), 1),
            KeyValue(P + "b", b"1", r(2), r(2), 1),
        ]
        assert [kv.key for kv in store.range(P, revision=r(3))[0]] == [P + "b"]
        assert [kv.key for kv in store.range("", revision=r(3))[0]] == [D + "d", P + "b"]
        assert [kv.key for kv in store.range(P, limit=1)[0]] == [P + "b"]
        assert [kv.key for kv in store.range(P, revision=r(2), limit=1)[0]] == [P + "a"]

    def test_list_revision_is_the_store_revision(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        store.txn([Put(D + "d", b"1")])
        assert store.range(P) == ([KeyValue(P + "a", b"1", r(2), r(2), 1)], r(3))

    def test_prefix_is_a_prefix_not_a_pattern(self, store: Store, r: Rev) -> None:
        keys = ["/registry/pods/x", "/registry/pods0", "/registry/pods", "/registry/pod/x"]
        keys += ["/registry/pods/%", "/registry/pods/_a", "/registry/pods/\uffff"]
        keys += ["/registry/podsz", "/a", "/kubesim", "/kubesim0", "/z"]
        store.txn([Put(k, b"v") for k in keys], [cmd("/registry/pods/x")])
        want = sorted(k for k in keys if k.startswith("/registry/pods/"))
        assert [kv.key for kv in store.range("/registry/pods/")[0]] == want
        assert [kv.key for kv in store.range("/registry/pods/", revision=r(2))[0]] == want
        assert store.count("/registry/pods/") == len(want)
        # every key, and nothing but the keys written (no journal, no marker of the store's own)
        assert [kv.key for kv in store.range("")[0]] == sorted(keys)
        assert [kv.key for kv in store.range("", limit=6)[0]] == sorted(keys)[:6]
        assert store.count("") == len(keys)
        assert {e.key for e in store.events(r(1), prefix="/registry/pods/")} == set(want)
        assert {e.key for e in store.events(r(1))} == set(keys)

    def test_future_revision(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        with pytest.raises(FutureRevision):
            store.get(P + "a", r(3))
        with pytest.raises(FutureRevision):
            store.range(P, revision=r(3))
        assert store.events(r(3)) == []  # a watch from the future waits: nothing yet

    # -- watch -----------------------------------------------------------------------------

    def test_events_in_order_with_values(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])  # 2
        store.txn([Put(D + "d", b"1")])  # 3
        store.txn([Put(P + "a", b"2")])  # 4
        store.txn([Delete(P + "a")])  # 5
        events = store.events(r(2))
        assert events == [
            Event("PUT", P + "a", r(2), b"1", r(2), 1, None),
            Event("PUT", D + "d", r(3), b"1", r(3), 1, None),
            Event("PUT", P + "a", r(4), b"2", r(2), 2, b"1"),
            Event("DELETE", P + "a", r(5), b"2", r(2), 0, b"2"),
        ]
        assert events[0].is_create and not events[2].is_create and not events[3].is_create
        assert [e.revision for e in store.events(r(3))] == [r(3), r(4), r(5)]  # inclusive start
        assert [e.revision for e in store.events(r(2), prefix=P)] == [r(2), r(4), r(5)]
        assert [e.revision for e in store.events(r(2), end_revision=r(4))] == [r(2), r(3), r(4)]
        assert [e.revision for e in store.events(r(2), limit=2)] == [r(2), r(3)]

    def test_events_keep_coming(self, store: Store, r: Rev) -> None:
        """A watcher polls: each call sees the writes made since, at once."""
        seen: list[int] = []
        for i in range(2, 12):
            store.txn([Put(P + "a", str(i).encode())], [cmd(P + "a")])
            seen += [e.revision for e in store.events(seen[-1] + 1 if seen else r(1))]
            assert seen[-1] == store.current_revision()
        assert len(seen) == 10 and seen == sorted(set(seen))

    def test_limit_never_splits_a_revision(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        store.txn([Put(P + "b", b"1"), Put(P + "c", b"1"), Put(D + "d", b"1")])
        store.txn([Put(P + "e", b"1")])
        want = [P + "a", P + "b", P + "c", D + "d"]
        assert [e.key for e in store.events(r(1), limit=2)] == want
        assert [e.key for e in store.events(r(1), prefix=P, limit=2)] == [P + "a", P + "b", P + "c"]

    # -- compaction ------------------------------------------------------------------------

    def test_compaction(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])  # 2
        store.txn([Put(P + "b", b"1")])  # 3
        store.txn([Put(P + "a", b"2")])  # 4
        store.txn([Delete(P + "b")])  # 5
        store.txn([Put(P + "c", b"1")])  # 6
        store.txn([Put(P + "a", b"3")])  # 7
        store.compact(r(6))
        assert store.compact_revision() == r(6)
        for read in (
            lambda: store.get(P + "a", r(5)),
            lambda: store.range(P, revision=r(5)),
            lambda: store.events(r(5)),
        ):
            with pytest.raises(Compacted) as info:
                read()
            assert (info.value.revision, info.value.compact_revision) == (r(5), r(6))
        # the state at the floor is intact, including values last written before it
        assert store.get(P + "a", r(6)) == KeyValue(P + "a", b"2", r(2), r(4), 2)
        assert store.get(P + "b", r(6)) is None
        assert [kv.key for kv in store.range(P, revision=r(6))[0]] == [P + "a", P + "c"]
        assert store.events(r(6)) == [
            Event("PUT", P + "c", r(6), b"1", r(6), 1, None),
            Event("PUT", P + "a", r(7), b"3", r(2), 3, b"2"),
        ]
        assert store.range(P)[0] == [
            KeyValue(P + "a", b"3", r(2), r(7), 3),
            KeyValue(P + "c", b"1", r(6), r(6), 1),
        ]
        with pytest.raises(Compacted):
            store.compact(r(6))
        with pytest.raises(Compacted):
            store.compact(r(3))
        with pytest.raises(FutureRevision):
            store.compact(r(8))
        store.compact(r(7))
        assert store.compact_revision() == r(7)
        assert store.get(P + "a", r(7)) == KeyValue(P + "a", b"3", r(2), r(7), 3)
        assert store.get(P + "c", r(7)) == KeyValue(P + "c", b"1", r(6), r(6), 1)
        assert store.txn([Put(P + "d", b"1")]).revision == r(8)  # revisions keep counting

    def test_compact_at_current_revision_after_a_delete(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")])
        store.txn([Delete(P + "a")])
        store.compact(r(3))
        assert store.current_revision() == r(3)
        assert store.txn([Put(P + "a", b"2")]).revision == r(4)
        assert store.get(P + "a") == KeyValue(P + "a", b"2", r(4), r(4), 1)

    # -- journal ---------------------------------------------------------------------------

    def test_journal_entries_take_the_transaction_revision(self, store: Store, r: Rev) -> None:
        store.txn([Put(P + "a", b"1")], [cmd(P + "a", revision=99, time=1.5, data={"n": 1})])
        res = store.txn([], [cmd("nothing")])
        now = r(3) if self.JOURNAL_TAKES_A_REVISION else r(2)
        assert res == TxnResult(True, now, ())
        entries = store.journal()
        got = [(j.target, j.revision, j.seq) for j in entries]
        assert got == [(P + "a", r(2), 1), ("nothing", now, 2)]
        assert entries[0].time == 1.5 and entries[0].data == {"n": 1}
        assert entries[1].data is None

    def test_append_journal_and_filters(self, store: Store, r: Rev) -> None:
        store.append_journal(
            [
                JournalEntry("delivery", actor="scheduler", revision=3, time=1.0),
                JournalEntry("delivery", actor="kubelet-node-1", revision=5, time=2.0),
                JournalEntry(
                    "reconcile",
                    actor="scheduler",
                    target=P + "a",
                    outcome="no-op",
                    revision=5,
                    data={"triggers": [3, 5], "writes": []},
                ),
                JournalEntry("relist", actor="scheduler", revision=7, data={"objects": 2}),
            ]
        )
        store.append_journal([])
        all_entries = store.journal()
        assert [j.seq for j in all_entries] == [1, 2, 3, 4]
        assert [j.revision for j in all_entries] == [3, 5, 5, 7]  # kept as given
        assert all_entries[2].data == {"triggers": [3, 5], "writes": []}
        assert [j.seq for j in store.journal(types=["delivery"])] == [1, 2]
        assert [j.seq for j in store.journal(types=["delivery", "relist"])] == [1, 2, 4]
        assert [j.seq for j in store.journal(since_seq=2)] == [3, 4]
        assert [j.seq for j in store.journal(actor="scheduler")] == [1, 3, 4]
        assert [j.seq for j in store.journal(min_revision=5)] == [2, 3, 4]
        assert [j.seq for j in store.journal(max_revision=5)] == [1, 2, 3]
        assert [j.seq for j in store.journal(min_revision=5, max_revision=5)] == [2, 3]
        assert [j.seq for j in store.journal(limit=2)] == [1, 2]
        assert [j.seq for j in store.journal(types=["delivery"], actor="scheduler")] == [1]
        assert store.journal(types=[]) == []
        assert store.range("") == ([], store.current_revision())  # the journal is no object

    def test_journal_and_objects_share_seq_order(self, store: Store, r: Rev) -> None:
        store.append_journal([JournalEntry("delivery", actor="x", revision=1)])
        res = store.txn([Put(P + "a", b"1")], [cmd(P + "a"), cmd(P + "a", verb="second")])
        assert [(j.seq, j.revision) for j in store.journal(since_seq=1)] == [
            (2, res.revision),
            (3, res.revision),
        ]
        assert store.journal(since_seq=1)[1].verb == "second"
        assert store.get(P + "a") == KeyValue(P + "a", b"1", res.revision, res.revision, 1)

    def test_a_long_journal_reads_in_pages(self, store: Store, r: Rev) -> None:
        store.append_journal(
            JournalEntry("delivery", actor=f"c{i}", revision=i) for i in range(2500)
        )
        for i in range(30):
            store.txn([Put(P + str(i), b"1")], [cmd(P + str(i))])
        assert [j.seq for j in store.journal()] == list(range(1, 2531))
        assert [j.seq for j in store.journal(since_seq=2400, limit=3)] == [2401, 2402, 2403]
        assert [j.seq for j in store.journal(types=["command"], since_seq=2510)] == list(
            range(2511, 2531)
        )
        assert [j.actor for j in store.journal(since_seq=1999, limit=2)] == ["c1999", "c2000"]

    # -- a model check ---------------------------------------------------------------------

    @settings(
        max_examples=40,
        deadline=None,
        # one contract, several backends: each subclass is its own executor, by design
        suppress_health_check=_SUPPRESSED,
    )
    @given(
        st.lists(
            st.lists(
                st.tuples(st.sampled_from("abcd"), st.sampled_from([b"1", b"2", None])),
                min_size=0,
                max_size=3,
                unique_by=lambda op: op[0],
            ),
            max_size=12,
        )
    )
    def test_matches_a_model(
        self, new_store: Callable[[], Store], txns: list[list[tuple[str, bytes | None]]]
    ) -> None:
        """Random transactions against a dict model: every past revision reads back exactly."""
        store = new_store()
        model: dict[str, KeyValue] = {}
        first = rev = store.current_revision()
        snapshots: dict[int, dict[str, KeyValue]] = {rev: {}}
        for txn in txns:
            ops = [Put(P + k, v) if v is not None else Delete(P + k) for k, v in txn]
            changed = False
            new = dict(model)
            for k, v in txn:
                old = model.get(P + k)
                if v is None and old is not None:
                    del new[P + k]
                    changed = True
                elif v is not None and (old is None or old.value != v):
                    create = old.create_revision if old else rev + 1
                    version = old.version + 1 if old else 1
                    new[P + k] = KeyValue(P + k, v, create, rev + 1, version)
                    changed = True
            result = store.txn(ops)
            if changed:
                rev += 1
                model = new
            assert result.revision == rev
            snapshots[rev] = dict(model)
        assert store.current_revision() == rev
        for r, snap in snapshots.items():
            assert store.range(P, revision=r) == (sorted(snap.values(), key=lambda kv: kv.key), r)
            for k in "abcd":
                assert store.get(P + k, r) == snap.get(P + k)
        events = store.events(first)
        assert [e.revision for e in events] == sorted(e.revision for e in events)
        assert {e.revision for e in events} == set(range(first + 1, rev + 1))
