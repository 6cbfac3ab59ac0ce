"""Watches through the front: the stream, its start, selectors, compaction, bookmarks, Tables."""

from __future__ import annotations

CMS = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def cm(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


def names(events):
    return [(e["type"], e["object"]["metadata"].get("name")) for e in events]


def test_without_a_resource_version_the_current_objects_come_first_as_added(served):
    served.request("POST", CMS, cm("a"))
    served.request("POST", CMS, cm("b"))
    w = served.watch(CMS + "?watch=1")
    assert w.status == 200 and w.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in w.headers
    assert names([w.next(), w.next()]) == [("ADDED", "a"), ("ADDED", "b")]
    served.request("POST", CMS, cm("c"))
    served.request("DELETE", CMS + "/a")
    assert names([w.next(), w.next()]) == [("ADDED", "c"), ("DELETED", "a")]
    w.close()


def test_from_a_resource_version_every_later_event_in_order(served):
    _, first, _ = served.request("POST", CMS, cm("a"))
    rv = first["metadata"]["resourceVersion"]
    served.request(
        "PATCH", CMS + "/a", {"data": {"k": "v"}}, {"Content-Type": "application/merge-patch+json"}
    )
    served.request(
        "POST",
        "/api/v1/namespaces/default/services",
        {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
    )
    served.request("POST", CMS, cm("b"))
    w = served.watch(CMS + f"?watch=1&resourceVersion={rv}")
    events = [w.next(), w.next()]
    assert names(events) == [("MODIFIED", "a"), ("ADDED", "b")]  # not the Service, not a's ADDED
    revisions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revisions == sorted(revisions) and revisions[0] > int(rv)
    w.close()


def test_a_selector_watch_sees_objects_leave_and_enter_it(served):
    served.request("POST", CMS, cm("a", tier="web"))
    w = served.watch(CMS + "?watch=1&labelSelector=tier%3Dweb")
    assert names([w.next()]) == [("ADDED", "a")]
    mp = {"Content-Type": "application/merge-patch+json"}
    served.request("POST", CMS, cm("other", tier="db"))  # never matches: not sent
    served.request("PATCH", CMS + "/a", {"metadata": {"labels": {"tier": "db"}}}, mp)
    served.request("PATCH", CMS + "/other", {"metadata": {"labels": {"tier": "web"}}}, mp)
    events = [w.next(), w.next()]
    assert names(events) == [("DELETED", "a"), ("ADDED", "other")]
    w.close()


def test_a_compacted_resource_version_gets_410_expired_and_the_client_relists(served):
    _, a, _ = served.request("POST", CMS, cm("a"))
    old = a["metadata"]["resourceVersion"]
    for i in range(3):
        served.request("POST", CMS, cm(f"n{i}"))
    store = served.open_store()
    store.compact(store.current_revision())
    floor = store.compact_revision()
    store.close()
    w = served.watch(CMS + f"?watch=1&resourceVersion={old}")
    assert w.status == 200  # as from kube-apiserver: the error is the stream's one event
    event = w.next()
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"
    assert event["object"]["message"] == f"too old resource version: {old} ({floor})"
    w.close()
    # the relist: LIST, then watch from its resourceVersion
    _, listed, _ = served.request("GET", CMS)
    assert len(listed["items"]) == 4
    w = served.watch(CMS + f"?watch=1&resourceVersion={listed['metadata']['resourceVersion']}")
    served.request("POST", CMS, cm("after"))
    assert names([w.next()]) == [("ADDED", "after")]
    w.close()


def test_bookmarks_only_when_asked(served):
    _, a, _ = served.request("POST", CMS, cm("a"))
    rv = a["metadata"]["resourceVersion"]
    served.request(
        "POST",
        "/api/v1/namespaces/default/services",
        {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
    )
    w = served.watch(CMS + f"?watch=1&resourceVersion={rv}&allowWatchBookmarks=true")
    bookmark = w.next()  # the fixture's bookmark interval is 0.2 s
    assert bookmark["type"] == "BOOKMARK"
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) > int(rv)  # past the Service
    w.close()
    w = served.watch(CMS + f"?watch=1&resourceVersion={rv}&timeoutSeconds=1")
    try:
        w.next()
        raise AssertionError("an event on a quiet watch without bookmarks")
    except EOFError:
        pass  # the stream ended at its timeout with nothing sent
    w.close()


def test_table_watch_events_carry_column_definitions_once(served):
    w = served.watch(CMS + "?watch=1", headers={"Accept": TABLE})
    served.request("POST", CMS, cm("a"))
    served.request("POST", CMS, cm("b"))
    first, second = w.next(), w.next()
    assert first["object"]["kind"] == "Table" and first["object"]["columnDefinitions"]
    assert second["object"]["columnDefinitions"] == []
    assert [first["object"]["rows"][0]["cells"][0], second["object"]["rows"][0]["cells"][0]] == [
        "a",
        "b",
    ]
    w.close()


def test_a_client_that_goes_away_ends_its_watch_and_nothing_else(served):
    w = served.watch(CMS + "?watch=1")
    served.request("POST", CMS, cm("a"))
    w.next()
    w.close()
    for i in range(3):  # writes after the client left: the server carries on
        assert served.request("POST", CMS, cm(f"x{i}"))[0] == 201
    w2 = served.watch(CMS + "?watch=1")
    assert len([w2.next() for _ in range(4)]) == 4
    w2.close()


def test_watching_clients_are_journaled_as_consumers(served):
    served.request("GET", CMS, headers={"User-Agent": "kubectl/v1.32.4 (linux/amd64)"})
    w = served.watch(CMS + "?watch=1&resourceVersion=1", headers={"User-Agent": "kubectl/v1.32.4"})
    served.request("POST", CMS, cm("a"))
    w.next()
    w.close()
    store = served.open_store()
    relist = store.journal(types=["relist"])
    starts = store.journal(types=["client"])
    deliveries = store.journal(types=["delivery"])
    store.close()
    assert [(e.actor, e.data["objects"]) for e in relist] == [("kubectl", 0)]
    assert [(e.actor, e.verb, e.data["prefixes"]) for e in starts] == [
        ("kubectl", "watch", ["/registry/configmaps/default/"])
    ]
    assert [(e.actor, e.verb, e.target) for e in deliveries] == [
        ("kubectl", "ADDED", "/registry/configmaps/default/a")
    ]
