"""The `kubectl.kubernetes.io/last-applied-configuration` annotation, byte for byte as kubectl
writes it.

kubectl (pkg/util/apply.go GetModifiedConfiguration) takes the manifest, sets its annotations to
the manifest's annotations minus this one (an empty map when there are none, so the value always
carries `"annotations":{}` or more), and encodes it with the unstructured JSON scheme: Go's
`json.Encoder` — compact, map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, floats in Go's
notation — followed by a newline. On create kubectl POSTs the manifest carrying the annotation; on
apply of an existing object the same manifest-with-annotation is the "modified" side of the
three-way patch. Used by `kubesim.api.apply`.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import orjson

from kubesim.model.objects import deepcopy

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def last_applied_annotation(manifest: dict[str, Any]) -> str:
    """The annotation value kubectl writes for `manifest` (JSON ending in a newline)."""
    return go_json(_without_annotation(manifest)) + "\n"


def with_last_applied(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of `manifest` carrying its last-applied annotation (what kubectl POSTs on create)."""
    obj = _without_annotation(manifest)
    value = go_json(obj) + "\n"
    obj["metadata"]["annotations"] = {**obj["metadata"]["annotations"], LAST_APPLIED: value}
    return obj


def _without_annotation(manifest: dict[str, Any]) -> dict[str, Any]:
    obj = deepcopy(manifest)
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = obj["metadata"] = {}
    annotations = dict(md.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    md["annotations"] = annotations
    return obj


_ESCAPE_TABLE = str.maketrans(_HTML_ESCAPES)


def go_json(value: Any) -> str:
    """`json.Marshal` of a decoded JSON value, as Go prints it.

    Without floats, orjson's sorted compact output is Go's once `<`, `>`, `&`, U+2028 and
    U+2029 are escaped (they can only occur inside strings); floats take the slow path.
    """
    if _has_float(value):
        return "".join(_encode(value))
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        text = text.translate(_ESCAPE_TABLE)
    return text


def _has_float(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return True
    if kind is dict:
        for item in value.values():
            if _has_float(item):
                return True
    elif kind is list:
        for item in value:
            if _has_float(item):
                return True
    return False


def _encode(value: Any):
    if value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, float):
        yield go_float(value)
    elif isinstance(value, str):
        yield _string(value)
    elif isinstance(value, dict):
        yield "{"
        for i, key in enumerate(sorted(value)):
            if i:
                yield ","
            yield _string(key)
            yield ":"
            yield from _encode(value[key])
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"json: unsupported type: {type(value).__name__}")


def _string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    if any(c in out for c in _HTML_ESCAPES):
        out = "".join(_HTML_ESCAPES.get(c, c) for c in out)
    return out


def go_float(f: float) -> str:
    """encoding/json's float64: shortest digits, `e` notation outside [1e-6, 1e21)."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {f}")
    if f.is_integer() and abs(f) < 1e21:
        return str(int(f)) if f or math.copysign(1, f) > 0 else "-0"
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        text = repr(f)  # Python's repr already uses e notation here, with 2+ exponent digits
        mantissa, exp = text.split("e")
        sign, digits = exp[0], exp[1:]
        if sign == "-" and len(digits) == 2 and digits[0] == "0":
            digits = digits[1:]
        return f"{mantissa}e{sign}{digits}"
    return format(Decimal(repr(f)).normalize(), "f")
