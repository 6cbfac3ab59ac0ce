"""The front driven by a client no one here wrote: the official Python `kubernetes` client.

Typed calls (CoreV1Api, AppsV1Api) and the dynamic client (for the Backup custom resource), each
on a fresh ApiClient loaded from the fixture's kubeconfig, against what a real v1.32 cluster
answers: creates and gets, lists with label and field selectors and in pages, a watch from a
resourceVersion (in order, then through a compaction: 410, relist, watch again, as an informer
recovers), the three patch types, the scale subresource, server-side apply, delete with each
propagation policy, and errors as ApiException with the Status' code, reason and causes.
The control plane runs only in `served.settle()` (virtual time, seeded).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

MANIFESTS = Path(__file__).parents[2] / "manifests"
NS = "default"
#: no call may hang a test: a socket read gives up after this (seconds)
TIMEOUT = 10


def manifest(name: str) -> dict[str, Any]:
    return yaml.safe_load((MANIFESTS / name).read_text())


def status_of(e: ApiException) -> dict[str, Any]:
    """The Status object the server sent with an error."""
    return json.loads(e.body)


def names(items: list[Any]) -> list[str]:
    return [o.metadata.name for o in items]


@pytest.fixture
def api(served) -> Iterator[client.ApiClient]:
    """A fresh ApiClient for the served front (the global default configuration stays untouched)."""
    c = config.new_client_from_config(config_file=str(served.kubeconfig))
    yield c
    c.close()


@pytest.fixture
def core(api) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def apps(api) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def dyn(api, tmp_path) -> DynamicClient:
    # the discovery cache goes to the test's directory, not to a shared file in /tmp
    return DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))


def configmap(name: str, **labels: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels=labels or None), data={"k": name}
    )


def web(apps: client.AppsV1Api, replicas: int = 3) -> client.V1Deployment:
    body = manifest("web-deployment.yaml")
    body["spec"]["replicas"] = replicas
    return apps.create_namespaced_deployment(NS, body, _request_timeout=TIMEOUT)


# ------------------------------------------------------------------------------ create, get, list
def test_typed_create_and_get(served, core, apps):
    created = web(apps)
    assert isinstance(created, client.V1Deployment)
    assert created.metadata.namespace == NS and created.metadata.generation == 1
    assert created.metadata.uid and int(created.metadata.resource_version) > 0
    assert created.spec.template.spec.containers[0].image == "nginx:1.27"
    got = apps.read_namespaced_deployment("web", NS)
    assert got.metadata.uid == created.metadata.uid
    assert got.metadata.resource_version == created.metadata.resource_version
    cm = core.create_namespaced_config_map(NS, configmap("settings", app="web"))
    assert cm.kind == "ConfigMap" and cm.api_version == "v1" and cm.data == {"k": "settings"}
    assert core.read_namespaced_config_map("settings", NS).metadata.labels == {"app": "web"}
    # the client's requests are commands of the consumer named after its User-Agent
    store = served.open_store()
    commands = [
        (e.verb, e.target) for e in store.journal(types=["command"], actor="kubernetes-python")
    ]
    store.close()
    assert commands == [
        ("create", "/registry/deployments/default/web"),
        ("create", "/registry/configmaps/default/settings"),
    ]


def test_dynamic_client_creates_a_custom_resource(dyn):
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crds.create(body=manifest("backup-crd.yaml"))
    # the dynamic client finds the new kind through discovery
    backups = dyn.resources.get(api_version="example.kubesim.dev/v1", kind="Backup")
    assert backups.namespaced and backups.name == "backups"
    nightly = backups.create(body=manifest("backup-nightly.yaml"), namespace=NS)
    assert nightly.kind == "Backup" and nightly.apiVersion == "example.kubesim.dev/v1"
    assert nightly.spec.retain == 14
    weekly = backups.create(
        body={
            "apiVersion": "example.kubesim.dev/v1",
            "kind": "Backup",
            "metadata": {"name": "weekly", "labels": {"every": "week"}},
            "spec": {"schedule": "0 4 * * 0"},
        },
        namespace=NS,
    )
    assert weekly.spec.retain == 7  # the schema's default, set by the server
    assert backups.get(name="nightly", namespace=NS).metadata.uid == nightly.metadata.uid
    listed = backups.get(namespace=NS)
    assert listed.kind == "BackupList"
    assert [b.metadata.name for b in listed.items] == ["nightly", "weekly"]
    picked = backups.get(namespace=NS, label_selector="every=week")
    assert [b.metadata.name for b in picked.items] == ["weekly"]
    # a custom resource removed at once: a Status naming it
    gone = backups.delete(name="weekly", namespace=NS)
    assert (gone.kind, gone.status) == ("Status", "Success")
    assert (gone.details.group, gone.details.kind) == ("example.kubesim.dev", "backups")
    assert gone.details.uid == weekly.metadata.uid
    assert [b.metadata.name for b in backups.get(namespace=NS).items] == ["nightly"]


def test_list_with_label_and_field_selectors(core):
    for i in range(6):
        core.create_namespaced_config_map(NS, configmap(f"cm-{i}", tier="ab"[i % 2], n=str(i)))
    assert names(core.list_namespaced_config_map(NS, label_selector="tier=a").items) == [
        "cm-0",
        "cm-2",
        "cm-4",
    ]
    assert names(
        core.list_namespaced_config_map(NS, label_selector="tier=b,n in (1,2,3)").items
    ) == [
        "cm-1",
        "cm-3",
    ]
    assert names(core.list_namespaced_config_map(NS, label_selector="n notin (0,1,2,3)").items) == [
        "cm-4",
        "cm-5",
    ]
    assert names(core.list_namespaced_config_map(NS, label_selector="!tier").items) == []
    assert names(
        core.list_namespaced_config_map(NS, field_selector="metadata.name=cm-4").items
    ) == ["cm-4"]
    both = core.list_namespaced_config_map(
        NS, label_selector="tier=b", field_selector="metadata.name!=cm-1"
    )
    assert names(both.items) == ["cm-3", "cm-5"]
    # a dry run answers as a create would, and stores nothing
    dry = core.create_namespaced_config_map(NS, configmap("dry"), dry_run="All")
    assert dry.metadata.name == "dry" and dry.data == {"k": "dry"}
    assert "dry" not in names(core.list_namespaced_config_map(NS).items)
    everywhere = core.list_config_map_for_all_namespaces(
        field_selector="metadata.namespace=default"
    )
    assert len(everywhere.items) == 6
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map(NS, field_selector="data.k=cm-1")
    assert e.value.status == 400
    assert status_of(e.value)["message"] == "field label not supported: data.k"


def test_field_selectors_on_the_controllers_events(served, core, apps):
    deploy = web(apps, replicas=2)
    served.settle()
    events = core.list_namespaced_event(
        NS, field_selector="involvedObject.kind=Deployment,involvedObject.name=web"
    ).items
    assert events, "the deployment controller records ScalingReplicaSet"
    assert {e.reason for e in events} == {"ScalingReplicaSet"}
    assert all(e.involved_object.uid == deploy.metadata.uid for e in events)
    assert "Scaled up replica set web-" in events[0].message
    by_uid = core.list_namespaced_event(
        NS, field_selector=f"involvedObject.uid={deploy.metadata.uid}"
    ).items
    assert names(by_uid) == names(events)
    pods = core.list_namespaced_pod(NS, label_selector="app=web").items
    assert len(pods) == 2
    scheduled = core.list_namespaced_event(
        NS,
        field_selector=f"involvedObject.kind=Pod,reason=Scheduled,involvedObject.name={pods[0].metadata.name}",
    ).items
    assert len(scheduled) == 1
    assert scheduled[0].involved_object.name == pods[0].metadata.name
    # pods by the node they run on: every pod is on one node
    node = pods[0].spec.node_name
    on_node = core.list_namespaced_pod(NS, field_selector=f"spec.nodeName={node}").items
    off_node = core.list_namespaced_pod(NS, field_selector=f"spec.nodeName!={node}").items
    assert sorted(names(on_node) + names(off_node)) == sorted(names(pods))
    assert pods[0].metadata.name in names(on_node)


def test_list_in_pages_with_limit_and_continue(core):
    for i in range(7):
        core.create_namespaced_config_map(NS, configmap(f"cm-{i}"))
    seen: list[str] = []
    revisions = set()
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_config_map(NS, limit=3, _continue=token)
        pages += 1
        seen += names(page.items)
        revisions.add(page.metadata.resource_version)
        token = page.metadata._continue
        if pages == 1:
            assert page.metadata.remaining_item_count == 4
            # created after the first page: not part of this list (its snapshot is fixed)
            core.create_namespaced_config_map(NS, configmap("cm-00"))
            core.delete_namespaced_config_map("cm-6", NS)
        if not token:
            break
    assert pages == 3
    assert seen == [f"cm-{i}" for i in range(7)]
    assert len(revisions) == 1
    assert names(core.list_namespaced_config_map(NS).items) == ["cm-0", "cm-00"] + [
        f"cm-{i}" for i in range(1, 6)
    ]


# ------------------------------------------------------------------------------ watch
class Watching:
    """A `watch.Watch().stream(...)` read on a thread, its events (or its exception) in a queue."""

    def __init__(self, fn, **kwargs: Any) -> None:
        self.w = watch.Watch()
        self.events: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(fn, kwargs), daemon=True)
        self.thread.start()

    def _run(self, fn, kwargs) -> None:
        try:
            for ev in self.w.stream(fn, _request_timeout=TIMEOUT, **kwargs):
                self.events.put(ev)
        except Exception as e:  # noqa: BLE001 - handed to the test
            self.events.put(e)
        self.events.put(None)

    def take(self, n: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            ev = self.events.get(timeout=TIMEOUT)
            if isinstance(ev, Exception):
                raise ev
            assert ev is not None, f"the watch ended after {out}"
            out.append(ev)
        return out

    def stop(self) -> None:
        self.w.stop()


def test_watch_from_a_resource_version_delivers_in_order(served, core):
    start = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, configmap("a"))
    core.create_namespaced_config_map(NS, configmap("b"))
    core.patch_namespaced_config_map("a", NS, {"data": {"k": "a2"}})
    watching = Watching(core.list_namespaced_config_map, namespace=NS, resource_version=start)
    try:
        # what happened since `start`, read from the history
        past = watching.take(3)
        # and what happens while it watches
        core.delete_namespaced_config_map("b", NS)
        core.create_namespaced_config_map(NS, configmap("c"))
        live = watching.take(2)
    finally:
        watching.stop()
        core.create_namespaced_config_map(NS, configmap("z"))  # wakes the stream so it can stop
    events = past + live
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("DELETED", "b"),
        ("ADDED", "c"),
    ]
    assert all(isinstance(e["object"], client.V1ConfigMap) for e in events)
    assert events[2]["object"].data == {"k": "a2"}
    revisions = [int(e["object"].metadata.resource_version) for e in events]
    assert revisions == sorted(set(revisions)) and revisions[0] > int(start)
    # the client is a consumer: its watch and each event written to it are in the journal
    store = served.open_store()
    journal = store.journal(types=["client", "delivery"], actor="kubernetes-python")
    store.close()
    assert (journal[0].verb, journal[0].revision) == ("watch", int(start))
    delivered = [(j.verb, j.revision) for j in journal[1:6]]
    assert delivered == [(e["type"], r) for e, r in zip(events, revisions, strict=True)]


def test_watch_with_a_label_selector_sees_objects_enter_and_leave(core):
    start = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, configmap("x", app="web"))
    core.create_namespaced_config_map(NS, configmap("y", app="db"))
    left = core.patch_namespaced_config_map("x", NS, {"metadata": {"labels": {"app": "api"}}})
    core.patch_namespaced_config_map("y", NS, {"metadata": {"labels": {"app": "web"}}})
    events = watch.Watch().stream(
        core.list_namespaced_config_map,
        NS,
        label_selector="app=web",
        resource_version=start,
        timeout_seconds=1,
        _request_timeout=TIMEOUT,
    )
    got = [(e["type"], e["object"].metadata.name, e["object"]) for e in events]
    # a real cluster's cacher sends a change out of the selection as DELETED, into it as ADDED
    assert [g[:2] for g in got] == [("ADDED", "x"), ("DELETED", "x"), ("ADDED", "y")]
    # the DELETED carries the object as it last matched, at the change's resourceVersion
    gone = got[1][2]
    assert gone.metadata.labels == {"app": "web"}
    assert gone.metadata.resource_version == left.metadata.resource_version
    assert got[2][2].metadata.labels == {"app": "web"}


def test_watch_bookmarks_move_the_clients_resource_version(core):
    start = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, configmap("a"))
    # another kind changes: the configmap watch gets no event, only a bookmark past it
    core.create_namespace({"metadata": {"name": "other"}})
    w = watch.Watch()
    got = []
    for ev in w.stream(
        core.list_namespaced_config_map,
        NS,
        resource_version=start,
        allow_watch_bookmarks=True,
        timeout_seconds=2,
        _request_timeout=TIMEOUT,
    ):
        got.append(ev)
        if ev["type"] == "BOOKMARK":
            w.stop()
    assert [e["type"] for e in got] == ["ADDED", "BOOKMARK"]
    bookmark = got[1]["raw_object"]
    assert bookmark["kind"] == "ConfigMap" and bookmark["apiVersion"] == "v1"
    latest = core.list_namespaced_config_map(NS).metadata.resource_version
    # the client resumes from the bookmark's resourceVersion
    assert w.resource_version == bookmark["metadata"]["resourceVersion"] == latest


def test_watch_from_a_compacted_revision_gets_410_and_a_relist_recovers(served, core):
    """The informer's recovery path: list, watch, 410 Gone after a compaction, list again, watch
    from the new list's resourceVersion."""
    listed = core.list_namespaced_config_map(NS)
    old = listed.metadata.resource_version
    core.create_namespaced_config_map(NS, configmap("a"))
    core.create_namespaced_config_map(NS, configmap("b"))
    for i in range(3):
        core.patch_namespaced_config_map("a", NS, {"data": {"k": str(i)}})
    page = core.list_namespaced_config_map(NS, limit=1)
    assert page.metadata._continue
    core.create_namespaced_config_map(NS, configmap("c"))
    store = served.open_store()
    floor = store.current_revision()
    store.compact(floor)
    store.close()

    # kubernetes.watch retries once from the same resourceVersion on an ERROR event with code
    # 410, then raises it as an ApiException
    with pytest.raises(ApiException) as e:
        for _ in watch.Watch().stream(
            core.list_namespaced_config_map, NS, resource_version=old, _request_timeout=TIMEOUT
        ):
            pytest.fail("a watch from a compacted revision delivers no event")
    assert e.value.status == 410
    assert e.value.reason == f"Expired: too old resource version: {old} ({floor})"
    # with a timeout it does not retry: the same 410 at once
    with pytest.raises(ApiException) as e:
        list(
            watch.Watch().stream(
                core.list_namespaced_config_map,
                NS,
                resource_version=old,
                timeout_seconds=5,
                _request_timeout=TIMEOUT,
            )
        )
    assert e.value.status == 410
    # a list's next page from before the compaction is gone too
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map(NS, limit=1, _continue=page.metadata._continue)
    assert (e.value.status, status_of(e.value)["reason"]) == (410, "Expired")
    assert status_of(e.value)["message"].startswith("The provided continue parameter is too old")

    # relist: the current state and a resourceVersion the watch can start from
    relisted = core.list_namespaced_config_map(NS)
    assert names(relisted.items) == ["a", "b", "c"]
    assert relisted.items[0].data == {"k": "2"}
    assert int(relisted.metadata.resource_version) >= floor
    watching = Watching(
        core.list_namespaced_config_map,
        namespace=NS,
        resource_version=relisted.metadata.resource_version,
    )
    try:
        core.create_namespaced_config_map(NS, configmap("d"))
        core.patch_namespaced_config_map("a", NS, {"data": {"k": "3"}})
        events = watching.take(2)
    finally:
        watching.stop()
        core.create_namespaced_config_map(NS, configmap("z"))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "d"),
        ("MODIFIED", "a"),
    ]
    assert int(events[0]["object"].metadata.resource_version) > int(
        relisted.metadata.resource_version
    )


