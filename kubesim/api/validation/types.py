"""The decoding step: the errors the API server's JSON decoder gives for a built-in kind.

The API server decodes a body into Go structs before anything else. A value of the wrong JSON type
stops it (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
int32`, or `illegal base64 data at input byte 3` for a []byte such as ConfigMap.binaryData:
only the first such error, in document order); with kubectl's default
`fieldValidation=Strict`, fields the struct does not have are then all reported (`strict decoding
error: unknown field "spec.replica"`). Both come back as a 400 BadRequest prefixed with
`Deployment in version "v1" cannot be handled as a Deployment: `.

The Go types walked are the tables of `kubesim.api.validation.gotypes` (which also says which
structs are checked). Custom resources are checked against their schema instead
(kubesim.api.crd). Used by `kubesim.api.validation.check_types`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.api.validation.gotypes import (
    ANY,
    INT32,
    INT_RANGE,
    TOP_LEVEL,
    ListOf,
    MapOf,
    Scalar,
    Struct,
)
from kubesim.api.validation.quantity import QuantityError, quantity_of
from kubesim.model.errors import BadRequest
from kubesim.model.kinds import Kind


class DecodeError(Exception):
    """A Go decoder error; `str()` is its text."""


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in `cannot unmarshal X`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class _Walk:
    unknown: list[str]

    def fail(self, value: Any, go: str, struct: str, path: str, kind: str | None = None) -> None:
        raise DecodeError(
            f"json: cannot unmarshal {kind or json_kind(value)} into Go struct field "
            f"{struct}.{path} of type {go}"
        )

    def value(self, t: Any, v: Any, struct: str, gopath: str, path: str) -> None:
        if v is None or t is ANY:
            return
        if isinstance(t, Struct):
            if not isinstance(v, dict):
                self.fail(v, t.go, struct, gopath)
            self.struct(t, v, gopath, path)
        elif isinstance(t, ListOf):
            if not isinstance(v, list):
                self.fail(v, t.go, struct, gopath)
            for i, item in enumerate(v):
                self.value(t.item, item, struct, gopath, f"{path}[{i}]")
        elif isinstance(t, MapOf):
            if not isinstance(v, dict):
                self.fail(v, t.go, struct, gopath)
            for k, item in v.items():
                self.value(t.value, item, struct, gopath, f"{path}.{k}")
        else:
            self.scalar(t, v, struct, gopath)

    def scalar(self, t: Scalar, v: Any, struct: str, gopath: str) -> None:
        if t.go == "quantity":
            try:
                quantity_of(v)
            except QuantityError as e:
                raise DecodeError(str(e)) from e
            return
        if t.go == "intstr":
            if isinstance(v, str):
                return
            t = INT32
        if t.go == "[]uint8":
            if not isinstance(v, str):
                self.fail(v, "[]uint8", struct, gopath)
            offset = base64_error(v)
            if offset is not None:
                raise DecodeError(f"illegal base64 data at input byte {offset}")
            return
        if t.go == "string":
            if not isinstance(v, str):
                self.fail(v, "string", struct, gopath)
        elif t.go == "bool":
            if not isinstance(v, bool):
                self.fail(v, "bool", struct, gopath)
        elif t.go in INT_RANGE:
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(v, t.go, struct, gopath)
            lo, hi = INT_RANGE[t.go]
            integral = isinstance(v, int) or float(v).is_integer()
            if not integral or not lo <= v <= hi:
                self.fail(v, t.go, struct, gopath, f"number {_go_number(v)}")

    def struct(self, t: Struct, obj: dict, gopath: str, path: str) -> None:
        for k, v in obj.items():
            sub = f"{path}.{k}" if path else k
            if k not in t.fields:
                self.unknown.append(sub)
                continue
            self.value(t.fields[k], v, t.name, f"{gopath}.{k}" if gopath else k, sub)


def _go_number(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def _decodes(t: Any, v: Any) -> bool:
    """The fast path: does `v` decode into `t` with no unknown field? (No messages: when it
    does not, the `_Walk` goes over it again to say why.)"""
    if v is None or t is ANY:
        return True
    if isinstance(t, Struct):
        if not isinstance(v, dict):
            return False
        fields = t.fields
        for k, item in v.items():
            ft = fields.get(k)
            if ft is None or not _decodes(ft, item):
                return False
        return True
    if isinstance(t, ListOf):
        return isinstance(v, list) and all(_decodes(t.item, item) for item in v)
    if isinstance(t, MapOf):
        return isinstance(v, dict) and all(_decodes(t.value, item) for item in v.values())
    go = t.go
    if go == "string":
        return isinstance(v, str)
    if go == "bool":
        return isinstance(v, bool)
    if go == "intstr" and isinstance(v, str):
        return True
    if go == "[]uint8":
        return isinstance(v, str) and base64_error(v) is None
    if go in INT_RANGE or go == "intstr":
        lo, hi = INT_RANGE.get(go, INT_RANGE["int32"])
        return type(v) is int and lo <= v <= hi
    return False  # quantities and the rest: the walk decides


_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_NEWLINES = frozenset(b"\r\n")


def base64_error(text: str) -> int | None:
    """Where Go's base64.StdEncoding rejects `text` (the byte offset its CorruptInputError names),
    or None when it decodes. A port of encoding/base64's decodeQuantum: padding is required,
    `\r` and `\n` are skipped, nothing may follow the padding."""
    src = text.encode("utf-8", "surrogatepass")
    si, n = 0, len(src)
    while True:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else si - j
            c = src[si]
            si += 1
            if c in _BASE64:
                j += 1
                continue
            if c in _NEWLINES:
                continue
            if c != ord("=") or j < 2:
                return si - 1
            if j == 2:  # "==" expected: the first "=" is consumed
                while si < n and src[si] in _NEWLINES:
                    si += 1
                if si == n:
                    return n
                if src[si] != ord("="):
                    return si - 1
                si += 1
            while si < n and src[si] in _NEWLINES:
                si += 1
            return si if si < n else None


def decode_errors(kind_name: str, obj: dict) -> tuple[str | None, list[str]]:
    """(the first type error or None, the unknown field paths) for a built-in kind."""
    top = TOP_LEVEL.get(kind_name)
    if top is None or _decodes(top, obj):
        return None, []
    walk = _Walk([])
    try:
        walk.struct(top, obj, "", "")
    except DecodeError as e:
        return str(e), []
    return None, walk.unknown


def cannot_handle(kind: Kind, detail: str) -> BadRequest:
    return BadRequest(
        f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: {detail}'
    )


def strict_error(unknown: list[str]) -> str:
    return "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)


def check_builtin_types(kind: Kind, obj: dict) -> None:
    error, unknown = decode_errors(kind.kind, obj)
    if error:
        raise cannot_handle(kind, error)
    if unknown:
        raise cannot_handle(kind, strict_error(unknown))
