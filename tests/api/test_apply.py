"""Client-side apply (api/apply.py): created / configured / unchanged exactly when kubectl prints
them, the last-applied annotation, the three-way patch, and what each outcome does to the store."""

from __future__ import annotations

import copy
import json

import pytest

from kubesim.api.apply import apply
from kubesim.api.lastapplied import LAST_APPLIED
from kubesim.api.subresources import scale
from kubesim.model.errors import BadRequest, Conflict, Invalid, NotFound, UnsupportedKind
from kubesim.model.kinds import builtin
from tests.api.test_server import SHIRT_CRD, configmap, deployment, shirt

DEPLOY, CM = builtin("Deployment"), builtin("ConfigMap")


def test_first_apply_creates(api, store):
    result = apply(api, deployment())
    assert (result.outcome, result.changed) == ("created", True)
    assert result.kubectl_line == "deployment.apps/web created"
    assert result.revision == store.current_revision()
    assert result.obj["metadata"]["namespace"] == "default"


def test_last_applied_annotation_is_the_manifest_as_json(api):
    manifest = deployment()
    obj = apply(api, manifest).obj
    text = obj["metadata"]["annotations"][LAST_APPLIED]
    assert text.endswith("\n")
    recorded = json.loads(text)
    assert recorded["spec"] == manifest["spec"]
    assert LAST_APPLIED not in (recorded["metadata"].get("annotations") or {})


def test_reapply_same_is_unchanged_and_takes_no_revision(api, store):
    apply(api, deployment())
    rev = store.current_revision()
    result = apply(api, deployment())
    assert (result.outcome, result.changed, result.revision) == ("unchanged", False, rev)
    assert result.kubectl_line == "deployment.apps/web unchanged"
    assert store.current_revision() == rev and store.events(rev + 1) == []
    last = store.journal(types=["command"])[-1]
    assert (last.verb, last.outcome, last.revision) == ("apply", "unchanged", rev)


def test_changed_replicas_is_configured(api, store):
    apply(api, deployment())
    rev = store.current_revision()
    result = apply(api, deployment(replicas=5))
    assert (result.outcome, result.changed, result.revision) == ("configured", True, rev + 1)
    assert result.obj["spec"]["replicas"] == 5
    assert result.obj["metadata"]["generation"] == 2  # spec and annotation changed
    entry = store.journal(types=["command"])[-1]
    assert (entry.verb, entry.outcome, entry.revision) == ("apply", "configured", rev + 1)
    assert entry.data["patch"]["spec"] == {"replicas": 5}


def test_status_change_does_not_make_reapply_configured(api, store):
    apply(api, deployment())
    live = api.get(DEPLOY, "default", "web")
    live["status"] = {"replicas": 3, "readyReplicas": 3, "observedGeneration": 1}
    api.update_status(live, actor="deployment-controller")
    assert apply(api, deployment()).outcome == "unchanged"


def test_controller_defaulted_fields_do_not_make_reapply_configured(api):
    apply(api, deployment(replicas=None))  # replicas defaulted by the server
    assert apply(api, deployment(replicas=None)).outcome == "unchanged"


def test_field_set_by_someone_else_is_kept(api):
    apply(api, deployment(replicas=None))
    scale(api, DEPLOY, "default", "web", 7)  # kubectl scale: not in last-applied
    result = apply(api, deployment(replicas=None))
    assert result.outcome == "unchanged"
    assert api.get(DEPLOY, "default", "web")["spec"]["replicas"] == 7


def test_field_in_manifest_wins_over_someone_elses_change(api):
    apply(api, deployment(replicas=3))
    scale(api, DEPLOY, "default", "web", 7)
    result = apply(api, deployment(replicas=3))
    assert result.outcome == "configured" and result.obj["spec"]["replicas"] == 3


def test_field_removed_from_manifest_is_deleted(api):
    with_labels = deployment()
    with_labels["metadata"]["labels"] = {"app": "web", "tier": "fe"}
    apply(api, with_labels)
    result = apply(api, deployment())
    assert result.outcome == "configured"
    assert "labels" not in result.obj["metadata"] or "tier" not in result.obj["metadata"]["labels"]


def test_containers_merge_by_name(api):
    apply(api, deployment())
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    api.update(live)  # someone else added env to the container
    two = deployment()
    two["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    result = apply(api, two)
    containers = result.obj["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["nginx", "side"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]  # kept: merged, not replaced


def test_cluster_scoped_object_loses_namespace(api):
    ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "namespace": "default"},
    }
    obj = apply(api, ns).obj
    assert "namespace" not in obj["metadata"]


def test_namespace_defaults_to_default(api):
    assert apply(api, configmap()).namespace == "default"


def test_missing_name_is_bad_request(api):
    with pytest.raises(BadRequest, match="resource name may not be empty"):
        apply(api, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})