# ------------------------------------------------------------------------------ patch, scale, apply
def test_strategic_merge_merge_and_json_patches(apps, dyn):
    web(apps)
    sidecar = {
        "spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}
    }
    # a dict body: the typed client sends a strategic merge patch; containers merge by name
    patched = apps.patch_namespaced_deployment("web", NS, sidecar)
    assert [c.name for c in patched.spec.template.spec.containers] == ["side", "nginx"]
    assert patched.metadata.generation == 2
    # a merge patch (RFC 7386) replaces the list
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    merged = deployments.patch(
        body={
            "metadata": {"labels": {"tier": "front"}},
            "spec": {
                "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}
            },
        },
        name="web",
        namespace=NS,
        content_type="application/merge-patch+json",
    )
    assert [(c.name, c.image) for c in merged.spec.template.spec.containers] == [
        ("nginx", "nginx:1.28")
    ]
    assert dict(merged.metadata.labels) == {"app": "web", "tier": "front"}
    # a list body: a JSON patch (RFC 6902)
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "add", "path": "/metadata/annotations", "value": {"team": "blue"}},
    ]
    jp = apps.patch_namespaced_deployment("web", NS, ops)
    assert jp.spec.replicas == 4 and jp.metadata.labels == {"app": "web"}
    assert jp.metadata.annotations == {"team": "blue"}
    assert jp.metadata.generation == 4
    with pytest.raises(ApiException) as e:
        apps.patch_namespaced_deployment(
            "web", NS, [{"op": "test", "path": "/spec/replicas", "value": 9}]
        )
    assert e.value.status == 422
    # a patch pinned to an old resourceVersion conflicts
    with pytest.raises(ApiException) as e:
        apps.patch_namespaced_deployment(
            "web", NS, {"metadata": {"resourceVersion": patched.metadata.resource_version}}
        )
    assert (e.value.status, status_of(e.value)["reason"]) == (409, "Conflict")


