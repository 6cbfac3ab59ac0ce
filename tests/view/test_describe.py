"""kubectl describe text for each kind, against hand-checked snapshots."""

from __future__ import annotations

from kubesim.model.kinds import Kind, builtin
from kubesim.view.describe import describe
from kubesim.view.describe_common import smart_label
from tests.view import fixtures as f
from tests.view.snapshot import assert_snapshot

NOW = f.NOW
WIDGET = Kind("Widget", "example.com", "v1", "widgets", "widget", True, served_versions=("v1",))


def test_deployment() -> None:
    related = {"new_replica_set": f.replicaset(), "old_replica_sets": []}
    text = describe(builtin("Deployment"), f.deployment(), NOW, f.deployment_events(), related)
    assert_snapshot("describe_deployment.txt", text)
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 " in text
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n" in text


def test_deployment_without_replica_set_lookup_leaves_the_lines_out() -> None:
    text = describe(builtin("Deployment"), f.deployment(), NOW, [])
    assert "NewReplicaSet:" not in text and "OldReplicaSets:" not in text
    # the Events line joins the Conditions rows' column block, as in Go's tabwriter
    assert text.endswith(
        "Conditions:\n  Type          Status  Reason\n"
        "  ----          ------  ------\n"
        "  Available     True    MinimumReplicasAvailable\n"
        "  Progressing   True    NewReplicaSetAvailable\n"
        "Events:         <none>\n"
    )


def test_replicaset_and_pod() -> None:
    rs = describe(
        builtin("ReplicaSet"), f.replicaset(), NOW, f.replicaset_events(), {"pods": f.pods()}
    )
    assert_snapshot("describe_replicaset.txt", rs)
    pod = describe(builtin("Pod"), f.pods()[0], NOW, f.pod_events())
    assert_snapshot("describe_pod.txt", pod)


def test_service_node_namespace_configmap() -> None:
    text = "\n".join(
        [
            describe(builtin("Service"), f.service(), NOW, [], {"endpoints": f.endpoints()}),
            describe(
                builtin("Node"),
                f.node("node-1", "172.18.0.2", control_plane=True),
                NOW,
                [],
                {"pods": f.pods()[:1]},
            ),
            describe(builtin("Namespace"), f.namespace("default"), NOW, f.pod_events()),
            describe(builtin("ConfigMap"), f.configmap(), NOW, []),
        ]
    )
    assert_snapshot("describe_core.txt", text)


def test_crd_and_custom_resource_use_the_generic_tree() -> None:
    text = describe(builtin("CustomResourceDefinition"), f.CRD, NOW, [])
    text += describe(WIDGET, f.widget(), NOW, f.deployment_events())
    assert_snapshot("describe_generic.txt", text)


def test_repeated_event_shows_count_and_span() -> None:
    ev = f.event(
        "x", "Pod", "p", "BackOff", "Back-off restarting failed container", "", "kubelet", count=7
    )
    ev["firstTimestamp"], ev["lastTimestamp"] = "2025-03-01T11:00:00Z", "2025-03-01T11:59:00Z"
    text = describe(builtin("Pod"), f.pods()[0], NOW, [ev])
    assert "  Normal  BackOff  60s (x7 over 60m)  kubelet  Back-off restarting" in text


def test_smart_label() -> None:
    assert smart_label("apiVersion") == "API Version"
    assert smart_label("uid") == "UID"
    assert smart_label("openAPIV3Schema") == "openAPIV3Schema"
    assert smart_label("PDFLoader") == "PDF Loader"