@pytest.mark.parametrize("metadata", ["x", ["a"], 5])
def test_metadata_that_is_not_a_mapping_is_bad_request(api, store, metadata):
    rev = store.current_revision()
    with pytest.raises(BadRequest, match="cannot unmarshal .* of type v1.ObjectMeta"):
        apply(api, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})
    assert store.current_revision() == rev


def test_name_of_wrong_type_is_bad_request(api, store):
    apply(api, configmap("5"))
    with pytest.raises(BadRequest, match="ObjectMeta.metadata.name of type string"):
        apply(
            api,
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 5}, "data": {"a": "b"}},
        )
    assert "data" not in api.get(CM, "default", "5")


def test_unknown_kind(api):
    with pytest.raises(UnsupportedKind, match='kind "CronJob" is not supported by kubesim'):
        apply(api, {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}})


def test_invalid_update_is_rejected_and_nothing_written(api, store):
    apply(api, deployment())
    rev = store.current_revision()
    with pytest.raises(Invalid, match="spec.replicas: Invalid value: -1"):
        apply(api, deployment(replicas=-1))
    assert store.current_revision() == rev
    assert store.journal(types=["command"])[-1].outcome == "rejected"


def test_missing_namespace_on_create_says_creating(api):
    with pytest.raises(NotFound) as e:
        apply(api, {**configmap(), "metadata": {"name": "cm", "namespace": "x"}})
    assert e.value.message == 'namespaces "x" not found'
    assert e.value.operation == "creating"  # kubectl: error when creating "FILE": ...


def test_dry_run_writes_nothing(api, store):
    rev, entries = store.current_revision(), len(store.journal())
    assert apply(api, deployment(), dry_run=True).outcome == "created"
    apply(api, deployment())
    rev, entries = store.current_revision(), len(store.journal())
    result = apply(api, deployment(replicas=9), dry_run=True)
    assert (result.outcome, result.changed) == ("configured", False)
    assert result.obj["spec"]["replicas"] == 9
    assert store.current_revision() == rev and len(store.journal()) == entries
    assert api.get(DEPLOY, "default", "web")["spec"]["replicas"] == 3


def test_apply_does_not_mutate_the_manifest(api):
    manifest = deployment()
    before = copy.deepcopy(manifest)
    apply(api, manifest)
    apply(api, deployment(replicas=2))
    assert manifest == before


def test_custom_resource_apply(api, store):
    apply(api, SHIRT_CRD)
    assert apply(api, shirt()).kubectl_line == "shirt.stable.example.com/s1 created"
    assert apply(api, shirt()).outcome == "unchanged"
    result = apply(api, shirt(color="green", size="M"))
    assert result.outcome == "configured" and result.obj["metadata"]["generation"] == 2
    rev = store.current_revision()
    with pytest.raises(Invalid, match='spec.color: Unsupported value: "red"'):
        apply(api, shirt(color="red", size="M"))
    assert store.current_revision() == rev


def test_source_is_journaled(api, store):
    apply(api, configmap(), source="cm.yaml")
    assert store.journal(types=["command"])[-1].data["source"] == "cm.yaml"


def test_stale_resource_version_in_the_manifest_conflicts(api, store):
    apply(api, configmap())
    apply(api, {**configmap(), "data": {"a": "1"}})
    stale = {**configmap(), "data": {"a": "2"}}
    stale["metadata"]["resourceVersion"] = "3"  # the create's revision: stale by now
    rev = store.current_revision()
    with pytest.raises(Conflict, match='Operation cannot be fulfilled on configmaps "cm"'):
        apply(api, stale)
    assert store.current_revision() == rev
    fresh = {**configmap(), "data": {"a": "2"}}
    fresh["metadata"]["resourceVersion"] = str(rev)
    assert apply(api, fresh).outcome == "configured"


def test_a_saved_manifest_with_resource_version_creates_when_absent(api, store):
    """kubectl's create path (Helper.Create with modify=true) clears resourceVersion."""
    saved = configmap()
    saved["metadata"]["resourceVersion"] = "3"
    result = apply(api, saved)
    assert (result.outcome, result.revision) == ("created", store.current_revision())
    assert result.obj["metadata"]["resourceVersion"] == str(store.current_revision())
    recorded = json.loads(result.obj["metadata"]["annotations"][LAST_APPLIED])
    assert recorded["metadata"]["resourceVersion"] == "3"  # annotated before it was cleared


def test_a_server_dry_run_checks_the_manifests_resource_version_too(api, store):
    apply(api, configmap())
    apply(api, {**configmap(), "data": {"a": "1"}})
    stale = {**configmap(), "data": {"a": "2"}}
    stale["metadata"]["resourceVersion"] = "3"
    rev = store.current_revision()
    with pytest.raises(Conflict, match="the object has been modified"):
        apply(api, stale, dry_run=True)
    assert store.current_revision() == rev
