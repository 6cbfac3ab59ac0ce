"""ApiServer: kube-apiserver's command path, one test per rule (k8s-semantics.md sections 1, 2, 7).

Each test names the rule it proves; the messages are compared with the real API server's text.
"""

from __future__ import annotations

import copy
import random
import re
import uuid

import pytest

from kubesim.api.names import ALPHANUMS
from kubesim.api.server import ApiServer
from kubesim.api.subresources import bind, scale, scale_of
from kubesim.model.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    UnsupportedKind,
)
from kubesim.model.kinds import builtin

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DEPLOY, RS, POD, CM = (builtin(k) for k in ("Deployment", "ReplicaSet", "Pod", "ConfigMap"))
NS, SVC, CRD_KIND = builtin("Namespace"), builtin("Service"), builtin("CustomResourceDefinition")


def deployment(name: str = "web", replicas: int | None = 3, **spec) -> dict:
    body = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        },
        **spec,
    }
    if replicas is not None:
        body["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def replicaset(name: str = "rs") -> dict:
    obj = deployment(name)
    obj["kind"] = "ReplicaSet"
    return obj


def pod(name: str = "p", **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec},
    }


def configmap(name: str = "cm", **md) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **md}}


SHIRT_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "shirts.stable.example.com"},
    "spec": {
        "group": "stable.example.com",
        "scope": "Namespaced",
        "names": {"plural": "shirts", "singular": "shirt", "kind": "Shirt"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "color": {"type": "string", "enum": ["blue", "green"]},
                                    "size": {"type": "string"},
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def shirt(name: str = "s1", **spec) -> dict:
    return {
        "apiVersion": "stable.example.com/v1",
        "kind": "Shirt",
        "metadata": {"name": name},
        "spec": spec or {"color": "blue", "size": "M"},
    }


def mod_revision(store, kind, namespace, name) -> int:
    return store.get(kind.key(namespace, name)).mod_revision


# ----------------------------------------------------------------------------- bootstrap


def test_new_cluster_has_four_namespaces_and_kubernetes_service(api, store):
    names = [o["metadata"]["name"] for o in api.list(NS)[0]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    svc = api.get(SVC, "default", "kubernetes")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert store.current_revision() == 2  # one transaction
    assert {e.actor for e in store.journal(types=["command"])} == {"kube-apiserver"}


def test_bootstrap_happens_once(store):
    ApiServer(store)
    ApiServer(store)
    assert store.current_revision() == 2 and store.count("/registry/namespaces/") == 4


# ----------------------------------------------------------------------------- validation


def test_invalid_replicas_message(api):
    with pytest.raises(Invalid) as e:
        api.create(deployment(replicas=-1))
    assert e.value.message == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: '
        "-1: must be greater than or equal to 0"
    )
    assert e.value.code == 422 and e.value.details["causes"][0]["field"] == "spec.replicas"


def test_selector_is_immutable(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    live["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(Invalid) as e:
        api.update(live)
    assert e.value.message.startswith(
        'The Deployment "web" is invalid: spec.selector: Invalid value: '
    )
    assert e.value.message.endswith(": field is immutable")


def test_pod_spec_is_mostly_immutable(api):
    api.create(pod())
    live = api.get(POD, "default", "p")
    live["spec"]["containers"][0]["name"] = "renamed"
    with pytest.raises(Invalid, match="spec: Forbidden: pod updates may not change fields"):
        api.update(live)
    live = api.get(POD, "default", "p")
    live["spec"]["containers"][0]["image"] = "busybox:2"  # images may change
    assert api.update(live).changed


def test_unknown_kind_names_supported_kinds(api):
    with pytest.raises(UnsupportedKind) as e:
        api.create({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}})
    assert e.value.message.startswith('kind "StatefulSet" is not supported by kubesim')
    for kind in (
        "ConfigMap",
        "CustomResourceDefinition",
        "Deployment",
        "Namespace",
        "Node",
        "Pod",
        "ReplicaSet",
        "Service",
        "Event",
    ):
        assert kind in e.value.message


def test_wrong_type_is_bad_request(api):
    bad = deployment()
    bad["spec"]["replicas"] = "three"
    with pytest.raises(
        BadRequest,
        match="cannot unmarshal string into Go struct field "
        "DeploymentSpec.spec.replicas of type int32",
    ):
        api.create(bad)


def test_create_with_resource_version_is_rejected(api):
    obj = configmap()
    obj["metadata"]["resourceVersion"] = "5"
    with pytest.raises(
        BadRequest, match="resourceVersion should not be set on objects to be created"
    ):
        api.create(obj)


# ----------------------------------------------------------------------------- defaulting


def test_deployment_defaults(api):
    spec = api.create(deployment(replicas=None)).obj["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_pod_defaults(api):
    spec = api.create(pod()).obj["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["dnsPolicy"] == "ClusterFirst"


def test_service_gets_a_cluster_ip(api):
    a = api.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "a"},
            "spec": {"ports": [{"port": 80}]},
        }
    ).obj
    b = api.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "b"},
            "spec": {"ports": [{"port": 80}]},
        }
    ).obj
    ips = {a["spec"]["clusterIP"], b["spec"]["clusterIP"], "10.96.0.1"}
    assert len(ips) == 3 and all(ip.startswith("10.") for ip in ips)
    assert a["spec"]["clusterIPs"] == [a["spec"]["clusterIP"]]