def test_scale_subresource(served, apps, core):
    web(apps, replicas=2)
    scale = apps.read_namespaced_deployment_scale("web", NS)
    assert isinstance(scale, client.V1Scale)
    assert scale.spec.replicas == 2 and scale.status.replicas == 0
    assert scale.status.selector == "app=web"
    scaled = apps.patch_namespaced_deployment_scale("web", NS, {"spec": {"replicas": 4}})
    assert scaled.kind == "Scale" and scaled.spec.replicas == 4
    assert apps.read_namespaced_deployment("web", NS).spec.replicas == 4
    served.settle()
    assert apps.read_namespaced_deployment_scale("web", NS).status.replicas == 4
    assert len(core.list_namespaced_pod(NS, label_selector="app=web").items) == 4
    replaced = apps.replace_namespaced_deployment_scale(
        "web",
        NS,
        client.V1Scale(
            metadata=client.V1ObjectMeta(name="web"), spec=client.V1ScaleSpec(replicas=1)
        ),
    )
    assert replaced.spec.replicas == 1
    served.settle()
    assert len(core.list_namespaced_pod(NS, label_selector="app=web").items) == 1


def test_server_side_apply_with_the_dynamic_client(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    config_ = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "labels": {"app": "web"}},
        "data": {"a": "1", "b": "2"},
    }
    first = cms.server_side_apply(body=config_, namespace=NS, field_manager="pytest")
    assert dict(first.data) == {"a": "1", "b": "2"}
    (managed,) = first.to_dict()["metadata"]["managedFields"]
    assert (managed["manager"], managed["operation"]) == ("pytest", "Apply")
    assert managed["fieldsV1"]["f:data"] == {"f:a": {}, "f:b": {}}
    # another writer adds a key with a merge patch
    cms.patch(
        body={"data": {"c": "3"}},
        name="settings",
        namespace=NS,
        content_type="application/merge-patch+json",
    )
    # the manager applies again without b: b goes, the other writer's c stays
    config_["data"] = {"a": "10"}
    again = cms.patch(
        body=config_,
        name="settings",
        namespace=NS,
        content_type="application/apply-patch+yaml",
        field_manager="pytest",
    )
    assert dict(again.data) == {"a": "10", "c": "3"}
    assert int(again.metadata.resourceVersion) > int(first.metadata.resourceVersion)
    with pytest.raises(ApiException) as e:
        cms.patch(
            body=config_, name="settings", namespace=NS, content_type="application/apply-patch+yaml"
        )
    # an apply needs a fieldManager
    assert (e.value.status, status_of(e.value)["details"]["causes"][0]["field"]) == (
        422,
        "fieldManager",
    )


