"""Protobuf request bodies (`application/vnd.kubernetes.protobuf`), as kubectl create sends them.

The fixtures in fixtures/protobuf/ are bodies the real kubectl v1.32 sent to `kubesim serve`
(captured by a proxy), each next to what `kubectl ... --dry-run=client -o json` printed for the
same command: decoding one must give the other. Hand-built messages cover what kubectl create does
not send (Time, IntOrString, inlined structs, packed fields, Scale, Binding, DeleteOptions), and
malformed bodies must get a 400 Status. With kubectl installed, the same commands run against the
front, and the committed schema table is checked against the descriptors in kubectl.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kubesim.model.errors import BadRequest
from kubesim.serve import protogen
from kubesim.serve.protobuf import MAGIC, MEDIA_TYPE, decode, decode_body
from kubesim.serve.protoschema import MESSAGES
from tests.serve.conftest import KUBECTL

FIXTURES = Path(__file__).with_name("fixtures") / "protobuf"
BINARY = b"\x00\xff\xfe binary"  # the file kubectl read for configmap-binary (bin.dat)

#: fixture -> the kubectl command that sent it (and printed its .json with --dry-run=client)
COMMANDS = {
    "configmap-cfg": ["create", "configmap", "cfg", "--from-literal=a=b", "--from-literal=empty="],
    "configmap-binary": ["create", "configmap", "bin", "--from-file=bin.dat", "--from-literal=k=v"],
    "deployment-hello": [
        "create",
        "deployment",
        "hello",
        "--image=nginx",
        "--replicas=2",
        "--port=80",
    ],
    "deployment-zero": ["create", "deployment", "zero", "--image=nginx", "--replicas=0"],
    "service-clusterip": ["create", "service", "clusterip", "web", "--tcp=80:8080"],
    "service-nodeport": [
        "create",
        "service",
        "nodeport",
        "np",
        "--tcp=80:8080",
        "--node-port=30080",
    ],
    "service-externalname": [
        "create",
        "service",
        "externalname",
        "ext",
        "--external-name=example.com",
    ],
    "namespace": ["create", "namespace", "team-a"],
}
PB = {"Content-Type": MEDIA_TYPE}


# ------------------------------------------------------------------------------ a small encoder
def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def number(message: str, name: str) -> int:
    """The field number of `name` in `message`, from the schema table."""
    return next(n for n, (field, _, _) in MESSAGES[message].items() if field == name)


def vi(n: int, value: int) -> bytes:
    return varint(n << 3) + varint(value)


def ld(n: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(n << 3 | 2) + varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    meta = ld(1, api_version) + ld(2, kind)
    return MAGIC + ld(1, meta) + ld(2, raw) + ld(3, "") + ld(4, MEDIA_TYPE)


def deep_fields_v1(depth: int) -> bytes:
    """A Pod whose managedFields carry fieldsV1 JSON nested `depth` arrays deep."""
    raw = b"[" * depth + b"]" * depth
    entry = ld(number("meta.v1.ManagedFieldsEntry", "fieldsV1"), ld(1, raw))
    return ld(1, ld(number("meta.v1.ObjectMeta", "managedFields"), entry))


def meta(name: str, **more: bytes) -> bytes:
    return ld(number("meta.v1.ObjectMeta", "name"), name) + b"".join(more.values())


# ------------------------------------------------------------------------------ kubectl's bodies
@pytest.mark.parametrize("fixture", sorted(COMMANDS))
def test_kubectl_bodies_decode_to_what_kubectl_prints_as_json(fixture: str) -> None:
    body = (FIXTURES / f"{fixture}.pb").read_bytes()
    assert body.startswith(MAGIC)
    expected = json.loads((FIXTURES / f"{fixture}.json").read_text())
    assert decode_body(body) == expected


def test_what_the_json_keeps_and_leaves_out() -> None:
    zero = decode_body((FIXTURES / "deployment-zero.pb").read_bytes())
    assert zero["spec"]["replicas"] == 0  # a pointer on the wire, zero included
    assert zero["metadata"]["creationTimestamp"] is None  # Go's zero time.Time
    assert "minReadySeconds" not in zero["spec"]  # a Go value at zero: omitempty
    assert zero["spec"]["strategy"] == {}  # a struct is always printed
    cm = decode_body((FIXTURES / "configmap-binary.pb").read_bytes())
    assert base64.b64decode(cm["binaryData"]["bin.dat"]) == BINARY
    assert decode_body((FIXTURES / "configmap-cfg.pb").read_bytes())["data"]["empty"] == ""


def test_a_kind_kubesim_does_not_serve_is_refused() -> None:
    with pytest.raises(BadRequest, match="no kind 'Secret' is registered"):
        decode_body((FIXTURES / "secret.pb").read_bytes())


# ------------------------------------------------------------------------------ types and labels
def test_apimachinery_types_decode_to_their_json_forms() -> None:
    assert decode("meta.v1.Time", vi(1, 1_767_225_600)) == "2026-01-01T00:00:00Z"
    assert decode("meta.v1.Time", b"") is None
    assert decode("meta.v1.MicroTime", vi(1, 1_767_225_600) + vi(2, 123_456_789)) == (
        "2026-01-01T00:00:00.123456Z"
    )
    assert decode("meta.v1.Duration", vi(1, 90 * 10**9)) == "1m30s"
    assert decode("meta.v1.Duration", vi(1, 3_600_500_000_000)) == "1h0m0.5s"
    assert decode("meta.v1.Duration", vi(1, 150_000_000)) == "150ms"
    assert decode("resource.Quantity", ld(1, "500m")) == "500m"
    assert decode("intstr.IntOrString", vi(1, 0) + vi(2, 8080)) == 8080
    assert decode("intstr.IntOrString", vi(1, 1) + ld(3, "http")) == "http"
    assert decode("runtime.RawExtension", ld(1, b'{"a": [1]}')) == {"a": [1]}
    assert decode("meta.v1.FieldsV1", ld(1, b'{"f:data": {}}')) == {"f:data": {}}


def test_pointers_values_maps_lists_and_inlined_structs() -> None:
    md = "meta.v1.ObjectMeta"
    spec = "core.v1.PodSpec"
    container = "core.v1.Container"
    volume = "core.v1.VolumeSource"
    metadata = meta(
        "p",
        grace=vi(number(md, "deletionGracePeriodSeconds"), 0),  # *int64: kept at 0
        generation=vi(number(md, "generation"), 0),  # int64: left out at 0
        labels=ld(number(md, "labels"), ld(1, "app") + ld(2, "web"))
        + ld(number(md, "labels"), ld(1, "tier") + ld(2, "")),
        finalizers=ld(number(md, "finalizers"), "a") + ld(number(md, "finalizers"), "b"),
        unknown=ld(999, "a field from a newer Kubernetes"),
    )
    resources = ld(
        number("core.v1.ResourceRequirements", "limits"), ld(1, "cpu") + ld(2, ld(1, "500m"))
    )
    ctr = (
        ld(number(container, "name"), "c")
        + ld(number(container, "resources"), resources)
        + ld(number(container, "readinessProbe"), b"")
    )
    vol = ld(number("core.v1.Volume", "name"), "cfg") + ld(
        number("core.v1.Volume", "volumeSource"),
        ld(
            number(volume, "configMap"),
            ld(number("core.v1.ConfigMapVolumeSource", "localObjectReference"), ld(1, "settings")),
        ),
    )
    pod_spec = (
        ld(number(spec, "containers"), ctr)
        + ld(number(spec, "volumes"), vol)
        + vi(number(spec, "terminationGracePeriodSeconds"), (1 << 64) - 1)  # -1, as int64
        + vi(number(spec, "hostNetwork"), 0)
    )
    pod = decode("core.v1.Pod", ld(1, metadata) + ld(2, pod_spec))
    assert pod["metadata"] == {
        "name": "p",
        "deletionGracePeriodSeconds": 0,
        "labels": {"app": "web", "tier": ""},
        "finalizers": ["a", "b"],
    }
    assert pod["spec"] == {
        "containers": [
            {"name": "c", "resources": {"limits": {"cpu": "500m"}}, "readinessProbe": {}}
        ],
        "volumes": [{"name": "cfg", "configMap": {"name": "settings"}}],
        "terminationGracePeriodSeconds": -1,
    }


def test_packed_and_unpacked_repeated_numbers() -> None:
    field = number("core.v1.PodSecurityContext", "supplementalGroups")
    packed = ld(field, varint(1000) + varint(2000))
    unpacked = vi(field, 1000) + vi(field, 2000)
    for data in (packed, unpacked):
        assert decode("core.v1.PodSecurityContext", data) == {"supplementalGroups": [1000, 2000]}


@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"kind": "ConfigMap"}', "no protobuf magic prefix"),
        (MAGIC + b"\x0a\x05\x0a\x02", "truncated"),
        (MAGIC + b"\x0f", "wire type 7"),
        (envelope("v1", "ConfigMap", b"\x0a\x80"), "truncated varint"),
        (envelope("v1", "ConfigMap", vi(1, 5)), "not length-delimited"),
        (envelope("v1", "ConfigMap", ld(1, ld(1, b"\xff\xfe"))), "not UTF-8"),
        (envelope("v1", "Secret", b""), "no kind 'Secret'"),
        (envelope("v1", "Pod", deep_fields_v1(100_000)), "nested too deep"),
    ],
)
def test_malformed_bodies_are_bad_requests(body: bytes, words: str) -> None:
    with pytest.raises(BadRequest, match=words):
        decode_body(body)


# ------------------------------------------------------------------------------ over HTTP
def test_creates_from_protobuf_bodies(served) -> None:
    for fixture, path in [
        ("namespace", "/api/v1/namespaces"),
        ("configmap-binary", "/api/v1/namespaces/default/configmaps"),
        ("deployment-zero", "/apis/apps/v1/namespaces/default/deployments"),
        ("service-clusterip", "/api/v1/namespaces/default/services"),
    ]:
        raw = (FIXTURES / f"{fixture}.pb").read_bytes()
        code, obj, _ = served.request("POST", path, raw=raw, headers=PB)
        assert code == 201, obj
    _, cm, _ = served.request("GET", "/api/v1/namespaces/default/configmaps/bin")
    assert base64.b64decode(cm["binaryData"]["bin.dat"]) == BINARY
    _, deploy, _ = served.request("GET", "/apis/apps/v1/namespaces/default/deployments/zero")
    assert deploy["spec"]["replicas"] == 0
    _, svc, _ = served.request("GET", "/api/v1/namespaces/default/services/web")
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    assert svc["spec"]["clusterIP"]  # allocated by the API, as for a JSON body


@pytest.mark.parametrize(
    "path, body, code, words",
    [
        ("/api/v1/namespaces/default/configmaps", MAGIC + b"\x0a\x80", 400, "truncated"),
        (
            "/api/v1/namespaces/default/configmaps",
            (FIXTURES / "deployment-hello.pb").read_bytes(),
            400,
            "does not match the expected API version",
        ),
        (
            "/api/v1/namespaces/default/secrets",
            (FIXTURES / "secret.pb").read_bytes(),
            404,
            "could not find the requested resource",
        ),
    ],
)
def test_bad_protobuf_requests_get_a_status(served, path, body, code, words) -> None:
    status, obj, _ = served.request("POST", path, raw=body, headers=PB)
    assert status == code
    assert obj["kind"] == "Status" and words in obj["message"]


def test_scale_binding_and_delete_options_in_protobuf(served) -> None:
    node = envelope("v1", "Node", ld(1, meta("node-1")))
    assert served.request("POST", "/api/v1/nodes", raw=node, headers=PB)[0] == 201
    ctr = ld(number("core.v1.Container", "name"), "c") + ld(
        number("core.v1.Container", "image"), "nginx"
    )
    pod = envelope(
        "v1", "Pod", ld(1, meta("p")) + ld(2, ld(number("core.v1.PodSpec", "containers"), ctr))
    )
    assert served.request("POST", "/api/v1/namespaces/default/pods", raw=pod, headers=PB)[0] == 201

    target = ld(number("core.v1.ObjectReference", "kind"), "Node") + ld(
        number("core.v1.ObjectReference", "name"), "node-1"
    )
    binding = envelope("v1", "Binding", ld(1, meta("p")) + ld(2, target))
    code, _, _ = served.request(
        "POST", "/api/v1/namespaces/default/pods/p/binding", raw=binding, headers=PB
    )
    assert code == 201
    _, got, _ = served.request("GET", "/api/v1/namespaces/default/pods/p")
    assert got["spec"]["nodeName"] == "node-1"

    deploy = (FIXTURES / "deployment-hello.pb").read_bytes()
    path = "/apis/apps/v1/namespaces/default/deployments"
    assert served.request("POST", path, raw=deploy, headers=PB)[0] == 201
    scale = envelope("autoscaling/v1", "Scale", ld(1, meta("hello")) + ld(2, vi(1, 5)))
    code, reply, _ = served.request("PUT", f"{path}/hello/scale", raw=scale, headers=PB)
    assert (code, reply["spec"]["replicas"]) == (200, 5)
    zero = envelope("autoscaling/v1", "Scale", ld(1, meta("hello")) + ld(2, b""))
    code, reply, _ = served.request("PUT", f"{path}/hello/scale", raw=zero, headers=PB)
    assert (code, reply["spec"].get("replicas", 0)) == (200, 0)
    wrong = envelope("v1", "Binding", ld(1, meta("hello")))
    code, reply, _ = served.request("PUT", f"{path}/hello/scale", raw=wrong, headers=PB)
    assert code == 400 and "not a Scale" in reply["message"]

    options = envelope("v1", "DeleteOptions", ld(4, "Orphan"))
    code, _, _ = served.request("DELETE", f"{path}/hello", raw=options, headers=PB)
    assert code == 200
    bad = envelope("v1", "DeleteOptions", ld(4, "Sideways"))
    code, reply, _ = served.request(
        "DELETE", "/api/v1/namespaces/default/pods/p", raw=bad, headers=PB
    )
    assert code == 400 and "propagationPolicy" in reply["message"]


# ------------------------------------------------------------------------------ the real kubectl
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="no kubectl on PATH")


def kubectl(served, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": str(served.kubeconfig), "NO_COLOR": "1"}
    return subprocess.run(
        [KUBECTL, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def without_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    obj = json.loads(json.dumps(obj))
    for field in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
        obj["metadata"].pop(field, None)
    obj["metadata"].pop("namespace", None)
    obj.pop("status", None)
    return obj


@needs_kubectl
def test_kubectl_create_against_the_front(served, tmp_path: Path) -> None:
    (tmp_path / "bin.dat").write_bytes(BINARY)
    for fixture in ("configmap-cfg", "configmap-binary", "deployment-hello", "namespace"):
        args = COMMANDS[fixture]
        dry = kubectl(served, tmp_path, *args, "--dry-run=client", "-o", "json")
        printed = json.loads(dry.stdout)
        # the fixtures are what this kubectl sends: its JSON is what they decode to
        assert printed == json.loads((FIXTURES / f"{fixture}.json").read_text())
        proc = kubectl(served, tmp_path, *args, "-o", "json")
        assert proc.returncode == 0, proc.stderr
        created = json.loads(proc.stdout)
        assert created["metadata"]["uid"]
        expected = without_server_fields(printed)
        got = without_server_fields(created)
        if fixture == "deployment-hello":  # the API defaults what kubectl left out
            assert got["spec"]["strategy"]["type"] == "RollingUpdate"
            assert got["spec"]["template"]["spec"]["restartPolicy"] == "Always"
            container = got["spec"]["template"]["spec"]["containers"][0]
            assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
            assert (got["spec"]["replicas"], container["image"]) == (2, "nginx")
        elif fixture == "namespace":
            assert got["spec"] == {"finalizers": ["kubernetes"]}
            assert got["metadata"]["name"] == "team-a"
        else:
            assert got == expected
    proc = kubectl(served, tmp_path, "create", "secret", "generic", "s", "--from-literal=a=b")
    assert proc.returncode == 1
    assert "the server could not find the requested resource" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_kubectl
def test_the_schema_table_is_what_kubectl_was_built_with() -> None:
    version = subprocess.run(
        [KUBECTL, "version", "--client", "-o", "json"], capture_output=True, text=True
    )
    minor = json.loads(version.stdout)["clientVersion"]["minor"]
    if not minor.startswith("32"):
        pytest.skip(f"kubectl 1.{minor}: the table is of 1.32")
    binary = Path(os.path.realpath(KUBECTL))
    table = Path(protogen.__file__).with_name("protoschema.py")
    assert protogen.generate(binary) == table.read_text()
