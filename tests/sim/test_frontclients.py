"""The clients of `kubesim serve` as the live view's consumers (kubesim.sim.frontclients): from
their journal entries, a client that watches gets a projection (its revision, the objects it
holds, its relists) and a staleness row counted as kubesim.client.staleness counts; a client that
only LISTs, and the control plane's own consumers, get none from here."""

from __future__ import annotations

from kubesim.api.delete import delete
from kubesim.api.server import ApiServer
from kubesim.serve.clients import delivery_entries, relist_entry, watch_entry
from kubesim.sim.frontclients import FrontClients
from kubesim.store.sqlite import SqliteStore


def cm(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_a_watching_client_is_a_projection_and_a_lister_is_not(tmp_path):
    store = SqliteStore(str(tmp_path / "s.db"))
    api = ApiServer(store)
    kind = next(k for k in api.registry().kinds if k.kind == "ConfigMap")
    prefix = kind.prefix("default")
    clients = FrontClients(store, lambda: {"kube-controller-manager"})
    a = api.create(cm("a"), actor="kubectl").revision
    store.append_journal(
        [
            relist_entry("operator", kind, prefix, a, 1, 0.0),
            watch_entry("operator", kind, prefix, a, 0.0, {}),
            relist_entry("kubectl", kind, prefix, a, 1, 0.0),  # a plain `kubectl get`
            relist_entry("kube-controller-manager", kind, prefix, a, 1, 0.0),
        ]
    )
    b = api.create(cm("b"), actor="kubectl").revision
    store.append_journal(
        delivery_entries("operator", [("ADDED", b, kind.key("default", "b"))], 0.0)
    )
    c = api.create(cm("c"), actor="kubectl").revision  # not delivered yet
    clients.read()

    ((projection, staleness),) = clients.rows()
    assert (projection.consumer, projection.revision, projection.cached) == ("operator", b, 2)
    assert (projection.relists, projection.relist_objects, projection.watches) == (1, 1, "cm")
    assert (staleness.consumer, staleness.events_behind) == ("operator", 1)
    assert staleness.seconds_behind >= 0.0

    gone = delete(api, kind, "default", "a", actor="kubectl").revision
    events = [("ADDED", c, kind.key("default", "c")), ("DELETED", gone, kind.key("default", "a"))]
    store.append_journal(delivery_entries("operator", events, 0.0))
    clients.read()  # reads on from where it was: the two deliveries only
    ((projection, staleness),) = clients.rows()
    assert (projection.revision, projection.cached, staleness.events_behind) == (gone, 2, 0)
    store.close()
