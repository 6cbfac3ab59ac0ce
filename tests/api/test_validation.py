"""Validation and decoding checks: one test per rule, with the real API's message."""

from __future__ import annotations

import copy

import pytest
import yaml

from kubesim.api.defaults import apply_defaults
from kubesim.api.validation import check_types, validate_create, validate_status, validate_update
from kubesim.model.errors import BadRequest, Invalid
from kubesim.model.kinds import builtin
from tests.paths import CORPUS

DEPLOY, RS, POD, SVC = (builtin(k) for k in ("Deployment", "ReplicaSet", "Pod", "Service"))
CM, NS, NODE = builtin("ConfigMap"), builtin("Namespace"), builtin("Node")


def deployment(**spec):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
            },
            **spec,
        },
    }
    apply_defaults(DEPLOY, obj)
    return obj


def pod(**spec):
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec},
    }
    apply_defaults(POD, obj)
    return obj


def service(**spec):
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec},
    }
    apply_defaults(SVC, obj)
    return obj


def messages(errs):
    return [str(e) for e in errs]


def one(errs):
    assert len(errs) == 1, messages(errs)
    return str(errs[0])


# --- decoding -------------------------------------------------------------------------------


def test_wrong_type_is_rejected_as_the_decoder_does():
    obj = deployment(replicas="three")
    with pytest.raises(BadRequest) as e:
        check_types(DEPLOY, obj)
    assert e.value.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


def test_label_values_must_be_strings():
    obj = deployment()
    obj["metadata"]["labels"] = {"tier": 3}
    with pytest.raises(
        BadRequest, match="Go struct field ObjectMeta.metadata.labels of type string"
    ):
        check_types(DEPLOY, obj)


def test_nested_list_field_path_has_no_indices():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": "80"}]
    with pytest.raises(BadRequest) as e:
        check_types(DEPLOY, obj)
    assert e.value.message.endswith(
        "json: cannot unmarshal string into Go struct field "
        "ContainerPort.spec.template.spec.containers.ports.containerPort of type int32"
    )


def test_containers_must_be_a_list():
    obj = pod()
    obj["spec"]["containers"] = "nginx"
    with pytest.raises(BadRequest, match=r"field PodSpec.spec.containers of type \[\]v1.Container"):
        check_types(POD, obj)


def test_unknown_fields_are_strict_errors_with_paths():
    obj = deployment(replica=3)
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    with pytest.raises(BadRequest) as e:
        check_types(DEPLOY, obj)
    assert e.value.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.replica"'
    )


def test_bad_quantity_is_a_decoding_error():
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"limits": {"memory": "64Mm"}}
    with pytest.raises(BadRequest) as e:
        check_types(POD, obj)
    assert e.value.message == (
        'Pod in version "v1" cannot be handled as a Pod: unable to parse quantity\'s suffix'
    )
    obj["spec"]["containers"][0]["resources"] = {"limits": {"memory": "lots"}}
    with pytest.raises(BadRequest, match="quantities must match the regular expression"):
        check_types(POD, obj)


# --- ObjectMeta -----------------------------------------------------------------------------


def test_subdomain_name():
    obj = deployment()
    obj["metadata"]["name"] = "Web"
    assert one(validate_create(DEPLOY, obj)) == (
        'metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower '
        "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )


def test_name_too_long():
    obj = deployment()
    obj["metadata"]["name"] = "a" * 254
    assert messages(validate_create(DEPLOY, obj))[0].endswith("must be no more than 253 characters")


def test_service_name_is_a_dns1035_label():
    obj = service()
    obj["metadata"]["name"] = "1web"
    assert one(validate_create(SVC, obj)) == (
        'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case '
        "alphanumeric characters or '-', start with an alphabetic character, and end with an "
        "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')"
    )


def test_namespace_name_is_a_dns1123_label():
    obj = {"metadata": {"name": "a.b"}}
    apply_defaults(NS, obj)
    errs = validate_create(NS, obj)
    assert messages(errs)[0] == 'metadata.name: Invalid value: "a.b": must not contain dots'


def test_name_or_generate_name_required():
    obj = deployment()
    del obj["metadata"]["name"]
    assert one(validate_create(DEPLOY, obj)) == (
        "metadata.name: Required value: name or generateName is required"
    )


def test_generate_name_may_end_with_a_dash_but_not_be_invalid():
    obj = deployment()
    obj["metadata"]["generateName"] = "web-"
    assert validate_create(DEPLOY, obj) == []
    obj["metadata"]["generateName"] = "Web-"
    assert messages(validate_create(DEPLOY, obj))[0].startswith(
        'metadata.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain'
    )


def test_namespace_required_for_namespaced_and_forbidden_for_cluster_kinds():
    obj = deployment()
    del obj["metadata"]["namespace"]
    assert one(validate_create(DEPLOY, obj)) == "metadata.namespace: Required value"
    node = {"metadata": {"name": "n1", "namespace": "default"}}
    assert one(validate_create(NODE, node)) == (
        "metadata.namespace: Forbidden: not allowed on this type"
    )


def test_label_key_and_value_syntax():
    obj = deployment()
    obj["metadata"]["labels"] = {"-bad": "ok", "example.com/x": "v" * 64}
    assert messages(validate_create(DEPLOY, obj)) == [
        'metadata.labels: Invalid value: "-bad": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        f'metadata.labels: Invalid value: "{"v" * 64}": must be no more than 63 characters',
    ]


def test_label_key_prefix_must_be_a_subdomain():
    obj = deployment()
    obj["metadata"]["labels"] = {"Example.com/x": "v"}
    assert one(validate_create(DEPLOY, obj)).startswith(
        'metadata.labels: Invalid value: "Example.com/x": prefix part a lowercase RFC 1123 '
        "subdomain"
    )


def test_annotations_total_size():
    obj = deployment()
    obj["metadata"]["annotations"] = {"big": "x" * 262142}
    assert one(validate_create(DEPLOY, obj)) == (
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    )


# --- Deployment / ReplicaSet ----------------------------------------------------------------


def test_replicas_not_negative():
    assert one(validate_create(DEPLOY, deployment(replicas=-1))) == (
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    )
    err = Invalid("Deployment", "web", validate_create(DEPLOY, deployment(replicas=-1)))
    assert str(err) == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )


