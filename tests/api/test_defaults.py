"""Defaulting as the v1 SetDefaults_* functions do it."""

from __future__ import annotations

from kubesim.api.defaults import apply_defaults, image_pull_policy
from kubesim.model.kinds import builtin


def test_deployment_defaults():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    apply_defaults(builtin("Deployment"), obj)
    spec = obj["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Always"
    assert pod["dnsPolicy"] == "ClusterFirst"
    assert pod["schedulerName"] == "default-scheduler"
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["securityContext"] == {}
    assert "enableServiceLinks" not in pod  # pods only, not templates


def test_recreate_gets_no_rolling_update():
    obj = {"spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {}}}}
    apply_defaults(builtin("Deployment"), obj)
    assert obj["spec"]["strategy"] == {"type": "Recreate"}


def test_user_values_are_kept():
    obj = {"spec": {"replicas": 0, "strategy": {"rollingUpdate": {"maxSurge": 2}}}}
    apply_defaults(builtin("Deployment"), obj)
    assert obj["spec"]["replicas"] == 0
    assert obj["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 2, "maxUnavailable": "25%"}


def test_replica_set_defaults():
    obj = {"spec": {"template": {"spec": {}}}}
    apply_defaults(builtin("ReplicaSet"), obj)
    assert obj["spec"]["replicas"] == 1
    assert obj["spec"]["template"]["spec"]["restartPolicy"] == "Always"


def test_container_defaults():
    obj = {
        "spec": {
            "containers": [
                {"name": "a", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                {"name": "b", "image": "nginx", "resources": {"limits": {"cpu": "1"}}},
            ]
        }
    }
    apply_defaults(builtin("Pod"), obj)
    a, b = obj["spec"]["containers"]
    assert a["imagePullPolicy"] == "IfNotPresent"
    assert b["imagePullPolicy"] == "Always"
    assert a["terminationMessagePath"] == "/dev/termination-log"
    assert a["terminationMessagePolicy"] == "File"
    assert a["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert b["resources"]["requests"] == {"cpu": "1"}  # requests default to limits (pods)
    assert obj["spec"]["enableServiceLinks"] is True


def test_image_pull_policy_by_tag():
    assert image_pull_policy("nginx:latest") == "Always"
    assert image_pull_policy("localhost:5000/app") == "Always"
    assert image_pull_policy("localhost:5000/app:v1") == "IfNotPresent"
    assert image_pull_policy("nginx@sha256:abc") == "IfNotPresent"


def test_service_defaults():
    obj = {"spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}}
    apply_defaults(builtin("Service"), obj)
    spec = obj["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80},
        {"port": 443, "targetPort": "https", "protocol": "TCP"},
    ]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["internalTrafficPolicy"] == "Cluster"


def test_external_name_service_gets_no_ip_families():
    obj = {"spec": {"type": "ExternalName", "externalName": "example.com"}}
    apply_defaults(builtin("Service"), obj)
    assert "ipFamilies" not in obj["spec"]


def test_namespace_defaults():
    obj = {"metadata": {"name": "dev"}}
    apply_defaults(builtin("Namespace"), obj)
    assert obj["spec"] == {"finalizers": ["kubernetes"]}
    assert obj["metadata"]["labels"] == {"kubernetes.io/metadata.name": "dev"}


def test_crd_defaults():
    obj = {"spec": {"names": {"kind": "Shirt", "plural": "shirts"}}}
    apply_defaults(builtin("CustomResourceDefinition"), obj)
    assert obj["spec"]["names"]["singular"] == "shirt"
    assert obj["spec"]["names"]["listKind"] == "ShirtList"
    assert obj["spec"]["conversion"] == {"strategy": "None"}
