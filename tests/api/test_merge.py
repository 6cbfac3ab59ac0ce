"""Client-side apply: the three-way patch kubectl computes, and the object the server makes of it.

Each case gives the live object, the manifest, the expected patch (as kubectl v1.32 would send it;
{} means "unchanged", nothing sent) and the expected merged object.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubesim.api.lastapplied import (
    LAST_APPLIED,
    go_float,
    go_json,
    last_applied_annotation,
    with_last_applied,
)
from kubesim.api.merge import MergeError, apply_patch, three_way_patch
from kubesim.model.kinds import Kind, builtin

DEPLOY = builtin("Deployment")
SERVICE = builtin("Service")
WIDGET = Kind("Widget", "example.com", "v1", "widgets", "widget", True, served_versions=("v1",))


def deployment(containers: list[dict] | None = None, **spec: Any) -> dict:
    pod_spec = {"containers": containers or [{"name": "web", "image": "nginx:1.25"}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec},
            **spec,
        },
    }


def created(manifest: dict, kind: Kind = DEPLOY) -> dict:
    """The live object after `kubectl apply` created it and controllers ran."""
    live = with_last_applied(manifest)
    live["metadata"].update(uid="u-1", resourceVersion="7", generation=1)
    if kind is DEPLOY:
        for c in live["spec"]["template"]["spec"]["containers"]:
            c.setdefault("imagePullPolicy", "IfNotPresent")
            c.setdefault("terminationMessagePath", "/dev/termination-log")
        live["spec"].setdefault("revisionHistoryLimit", 10)
        live["status"] = {"replicas": 3, "observedGeneration": 1}
    return live


def apply(live: dict, manifest: dict, kind: Kind = DEPLOY) -> tuple[dict, dict]:
    """What kubectl does against `live`: (the patch, the object after the server applied it)."""
    text = live["metadata"].get("annotations", {}).get(LAST_APPLIED)
    original = json.loads(text) if text else None
    patch = three_way_patch(original, with_last_applied(manifest), live, kind)
    return patch, apply_patch(live, patch, kind)


def containers(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def annotation_patch(manifest: dict) -> dict:
    return {"metadata": {"annotations": {LAST_APPLIED: last_applied_annotation(manifest)}}}


# --- last-applied ---------------------------------------------------------------------------


def test_annotation_is_sorted_compact_json_with_empty_annotations_and_newline() -> None:
    manifest = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}, "data": {}}
    assert last_applied_annotation(manifest) == (
        '{"apiVersion":"v1","data":{},"kind":"ConfigMap",'
        '"metadata":{"annotations":{},"name":"c"}}\n'
    )


def test_annotation_leaves_out_itself_and_keeps_other_annotations() -> None:
    manifest = deployment()
    manifest["metadata"]["annotations"] = {LAST_APPLIED: "old", "team": "a"}
    value = json.loads(last_applied_annotation(manifest))
    assert value["metadata"]["annotations"] == {"team": "a"}
    out = with_last_applied(manifest)
    assert out["metadata"]["annotations"] == {
        "team": "a",
        LAST_APPLIED: out["metadata"]["annotations"][LAST_APPLIED],
    }
    assert manifest["metadata"]["annotations"][LAST_APPLIED] == "old"  # input untouched


def test_go_json_escapes_html_and_formats_numbers_as_go() -> None:
    assert (
        go_json({"b": "<a&b>", "a": "\u2028é"}) == '{"a":"\\u2028é","b":"\\u003ca\\u0026b\\u003e"}'
    )
    assert [go_float(f) for f in (3.0, 0.5, 1.5e16, 1e21, 1e-7, 2.5e-5)] == [
        "3",
        "0.5",
        "15000000000000000",
        "1e+21",
        "1e-7",
        "0.000025",
    ]


# --- unchanged: the patch is {} exactly when kubectl sends nothing ---------------------------


def test_applying_the_same_manifest_twice_is_unchanged() -> None:
    live = created(deployment())
    live["status"] = {
        "replicas": 3,
        "readyReplicas": 3,
        "observedGeneration": 1,
        "conditions": [{"type": "Available", "status": "True"}],
    }
    patch, merged = apply(live, deployment())
    assert patch == {}
    assert merged == live


def test_key_order_and_comments_do_not_matter() -> None:
    manifest = deployment()
    reordered = json.loads(json.dumps(manifest, sort_keys=True))
    reordered = {k: reordered[k] for k in reversed(list(reordered))}
    assert apply(created(manifest), reordered)[0] == {}


def test_fields_set_by_others_are_kept() -> None:
    live = created(deployment())
    live["spec"]["minReadySeconds"] = 10  # kubectl edit
    live["metadata"]["labels"] = {"owner": "ops"}  # kubectl label
    patch, merged = apply(live, deployment())
    assert patch == {}
    assert merged["spec"]["minReadySeconds"] == 10
    assert merged["metadata"]["labels"] == {"owner": "ops"}


def test_replicas_left_out_of_the_manifest_survive_a_scale() -> None:
    manifest = deployment()
    del manifest["spec"]["replicas"]
    live = created(manifest)
    live["spec"]["replicas"] = 5  # kubectl scale
    patch, merged = apply(live, manifest)
    assert patch == {}
    assert merged["spec"]["replicas"] == 5


def test_reapply_after_scale_resets_replicas_the_manifest_sets() -> None:
    # kubectl diffs the live object against the manifest (changes) and last-applied against the
    # manifest (deletions only): live 5 vs manifest 3 is a change, so the patch is not empty.
    live = created(deployment())
    live["spec"]["replicas"] = 5
    patch, merged = apply(live, deployment())
    assert patch == {"spec": {"replicas": 3}}
    assert merged["spec"]["replicas"] == 3


# --- scalars and maps -----------------------------------------------------------------------


def test_changing_replicas() -> None:
    live = created(deployment())
    new = deployment(replicas=4)
    new["spec"]["replicas"] = 4
    patch, merged = apply(live, new)
    assert patch == {**annotation_patch(new), "spec": {"replicas": 4}}
    assert merged["spec"]["replicas"] == 4
    assert merged["status"] == live["status"]
    assert merged["metadata"]["annotations"][LAST_APPLIED] == last_applied_annotation(new)


def test_adding_and_removing_scalar_fields() -> None:
    live = created(deployment(minReadySeconds=5))
    new = deployment(paused=True)
    patch, merged = apply(live, new)
    assert patch == {**annotation_patch(new), "spec": {"minReadySeconds": None, "paused": True}}
    assert "minReadySeconds" not in merged["spec"]
    assert merged["spec"]["paused"] is True
    assert merged["spec"]["revisionHistoryLimit"] == 10  # defaulted by the server, kept


def test_map_fields_merge_key_by_key() -> None:
    old = deployment()
    old["metadata"]["labels"] = {"app": "web", "tier": "fe"}
    live = created(old)
    live["metadata"]["labels"]["owner"] = "ops"
    new = deployment()
    new["metadata"]["labels"] = {"app": "web", "env": "prod"}
    patch, merged = apply(live, new)
    assert patch["metadata"]["labels"] == {"env": "prod", "tier": None}
    assert merged["metadata"]["labels"] == {"app": "web", "owner": "ops", "env": "prod"}


def test_annotation_update() -> None:
    old = deployment()
    old["metadata"]["annotations"] = {"note": "v1"}
    new = deployment()
    new["metadata"]["annotations"] = {"note": "v2"}
    patch, merged = apply(created(old), new)
    assert patch == {
        "metadata": {"annotations": {"note": "v2", LAST_APPLIED: last_applied_annotation(new)}}
    }
    assert merged["metadata"]["annotations"]["note"] == "v2"


# --- lists merged by key --------------------------------------------------------------------


def test_changing_an_image_patches_one_container_by_name() -> None:
    live = created(deployment())
    new = deployment([{"name": "web", "image": "nginx:1.26"}])
    patch, merged = apply(live, new)
    assert patch == {
        **annotation_patch(new),
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}],
                    "containers": [{"name": "web", "image": "nginx:1.26"}],
                }
            }
        },
    }
    assert containers(merged) == [
        {
            "name": "web",
            "image": "nginx:1.26",
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
        }
    ]


def test_adding_a_container_appends_it_in_manifest_order() -> None:
    live = created(deployment())
    sidecar = {"name": "log", "image": "busybox"}
    new = deployment([{"name": "web", "image": "nginx:1.25"}, sidecar])
    patch, merged = apply(live, new)
    assert patch["spec"]["template"]["spec"] == {
        "$setElementOrder/containers": [{"name": "web"}, {"name": "log"}],
        "containers": [sidecar],
    }
    assert [c["name"] for c in containers(merged)] == ["web", "log"]
    assert containers(merged)[0]["imagePullPolicy"] == "IfNotPresent"


def test_removing_a_container_that_was_applied_deletes_it() -> None:
    two = [{"name": "web", "image": "nginx"}, {"name": "log", "image": "busybox"}]
    live = created(deployment(two))
    new = deployment([{"name": "web", "image": "nginx"}])
    patch, merged = apply(live, new)
    assert patch["spec"]["template"]["spec"] == {
        "$setElementOrder/containers": [{"name": "web"}],
        "containers": [{"name": "log", "$patch": "delete"}],
    }
    assert [c["name"] for c in containers(merged)] == ["web"]


def test_a_container_injected_by_someone_else_is_kept() -> None:
    live = created(deployment())
    containers(live).append({"name": "proxy", "image": "envoy"})
    new = deployment([{"name": "web", "image": "nginx:1.26"}])
    patch, merged = apply(live, new)
    assert "containers" in patch["spec"]["template"]["spec"]
    assert [(c["name"], c["image"]) for c in containers(merged)] == [
        ("web", "nginx:1.26"),
        ("proxy", "envoy"),
    ]


def test_replacing_one_container_with_another_keeps_server_order() -> None:
    live = created(deployment([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]))
    containers(live).append({"name": "x", "image": "injected"})
    new = deployment([{"name": "b", "image": "y"}, {"name": "c", "image": "z"}])
    patch, merged = apply(live, new)
    assert patch["spec"]["template"]["spec"] == {
        "$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
        "containers": [{"name": "c", "image": "z"}, {"name": "a", "$patch": "delete"}],
    }
    # Go's slice aliasing while merging puts the new item after the server-only one.
    assert [c["name"] for c in containers(merged)] == ["b", "x", "c"]


def test_env_merges_by_name() -> None:
    old = [
        {
            "name": "web",
            "image": "nginx",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        }
    ]
    live = created(deployment(old))
    containers(live)[0]["env"].append({"name": "INJECTED", "value": "x"})
    new = deployment(
        [
            {
                "name": "web",
                "image": "nginx",
                "env": [{"name": "A", "value": "9"}, {"name": "C", "value": "3"}],
            }
        ]
    )
    patch, merged = apply(live, new)
    assert patch["spec"]["template"]["spec"]["containers"] == [
        {
            "name": "web",
            "$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
            "env": [
                {"name": "A", "value": "9"},
                {"name": "C", "value": "3"},
                {"name": "B", "$patch": "delete"},
            ],
        }
    ]
    # Deleting B shifts the live list in place and C lands in the freed slot, so the server-only
    # INJECTED stays before C: what apimachinery's slice aliasing produces.
    assert containers(merged)[0]["env"] == [
        {"name": "A", "value": "9"},
        {"name": "INJECTED", "value": "x"},
        {"name": "C", "value": "3"},
    ]


def test_container_ports_merge_by_container_port() -> None:
    live = created(
        deployment([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}])
    )
    containers(live)[0]["ports"][0]["protocol"] = "TCP"  # defaulted
    new = deployment([{"name": "web", "image": "nginx", "ports": [{"containerPort": 8080}]}])
    patch, merged = apply(live, new)
    assert patch["spec"]["template"]["spec"]["containers"] == [
        {
            "name": "web",
            "$setElementOrder/ports": [{"containerPort": 8080}],
            "ports": [{"containerPort": 8080}, {"containerPort": 80, "$patch": "delete"}],
        }
    ]
    assert containers(merged)[0]["ports"] == [{"containerPort": 8080}]


def test_service_ports_merge_by_port() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    live = created(svc, SERVICE)
    live["spec"]["clusterIP"] = "10.0.0.7"
    live["spec"]["ports"][0]["protocol"] = "TCP"
    new = json.loads(json.dumps(svc))
    new["spec"]["ports"] = [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}]
    patch, merged = apply(live, new, SERVICE)
    assert patch["spec"] == {
        "$setElementOrder/ports": [{"port": 80}, {"port": 443}],
        "ports": [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}],
    }
    assert merged["spec"]["ports"] == [
        {"port": 80, "targetPort": 9090, "protocol": "TCP"},
        {"port": 443, "targetPort": 8443},
    ]
    assert merged["spec"]["clusterIP"] == "10.0.0.7"


def test_lists_without_merge_key_are_replaced_whole() -> None:
    old = [{"name": "web", "image": "nginx", "args": ["a", "b"]}]
    live = created(deployment(old))
    live["spec"]["template"]["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    new = deployment([{"name": "web", "image": "nginx", "args": ["a", "c"]}])
    new["spec"]["template"]["spec"]["tolerations"] = [{"key": "z", "operator": "Exists"}]
    patch, merged = apply(live, new)
    pod = patch["spec"]["template"]["spec"]
    assert pod["containers"] == [{"name": "web", "args": ["a", "c"]}]
    assert pod["tolerations"] == [{"key": "z", "operator": "Exists"}]
    assert containers(merged)[0]["args"] == ["a", "c"]
    assert merged["spec"]["template"]["spec"]["tolerations"] == [{"key": "z", "operator": "Exists"}]


def test_finalizers_merge_as_a_set() -> None:
    old = deployment()
    old["metadata"]["finalizers"] = ["a/x", "a/y"]
    live = created(old)
    live["metadata"]["finalizers"].append("b/z")
    new = deployment()
    new["metadata"]["finalizers"] = ["a/x"]
    patch, merged = apply(live, new)
    assert patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == ["a/y"]
    assert patch["metadata"]["$setElementOrder/finalizers"] == ["a/x"]
    assert merged["metadata"]["finalizers"] == ["a/x", "b/z"]


def test_strategy_switch_uses_retain_keys() -> None:
    ru = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    live = created(deployment(strategy=ru))
    live["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = "25%"
    new = deployment(strategy={"type": "Recreate"})
    patch, merged = apply(live, new)
    assert patch["spec"] == {
        "strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}
    }
    assert merged["spec"]["strategy"] == {"type": "Recreate"}


def test_strategy_type_alone_is_never_unchanged_once_defaults_fill_it() -> None:
    # The live strategy has a defaulted rollingUpdate the manifest lacks: kubectl's diff adds
    # $retainKeys whenever the live map has extra keys, so this apply always says "configured".
    live = created(deployment(strategy={"type": "RollingUpdate"}))
    live["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": "25%", "maxUnavailable": "25%"}
    patch, merged = apply(live, deployment(strategy={"type": "RollingUpdate"}))
    assert patch == {"spec": {"strategy": {"$retainKeys": ["type"]}}}
    assert merged["spec"]["strategy"] == {"type": "RollingUpdate"}  # the server re-defaults it


def test_a_container_without_its_merge_key_is_an_error() -> None:
    live = created(deployment())
    with pytest.raises(MergeError, match="does not contain declared merge key: name"):
        apply(live, deployment([{"image": "nginx"}]))


def test_apply_patch_does_not_mutate_its_inputs() -> None:
    live = created(deployment())
    before = json.dumps(live, sort_keys=True)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "$patch": "delete"}]}}}}
    merged = apply_patch(live, patch, DEPLOY)
    assert containers(merged) == []
    assert json.dumps(live, sort_keys=True) == before
    assert "$patch" in patch["spec"]["template"]["spec"]["containers"][0]


# --- custom resources: JSON merge patch -------------------------------------------------------


def widget(**spec: Any) -> dict:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": spec,
    }


def test_custom_resource_gets_a_json_merge_patch() -> None:
    live = created(widget(size=1, color="red", tags=["a", "b"]), WIDGET)
    live["spec"]["extra"] = "set by a controller"
    live["status"] = {"phase": "Ready"}
    new = widget(size=2, tags=["a"])
    patch, merged = apply(live, new, WIDGET)
    assert patch == {**annotation_patch(new), "spec": {"size": 2, "color": None, "tags": ["a"]}}
    assert merged["spec"] == {"size": 2, "tags": ["a"], "extra": "set by a controller"}
    assert merged["status"] == {"phase": "Ready"}


def test_custom_resource_reapplied_unchanged() -> None:
    live = created(widget(size=1, nested={"a": {"b": 1}}), WIDGET)
    live["status"] = {"phase": "Ready"}
    assert apply(live, widget(size=1, nested={"a": {"b": 1}}), WIDGET)[0] == {}


def test_custom_resource_nested_deletion_and_null_pruning() -> None:
    live = created(widget(nested={"a": 1, "b": 2}), WIDGET)
    new = widget(nested={"a": 1}, added={"x": 1})
    patch, merged = apply(live, new, WIDGET)
    assert patch["spec"] == {"nested": {"b": None}, "added": {"x": 1}}
    assert merged["spec"] == {"nested": {"a": 1}, "added": {"x": 1}}


def test_crds_themselves_use_json_merge_patch() -> None:
    crd_kind = builtin("CustomResourceDefinition")
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"versions": [{"name": "v1", "served": True}]},
    }
    live = created(crd, crd_kind)
    new = json.loads(json.dumps(crd))
    new["spec"]["versions"] = [{"name": "v1", "served": True}, {"name": "v2", "served": False}]
    patch, merged = apply(live, new, crd_kind)
    assert "$setElementOrder/versions" not in patch["spec"]
    assert patch["spec"]["versions"] == new["spec"]["versions"]
    assert merged["spec"]["versions"] == new["spec"]["versions"]


@pytest.mark.parametrize(
    "new",
    [
        deployment([{"name": "web", "image": "nginx:1.26"}]),
        deployment([{"name": "log", "image": "busybox"}, {"name": "web", "image": "nginx"}]),
        deployment([{"name": "web", "image": "nginx", "env": [{"name": "A", "value": "1"}]}]),
        deployment(strategy={"type": "Recreate"}, minReadySeconds=3),
    ],
)
def test_after_a_configured_apply_the_same_manifest_is_unchanged(new: dict) -> None:
    live = created(deployment())
    patch, merged = apply(live, new)
    assert patch != {}
    assert apply(merged, new)[0] == {}
