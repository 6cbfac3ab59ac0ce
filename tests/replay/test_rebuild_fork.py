"""--rebuild ends equal to the live projection; --fork copies history and leaves the source."""

from __future__ import annotations

import hashlib

import pytest

from kubesim.model.errors import Compacted
from kubesim.replay.fork import fork
from kubesim.replay.history import History
from kubesim.replay.rebuild import rebuild
from kubesim.store.sqlite import SqliteStore
from tests.replay.conftest import build


@pytest.mark.parametrize(
    "consumer", ["kube-controller-manager", "kube-scheduler", "kubelet-node-2"]
)
def test_rebuild_equals_the_live_projection(history_store, consumer):
    history = History(history_store)
    result = rebuild(history_store, history, consumer)
    assert result.equal, (result.missing, result.extra, result.different)
    assert result.events > 0 and result.objects == result.live_objects > 0
    assert result.started_at == 1


def test_rebuild_after_compaction_starts_from_a_list(tmp_path):
    known = build(tmp_path / "s.db")
    with SqliteStore(str(known["path"])) as store:
        store.compact(known["second_apply"])
        result = rebuild(store, History(store), "kube-controller-manager")
        assert result.equal
        assert result.started_at == known["second_apply"] and result.listed > 0


def _digest(store: SqliteStore) -> str:
    h = hashlib.sha256()
    for ev in store.events(1):
        h.update(f"{ev.revision}{ev.key}{ev.type}".encode() + ev.value)
    for e in store.journal():
        h.update(repr((e.seq, e.type, e.actor, e.target, e.revision, e.data)).encode())
    return h.hexdigest()


def test_fork_copies_history_and_leaves_the_original_untouched(history_store, known, tmp_path):
    before = (_digest(history_store), history_store.current_revision())
    target = tmp_path / "whatif.db"
    at = known["second_apply"] - 1
    result = fork(history_store, History(history_store), at, target)
    assert (_digest(history_store), history_store.current_revision()) == before
    with SqliteStore(str(target)) as new:
        assert new.current_revision() == at == result.revisions
        old_events = [
            (e.revision, e.key, e.value) for e in history_store.events(1, end_revision=at)
        ]
        assert [(e.revision, e.key, e.value) for e in new.events(1)] == old_events
        forked = History(new)
        assert forked.user_revisions == [known["first_apply"]]
        assert forked.watches.keys() == History(history_store).watches.keys()


def test_fork_of_a_compacted_history_is_refused(tmp_path):
    known = build(tmp_path / "s.db")
    with SqliteStore(str(known["path"])) as store:
        store.compact(known["first_apply"])
        with pytest.raises(Compacted, match="oldest revision still kept"):
            fork(store, History(store), known["second_apply"], tmp_path / "f.db")


def test_frames_after_compaction(tmp_path):
    from kubesim.replay.state import Timeline

    known = build(tmp_path / "s.db")
    with SqliteStore(str(known["path"])) as store:
        store.compact(known["second_apply"])
        timeline = Timeline(store)
        assert timeline.history.revisions().start == known["second_apply"]
        end = timeline.frame(store.current_revision())
        projections = {p.consumer: p for p in end.projections}
        assert projections["kube-controller-manager"].cached == 1 + 1 + 5 + 4 + 1
