"""DELETE (api/delete.py): immediate deletion, finalizers, propagation policy, graceful pod
deletion, CRDs and namespaces, each as kube-apiserver does it (k8s-semantics.md section 2)."""

from __future__ import annotations

import pytest

from kubesim.api.delete import FOREGROUND, ORPHAN, delete
from kubesim.api.subresources import bind
from kubesim.model.errors import BadRequest, NotFound
from kubesim.model.kinds import builtin
from tests.api.test_server import SHIRT_CRD, configmap, deployment, pod, shirt

DEPLOY, POD, CM, NS = (builtin(k) for k in ("Deployment", "Pod", "ConfigMap", "Namespace"))
CRD_KIND = builtin("CustomResourceDefinition")


def test_immediate_delete(api, store):
    api.create(configmap())
    result = delete(api, CM, "default", "cm")
    assert result.removed and result.revision == store.current_revision()
    assert api.try_get(CM, "default", "cm") is None
    event = store.events(result.revision)[0]
    assert (event.type, event.key) == ("DELETE", "/registry/configmaps/default/cm")
    entry = store.journal(types=["command"])[-1]
    assert (entry.verb, entry.outcome, entry.revision) == ("delete", "deleted", result.revision)
    assert entry.data["propagationPolicy"] == "Background"


def test_delete_missing_is_not_found_and_journaled(api, store):
    rev = store.current_revision()
    with pytest.raises(NotFound) as e:
        delete(api, CM, "default", "nope")
    assert e.value.message == 'configmaps "nope" not found'
    last = store.journal(types=["command"])[-1]
    assert (last.verb, last.outcome, last.revision) == ("delete", "rejected", rev)


def test_invalid_propagation_policy(api):
    api.create(configmap())
    with pytest.raises(BadRequest, match="invalid propagationPolicy"):
        delete(api, CM, "default", "cm", propagation="Sideways")
    assert api.try_get(CM, "default", "cm")