def test_selector_required():
    obj = deployment()
    del obj["spec"]["selector"]
    assert messages(validate_create(DEPLOY, obj)) == ["spec.selector: Required value"]


def test_empty_selector_invalid():
    obj = deployment(selector={})
    assert one(validate_create(DEPLOY, obj)) == (
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
        "deployment"
    )


def test_selector_must_match_template_labels():
    obj = deployment()
    obj["spec"]["template"]["metadata"]["labels"] = {"app": "x"}
    assert one(validate_create(DEPLOY, obj)) == (
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
        "`selector` does not match template `labels`"
    )


def test_template_restart_policy_must_be_always():
    obj = deployment()
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert one(validate_create(DEPLOY, obj)) == (
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    )


def test_containers_required_in_template():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"] = []
    assert one(validate_create(DEPLOY, obj)) == "spec.template.spec.containers: Required value"


def test_min_ready_and_history_and_deadline():
    obj = deployment(minReadySeconds=-5, revisionHistoryLimit=-1)
    assert messages(validate_create(DEPLOY, obj)) == [
        "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
        "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    ]
    obj = deployment(minReadySeconds=600)
    assert one(validate_create(DEPLOY, obj)) == (
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"
    )


def test_max_surge_and_unavailable_not_both_zero():
    obj = deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    assert one(validate_create(DEPLOY, obj)) == (
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
        'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'
    )


def test_int_or_percent_format():
    obj = deployment(strategy={"rollingUpdate": {"maxSurge": "25", "maxUnavailable": "120%"}})
    assert messages(validate_create(DEPLOY, obj)) == [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: "
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25"}: a valid percent string must be a '
        "numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
        "validation is '[0-9]+%')",
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ]


def test_recreate_with_rolling_update_forbidden():
    obj = deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})
    assert one(validate_create(DEPLOY, obj)) == (
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'"
    )


def test_selector_immutable_on_update():
    old = deployment()
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "v": "2"}}
    new["spec"]["template"]["metadata"]["labels"] = {"app": "web", "v": "2"}
    assert one(validate_update(DEPLOY, new, old)) == (
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"
        '"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "field is immutable"
    )


