"""The control plane's poll knows the CRDs from its watch: it reads them only when a CRD changed.

kube-apiserver serves custom kinds from its CRD informer, kept current by a watch; kubesim's poll
does the same with the events it reads anyway (ApiServer.registry_through): a poll whose events
hold no CRD reads no CRD, and a CRD written by another process is known to the poll that reads
its event, so that poll's custom resources reach the watchers."""

from __future__ import annotations

from kubesim.api.server import ApiServer, WatchEvent
from kubesim.model.kinds import builtin
from tests.api.test_server import SHIRT_CRD, shirt
from tests.counting import Counted
from tests.sim.conftest import DEPLOYMENT, apply_yaml

CRDS = builtin("CustomResourceDefinition").prefix()


def test_polls_read_no_crd_until_one_changes(make_plane, stores):
    store = Counted(stores.open())
    plane = make_plane(store=store)
    apply_yaml(plane, DEPLOYMENT.format(replicas=3, image="nginx:1.27"))
    store.calls.clear()
    assert plane.run_until_settled()
    assert plane.totals.writes > 10  # many polls ran (pods created, bound, started)
    assert store.count("range", CRDS) == 0

    seen = []
    plane.observers.append(
        lambda ev: seen.append((ev.type, ev.key)) if isinstance(ev, WatchEvent) else None
    )
    other = ApiServer(stores.open())  # another process, on the same store
    other.create(SHIRT_CRD)
    other.create(shirt("a"))
    plane.poll()
    assert ("ADDED", "/registry/stable.example.com/shirts/default/a") in seen
    assert store.count("range", CRDS) == 1  # the CRD's event: the registry read again, once
    other.create(shirt("b"))
    plane.poll()
    assert ("ADDED", "/registry/stable.example.com/shirts/default/b") in seen
    assert store.count("range", CRDS) == 1