def test_finalizers_keep_the_object_with_deletion_timestamp(api):
    api.create(configmap(finalizers=["example.com/keep"]))
    result = delete(api, CM, "default", "cm")
    assert (result.removed, result.pending) == (False, "finalizers")
    live = api.get(CM, "default", "cm")
    assert live["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
    assert live["metadata"]["finalizers"] == ["example.com/keep"]


def test_removing_the_last_finalizer_deletes(api, store):
    api.create(configmap(finalizers=["a/one", "a/two"]))
    delete(api, CM, "default", "cm")
    live = api.get(CM, "default", "cm")
    live["metadata"]["finalizers"] = ["a/two"]
    assert api.update(live).changed and api.try_get(CM, "default", "cm")
    live = api.get(CM, "default", "cm")
    live["metadata"]["finalizers"] = []
    result = api.update(live, actor="some-controller")
    assert api.try_get(CM, "default", "cm") is None
    entry = store.journal(types=["command"])[-1]
    assert (entry.actor, entry.outcome, entry.revision) == (
        "some-controller",
        "deleted",
        result.revision,
    )


def test_deleting_again_changes_nothing(api, store):
    api.create(configmap(finalizers=["a/b"]))
    delete(api, CM, "default", "cm")
    rev = store.current_revision()
    result = delete(api, CM, "default", "cm")
    assert not result.removed and store.current_revision() == rev


@pytest.mark.parametrize(("policy", "finalizer"), [("Foreground", FOREGROUND), ("Orphan", ORPHAN)])
def test_foreground_and_orphan_add_their_finalizer(api, store, policy, finalizer):
    api.create(deployment())
    result = delete(api, DEPLOY, "default", "web", propagation=policy)
    assert (result.removed, result.pending) == (False, "finalizers")
    md = api.get(DEPLOY, "default", "web")["metadata"]
    assert md["finalizers"] == [finalizer] and md["deletionTimestamp"]
    assert md["generation"] == 2  # setting deletionTimestamp bumps generation
    entry = store.journal(types=["command"])[-1]
    assert (entry.outcome, entry.data["propagationPolicy"]) == ("deleting", policy)


def test_background_is_the_default_and_removes_at_once(api, store):
    api.create(deployment())
    assert delete(api, DEPLOY, "default", "web").removed
    assert store.journal(types=["command"])[-1].data["propagationPolicy"] == "Background"


def test_policy_switch_replaces_the_other_finalizer(api):
    api.create(deployment())
    delete(api, DEPLOY, "default", "web", propagation="Orphan")
    delete(api, DEPLOY, "default", "web", propagation="Foreground")
    assert api.get(DEPLOY, "default", "web")["metadata"]["finalizers"] == [FOREGROUND]


def test_policy_comes_from_existing_finalizers(api, store):
    api.create(configmap(finalizers=[ORPHAN]))
    delete(api, CM, "default", "cm")
    assert store.journal(types=["command"])[-1].data["propagationPolicy"] == "Orphan"


def test_bound_pod_is_deleted_gracefully(api):
    api.create(pod())
    bind(api, "default", "p", "node-1")
    result = delete(api, POD, "default", "p")
    assert (result.removed, result.pending) == (False, "graceful")
    md = api.get(POD, "default", "p")["metadata"]
    assert md["deletionTimestamp"] == "2026-01-01T00:00:30Z"  # now + terminationGracePeriod
    assert md["deletionGracePeriodSeconds"] == 30


def test_requested_grace_period_wins(api):
    api.create(pod())
    bind(api, "default", "p", "node-1")
    delete(api, POD, "default", "p", grace_period=5)
    assert api.get(POD, "default", "p")["metadata"]["deletionGracePeriodSeconds"] == 5


def test_unscheduled_pod_is_deleted_at_once(api):
    api.create(pod())
    assert delete(api, POD, "default", "p").removed


def test_terminal_pod_is_deleted_at_once(api):
    api.create(pod())
    bind(api, "default", "p", "node-1")
    live = api.get(POD, "default", "p")
    live["status"]["phase"] = "Succeeded"
    api.update_status(live)
    assert delete(api, POD, "default", "p").removed


def test_grace_zero_removes_a_terminating_pod(api):
    api.create(pod())
    bind(api, "default", "p", "node-1")
    delete(api, POD, "default", "p")
    result = delete(api, POD, "default", "p", grace_period=0, actor="kubelet-node-1")
    assert result.removed and api.try_get(POD, "default", "p") is None


def test_dry_run_deletes_nothing(api, store):
    api.create(configmap())
    rev, entries = store.current_revision(), len(store.journal())
    assert delete(api, CM, "default", "cm", dry_run=True).removed
    assert api.try_get(CM, "default", "cm") and store.current_revision() == rev
    assert len(store.journal()) == entries


def test_deleting_a_crd_deletes_its_custom_resources(api, store):
    api.create(SHIRT_CRD)
    api.create(shirt("a"))
    api.create(shirt("b"))
    kind = api.registry().for_kind("Shirt")
    result = delete(api, CRD_KIND, None, "shirts.stable.example.com")
    assert result.removed
    assert store.count(kind.prefix()) == 0 and api.try_get(kind, "default", "a") is None
    assert {e.type for e in store.events(result.revision)} == {"DELETE"}
    assert len(store.events(result.revision)) == 3  # one transaction, one revision


def test_namespace_is_removed_when_its_finalizer_is(api):
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    result = delete(api, NS, None, "shop")
    assert (result.removed, result.pending) == (False, "namespace-content")
    assert api.get(NS, None, "shop")["spec"]["finalizers"] == ["kubernetes"]

    def finalize(ns):
        ns["spec"]["finalizers"] = []
        return ns

    api.guaranteed_update(
        NS,
        None,
        "shop",
        finalize,
        actor="namespace-controller",
        verb="finalize",
        subresource="finalize",
    )
    assert api.try_get(NS, None, "shop") is None


def test_namespace_with_content_turns_terminating(api):
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    api.create({**configmap(), "metadata": {"name": "cm", "namespace": "shop"}})
    result = delete(api, NS, None, "shop")
    assert (result.removed, result.pending) == (False, "namespace-content")
    ns = api.get(NS, None, "shop")
    assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]


def test_deleting_a_terminating_namespace_again_says_it_waits_for_its_content(api):
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    first = delete(api, NS, None, "shop")
    again = delete(api, NS, None, "shop")
    assert (again.removed, again.pending) == (False, "namespace-content")
    assert again.revision == first.revision  # nothing more was written
