"""Generate `protoschema` from the protobuf descriptors compiled into kubectl.

Every Go binary built with k8s.io/api registers each package's `generated.proto` as a gzipped
FileDescriptorProto (gogo-protobuf's `proto.RegisterFile`), so a kubectl v1.32 binary carries the
exact schema of the v1.32 API types: field numbers, types, labels, and the gogoproto options that
say which Go fields are pointers (`nullable`) and which are inlined (`embed`). This module finds
those descriptors in the binary, walks the messages reachable from the kinds kubesim serves and
writes the table `protobuf` decodes with. Run it by hand after a Kubernetes version bump:

    python -m kubesim.serve.protogen "$(readlink -f "$(command -v kubectl)")"

(`tests/serve/test_serve_protobuf.py` checks the committed table against the installed kubectl.)
"""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

from kubesim.serve.protobuf import fields

#: the messages kubesim decodes: its built-in kinds, the bodies of /binding and /scale, and the
#: DeleteOptions a client may send with a DELETE
ROOTS = (
    "k8s.io.api.core.v1.Namespace",
    "k8s.io.api.core.v1.Node",
    "k8s.io.api.core.v1.Pod",
    "k8s.io.api.core.v1.Service",
    "k8s.io.api.core.v1.ConfigMap",
    "k8s.io.api.core.v1.Event",
    "k8s.io.api.core.v1.Endpoints",
    "k8s.io.api.core.v1.Binding",
    "k8s.io.api.apps.v1.Deployment",
    "k8s.io.api.apps.v1.ReplicaSet",
    "k8s.io.api.autoscaling.v1.Scale",
    "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions",
)

#: messages `protobuf` maps to JSON itself: their fields are not walked
SPECIAL = (
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "k8s.io.apimachinery.pkg.api.resource.Quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    "k8s.io.apimachinery.pkg.runtime.RawExtension",
)

_SCALARS = {
    1: "double",
    2: "float",
    3: "int64",
    4: "uint64",
    5: "int32",
    6: "fixed64",
    7: "fixed32",
    8: "bool",
    9: "string",
    12: "bytes",
    13: "uint32",
    15: "sfixed32",
    16: "sfixed64",
    17: "sint32",
    18: "sint64",
}
_MESSAGE = 11
_REPEATED = 3
_NULLABLE = 65001  # gogoproto.nullable: false for Go values, absent for pointers
_CUSTOMNAME = 65004  # gogoproto.customname: the Go field's name

#: Go fields tagged `json:",inline"`. The descriptors do not carry json tags; an embedded Go
#: struct shows as a non-pointer field named after its type, and `_field` refuses one that is in
#: neither list, so a new one is looked at (in k8s.io/api's types.go) before the table changes.
INLINE = frozenset(
    {
        "k8s.io.api.core.v1.Volume.volumeSource",
        "k8s.io.api.core.v1.Probe.handler",
        "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
        "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
        "k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference",
        "k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference",
        "k8s.io.api.core.v1.ConfigMapProjection.localObjectReference",
        "k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference",
        "k8s.io.api.core.v1.SecretEnvSource.localObjectReference",
        "k8s.io.api.core.v1.SecretKeySelector.localObjectReference",
        "k8s.io.api.core.v1.SecretProjection.localObjectReference",
    }
)
#: fields named after their type that Go does not inline (`json:"podAffinityTerm"`)
NOT_INLINE = frozenset(
    {
        "k8s.io.api.core.v1.WeightedPodAffinityTerm.podAffinityTerm",
        "k8s.io.api.core.v1.PreferAvoidPodsEntry.podSignature",
    }
)

Field = tuple[str, str, str]


def descriptors(binary: bytes) -> dict[str, bytes]:
    """The gzipped FileDescriptorProtos of k8s.io packages in a Go binary, by file name."""
    found: dict[str, bytes] = {}
    for match in re.finditer(b"\x1f\x8b\x08\x00\x00\x00\x00\x00", binary):
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                binary[match.start() : match.start() + (1 << 20)]
            )
        except zlib.error:
            continue
        if data[:1] != b"\n":  # a FileDescriptorProto starts with its name, field 1
            continue
        name = next((v for n, _, v in fields(data[:200]) if n == 1), b"")
        if name.startswith(b"k8s.io/") and name.endswith(b".proto"):
            found[name.decode()] = data
    return found


def messages(files: dict[str, bytes]) -> dict[str, dict[int, Field]]:
    """Every message of the files, by full name: field number -> (json name, type, label)."""
    out: dict[str, dict[int, Field]] = {}
    for data in files.values():
        package = next(v.decode() for n, _, v in fields(data) if n == 2)
        for n, _, message in fields(data):
            if n == 4:
                _message(package, message, out)
    return out


def _message(scope: str, data: bytes, out: dict[str, dict[int, Field]]) -> None:
    name = next(v.decode() for n, _, v in fields(data) if n == 1)
    full = f"{scope}.{name}"
    maps: dict[str, str] = {}
    for n, _, nested in fields(data):
        if n == 3:
            value = _map_value(nested)
            if value is not None:
                maps[f".{full}.{next(v.decode() for k, _, v in fields(nested) if k == 1)}"] = value
            else:
                _message(full, nested, out)
    table: dict[int, Field] = {}
    for n, _, field in fields(data):
        if n == 2:
            number, entry = _field(full, field, maps)
            table[number] = entry
    out[full] = table


