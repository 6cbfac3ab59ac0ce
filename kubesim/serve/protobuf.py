"""Kubernetes protobuf request bodies, decoded into the JSON-shaped dicts the API layer takes.

client-go sends `Content-Type: application/vnd.kubernetes.protobuf` for built-in kinds (kubectl
create, run and expose do; client-go 1.32 never falls back to JSON on a 415 for protobuf). The body
is the magic `k8s\\x00` and a `runtime.Unknown` envelope: typeMeta (apiVersion, kind), raw (the
object's own protobuf message), contentEncoding, contentType. `decode_body` opens the envelope
and `decode` walks a message with the schema table in `protoschema` (field number -> JSON name,
type, label), which `protogen` generates from the compiled k8s.io descriptors in kubectl.

The dict is what Go's encoding/json would print for the same Go object:
- a scalar that is a Go value (not a pointer) is left out when it is zero ("", 0, false): nearly
  all of them are `omitempty`, and the few that are not (a container's `name`, a port's `port`)
  are required and never zero in a valid object; a pointer scalar (`*int32 replicas`) is kept
  when it is on the wire, zero included (`replicas: 0` is not `replicas` unset);
- a message field on the wire is kept, empty or not (`status: {}`, `resources: {}`), and fields
  Go inlines (`Volume`'s VolumeSource, `Probe`'s ProbeHandler) are merged into their parent;
- repeated fields and maps that are empty are left out (they are not on the wire);
- apimachinery's own JSON forms: metav1.Time as RFC 3339 seconds (zero -> null), MicroTime with
  microseconds, Duration as Go prints it ("1m30s"), resource.Quantity as its string, IntOrString
  as an int or a string, RawExtension and FieldsV1 as the JSON they carry, bytes as base64.
Malformed input raises `BadRequest`. Called by `resources` (request bodies).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from kubesim.model.errors import BadRequest

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

_META = "meta.v1."
_TIME = _META + "Time"
_MICROTIME = _META + "MicroTime"
_DURATION = _META + "Duration"
_FIELDSV1 = _META + "FieldsV1"
_QUANTITY = "resource.Quantity"
_INTORSTRING = "intstr.IntOrString"
_RAW = "runtime.RawExtension"


class ProtobufError(ValueError):
    """The bytes are not a well-formed protobuf message."""


# ------------------------------------------------------------------------------ wire format
def _varint(data: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ProtobufError("truncated varint")
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) for each field: an int for varints, bytes otherwise."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0")
        value: int | bytes
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1 or wire == 5:
            size = 8 if wire == 1 else 4
            if i + size > len(data):
                raise ProtobufError("truncated fixed-size field")
            value, i = data[i : i + size], i + size
        elif wire == 2:
            size, i = _varint(data, i)
            if i + size > len(data):
                raise ProtobufError("truncated length-delimited field")
            value, i = data[i : i + size], i + size
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int, bits: int) -> int:
    value &= (1 << 64) - 1
    if bits == 32:
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value >= 1 << 31 else value
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(kind: str, wire: int, value: Any) -> Any:
    if kind == "string":
        if wire != 2:
            raise ProtobufError("a string field is not length-delimited")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtobufError(f"a string field is not UTF-8: {e}") from e
    if kind == "bytes":
        if wire != 2:
            raise ProtobufError("a bytes field is not length-delimited")
        return base64.b64encode(value).decode("ascii")
    if wire == 0:
        if kind == "bool":
            return value != 0
        if kind in ("int32", "int64"):
            return _signed(value, 32 if kind == "int32" else 64)
        if kind in ("sint32", "sint64"):
            return (value >> 1) ^ -(value & 1)
        if kind in ("uint32", "uint64"):
            return value
    fmt = {"double": "<d", "float": "<f", "fixed64": "<Q", "sfixed64": "<q"}
    fmt |= {"fixed32": "<I", "sfixed32": "<i"}
    if kind in fmt and wire in (1, 5) and len(value) == struct.calcsize(fmt[kind]):
        return struct.unpack(fmt[kind], value)[0]
    raise ProtobufError(f"a {kind} field has wire type {wire}")


def _repeated_scalars(kind: str, wire: int, value: Any) -> list[Any]:
    """One element, or a packed run of them (a length-delimited field of a numeric type)."""
    if wire != 2 or kind in ("string", "bytes"):
        return [_scalar(kind, wire, value)]
    if kind in ("double", "fixed64", "sfixed64", "float", "fixed32", "sfixed32"):
        size = 4 if kind in ("float", "fixed32", "sfixed32") else 8
        wire = 5 if size == 4 else 1
        return [_scalar(kind, wire, value[i : i + size]) for i in range(0, len(value), size)]
    out, i = [], 0
    while i < len(value):
        item, i = _varint(value, i)
        out.append(_scalar(kind, 0, item))
    return out


# ------------------------------------------------------------------------------ messages
def _schema() -> dict[str, dict[int, tuple[str, str, str]]]:
    from kubesim.serve.protoschema import MESSAGES

    return MESSAGES


def decode(message: str, data: bytes) -> Any:
    """The JSON form of `data`, a protobuf message of the type named `message`."""
    special = _SPECIAL.get(message)
    if special is not None:
        return special(data)
    schema = _schema()[message]
    out: dict[str, Any] = {}
    for number, wire, value in fields(data):
        field = schema.get(number)
        if field is None:
            continue  # unknown fields are skipped, as gogo-protobuf's Unmarshal does
        name, kind, label = field
        if label == "map":
            key, item = _map_entry(kind, wire, value)
            out.setdefault(name, {})[key] = item
        elif label == "[]":
            items = out.setdefault(name, [])
            if kind in _schema() or kind in _SPECIAL:
                items.append(decode(kind, _bytes(wire, value)))
            else:
                items.extend(_repeated_scalars(kind, wire, value))
        elif kind in _schema() or kind in _SPECIAL:
            decoded = decode(kind, _bytes(wire, value))
            if label == "inline":
                out.update(decoded)
            else:
                out[name] = decoded
        else:
            scalar = _scalar(kind, wire, value)
            if label == "*" or scalar not in ("", 0, False):
                out[name] = scalar
            else:
                out.pop(name, None)  # a Go value at its zero: omitempty leaves it out
    return out


def _bytes(wire: int, value: Any) -> bytes:
    if wire != 2:
        raise ProtobufError("a message field is not length-delimited")
    return bytes(value)


def _map_entry(kind: str, wire: int, value: Any) -> tuple[str, Any]:
    """A map entry: a message of key = 1 (a string in every Kubernetes map) and value = 2."""
    is_message = kind in _schema() or kind in _SPECIAL
    key = ""
    item = decode(kind, b"") if is_message else _ZERO.get(kind, 0)
    for number, w, v in fields(_bytes(wire, value)):
        if number == 1:
            key = _scalar("string", w, v)
        elif number == 2:
            item = decode(kind, _bytes(w, v)) if is_message else _scalar(kind, w, v)
    return key, item


_ZERO: dict[str, Any] = {"string": "", "bytes": "", "bool": False}


# ------------------------------------------------------------------------------ apimachinery types
def _values(data: bytes) -> dict[int, Any]:
    return {number: value for number, _, value in fields(data)}


def _time(data: bytes, micro: bool = False) -> str | None:
    v = _values(data)
    seconds, nanos = _signed(v.get(1, 0), 64), _signed(v.get(2, 0), 32)
    if seconds == 0 and nanos == 0:
        return None  # Go's zero time.Time marshals as null
    try:
        when = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as e:
        raise ProtobufError(f"a time out of range: {seconds}") from e
    if micro:
        return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos // 1000:06d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _go_duration(nanos: int) -> str:
    """time.Duration.String(): "1h2m3.5s", "150ms", "0s"."""
    if nanos == 0:
        return "0s"
    sign, n = ("-", -nanos) if nanos < 0 else ("", nanos)
    if n < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if n >= size:
                return sign + _trim(n / size) + unit
    hours, rest = divmod(n, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _trim(rest / 1e9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _trim(value: float) -> str:
    return f"{value:.9f}".rstrip("0").rstrip(".")


def _int_or_string(data: bytes) -> int | str:
    v = _values(data)
    if v.get(1, 0) == 1:
        return _scalar("string", 2, v.get(3, b""))
    return _signed(v.get(2, 0), 32)


def _raw_json(data: bytes) -> Any:
    raw = _values(data).get(1, b"")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as e:
        raise ProtobufError(f"raw JSON that does not parse: {e}") from e


_SPECIAL = {
    _TIME: _time,
    _MICROTIME: lambda data: _time(data, micro=True),
    _DURATION: lambda data: _go_duration(_signed(_values(data).get(1, 0), 64)),
    _QUANTITY: lambda data: _scalar("string", 2, _values(data).get(1, b"")),
    _INTORSTRING: _int_or_string,
    _RAW: _raw_json,
    _FIELDSV1: _raw_json,
}


# ------------------------------------------------------------------------------ request bodies
def message_name(api_version: str, kind: str) -> str | None:
    """The protobuf message of `apps/v1 Deployment` (apps.v1.Deployment), if it is known."""
    group, _, version = api_version.rpartition("/")
    if kind == "DeleteOptions":
        name = _META + "DeleteOptions"
    else:
        name = f"{group or 'core'}.{version}.{kind}"
    return name if name in _schema() else None


def decode_body(data: bytes) -> dict[str, Any]:
    """The object in a `k8s\\x00` + runtime.Unknown body, with its apiVersion and kind set."""
    if not data.startswith(MAGIC):
        raise BadRequest("the body of the request could not be decoded: no protobuf magic prefix")
    try:
        envelope = _values(data[len(MAGIC) :])
        meta = _values(envelope.get(1, b""))
        api_version = _scalar("string", 2, meta.get(1, b""))
        kind = _scalar("string", 2, meta.get(2, b""))
        encoding = _scalar("string", 2, envelope.get(3, b""))
        if encoding:
            raise ProtobufError(f"unsupported contentEncoding {encoding!r}")
        name = message_name(api_version, kind)
        if name is None:
            raise BadRequest(
                f"the body of the request could not be decoded: no kind {kind!r} is registered "
                f"for version {api_version!r}"
            )
        obj = decode(name, bytes(envelope.get(2, b"")))
    except ProtobufError as e:
        raise BadRequest(f"the body of the request could not be decoded: {e}") from e
    except RecursionError as e:
        raise BadRequest("the body of the request could not be decoded: nested too deep") from e
    return {"kind": kind, "apiVersion": api_version, **obj}