# ------------------------------------------------------------------------------ delete
@pytest.mark.parametrize("policy", ["Orphan", "Background", "Foreground"])
def test_delete_with_propagation(served, apps, core, policy):
    deploy = web(apps, replicas=2)
    served.settle()
    (rs,) = apps.list_namespaced_replica_set(NS).items
    assert [o.uid for o in rs.metadata.owner_references] == [deploy.metadata.uid]
    pods = core.list_namespaced_pod(NS).items
    assert len(pods) == 2

    response = apps.delete_namespaced_deployment(
        "web", NS, body=client.V1DeleteOptions(propagation_policy=policy)
    )
    # the client types the reply as `object`: a Status, or the object when it stays
    if policy == "Background":
        # removed at once (a Status naming it); the garbage collector deletes the dependents
        assert (response["kind"], response["status"]) == ("Status", "Success")
        assert response["details"] == {
            "name": "web",
            "group": "apps",
            "kind": "deployments",
            "uid": deploy.metadata.uid,
        }
        with pytest.raises(ApiException) as e:
            apps.read_namespaced_deployment("web", NS)
        assert e.value.status == 404
    else:
        # the object stays, marked for deletion, until the garbage collector finishes
        finalizer = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}[policy]
        assert response["kind"] == "Deployment"
        assert response["metadata"]["finalizers"] == [finalizer]
        assert response["metadata"]["deletionTimestamp"]
        pending = apps.read_namespaced_deployment("web", NS)
        assert pending.metadata.deletion_timestamp is not None
        assert pending.metadata.finalizers == [finalizer]
    served.settle()

    with pytest.raises(ApiException) as e:
        apps.read_namespaced_deployment("web", NS)
    assert e.value.status == 404
    left = apps.list_namespaced_replica_set(NS).items
    if policy == "Orphan":
        assert names(left) == [rs.metadata.name]
        assert left[0].metadata.owner_references is None
        assert left[0].metadata.uid == rs.metadata.uid
        assert sorted(names(core.list_namespaced_pod(NS).items)) == sorted(names(pods))
    else:
        assert left == []
        assert core.list_namespaced_pod(NS).items == []