def test_cluster_scoped_objects_lose_a_namespace(api):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "x"}}
    assert "namespace" not in api.create(node).obj["metadata"]
    live = api.get(builtin("Node"), None, "n1")
    live["metadata"]["namespace"] = "x"
    live["metadata"]["labels"] = {"a": "b"}
    assert "namespace" not in api.update(live).obj["metadata"]


# ----------------------------------------------------------------------------- system fields


def test_uid_and_creation_timestamp(api):
    a = api.create(configmap("a")).obj["metadata"]
    b = api.create(configmap("b")).obj["metadata"]
    assert uuid.UUID(a["uid"]) != uuid.UUID(b["uid"])
    assert a["creationTimestamp"] == "2026-01-01T00:00:00Z"


def test_user_supplied_system_fields_are_replaced(api):
    obj = configmap(uid="mine", creationTimestamp="1999-01-01T00:00:00Z", generation=9)
    md = api.create(obj).obj["metadata"]
    assert md["uid"] != "mine" and md["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert "generation" not in md  # ConfigMaps have none


def test_resource_version_is_the_mod_revision(api, store):
    created = api.create(configmap())
    assert created.obj["metadata"]["resourceVersion"] == str(created.revision)
    assert mod_revision(store, CM, "default", "cm") == created.revision
    assert api.get(CM, "default", "cm")["metadata"]["resourceVersion"] == str(created.revision)
    api.create(configmap("other"))
    assert api.get(CM, "default", "cm")["metadata"]["resourceVersion"] == str(created.revision)


def test_list_resource_version_is_the_store_revision(api, store):
    api.create(configmap())
    api.create(deployment())
    items, rev = api.list(CM)
    assert rev == store.current_revision() > int(items[0]["metadata"]["resourceVersion"])


def test_generate_name(api):
    names = {
        api.create({**configmap(), "metadata": {"generateName": "web-"}}).obj["metadata"]["name"]
        for _ in range(20)
    }
    assert len(names) == 20
    for name in names:
        assert re.fullmatch(f"web-[{ALPHANUMS}]{{5}}", name), name


def test_generate_name_prefix_cut_at_58(api):
    name = api.create({**configmap(), "metadata": {"generateName": "x" * 70}}).obj["metadata"][
        "name"
    ]
    assert len(name) == 63 and name.startswith("x" * 58)


def test_generate_name_collision_picks_another(store):
    api = ApiServer(store, clock=lambda: T0, rng=random.Random(1))
    first = api.create({**configmap(), "metadata": {"generateName": "c-"}}).obj["metadata"]["name"]
    again = ApiServer(store, clock=lambda: T0, rng=random.Random(1))  # same draws
    second = again.create({**configmap(), "metadata": {"generateName": "c-"}}).obj["metadata"][
        "name"
    ]
    assert first != second and second.startswith("c-")


# ----------------------------------------------------------------------------- generation


def test_generation_is_1_on_create(api):
    assert api.create(deployment()).obj["metadata"]["generation"] == 1
    assert api.create(replicaset()).obj["metadata"]["generation"] == 1


def test_deployment_generation_bumps_on_spec_change(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["replicas"] = 5
    assert api.update(live).obj["metadata"]["generation"] == 2


def test_deployment_generation_bumps_on_annotation_change(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["metadata"]["annotations"] = {"note": "x"}
    assert api.update(live).obj["metadata"]["generation"] == 2


def test_deployment_generation_not_bumped_by_labels(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["metadata"]["labels"] = {"tier": "fe"}
    result = api.update(live)
    assert result.changed and result.obj["metadata"]["generation"] == 1


def test_replicaset_generation_bumps_on_spec_only(api):
    api.create(replicaset())
    live = api.get(RS, "default", "rs")
    live["metadata"]["annotations"] = {"note": "x"}
    assert api.update(live).obj["metadata"]["generation"] == 1
    live = api.get(RS, "default", "rs")
    live["spec"]["replicas"] = 1
    assert api.update(live).obj["metadata"]["generation"] == 2


def test_status_write_never_bumps_generation(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["status"] = {"replicas": 3, "observedGeneration": 1}
    assert api.update_status(live).obj["metadata"]["generation"] == 1


def test_custom_resource_generation(api):
    api.create(SHIRT_CRD)
    obj = api.create(shirt()).obj
    assert obj["metadata"]["generation"] == 1
    kind = api.registry().for_kind("Shirt")
    live = api.get(kind, "default", "s1")
    live["metadata"]["labels"] = {"a": "b"}
    assert api.update(live).obj["metadata"]["generation"] == 1
    live = api.get(kind, "default", "s1")
    live["spec"]["color"] = "green"
    assert api.update(live).obj["metadata"]["generation"] == 2


# ----------------------------------------------------------------------------- status subresource


def test_create_clears_status(api):
    obj = deployment()
    obj["status"] = {"replicas": 99}
    assert "status" not in api.create(obj).obj


def test_status_write_cannot_change_spec(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["replicas"] = 9
    live["metadata"]["labels"] = {"sneaky": "yes"}
    live["status"] = {"replicas": 2}
    written = api.update_status(live).obj
    assert written["spec"]["replicas"] == 3 and written["status"] == {"replicas": 2}
    assert "labels" not in written["metadata"]  # Deployment /status keeps the old labels


def test_spec_write_cannot_change_status(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["status"] = {"replicas": 2}
    api.update_status(live)
    live = api.get(DEPLOY, "default", "web")
    live["status"] = {"replicas": 7}
    live["spec"]["replicas"] = 4
    written = api.update(live).obj
    assert written["status"] == {"replicas": 2} and written["spec"]["replicas"] == 4


# ----------------------------------------------------------------------------- scale subresource


def test_scale_sets_replicas_only(api):
    before = api.create(deployment()).obj
    result = scale(api, DEPLOY, "default", "web", 5)
    after = result.obj
    assert after["spec"]["replicas"] == 5 and after["metadata"]["generation"] == 2
    before["spec"]["replicas"] = 5
    assert after["spec"] == before["spec"]
    view = scale_of(after)
    assert view["kind"] == "Scale" and view["spec"] == {"replicas": 5}
    assert view["status"]["selector"] == "app=web"


def test_scale_negative_is_invalid(api):
    api.create(deployment())
    with pytest.raises(
        Invalid,
        match='The Scale "web" is invalid: spec.replicas: Invalid value: '
        "-1: must be greater than or equal to 0",
    ):
        scale(api, DEPLOY, "default", "web", -1)


def test_scale_is_only_served_for_workloads(api):
    api.create(configmap())
    with pytest.raises(MethodNotAllowed):
        scale(api, CM, "default", "cm", 2)


def test_scale_with_stale_resource_version_conflicts(api):
    rev = api.create(deployment()).revision
    scale(api, DEPLOY, "default", "web", 4)
    with pytest.raises(Conflict):
        scale(api, DEPLOY, "default", "web", 5, resource_version=rev)


def test_scale_to_same_replicas_writes_nothing(api, store):
    api.create(deployment())
    rev = store.current_revision()
    assert not scale(api, DEPLOY, "default", "web", 3).changed
    assert store.current_revision() == rev


# ----------------------------------------------------------------------------- concurrency


def test_stale_resource_version_is_a_conflict(api, store):
    api.create(deployment())
    stale = api.get(DEPLOY, "default", "web")
    fresh = copy.deepcopy(stale)
    fresh["spec"]["replicas"] = 4
    api.update(fresh)
    stale["spec"]["replicas"] = 5
    rev = store.current_revision()
    with pytest.raises(Conflict) as e:
        api.update(stale)
    assert e.value.code == 409
    assert e.value.message == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert store.current_revision() == rev
    last = store.journal(types=["command"])[-1]
    assert last.outcome == "conflict" and last.revision == rev  # journaled, no revision taken


def test_update_without_resource_version_is_unconditional(api):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    api.update({**live, "spec": {**live["spec"], "replicas": 4}})
    del live["metadata"]["resourceVersion"]
    live["spec"]["replicas"] = 6
    assert api.update(live).obj["spec"]["replicas"] == 6


def test_create_existing_name_already_exists(api, store):
    api.create(deployment())
    rev = store.current_revision()
    with pytest.raises(AlreadyExists) as e:
        api.create(deployment())
    assert e.value.message == 'deployments.apps "web" already exists' and e.value.code == 409
    assert store.current_revision() == rev


def test_create_over_a_deleting_object(api):
    api.create(configmap(finalizers=["example.com/keep"]))
    from kubesim.api.delete import delete

    delete(api, CM, "default", "cm")
    with pytest.raises(AlreadyExists) as e:
        api.create(configmap())
    assert e.value.message == 'object is being deleted: configmaps "cm" already exists'


def test_update_of_missing_object_is_not_found(api):
    with pytest.raises(NotFound) as e:
        api.update(configmap())
    assert e.value.message == 'configmaps "cm" not found' and e.value.code == 404


def test_missing_namespace_is_not_found(api, store):
    rev = store.current_revision()
    with pytest.raises(NotFound) as e:
        api.create({**configmap(), "metadata": {"name": "cm", "namespace": "x"}})
    assert e.value.message == 'namespaces "x" not found'
    assert store.current_revision() == rev


def test_terminating_namespace_is_forbidden(api):
    from kubesim.api.delete import delete

    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    api.create({**configmap(), "metadata": {"name": "a", "namespace": "shop"}})
    delete(api, NS, None, "shop")
    with pytest.raises(
        Forbidden,
        match="unable to create new content in namespace shop because it is being terminated",
    ):
        api.create({**configmap(), "metadata": {"name": "b", "namespace": "shop"}})


# ----------------------------------------------------------------------------- no-op writes


def test_noop_update_takes_no_revision_and_makes_no_event(api, store):
    api.create(deployment())
    rev = store.current_revision()
    result = api.update(api.get(DEPLOY, "default", "web"))
    assert not result.changed and result.revision == rev
    assert store.current_revision() == rev
    assert store.events(rev + 1) == []
    last = store.journal(types=["command"])[-1]
    assert last.outcome == "unchanged" and last.revision == rev


# ----------------------------------------------------------------------------- journal


def test_journal_entry_is_written_with_the_object(api, store):
    result = api.create(deployment(), actor="tester")
    entry = store.journal(types=["command"])[-1]
    assert (entry.actor, entry.verb, entry.target, entry.outcome) == (
        "tester",
        "create",
        "/registry/deployments/default/web",
        "created",
    )
    assert entry.revision == result.revision == mod_revision(store, DEPLOY, "default", "web")
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["replicas"] = 1
    updated = api.update(live, actor="tester")
    entry = store.journal(types=["command"])[-1]
    assert entry.revision == updated.revision == mod_revision(store, DEPLOY, "default", "web")


def test_every_revision_has_exactly_one_command(api, store):
    api.create(deployment())
    scale(api, DEPLOY, "default", "web", 2)
    api.create(pod())
    bind(api, "default", "p", "node-1")
    writes = [
        e
        for e in store.journal(types=["command"])
        if e.outcome not in ("unchanged", "rejected", "conflict")
    ]
    events = store.events(3)
    assert [(e.revision, e.target) for e in writes if e.revision >= 3] == [
        (ev.revision, ev.key) for ev in events
    ]


@pytest.mark.parametrize("bad", ["invalid", "exists", "namespace"])
def test_rejected_command_is_journaled_and_takes_no_revision(api, store, bad):
    api.create(deployment())
    obj = {
        "invalid": deployment(replicas=-1),
        "exists": deployment(),
        "namespace": {**deployment(), "metadata": {"name": "web", "namespace": "x"}},
    }[bad]
    rev = store.current_revision()
    with pytest.raises(Invalid if bad == "invalid" else (AlreadyExists, NotFound)) as e:
        api.create(obj, actor="tester")
    assert store.current_revision() == rev
    last = store.journal(types=["command"])[-1]
    assert (last.actor, last.verb, last.outcome, last.revision) == (
        "tester",
        "create",
        "rejected",
        rev,
    )
    assert last.data["reason"] == e.value.reason and last.data["message"] == e.value.message


def test_rejected_update_is_journaled(api, store):
    api.create(deployment())
    live = api.get(DEPLOY, "default", "web")
    live["spec"]["replicas"] = -2
    with pytest.raises(Invalid):
        api.update(live, actor="tester")
    last = store.journal(types=["command"])[-1]
    assert (last.verb, last.outcome, last.target) == (
        "update",
        "rejected",
        "/registry/deployments/default/web",
    )


def test_dry_run_create_writes_and_journals_nothing(api, store):
    rev, entries = store.current_revision(), len(store.journal())
    result = api.create(deployment(), dry_run=True)
    assert not result.changed and result.obj["metadata"]["uid"]
    assert store.current_revision() == rev and len(store.journal()) == entries
    assert api.try_get(DEPLOY, "default", "web") is None


# ----------------------------------------------------------------------------- binding


def test_binding_sets_node_name_and_pod_scheduled(api):
    api.create(pod())
    bound = bind(api, "default", "p", "node-1").obj
    assert bound["spec"]["nodeName"] == "node-1"
    cond = bound["status"]["conditions"][0]
    assert (cond["type"], cond["status"]) == ("PodScheduled", "True")


def test_binding_an_assigned_pod_conflicts(api):
    api.create(pod())
    bind(api, "default", "p", "node-1")
    with pytest.raises(Conflict) as e:
        bind(api, "default", "p", "node-2")
    assert 'pod p is already assigned to node "node-1"' in e.value.message
    assert api.get(POD, "default", "p")["spec"]["nodeName"] == "node-1"


def test_binding_a_deleting_pod_conflicts(api):
    from kubesim.api.delete import delete

    api.create(pod(nodeName=None) | {"metadata": {"name": "p", "finalizers": ["x/y"]}})
    delete(api, POD, "default", "p")
    with pytest.raises(Conflict, match="is being deleted"):
        bind(api, "default", "p", "node-1")


# ----------------------------------------------------------------------------- finalizers


def test_no_new_finalizers_on_a_deleting_object(api):
    from kubesim.api.delete import delete

    api.create(configmap(finalizers=["a/b"]))
    delete(api, CM, "default", "cm")
    live = api.get(CM, "default", "cm")
    live["metadata"]["finalizers"] = ["a/b", "c/d"]
    with pytest.raises(
        Invalid, match="no new finalizers can be added if the object is being deleted"
    ):
        api.update(live)


def test_deletion_timestamp_cannot_be_unset(api):
    from kubesim.api.delete import delete

    api.create(configmap(finalizers=["a/b"]))
    delete(api, CM, "default", "cm")
    live = api.get(CM, "default", "cm")
    stamp = live["metadata"].pop("deletionTimestamp")
    live["metadata"]["labels"] = {"x": "y"}
    assert api.update(live).obj["metadata"]["deletionTimestamp"] == stamp


def test_removing_last_finalizer_deletes(api, store):
    from kubesim.api.delete import delete

    api.create(configmap(finalizers=["a/b"]))
    delete(api, CM, "default", "cm")
    live = api.get(CM, "default", "cm")
    live["metadata"]["finalizers"] = []
    result = api.update(live, actor="some-controller")
    assert api.try_get(CM, "default", "cm") is None
    last_event = store.events(result.revision)[-1]
    assert (last_event.type, last_event.key) == ("DELETE", "/registry/configmaps/default/cm")


# ----------------------------------------------------------------------------- custom resources


def test_crd_makes_its_kind_servable(api):
    with pytest.raises(UnsupportedKind):
        api.create(shirt())
    api.create(SHIRT_CRD)
    obj = api.create(shirt()).obj
    assert obj["metadata"]["namespace"] == "default"
    assert api.registry().for_resource("shirts").kind == "Shirt"


def test_custom_resource_validated_against_schema(api, store):
    api.create(SHIRT_CRD)
    rev = store.current_revision()
    with pytest.raises(Invalid) as e:
        api.create(shirt(color="red"))
    assert e.value.message.startswith(
        'The Shirt "s1" is invalid: spec.color: Unsupported value: '
        '"red": supported values: "blue", "green"'
    )
    with pytest.raises(
        Invalid,
        match='spec.size: Invalid value: .*spec.size in body must be of type string: "integer"',
    ):
        api.create(shirt(color="blue", size=3))
    assert store.current_revision() == rev


def test_crd_invalid(api):
    bad = copy.deepcopy(SHIRT_CRD)
    bad["metadata"]["name"] = "wrong.name"
    with pytest.raises(Invalid, match="must be spec.names.plural"):
        api.create(bad)


# ----------------------------------------------------------------------------- watch


def test_watch_is_exclusive_and_typed(api, store):
    start = store.current_revision()
    api.create(configmap())
    live = api.get(CM, "default", "cm")
    live["data"] = {"a": "b"}
    api.update(live)
    from kubesim.api.delete import delete

    delete(api, CM, "default", "cm")
    events = api.watch([CM], start)
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert [e.revision for e in events] == [start + 1, start + 2, start + 3]
    assert events[2].obj["metadata"]["resourceVersion"] == str(start + 3)
    assert api.watch([CM], start + 1)[0].type == "MODIFIED"


def test_a_custom_resource_without_its_crd_gets_kubectls_message(api):
    with pytest.raises(UnsupportedKind) as e:
        api.create({"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": "b"}})
    assert e.value.message == (
        'no matches for kind "Backup" in version "example.com/v1"; ensure CRDs are installed first'
    )


def test_an_update_may_leave_out_the_uid_but_not_change_it(api, store):
    """rest.BeforeUpdate keeps the stored uid when the body has none; ValidateObjectMetaUpdate
    refuses a different one (a saved copy of an object that was deleted and created again)."""
    api.create(configmap(namespace="default"))
    live = api.get(CM, "default", "cm")
    uid = live["metadata"]["uid"]
    del live["metadata"]["uid"], live["metadata"]["resourceVersion"]
    assert api.update({**live, "data": {"a": "1"}}).obj["metadata"]["uid"] == uid
    rev = store.current_revision()
    other = {**live, "metadata": {**live["metadata"], "uid": "0000-old"}}
    with pytest.raises(
        Invalid, match='metadata.uid: Invalid value: "0000-old": field is immutable'
    ):
        api.update(other)
    assert store.current_revision() == rev
