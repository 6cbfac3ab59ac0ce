"""Clients of the front are consumers: `lag`, the live view's rows and replay show them by name,
with their own projection and staleness, beside the control plane's processes."""

from __future__ import annotations

import pytest

from kubesim.cli.lag import lag_rows
from kubesim.replay.state import Timeline
from kubesim.sim.clients import ClientProjections

CMS = "/api/v1/namespaces/default/configmaps"
KUBECTL = {"User-Agent": "kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd"}


def cm(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def a_client_that_watched_then_left(served) -> tuple[int, int]:
    """While a control plane runs, kubectl watches ConfigMaps, sees `b`, goes away; `c` is
    written after. Returns the revision it saw last and the revision before it watched."""
    served.request("POST", CMS, cm("a"))
    served.settle(stop=False)
    _, listed, _ = served.request("GET", CMS, headers=KUBECTL)
    before = int(listed["metadata"]["resourceVersion"])
    w = served.watch(CMS + f"?watch=1&resourceVersion={before}&timeoutSeconds=1", headers=KUBECTL)
    _, b, _ = served.request("POST", CMS, cm("b"))
    assert w.next()["object"]["metadata"]["name"] == "b"
    with pytest.raises(EOFError):  # the server ended the watch: c is written after it
        w.next()
    w.close()
    served.request("POST", CMS, cm("c"))
    return int(b["metadata"]["resourceVersion"]), before


def test_lag_shows_the_client_projection_and_what_it_has_not_seen(served):
    seen, _ = a_client_that_watched_then_left(served)
    store = served.open_store()
    rows, _, _ = lag_rows(store)
    store.close()
    by_name = {r[0]: r for r in rows[1:]}
    assert "kube-controller-manager" in by_name  # beside the processes
    kubectl = by_name["kubectl"]
    assert kubectl[1] == f"r{seen}"
    assert kubectl[2] == "1"  # c: a ConfigMap written after it left
    assert kubectl[5] == "ConfigMap (kubesim serve client)"


def test_the_live_view_rows_of_clients(served):
    seen, _ = a_client_that_watched_then_left(served)
    store = served.open_store()
    clients = ClientProjections(store)
    clients.refresh()
    projections, staleness = clients.rows(now=served.plane.clock.now())
    store.close()
    assert [(p.consumer, p.revision, p.relists, p.watches) for p in projections] == [
        ("kubectl", seen, 1, "cm (http)")
    ]
    assert [(s.consumer, s.events_behind) for s in staleness] == [("kubectl", 1)]


def test_replay_shows_the_client_from_when_it_watched(served):
    seen, before = a_client_that_watched_then_left(served)
    store = served.open_store()
    timeline = Timeline(store)
    early = timeline.frame(before - 1)
    late = timeline.frame(store.current_revision())
    store.close()
    assert "kubectl" not in [p.consumer for p in early.projections]
    row = next(p for p in late.projections if p.consumer == "kubectl")
    assert (row.revision, row.watches) == (seen, "cm (http)")
    behind = next(s for s in late.staleness if s.consumer == "kubectl")
    assert behind.events_behind == 1


def test_a_selective_watch_is_behind_only_by_what_it_selects(served):
    """`kubectl rollout status` watches one object (fieldSelector metadata.name): writes to
    the others are not events it missed; a write to its object after it left is."""
    served.request("POST", CMS, cm("mine"))
    served.settle(stop=False)
    _, listed, _ = served.request("GET", CMS, headers=KUBECTL)
    rv = listed["metadata"]["resourceVersion"]
    w = served.watch(
        CMS + f"?watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3Dmine&timeoutSeconds=1",
        headers=KUBECTL,
    )
    with pytest.raises(EOFError):
        w.next()  # nothing for it: the watch ends at its timeout
    w.close()
    served.request("POST", CMS, cm("other"))
    store = served.open_store()
    assert {r[0]: r[2] for r in lag_rows(store)[0][1:]}["kubectl"] == "0"
    merge = {"Content-Type": "application/merge-patch+json"}
    served.request("PATCH", CMS + "/mine", {"data": {"k": "v"}}, merge)
    assert {r[0]: r[2] for r in lag_rows(store)[0][1:]}["kubectl"] == "1"
    store.close()
