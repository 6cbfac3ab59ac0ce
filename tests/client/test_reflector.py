"""The reflector: LIST then WATCH from the list's revision, resume after a drop, relist on 410."""

from __future__ import annotations

import pytest

from kubesim.api.server import ApiServer
from kubesim.client.informer import Informer
from kubesim.client.reflector import Reflector
from kubesim.model.errors import Expired
from kubesim.model.kinds import builtin
from kubesim.store.sqlite import SqliteStore

CM = builtin("ConfigMap")


def configmap(name: str, value: str = "1") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"v": value},
    }


@pytest.fixture
def api(tmp_path):
    server = ApiServer(SqliteStore(str(tmp_path / "s.db")))
    yield server
    server.store.close()


def reflector(api: ApiServer) -> tuple[Reflector, Informer]:
    informer = Informer(CM, check_mutation=True)
    return Reflector(api, {"ConfigMap": informer}), informer


def test_list_replaces_the_cache_at_the_lists_revision(api):
    api.create(configmap("a"))
    api.create(configmap("b"))
    r, informer = reflector(api)
    result = r.list_and_replace()
    assert (result.objects, result.items) == (2, 2)
    assert result.revision == api.store.current_revision() == r.last_sync_revision
    assert informer.has_synced and sorted(informer.cache.list_keys()) == ["default/a", "default/b"]


def test_events_the_list_already_brought_are_not_delivered_again(api):
    created = api.create(configmap("a"))
    r, informer = reflector(api)
    r.list_and_replace()
    (event,) = api.watch([CM], created.revision - 1)
    assert not r.deliver(event)  # the LIST brought revision `created.revision` already
    assert informer.stats.events == 0
    assert r.deliver(event, duplicate=True)  # at-least-once: a duplicate is handed over
    assert informer.stats.resyncs == 1  # same resourceVersion: a resync, not an update


def test_resume_after_a_dropped_watch_returns_exactly_what_was_missed(api):
    r, informer = reflector(api)
    r.list_and_replace()
    first = api.create(configmap("a")).revision
    (event,) = api.watch([CM], first - 1)
    assert r.deliver(event)
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    missed = [api.create(configmap(n)).revision for n in ("b", "c")]
    resumed = r.resume(api.store.current_revision())
    assert [ev.revision for ev in resumed] == missed  # only its kinds, in order, none twice
    for ev in resumed:
        r.deliver(ev)
    assert sorted(informer.cache.list_keys()) == ["default/a", "default/b", "default/c"]


def test_a_compacted_revision_means_410_expired_and_a_relist(api):
    r, informer = reflector(api)
    r.list_and_replace()
    stale = r.last_sync_revision
    for n in "abc":
        api.create(configmap(n))
    api.store.compact(api.store.current_revision())
    with pytest.raises(Expired) as err:
        r.resume(api.store.current_revision())
    assert err.value.code == 410 and f"too old resource version: {stale}" in str(err.value)
    result = r.list_and_replace()
    assert result.objects == 3 and len(informer.cache) == 3
