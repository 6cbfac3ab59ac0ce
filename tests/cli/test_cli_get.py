"""`kubesim get` and `kubesim describe`: kubectl's grammar, columns, formats and messages."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cli.conftest import configmap, deployment, write

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: shirts.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: shirts, singular: shirt, kind: Shirt}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              color: {type: string}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels: {app: solo}
spec:
  containers:
  - name: c
    image: busybox
"""


@pytest.fixture
def cluster(run, tmp_path):
    """web Deployment, two ConfigMaps (one in namespace shop), a Pod, a Node, an Event, a CRD."""
    docs = [
        deployment(),
        configmap("settings", a="1"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
        configmap("shop-settings", namespace="shop"),
        POD,
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n",
        "apiVersion: v1\nkind: Event\nmetadata:\n  name: solo.1\ninvolvedObject:\n  kind: Pod\n"
        "  name: solo\n  namespace: default\nreason: Testing\nmessage: hello\ntype: Normal\n",
        CRD,
    ]
    f = write(tmp_path, "cluster.yaml", "---\n".join(docs))
    code, out, err = run("apply", "-q", "-f", f)
    assert code == 0, err
    return run


@pytest.mark.parametrize(
    ("resource", "name"),
    [
        ("po", "solo"),
        ("pods", "solo"),
        ("pod", "solo"),
        ("deploy", "web"),
        ("deployments.apps", "web"),
        ("svc", "kubernetes"),
        ("ns", "shop"),
        ("no", "node-1"),
        ("cm", "settings"),
        ("crd", "shirts.stable.example.com"),
        ("Deployment", "web"),
    ],
)
def test_kinds_and_short_names(cluster, resource, name):
    code, out, err = cluster("get", resource)
    assert code == 0, err
    assert out.splitlines()[0].startswith("NAME")
    assert any(line.split()[0] == name for line in out.splitlines()[1:]), out


def test_events_table_as_kubectl_prints_it(cluster):
    header, row = cluster("get", "ev")[1].splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert row.split()[1:] == ["Normal", "Testing", "pod/solo", "hello"]


def test_rs_short_name_with_nothing_found(cluster):
    code, out, err = cluster("get", "rs")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")


def test_deployment_columns(cluster):
    out = cluster("get", "deploy")[1]
    assert out.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out.splitlines()[1].split()[:4] == ["web", "0/3", "0", "0"]


def test_wide_adds_containers_images_selector(cluster):
    header, row = cluster("get", "deploy", "-o", "wide")[1].splitlines()
    assert header.split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert row.split()[-3:] == ["nginx", "nginx:1.27", "app=web"]


def test_name_arguments_and_kind_slash_name(cluster):
    by_args = cluster("get", "deploy", "web")[1]
    by_slash = cluster("get", "deploy/web")[1]
    assert by_args == by_slash and len(by_args.splitlines()) == 2
    code, out, _ = cluster("get", "cm", "settings", "-o", "name")
    assert (code, out) == (0, "configmap/settings\n")


def test_several_kinds_get_kind_prefixed_names(cluster):
    code, out, _ = cluster("get", "deploy,cm", "-o", "name")
    assert out == "deployment.apps/web\nconfigmap/settings\n"


def test_missing_name_is_not_found(cluster):
    code, out, err = cluster("get", "deploy", "nope")
    assert (code, out) == (1, "")
    assert err == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_unknown_resource_type(cluster):
    code, out, err = cluster("get", "statefulsets")
    assert code == 1 and out == ""
    assert err.splitlines()[0] == 'error: the server doesn\'t have a resource type "statefulsets"'


def test_yaml_and_json_of_one_object(cluster):
    obj = yaml.safe_load(cluster("get", "deploy", "web", "-o", "yaml")[1])
    assert obj["kind"] == "Deployment" and obj["metadata"]["generation"] == 1
    assert json.loads(cluster("get", "deploy", "web", "-o", "json")[1]) == obj


def test_json_of_a_list_is_a_list(cluster):
    data = json.loads(cluster("get", "cm", "-o", "json")[1])
    assert data["kind"] == "List" and data["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in data["items"]] == ["settings"]


def test_jsonpath(cluster):
    assert cluster("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")[1] == "3"
    out = cluster("get", "ns", "-o", "jsonpath={.items[*].metadata.name}")[1]
    assert out.split() == ["default", "kube-node-lease", "kube-public", "kube-system", "shop"]


def test_namespace_flag(cluster):
    out = cluster("get", "cm", "-n", "shop", "-o", "name")[1]
    assert out == "configmap/shop-settings\n"
    code, out, err = cluster("get", "deploy", "-n", "kube-system")
    assert (code, out, err) == (0, "", "No resources found in kube-system namespace.\n")


def test_all_namespaces_adds_namespace_column(cluster):
    lines = cluster("get", "cm", "-A")[1].splitlines()
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert {tuple(line.split()[:2]) for line in lines[1:]} == {
        ("default", "settings"),
        ("shop", "shop-settings"),
    }


def test_label_selector(cluster):
    assert cluster("get", "po", "-l", "app=solo", "-o", "name")[1] == "pod/solo\n"
    code, out, err = cluster("get", "po", "-l", "app=other")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")


def test_show_labels(cluster):
    header, row = cluster("get", "deploy", "--show-labels")[1].splitlines()
    assert header.split()[-1] == "LABELS" and row.split()[-1] == "app=web"


def test_get_all(cluster):
    out = cluster("get", "all")[1]
    assert "pod/solo" in out and "service/kubernetes" in out and "deployment.apps/web" in out
    assert "configmap" not in out


def test_nothing_found_goes_to_stderr(run):
    assert run("get", "pods") == (0, "", "No resources found in default namespace.\n")


def test_no_resource_type_is_an_error(run):
    code, out, err = run("get")
    assert code == 1 and out == "" and err.startswith("error: you must specify the type")


def test_bad_output_format(cluster):
    code, out, err = cluster("get", "deploy", "-o", "xml")
    assert code == 1 and out == "" and "unable to match a printer" in err


def test_custom_resources_are_served_once_their_crd_exists(cluster, tmp_path):
    f = write(
        tmp_path,
        "shirt.yaml",
        "apiVersion: stable.example.com/v1\nkind: Shirt\n"
        "metadata:\n  name: blue\nspec:\n  color: blue\n",
    )
    assert cluster("apply", "-f", f)[1] == "shirt.stable.example.com/blue created\n"
    assert cluster("get", "shirts", "-o", "name")[1] == "shirt.stable.example.com/blue\n"


def test_four_namespaces_and_kubernetes_service_exist_from_the_start(run):
    assert run("get", "ns", "-o", "name")[1].split() == [
        "namespace/default",
        "namespace/kube-node-lease",
        "namespace/kube-public",
        "namespace/kube-system",
    ]
    assert run("get", "svc", "-o", "name")[1] == "service/kubernetes\n"


def test_describe(cluster):
    code, out, _ = cluster("describe", "deploy", "web")
    assert code == 0
    assert out.splitlines()[0].split() == ["Name:", "web"]
    assert "Replicas:" in out and "nginx:1.27" in out
    code, out, _ = cluster("describe", "pod/solo")
    assert code == 0 and "Testing" in out  # the pod's events


def test_describe_missing(cluster):
    code, out, err = cluster("describe", "deploy", "nope")
    assert (code, out) == (1, "")
    assert err == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_name_with_all_namespaces_is_an_error(cluster):
    code, out, err = cluster("get", "deploy", "web", "-A")
    assert (code, out) == (1, "")
    assert err == "error: a resource cannot be retrieved by name across all namespaces\n"


def test_at_revision_reads_the_past(cluster):
    before = cluster("get", "cm", "settings", "-o", "json")[1]
    rev = json.loads(before)["metadata"]["resourceVersion"]
    cluster("label", "-q", "cm", "settings", "tier=x")
    assert "tier" in cluster("get", "cm", "settings", "--show-labels")[1]
    past = cluster("get", "cm", "settings", "--at-revision", rev, "-o", "json")[1]
    assert json.loads(past) == json.loads(before)


def test_at_a_future_revision_is_one_clean_error(cluster):
    code, out, err = cluster("get", "cm", "--at-revision", "999999")
    assert (code, out) == (1, "")
    assert err.startswith("error: mvcc: required revision is a future revision")