def _map_value(data: bytes) -> str | None:
    """The value type of a map entry message (`map_entry = true`), or None for other messages."""
    options = [v for n, _, v in fields(data) if n == 7]
    if not any(n == 7 and v for o in options for n, _, v in fields(o)):
        return None
    for n, _, field in fields(data):
        if n == 2:
            values = {k: v for k, _, v in fields(field)}
            if values[3] == 1 and values[5] != 9:
                raise ValueError("a map whose key is not a string")
            if values[3] == 2:
                return _type(values)
    raise ValueError("a map entry without a value")


def _type(values: dict[int, object]) -> str:
    kind = values[5]
    if kind == _MESSAGE:
        return str(bytes(values[6]).decode()).lstrip(".")  # type: ignore[call-overload]
    if kind not in _SCALARS:
        raise ValueError(f"unsupported field type {kind}")
    return _SCALARS[kind]  # type: ignore[index]


def _field(message: str, data: bytes, maps: dict[str, str]) -> tuple[int, Field]:
    values = {n: v for n, _, v in fields(data)}
    name = bytes(values[1]).decode()  # type: ignore[call-overload]
    number = int(values[3])  # type: ignore[call-overload]
    options = {n: v for n, _, v in fields(bytes(values.get(8, b"")))}  # type: ignore[call-overload]
    type_name = bytes(values.get(6, b"")).decode()  # type: ignore[call-overload]
    if type_name in maps:
        return number, (name, maps[type_name], "map")
    path = f"{message}.{name}"
    embedded = (
        values[5] == _MESSAGE
        and name != "metadata"
        and options.get(_NULLABLE) == 0
        and options.get(_CUSTOMNAME) == type_name.rpartition(".")[2].encode()
    )
    if embedded and path not in INLINE | NOT_INLINE:
        label = "?"  # `generate` refuses it if a served kind uses it
    elif values[4] == _REPEATED:
        label = "[]"
    elif path in INLINE:
        label = "inline"
    elif options.get(_NULLABLE, 1):
        label = "*"
    else:
        label = ""
    return number, (name, _type(values), label)


def reachable(table: dict[str, dict[int, Field]], roots: tuple[str, ...]) -> list[str]:
    """The messages `roots` use, directly or not, sorted; special messages are not walked."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name in SPECIAL:
            continue
        seen.add(name)
        todo.extend(kind for _, kind, _ in table[name].values() if kind in table)
    return sorted(seen)


def short(name: str) -> str:
    """`core.v1.Pod`, `meta.v1.ObjectMeta`, `intstr.IntOrString`: a message's name in the table."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


_PREFIXES = (
    "k8s.io.api.",
    "k8s.io.apimachinery.pkg.apis.",
    "k8s.io.apimachinery.pkg.api.",
    "k8s.io.apimachinery.pkg.util.",
    "k8s.io.apimachinery.pkg.",
)


_HEADER = """
The protobuf schema of the API types kubesim decodes (see `protobuf`), from the k8s.io/api and
k8s.io/apimachinery `generated.proto` descriptors compiled into kubectl. Message -> field
number -> (JSON name, type, label). A type is a scalar or a message, named without its k8s.io
package prefix (core.v1.Pod, meta.v1.Time). A label is "" (a Go value), "*" (a pointer), "[]"
(repeated), "map" (string keys, values of the type) or "inline" (a Go struct inlined into its
parent, `json:",inline"`). The names and numbers are those of k8s.io/api and
k8s.io/apimachinery: Copyright The Kubernetes Authors, Apache License 2.0.
\"\"\"

"""


def render(table: dict[str, dict[int, Field]], names: list[str], source: str) -> str:
    lines = [
        f'"""Generated by kubesim.serve.protogen from the descriptors in {source}: do not edit.',
        *_HEADER.splitlines(),
        "MESSAGES: dict[str, dict[int, tuple[str, str, str]]] = {",
    ]
    for name in names:
        if not table[name]:
            lines.append(f'    "{short(name)}": {{}},')
            continue
        lines.append(f'    "{short(name)}": {{')
        for number in sorted(table[name]):
            field, kind, label = table[name][number]
            kind = short(kind)
            line = f'        {number}: ("{field}", "{kind}", "{label}"),'
            if len(line) > 100:  # as ruff format splits it
                line = f'        {number}: (\n            "{field}",\n            "{kind}",\n'
                line += f'            "{label}",\n        ),'
            lines.append(line)
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate(binary: Path) -> str:
    files = descriptors(binary.read_bytes())
    table = messages(files)
    names = reachable(table, ROOTS)
    for name in names:
        for field, _, label in table[name].values():
            if label == "?":
                raise ValueError(
                    f"{name}.{field} looks like an embedded Go struct: "
                    "add it to INLINE or NOT_INLINE"
                )
    return render(table, names, binary.name)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m kubesim.serve.protogen PATH-TO-KUBECTL", file=sys.stderr)
        return 2
    target = Path(__file__).with_name("protoschema.py")
    target.write_text(generate(Path(argv[0])))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