def test_deleting_an_unscheduled_pod_returns_the_pod(core):
    """Pods, services and namespaces answer a DELETE with the object (ReturnDeletedObject)."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    created = core.create_namespaced_pod(NS, pod)
    # not bound to a node: no grace period, removed at once
    deleted = core.delete_namespaced_pod("solo", NS)
    assert isinstance(deleted, client.V1Pod)
    assert deleted.metadata.uid == created.metadata.uid
    with pytest.raises(ApiException) as e:
        core.read_namespaced_pod("solo", NS)
    assert e.value.status == 404


# ------------------------------------------------------------------------------ errors
def test_errors_are_api_exceptions_with_status_and_reason(core, apps, dyn):
    with pytest.raises(ApiException) as e:
        apps.read_namespaced_deployment("nope", NS)
    status = status_of(e.value)
    assert (e.value.status, e.value.reason) == (404, "Not Found")
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "NotFound", 404)
    assert status["message"] == 'deployments.apps "nope" not found'
    assert status["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}

    first = core.create_namespaced_config_map(NS, configmap("settings"))
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map(NS, configmap("settings"))
    assert (e.value.status, status_of(e.value)["reason"]) == (409, "AlreadyExists")
    assert status_of(e.value)["message"] == 'configmaps "settings" already exists'

    core.patch_namespaced_config_map("settings", NS, {"data": {"k": "v2"}})
    stale = configmap("settings")
    stale.metadata.resource_version = first.metadata.resource_version
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("settings", NS, stale)
    status = status_of(e.value)
    assert (e.value.status, status["reason"]) == (409, "Conflict")
    assert status["message"] == (
        'Operation cannot be fulfilled on configmaps "settings": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )

    bad = manifest("web-deployment.yaml")
    bad["spec"]["replicas"] = -1
    with pytest.raises(ApiException) as e:
        apps.create_namespaced_deployment(NS, bad)
    status = status_of(e.value)
    assert (e.value.status, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -1: must be greater than or equal to 0",
            "field": "spec.replicas",
        }
    ]
    assert status["message"] == (
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )

    # a custom resource against its CRD's schema; the dynamic client's errors are ApiExceptions
    dyn.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    ).create(body=manifest("backup-crd.yaml"))
    backups = dyn.resources.get(api_version="example.kubesim.dev/v1", kind="Backup")
    with pytest.raises(ApiException) as e:
        backups.create(
            body={
                "apiVersion": "example.kubesim.dev/v1",
                "kind": "Backup",
                "metadata": {"name": "broken"},
                "spec": {"retain": 0},
            },
            namespace=NS,
        )
    status = status_of(e.value)
    assert (e.value.status, status["reason"]) == (422, "Invalid")
    assert sorted(c["field"] for c in status["details"]["causes"]) == [
        "spec.retain",
        "spec.schedule",
    ]
    with pytest.raises(ApiException) as e:
        backups.get(name="nightly", namespace=NS)
    assert (e.value.status, status_of(e.value)["reason"]) == (404, "NotFound")
    assert status_of(e.value)["message"] == 'backups.example.kubesim.dev "nightly" not found'
