"""The REST front as a client sees it on the wire: discovery, objects, errors, lists, patches."""

from __future__ import annotations

import http.client
import json
import threading

from kubesim.api.delete import delete
from kubesim.api.server import CRD, ApiServer

DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        },
    },
}
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
CMS = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def cm(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


def test_version_reports_a_real_1_32_release(served):
    code, body, headers = served.request("GET", "/version")
    assert code == 200 and (body["major"], body["minor"]) == ("1", "32")
    assert body["gitVersion"].startswith("v1.32.")
    assert headers["Content-Length"] == str(len(json.dumps(body, separators=(",", ":"))))


def test_discovery_lists_groups_resources_and_subresources(served):
    _, groups, _ = served.request("GET", "/apis")
    assert "apps" in [g["name"] for g in groups["groups"]]
    _, apps, _ = served.request("GET", "/apis/apps/v1")
    by_name = {r["name"]: r for r in apps["resources"]}
    assert by_name["deployments"]["kind"] == "Deployment"
    assert by_name["deployments"]["shortNames"] == ["deploy"]
    assert by_name["deployments"]["namespaced"] is True
    assert "watch" in by_name["deployments"]["verbs"]
    assert by_name["deployments/scale"]["kind"] == "Scale"
    assert by_name["deployments/scale"]["group"] == "autoscaling"
    _, core, _ = served.request("GET", "/api/v1")
    assert {"pods/binding", "pods/status", "nodes"} <= {r["name"] for r in core["resources"]}


def test_a_crd_appears_in_discovery_once_applied(served):
    crd = backup_crd()
    assert served.request("GET", "/apis/example.com/v1")[0] == 404
    code, _, _ = served.request(
        "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd
    )
    assert code == 201
    code, body, _ = served.request("GET", "/apis/example.com/v1")
    assert code == 200 and body["resources"][0]["kind"] == "Backup"
    _, root, _ = served.request("GET", "/openapi/v3")
    assert "apis/example.com/v1" in root["paths"]


def test_openapi_declares_field_validation_on_patch(served):
    _, root, _ = served.request("GET", "/openapi/v3")
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    _, doc, _ = served.request("GET", url)
    patches = [
        op["patch"]
        for op in doc["paths"].values()
        if "patch" in op and op["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    ]
    assert patches and any(p["name"] == "fieldValidation" for p in patches[0]["parameters"])


def test_create_get_and_the_command_in_the_journal(served):
    code, created, _ = served.request("POST", DEPLOYS, DEPLOY, {"User-Agent": "kubectl/v1.32.4"})
    assert code == 201
    assert created["kind"] == "Deployment" and created["apiVersion"] == "apps/v1"
    assert created["metadata"]["namespace"] == "default" and created["metadata"]["generation"] == 1
    code, got, _ = served.request("GET", DEPLOYS + "/web")
    assert code == 200 and got["metadata"]["uid"] == created["metadata"]["uid"]
    store = served.open_store()
    commands = [e for e in store.journal(types=["command"]) if e.target.endswith("/web")]
    store.close()
    assert [(e.actor, e.verb, e.outcome) for e in commands] == [("kubectl", "create", "created")]


def test_errors_are_status_objects_in_kubectl_words(served):
    code, body, _ = served.request("GET", DEPLOYS + "/nope")
    assert code == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "nope" not found'
    served.request("POST", DEPLOYS, DEPLOY)
    code, body, _ = served.request("POST", DEPLOYS, DEPLOY)
    assert (code, body["reason"]) == (409, "AlreadyExists")
    bad = json.loads(json.dumps(DEPLOY))
    bad["metadata"]["name"] = "typo"
    bad["spec"]["replica"] = 3
    code, body, _ = served.request("POST", DEPLOYS + "?fieldValidation=Strict", bad)
    assert code == 400 and 'strict decoding error: unknown field "spec.replica"' in body["message"]
    bad["spec"].pop("replica")
    bad["spec"]["replicas"] = -1
    code, body, _ = served.request("POST", DEPLOYS, bad)
    assert (code, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "spec.replicas"


def test_bad_requests_get_a_status_and_the_server_goes_on(served):
    cases = [
        ("POST", CMS, b"{not json", "application/json", 400),
        ("POST", CMS, b'{"kind": "ConfigMap"', "application/json", 400),
        ("POST", CMS, b"[1, 2]", "application/json", 400),
        ("POST", CMS, b"data: 1", "text/plain", 415),
        ("POST", "/api/v1/namespaces/default/widgets", b"{}", "application/json", 404),
        ("GET", "/apis/nothing/v1/things", None, "application/json", 404),
        ("GET", "/api/v2/pods", None, "application/json", 404),
        ("PATCH", CMS + "/x", b"{}", "application/json", 415),
        (
            "POST",
            CMS,
            b'{"metadata": {"name": "a' + b"x" * (3 * 1024 * 1024) + b'"}}',
            "application/json",
            413,
        ),
        ("GET", CMS + "?limit=-3", None, "application/json", 400),
        ("GET", CMS + "?labelSelector=a%20in%20(", None, "application/json", 400),
        ("GET", "/api/v1/pods?fieldSelector=spec.replicas%3D1", None, "application/json", 400),
    ]
    for method, path, raw, ctype, expected in cases:
        code, body, _ = served.request(method, path, raw=raw, headers={"Content-Type": ctype})
        assert code == expected, (method, path, body)
        assert body["kind"] == "Status" and body["code"] == expected, body
    # nothing was written, and the server still answers
    code, body, _ = served.request("GET", CMS)
    assert code == 200 and body["items"] == []


def test_list_selectors_and_pages(served):
    for i in range(5):
        served.request("POST", CMS, cm(f"cm-{i}", tier="a" if i % 2 else "b"))
    _, page1, _ = served.request("GET", CMS + "?limit=2")
    assert [o["metadata"]["name"] for o in page1["items"]] == ["cm-0", "cm-1"]
    assert page1["metadata"]["remainingItemCount"] == 3
    token = page1["metadata"]["continue"]
    served.request("POST", CMS, cm("cm-00"))  # after the first page: not in this list
    _, page2, _ = served.request("GET", CMS + f"?limit=10&continue={token}")
    assert [o["metadata"]["name"] for o in page2["items"]] == ["cm-2", "cm-3", "cm-4"]
    assert page2["metadata"]["resourceVersion"] == page1["metadata"]["resourceVersion"]
    assert "continue" not in page2["metadata"]
    _, picked, _ = served.request("GET", CMS + "?labelSelector=tier%3Da")
    assert [o["metadata"]["name"] for o in picked["items"]] == ["cm-1", "cm-3"]
    _, named, _ = served.request("GET", CMS + "?fieldSelector=metadata.name%3Dcm-4")
    assert [o["metadata"]["name"] for o in named["items"]] == ["cm-4"]
    _, other, _ = served.request("GET", CMS + "?fieldSelector=metadata.name!%3Dcm-4")
    assert len(other["items"]) == 5


def test_a_table_when_asked_for_one(served):
    served.request("POST", DEPLOYS, DEPLOY)
    _, table, _ = served.request("GET", DEPLOYS, headers={"Accept": TABLE})
    assert table["kind"] == "Table"
    names = [(c["name"], c["priority"]) for c in table["columnDefinitions"]]
    assert names[:5] == [("Name", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0), ("Age", 0)]
    assert ("Images", 1) in names
    row = table["rows"][0]
    assert row["cells"][:4] == ["web", "0/2", "0", "0"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["labels"] == {"app": "web"}


def test_patch_types(served):
    served.request("POST", DEPLOYS, DEPLOY)
    sm = {"Content-Type": "application/strategic-merge-patch+json"}
    containers = {
        "spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}
    }
    code, body, _ = served.request("PATCH", DEPLOYS + "/web", containers, sm)
    assert code == 200
    # strategic merge: merged by name, not replaced (in apimachinery's order: patch items first)
    assert [c["name"] for c in body["spec"]["template"]["spec"]["containers"]] == ["side", "nginx"]
    mp = {"Content-Type": "application/merge-patch+json"}
    _, body, _ = served.request("PATCH", DEPLOYS + "/web", containers, mp)
    assert [c["name"] for c in body["spec"]["template"]["spec"]["containers"]] == ["side"]
    jp = {"Content-Type": "application/json-patch+json"}
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/labels/x", "value": "y"},
    ]
    _, body, _ = served.request("PATCH", DEPLOYS + "/web", ops, jp)
    assert body["spec"]["replicas"] == 4 and body["metadata"]["labels"]["x"] == "y"
    assert body["metadata"]["generation"] == 4  # create, and each of the three patches
    code, body, _ = served.request(
        "PATCH", DEPLOYS + "/web", [{"op": "test", "path": "/spec/replicas", "value": 9}], jp
    )
    assert code == 422
    stale = {"metadata": {"resourceVersion": "2"}, "spec": {"replicas": 1}}
    code, body, _ = served.request("PATCH", DEPLOYS + "/web", stale, mp)
    assert (code, body["reason"]) == (409, "Conflict")


def test_scale_subresource(served):
    served.request("POST", DEPLOYS, DEPLOY)
    code, scale, _ = served.request("GET", DEPLOYS + "/web/scale")
    assert code == 200 and scale["kind"] == "Scale" and scale["spec"]["replicas"] == 2
    mp = {"Content-Type": "application/merge-patch+json"}
    code, scale, _ = served.request("PATCH", DEPLOYS + "/web/scale", {"spec": {"replicas": 7}}, mp)
    assert code == 200 and scale["spec"]["replicas"] == 7
    _, got, _ = served.request("GET", DEPLOYS + "/web")
    assert got["spec"]["replicas"] == 7
    assert served.request("GET", CMS + "/x/scale")[0] == 404


def test_server_side_apply_removes_what_the_manager_stopped_applying(served):
    ssa = {"Content-Type": "application/apply-patch+yaml"}
    path = CMS + "/settings?fieldManager=kubectl&force=false"
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"a": "1", "b": "2"},
    }
    code, body, _ = served.request("PATCH", path, raw=json.dumps(config).encode(), headers=ssa)
    assert code == 201 and body["data"] == {"a": "1", "b": "2"}
    assert body["metadata"]["managedFields"][0]["operation"] == "Apply"
    # another writer adds a key; the manager re-applies without b
    served.request(
        "PATCH",
        CMS + "/settings",
        {"data": {"c": "3"}},
        {"Content-Type": "application/merge-patch+json"},
    )
    config["data"] = {"a": "1"}
    code, body, _ = served.request("PATCH", path, raw=json.dumps(config).encode(), headers=ssa)
    assert code == 200 and body["data"] == {"a": "1", "c": "3"}
    code, body, _ = served.request("PATCH", CMS + "/settings", raw=b"{}", headers=ssa)
    assert (code, body["reason"]) == (422, "Invalid")  # no fieldManager (ValidatePatchOptions)
    assert body["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
        "is required for apply patch"
    )


def test_delete_with_propagation(served):
    served.request("POST", DEPLOYS, DEPLOY)
    served.settle()
    _, rs, _ = served.request("GET", "/apis/apps/v1/namespaces/default/replicasets")
    assert len(rs["items"]) == 1
    code, body, _ = served.request("DELETE", DEPLOYS + "/web", {"propagationPolicy": "Foreground"})
    assert code == 200 and "foregroundDeletion" in body["metadata"]["finalizers"]
    assert body["metadata"]["deletionTimestamp"]
    served.settle()
    assert served.request("GET", DEPLOYS + "/web")[0] == 404
    _, rs, _ = served.request("GET", "/apis/apps/v1/namespaces/default/replicasets")
    assert rs["items"] == []
    code, body, _ = served.request("DELETE", CMS + "/x", {"propagationPolicy": "Sideways"})
    assert code == 400


def test_field_validation_directives(served):
    typo = json.loads(json.dumps(DEPLOY))
    typo["spec"]["replica"] = 3
    del typo["spec"]["replicas"]
    # Warn, the default (the Python client, kopf): dropped, and said in a Warning header
    code, body, headers = served.request("POST", DEPLOYS, typo)
    assert code == 201 and "replica" not in body["spec"] and body["spec"]["replicas"] == 1
    assert headers["Warning"] == '299 - "unknown field \\"spec.replica\\""'
    # Ignore (kubectl --validate=false): dropped silently
    typo["metadata"]["name"] = "quiet"
    code, body, headers = served.request("POST", DEPLOYS + "?fieldValidation=Ignore", typo)
    assert code == 201 and "replica" not in body["spec"] and "Warning" not in headers
    # a patch that adds an unknown field, under Warn
    mp = {"Content-Type": "application/merge-patch+json"}
    code, body, headers = served.request(
        "PATCH", DEPLOYS + "/quiet", {"spec": {"paused2": True}}, mp
    )
    assert code == 200 and "paused2" not in body["spec"] and "spec.paused2" in headers["Warning"]
    # a type error fails whatever the directive
    typo["metadata"]["name"] = "typed"
    typo["spec"]["replicas"] = "three"
    code, body, _ = served.request("POST", DEPLOYS + "?fieldValidation=Ignore", typo)
    assert code == 400 and "cannot unmarshal string" in body["message"]
    assert served.request("POST", DEPLOYS + "?fieldValidation=Loose", DEPLOY)[0] == 400


def test_an_unexpected_failure_is_a_500_status_and_the_server_goes_on(served, monkeypatch, capsys):
    api = served.server.front.api

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "create", broken)
    code, body, _ = served.request("POST", CMS, cm("a"))
    assert (code, body["reason"]) == (500, "InternalError")
    assert "disk on fire" in body["message"]
    assert "RuntimeError" in capsys.readouterr().err  # the traceback goes to the server's log
    monkeypatch.undo()
    assert served.request("POST", CMS, cm("a"))[0] == 201


def test_a_body_without_content_type_is_json(served):
    """kube-apiserver reads a create or update body without Content-Type as JSON (the official
    Python client sends none); a patch must still say which kind of patch it is."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    conn.request("POST", CMS, body=json.dumps(cm("bare")).encode())
    resp = conn.getresponse()
    assert resp.status == 201, resp.read()
    assert json.loads(resp.read())["metadata"]["name"] == "bare"
    conn.request("PATCH", CMS + "/bare", body=b"{}")
    resp = conn.getresponse()
    assert resp.status == 415, resp.read()
    assert json.loads(resp.read())["reason"] == "UnsupportedMediaType"
    conn.close()


CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
BACKUPS = "/apis/example.com/v1/namespaces/default/backups"


def backup_crd() -> dict:
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "backups.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "backups", "singular": "backup", "kind": "Backup"},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema}],
        },
    }


def backup(name: str) -> dict:
    return {"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": name}}


def test_requests_do_not_read_the_crds_each_time(served, monkeypatch):
    """The front keeps the kinds it read: a request costs one trip to the store thread, not
    two (reading the CRDs on every request was the largest cost of a GET)."""
    front = served.server.front
    reads = []
    kinds = front.kinds

    async def counted():
        reads.append(1)
        return await kinds()

    monkeypatch.setattr(front, "kinds", counted)
    served.request("POST", CMS, cm("a"))
    for _ in range(10):
        assert served.request("GET", CMS + "/a")[0] == 200
    assert len(reads) <= 1


def test_a_crd_written_through_the_front_changes_the_kinds_at_once(served):
    assert served.request("GET", BACKUPS)[0] == 404  # the front has read the kinds: no Backup
    assert served.request("POST", CRDS, backup_crd())[0] == 201
    assert served.request("POST", BACKUPS, backup("nightly"))[0] == 201
    crd = served.request("GET", CRDS + "/backups.example.com")[1]
    crd["spec"]["versions"].append({**crd["spec"]["versions"][0], "name": "v2", "storage": False})
    code, crd, _ = served.request("PUT", CRDS + "/backups.example.com", crd)
    assert code == 200
    v2_path = BACKUPS.replace("/v1/", "/v2/") + "/nightly"
    assert served.request("GET", v2_path)[0] == 200
    crd["spec"]["versions"][1]["served"] = False
    crd = served.request("PUT", CRDS + "/backups.example.com", crd)[1]
    assert [v["served"] for v in crd["spec"]["versions"]] == [True, False]
    assert served.request("GET", v2_path)[0] == 404  # v2 is no longer served
    assert served.request("GET", BACKUPS + "/nightly")[0] == 200


def test_a_crd_written_by_another_process_changes_the_kinds(served):
    """A path naming no known kind reads the kinds again (a CRD just created elsewhere); a CRD
    deleted elsewhere reaches the front through its watch cache."""
    assert served.request("GET", BACKUPS)[0] == 404
    other = ApiServer(served.open_store())
    other.create(backup_crd())
    assert served.request("POST", BACKUPS, backup("nightly"))[0] == 201
    _, crds, _ = served.request("GET", CRDS)
    stream = served.watch(CRDS + f"?watch=1&resourceVersion={crds['metadata']['resourceVersion']}")
    delete(other, CRD, None, "backups.example.com")
    served.server.poke()
    stream.until(lambda ev: ev["type"] == "DELETED")
    stream.close()
    other.store.close()
    code, body, _ = served.request("GET", BACKUPS)  # no such resource, not an empty list
    assert code == 404 and body["message"] == "the server could not find the requested resource"


def test_deliveries_to_many_watches_are_journaled_together(served, monkeypatch):
    """Each watch's deliveries are in the journal under its client's name, and a write that
    reaches several watches is journaled in fewer transactions than watches (one append per
    watch made the store thread, shared by every request, the bottleneck of many watches)."""
    store = served.server.front.api.store
    appends: list[list] = []
    delivered = threading.Event()
    append = store.append_journal

    def counted(entries):
        entries = list(entries)
        append(entries)
        appends.append([e for e in entries if e.type == "delivery"])
        if sum(map(len, appends)) >= 3:
            delivered.set()

    _, listed, _ = served.request("GET", CMS)
    rv = listed["metadata"]["resourceVersion"]
    streams = [
        served.watch(CMS + f"?watch=1&resourceVersion={rv}", {"User-Agent": f"watcher-{c}/1.0"})
        for c in "abc"
    ]
    monkeypatch.setattr(store, "append_journal", counted)
    served.request("POST", CMS, cm("fanned"))
    for s in streams:
        assert s.next()["object"]["metadata"]["name"] == "fanned"
        s.close()
    assert delivered.wait(10)
    with_deliveries = [a for a in appends if a]
    assert len(with_deliveries) < 3
    names = sorted(e.actor for a in with_deliveries for e in a)
    assert names == ["watcher-a", "watcher-b", "watcher-c"]
