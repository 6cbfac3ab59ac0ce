"""guaranteed_update starts from the API server's own copy of an object (api/writecache.py), as
kube-apiserver's GuaranteedUpdate starts from its watch cache's: no read before the
compare-and-swap when the copy is current, and the same outcome as a read when it is stale
(another process wrote since): the write lands on the current value, a precondition is checked
against the current revision, and a write that looks unchanged on a stale copy is written."""

from __future__ import annotations

import pytest

from kubesim.api.server import ApiServer
from kubesim.model.errors import Conflict
from kubesim.model.kinds import builtin
from tests.counting import Counted

CM = builtin("ConfigMap")
KEY = CM.key("default", "cm")


def configmap(**data: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "default"},
        "data": data,
    }


def set_data(**data: str):
    def mutate(live: dict) -> dict:
        live["data"] = {**live.get("data", {}), **data}
        return live

    return mutate


@pytest.fixture
def two(stores):
    """This process's API server on a counted store, and another process's on the same store."""
    store = Counted(stores.open())
    return ApiServer(store, write_cache=True), store, ApiServer(stores.open())


def test_an_update_after_its_own_write_reads_nothing(two):
    api, store, _ = two
    api.create(configmap(a="1"))
    store.calls.clear()
    for i in range(3):
        r = api.guaranteed_update(
            CM, "default", "cm", set_data(a=str(i + 2)), actor="t", verb="update"
        )
        assert r.changed
    assert store.count("get") == 0
    assert store.count("txn") == 3
    live = api.get(CM, "default", "cm")
    assert live["data"] == {"a": "4"}
    assert live["metadata"]["resourceVersion"] == str(r.revision)


def test_a_stale_copy_costs_no_more_than_the_read_and_loses_no_write(two):
    api, store, other = two
    api.create(configmap(a="1"))
    other.guaranteed_update(CM, "default", "cm", set_data(b="2"), actor="o", verb="update")
    store.calls.clear()
    r = api.guaranteed_update(CM, "default", "cm", set_data(a="3"), actor="t", verb="update")
    assert r.changed and r.obj["data"] == {"a": "3", "b": "2"}  # on top of the other's write
    assert store.count("get") + store.count("txn") == 2  # a failed compare, then the write
    assert other.get(CM, "default", "cm")["data"] == {"a": "3", "b": "2"}


def test_a_precondition_is_checked_against_the_live_revision(two):
    api, _, other = two
    created = api.create(configmap(a="1")).revision
    live = other.guaranteed_update(CM, "default", "cm", set_data(b="2"), actor="o", verb="update")
    # the body's resourceVersion is the live one: no Conflict, though the copy is older
    body = configmap(a="5", b="2")
    body["metadata"]["resourceVersion"] = str(live.revision)
    assert api.update(body).changed
    body["metadata"]["resourceVersion"] = str(created)  # stale: Conflict
    with pytest.raises(Conflict):
        api.update(body)


def test_an_update_unchanged_on_a_stale_copy_is_written(two):
    api, _, other = two
    api.create(configmap(a="1"))
    other.guaranteed_update(CM, "default", "cm", set_data(a="2"), actor="o", verb="update")
    # on this API server's copy a=1 is no change; the live object has a=2
    r = api.guaranteed_update(CM, "default", "cm", set_data(a="1"), actor="t", verb="update")
    assert r.changed
    assert other.get(CM, "default", "cm")["data"] == {"a": "1"}
    unchanged = [e for e in api.store.journal(types=["command"]) if e.outcome == "unchanged"]
    assert unchanged == []


def test_an_object_deleted_by_another_process_is_not_found(two):
    from kubesim.api.delete import delete
    from kubesim.model.errors import NotFound

    api, _, other = two
    api.create(configmap(a="1"))
    delete(other, CM, "default", "cm")
    with pytest.raises(NotFound):
        api.guaranteed_update(CM, "default", "cm", set_data(a="2"), actor="t", verb="update")


def test_events_are_not_kept(two):
    """kube-apiserver's watch cache is off for Events: many, hardly ever updated."""
    api, store, _ = two
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Scheduled",
        "message": "m",
    }
    api.create(event)
    assert len(api._written) == 0
    store.calls.clear()
    kind = builtin("Event")
    api.guaranteed_update(
        kind, "default", "e1", lambda live: {**live, "message": "n"}, actor="t", verb="update"
    )
    assert store.count("get") == 1