def test_replica_set_rules():
    obj = {
        "metadata": {"name": "rs", "namespace": "default"},
        "spec": {
            "replicas": -2,
            "selector": {"matchLabels": {"app": "a"}},
            "template": {
                "metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    apply_defaults(RS, obj)
    assert one(validate_create(RS, obj)) == (
        "spec.replicas: Invalid value: -2: must be greater than or equal to 0"
    )


def test_status_counts():
    obj = deployment()
    obj["status"] = {"replicas": 1, "readyReplicas": 2, "availableReplicas": 0}
    assert one(validate_status(DEPLOY, obj)) == (
        "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas"
    )


# --- Pod spec -------------------------------------------------------------------------------


def test_container_name_and_image_required():
    obj = pod(containers=[{}])
    assert messages(validate_create(POD, obj)) == [
        "spec.containers[0].name: Required value",
        "spec.containers[0].image: Required value",
    ]


def test_duplicate_container_names():
    obj = pod(containers=[{"name": "c", "image": "a"}, {"name": "c", "image": "b"}])
    assert one(validate_create(POD, obj)) == 'spec.containers[1].name: Duplicate value: "c"'


def test_container_ports():
    c = {"name": "c", "image": "i", "ports": [{"containerPort": 70000, "name": "HTTP"}]}
    obj = pod(containers=[c])
    assert messages(validate_create(POD, obj)) == [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only '
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one '
        "letter (a-z)",
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
    ]


def test_env_names():
    obj = pod(containers=[{"name": "c", "image": "i", "env": [{"name": "A=B"}, {"value": "x"}]}])
    assert messages(validate_create(POD, obj)) == [
        'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name '
        "must consist only of printable ASCII characters other than '='",
        "spec.containers[0].env[1].name: Required value",
    ]


def test_requests_not_above_limits():
    res = {"limits": {"cpu": "500m"}, "requests": {"cpu": "1"}}
    obj = pod(containers=[{"name": "c", "image": "i", "resources": res}])
    assert one(validate_create(POD, obj)) == (
        'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal '
        "to cpu limit of 500m"
    )


def test_quantities_parse():
    res = {"limits": {"cpu": "500m", "memory": "64Mi"}, "requests": {"memory": "64Mi"}}
    obj = pod(containers=[{"name": "c", "image": "i", "resources": res}])
    check_types(POD, obj)
    assert validate_create(POD, obj) == []


def test_pod_restart_policy_values():
    obj = pod(restartPolicy="Sometimes")
    assert one(validate_create(POD, obj)) == (
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"OnFailure", "Never"'
    )


def test_pod_update_may_change_only_images():
    old = pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:2"
    assert validate_update(POD, new, old) == []
    new["spec"]["restartPolicy"] = "Never"
    text = one(validate_update(POD, new, old))
    assert text.startswith(
        "spec: Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)\n"
    )
    assert '- \tRestartPolicy: "Always",' in text


# --- Service, ConfigMap, Namespace, Node ----------------------------------------------------


def test_service_ports_required_and_range():
    assert one(validate_create(SVC, service(ports=[]))) == "spec.ports: Required value"
    assert one(validate_create(SVC, service(ports=[{"port": 0, "targetPort": 80}]))) == (
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
    )


def test_service_multiple_ports_need_names():
    obj = service(ports=[{"port": 80}, {"port": 81, "name": "b"}])
    assert one(validate_create(SVC, obj)) == "spec.ports[0].name: Required value"


def test_service_type():
    obj = service(type="Internal")
    assert one(validate_create(SVC, obj)) == (
        'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", '
        '"ExternalName", "LoadBalancer", "NodePort"'
    )


def test_service_node_port_forbidden_for_cluster_ip():
    obj = service(ports=[{"port": 80, "nodePort": 30080}])
    assert one(validate_create(SVC, obj)) == (
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    )


def test_service_cluster_ip_must_be_an_ip_and_is_immutable():
    obj = service(clusterIP="abc")
    assert one(validate_create(SVC, obj)) == (
        'spec.clusterIPs[0]: Invalid value: "abc": must be a valid IP address, '
        "(e.g. 10.9.8.7 or 2001:db8::ffff)"
    )
    old = service(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])
    new = service(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"])
    assert one(validate_update(SVC, new, old)) == (
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    )


def test_config_map_keys_and_overlap():
    obj = {
        "metadata": {"name": "c", "namespace": "default"},
        "data": {"a b": "1", "k": "v"},
        "binaryData": {"k": "dg=="},
    }
    assert messages(validate_create(CM, obj)) == [
        'data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric '
        "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "
        "used for validation is '[-._a-zA-Z0-9]+')",
        'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    ]


def test_immutable_config_map():
    old = {"metadata": {"name": "c", "namespace": "default"}, "data": {"k": "1"}, "immutable": True}
    new = copy.deepcopy(old)
    new["data"]["k"] = "2"
    assert one(validate_update(CM, new, old)) == (
        "data: Forbidden: field is immutable when `immutable` is set"
    )


def test_metadata_name_immutable():
    old = {"metadata": {"name": "c", "namespace": "default"}}
    new = {"metadata": {"name": "d", "namespace": "default"}}
    assert one(validate_update(CM, new, old)) == (
        'metadata.name: Invalid value: "d": field is immutable'
    )


def test_namespace_finalizers():
    obj = {"metadata": {"name": "dev"}, "spec": {"finalizers": ["custom"]}}
    assert one(validate_create(NS, obj)) == (
        'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name '
        "nor is it fully qualified"
    )


def test_node_taint_effect():
    obj = {"metadata": {"name": "n1"}, "spec": {"taints": [{"key": "k", "effect": "Never"}]}}
    assert one(validate_create(NODE, obj)) == (
        'metadata.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"'
    )


def test_event_namespace_must_match():
    ev = builtin("Event")
    obj = {
        "metadata": {"name": "e1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "other"},
    }
    assert one(validate_create(ev, obj)) == (
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    )


# --- the corpus -----------------------------------------------------------------------------

KINDS = ("Deployment", "Service", "ConfigMap", "Pod", "ReplicaSet", "Namespace")


def corpus_documents():
    return list(_corpus_documents())


def _corpus_documents():
    for path in sorted(CORPUS.rglob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc and doc.get("kind") in KINDS:
                yield pytest.param(doc, id=f"{path.relative_to(CORPUS)}#{i}")


def test_corpus_is_there():
    assert len(list(corpus_documents())) >= 40


@pytest.mark.parametrize("doc", corpus_documents())
def test_corpus_document_is_valid(doc):
    kind = builtin(doc["kind"])
    if kind.namespaced:
        doc.setdefault("metadata", {}).setdefault("namespace", "default")
    check_types(kind, doc)
    apply_defaults(kind, doc)
    assert messages(validate_create(kind, doc)) == []
