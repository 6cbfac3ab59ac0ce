"""Deleting a CRD deletes its custom resources in the same revision; a user controller that
watches the custom kind still gets their DELETED events (the kind has left the registry by the
time the control plane polls that revision)."""

from __future__ import annotations

from kubesim.api.delete import delete
from kubesim.controllers.user import load_user_controller
from kubesim.model.kinds import builtin
from tests.api.test_server import SHIRT_CRD, shirt
from tests.sim import conftest

make_plane = conftest.make_plane  # the fixture: a control plane on a virtual clock

CRD_KIND = builtin("CustomResourceDefinition")

WATCHER = """
WATCHES = ["Shirt"]
NAME = "shirt-watcher"
SEEN = []


def reconcile(ctx, key):
    namespace, name = key.split("/")
    SEEN.append((key, ctx.lister("Shirt").get(namespace, name) is not None))
"""


def test_watchers_of_a_custom_kind_get_the_deletes_of_its_crd(make_plane, tmp_path):
    plane = make_plane(start=False)
    plane.api.create(SHIRT_CRD)
    plane.api.create(shirt("a"))
    plane.api.create(shirt("b"))
    file = tmp_path / "watcher.py"
    file.write_text(WATCHER)
    controller = load_user_controller(str(file), plane.api.registry().supported_kinds())
    plane._extra.append(controller)
    plane.start()
    assert plane.run_until_settled()
    watcher = plane.consumer("shirt-watcher")
    assert sorted(watcher.informers["Shirt"].cache.list_keys()) == ["default/a", "default/b"]
    plane.api.create(shirt("c"))  # a watch event of the custom kind, before the CRD goes
    plane.poll()
    assert plane.run_until_settled()
    assert len(watcher.informers["Shirt"].cache) == 3

    result = delete(plane.api, CRD_KIND, None, "shirts.stable.example.com")
    assert result.removed and "Shirt" not in plane.api.registry().supported_kinds()
    plane.poll()
    assert plane.run_until_settled()

    assert len(watcher.informers["Shirt"].cache) == 0  # the projection followed the store
    deletes = [
        d.target
        for d in plane.store.journal(types=["delivery"], actor="shirt-watcher")
        if d.verb == "DELETED"
    ]
    assert sorted(deletes) == [f"/registry/stable.example.com/shirts/default/{n}" for n in "abc"]
    assert all(
        d.revision == result.revision
        for d in plane.store.journal(types=["delivery"])
        if d.verb == "DELETED" and d.actor == "shirt-watcher"
    )
    # and the controller reconciled each key, finding it gone from its cache
    seen = controller._reconcile.__globals__["SEEN"]
    assert {key for key, present in seen if not present} == {"default/a", "default/b", "default/c"}
