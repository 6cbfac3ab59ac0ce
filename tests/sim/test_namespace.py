"""The namespace lifecycle: Terminating, emptied by the namespace controller, then removed."""

from kubesim.api.delete import delete
from kubesim.model.kinds import builtin
from tests.sim.conftest import apply_yaml, deployment

NS, POD = builtin("Namespace"), builtin("Pod")


def test_a_deleted_namespace_is_emptied_then_removed(make_plane):
    plane = make_plane()
    apply_yaml(plane, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    apply_yaml(plane, deployment(2).replace("name: web", "name: web\n  namespace: shop"))
    assert plane.run_until_settled()
    assert len(plane.api.list(POD, "shop")[0]) == 2
    result = delete(plane.api, NS, None, "shop")
    assert result.pending == "namespace-content"
    assert plane.api.get(NS, None, "shop")["status"]["phase"] == "Terminating"
    plane.poll()
    assert plane.run_until_settled()
    assert plane.api.try_get(NS, None, "shop") is None
    assert plane.api.list(POD, "shop")[0] == []
    finalizes = plane.store.journal(types=["command"], actor="kube-controller-manager/namespace")
    assert finalizes[-1].verb == "finalize" and finalizes[-1].outcome == "deleted"


def test_without_a_control_plane_the_namespace_stays_terminating(make_plane):
    plane = make_plane(start=False)
    apply_yaml(plane, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    delete(plane.api, NS, None, "shop")
    ns = plane.api.get(NS, None, "shop")
    assert ns["status"]["phase"] == "Terminating" and ns["spec"]["finalizers"] == ["kubernetes"]
