"""kubectl's data printers: `-o json`, `-o yaml`, `-o name`, and the List wrapper around them.

The text is byte for byte what kubectl v1.32 prints for an unstructured object:

- JSON is Go's `json.MarshalIndent(obj, "", "    ")` plus a newline: map keys sorted by byte
  order, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\\u003c` etc., other non-ASCII kept, floats
  formatted as Go formats a float64 (`2`, `0.000001`, `1e+21`, `1e-7`).
- YAML is sigs.k8s.io/yaml: the JSON text above read back by go-yaml v2 (so integral floats become
  ints) and emitted by go-yaml v2: keys in go-yaml's "natural" order (`a9` before `a10`), strings
  that would read back as something else double-quoted (`"true"`, `"0755"`, `"1.5"`,
  `"2024-01-01T00:00:00Z"`, `"12:30"`), strings with a newline as `|` literal blocks where YAML
  allows it, plain scalars folded at 80 columns, sequences not indented under their key. The
  emitting itself is libyaml's (PyYAML's CSafeDumper when available), which go-yaml v2 is a port of.

Called by the CLI's `get`, `apply`, `create` and friends when the user asks for `-o json|yaml|name`.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from functools import cmp_to_key
from typing import Any

_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]
_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_HTML_RE = re.compile("[<>&\u2028\u2029]")


def name_line(kubectl_name: str, name: str) -> str:
    """What `-o name` prints for one object: `deployment.apps/web` (no newline)."""
    return f"{kubectl_name}/{name}"


def as_list(items: list[dict], resource_version: str = "") -> dict:
    """The object kubectl prints for `get` of several objects with `-o json|yaml`.

    kubectl flattens the server's typed list into a `v1` `List` whose `metadata.resourceVersion`
    is always "" (the server's list revision is dropped), so `resource_version` is accepted for
    callers that know it but does not appear in the output."""
    del resource_version
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


# --- numbers as Go prints them ----------------------------------------------------------------


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of abs(f) and the decimal point position (Go's digs)."""
    sign, digits, exp = Decimal(repr(abs(f))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    strip = len(digits) - len(text)
    if not text:
        return "0", 1
    return text, len(text) + strip + int(exp)


def _fmt_e(neg: bool, digits: str, dp: int) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = dp - 1 if digits != "0" else 0
    return f"{'-' if neg else ''}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(neg: bool, digits: str, dp: int) -> str:
    if dp > 0:
        whole = digits[:dp].ljust(dp, "0")
        frac = digits[dp:]
    else:
        whole = "0"
        frac = "0" * -dp + digits
    return f"{'-' if neg else ''}{whole}{'.' + frac if frac else ''}"


def go_float(f: float, fmt: str = "g") -> str:
    """`strconv.FormatFloat(f, fmt, -1, 64)` for fmt in 'g', 'e', 'f'."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    digits, dp = _shortest_digits(f)
    if f == 0:
        digits, dp = "0", 1
    if fmt == "e":
        return _fmt_e(neg, digits, dp)
    if fmt == "f":
        return _fmt_f(neg, digits, dp)
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(neg, digits, dp)
    return _fmt_f(neg, digits, dp)


def json_float(f: float) -> str:
    """A float64 as Go's encoding/json writes it."""
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = go_float(f, "e")
        if len(s) >= 4 and s[-4] == "e" and s[-3] == "-" and s[-2] == "0":
            s = s[:-2] + s[-1]
        return s
    return go_float(f, "f")


# --- JSON ---------------------------------------------------------------------------------------


def _json_parts(data: Any, indent: str | None, out: list[str]) -> None:
    """Append the JSON text of data to out; indent None is compact (json.Marshal)."""
    if isinstance(data, str):
        out.append(_encode_string(data))
    elif data is None:
        out.append("null")
    elif data is True:
        out.append("true")
    elif data is False:
        out.append("false")
    elif isinstance(data, int):
        out.append(str(data) if _INT64_MIN <= data <= _INT64_MAX else json_float(float(data)))
    elif isinstance(data, float):
        out.append(json_float(data))
    elif isinstance(data, dict | list | tuple):
        if not data:
            out.append("{}" if isinstance(data, dict) else "[]")
            return
        is_map = isinstance(data, dict)
        inner = None if indent is None else indent + "    "
        sep = "," if inner is None else ",\n" + inner
        out.append(("{" if is_map else "[") + ("" if inner is None else "\n" + inner))
        first = True
        if is_map:
            colon = ":" if inner is None else ": "
            for key in sorted(data, key=str):
                if not first:
                    out.append(sep)
                first = False
                out.append(_encode_string(str(key)) + colon)
                _json_parts(data[key], inner, out)
        else:
            for item in data:
                if not first:
                    out.append(sep)
                first = False
                _json_parts(item, inner, out)
        closing = "}" if is_map else "]"
        out.append(closing if indent is None else "\n" + indent + closing)
    else:
        raise TypeError(f"cannot print {type(data).__name__} as JSON")


def compact_json(data: Any) -> str:
    """Go's `json.Marshal(data)`: no spaces, sorted keys, HTML-escaped (jsonpath prints maps so)."""
    out: list[str] = []
    _json_parts(data, None, out)
    return _html_escape("".join(out))


def _html_escape(text: str) -> str:
    if _HTML_RE.search(text):  # these characters can only occur inside strings
        text = _HTML_RE.sub(lambda m: _HTML_ESCAPES[m.group()], text)
    return text


def to_json(data: Any) -> str:
    """Exactly what `kubectl get -o json` prints for `data` (a JSON-able object), with newline."""
    out: list[str] = []
    _json_parts(data, "", out)
    return _html_escape("".join(out)) + "\n"


# --- YAML: go-yaml v2's scalar resolution --------------------------------------------------------

_RESOLVE_MAP = frozenset(
    "y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF"
    " ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF".split()
) | {""}
_HINT_MAP = frozenset("yYnNtTfFoO~")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT_RE = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_INT_RE = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_BASE60_RE = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2}))"
    r"|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?))?\Z"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_timestamp(s: str) -> bool:
    m = _TIMESTAMP_RE.match(s)
    if not m:
        return False
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= (_DAYS[month - 1] if month != 2 or leap else 28):
        return False
    h, mi, sec = (m[4], m[5], m[6]) if m[4] is not None else (m[7], m[8], m[9])
    return h is None or (int(h) < 24 and int(mi) < 60 and int(sec) < 60)


def _resolves_to_str(s: str) -> bool:
    """Whether go-yaml v2 reads `s` written plain back as a string (encode.go `stringv`)."""
    if s in _RESOLVE_MAP:
        return False
    c = s[0]
    if c == ".":
        return not _DOT_FLOAT_RE.match(s)
    if c in "+-" or "0" <= c <= "9":
        if _BASE60_RE.match(s) or _is_timestamp(s):
            return False
        plain = s.replace("_", "")
        m = _INT_RE.match(plain)
        if m and _int_in_range(m[1], m[2]):
            return False
        if _FLOAT_RE.match(plain) and not math.isinf(float(plain)):
            return False
    return True


def _int_in_range(sign: str, digits: str) -> bool:
    """Whether Go's ParseInt(s, 0, 64) or ParseUint(s, 0, 64) accepts the matched integer."""
    prefix = digits[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        value = int(digits[2:], {"0x": 16, "0o": 8, "0b": 2}[prefix])
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    if sign == "-":
        return value <= 2**63
    if sign == "+":
        return value < 2**63
    return value < 2**64


# --- YAML: go-yaml v2's key order ----------------------------------------------------------------

_SIMPLE_KEY_RE = re.compile(r"[A-Za-z\x20-\x2f\x3a-\x40]*\Z")


def _wrap64(n: int) -> int:
    """n as Go's int64 arithmetic leaves it (wrapping on overflow)."""
    return (n + 2**63) % 2**64 - 2**63


def _key_cmp(a: str, b: str) -> int:
    """go-yaml v2 sorter.go `keyList.Less` for two string keys, as a cmp function."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return -1 if ca < cb else 1
        if al or bl:
            return -1 if bl else 1
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdecimal():
            an = _wrap64(an * 10 + ord(a[ai]) - 48)
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdecimal():
            bn = _wrap64(bn * 10 + ord(b[bi]) - 48)
            bi += 1
        if an != bn:
            return -1 if an < bn else 1
        if ai != bi:
            return -1 if ai < bi else 1
        return -1 if ca < cb else 1
    return (len(a) > len(b)) - (len(a) < len(b))


def _sorted_keys(d: dict) -> list[str]:
    keys = [k if isinstance(k, str) else str(k) for k in d]
    if all(_SIMPLE_KEY_RE.match(k) for k in keys):
        return sorted(keys)  # byte order agrees with go-yaml's when no digits or odd symbols
    return sorted(keys, key=cmp_to_key(_key_cmp))


# --- YAML: emitting ------------------------------------------------------------------------------


def _yaml_number(data: int | float) -> str:
    """A JSON number as sigs.k8s.io/yaml prints it: Go's JSON text read back by go-yaml."""
    if isinstance(data, int):
        if _INT64_MIN <= data <= _INT64_MAX:
            return str(data)
        data = float(data)  # Go's JSON decoder makes a float64 of an integer beyond int64
    if math.isnan(data):
        return ".nan"
    if math.isinf(data):
        return ".inf" if data > 0 else "-.inf"
    text = json_float(data)
    if "." not in text and "e" not in text:
        value = int(text)
        if -(2**63) <= value < 2**64:
            return str(value)
    return go_float(data)


_dumper_class: Any = None


def _dumper() -> Any:
    """The PyYAML dumper class, built on first use so that pyyaml is imported lazily."""
    global _dumper_class
    if _dumper_class is not None:
        return _dumper_class
    import yaml

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc,valid-type]
        yaml_implicit_resolvers: dict = {}  # every scalar is a !!str; we choose the style

    str_tag = "tag:yaml.org,2002:str"

    def represent_str(dumper: Any, s: str) -> Any:
        if "\n" in s:
            style = "|"
        elif s and _resolves_to_str(s):
            style = None
        else:
            style = '"'
        return yaml.ScalarNode(str_tag, s, style=style)

    def represent_dict(dumper: Any, d: dict) -> Any:
        pairs = []
        for key in _sorted_keys(d):
            value = d[key] if key in d else _lookup(d, key)
            pairs.append((represent_str(dumper, key), dumper.represent_data(value)))
        return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)

    def represent_list(dumper: Any, items: list) -> Any:
        nodes = [dumper.represent_data(item) for item in items]
        return yaml.SequenceNode("tag:yaml.org,2002:seq", nodes, flow_style=False)

    def represent_scalar(text: str) -> Any:
        return yaml.ScalarNode(str_tag, text, style=None)

    Dumper.add_representer(str, represent_str)
    Dumper.add_representer(dict, represent_dict)
    Dumper.add_representer(list, represent_list)
    Dumper.add_representer(tuple, represent_list)
    Dumper.add_representer(bool, lambda d, b: represent_scalar("true" if b else "false"))
    Dumper.add_representer(type(None), lambda d, n: represent_scalar("null"))
    Dumper.add_representer(int, lambda d, n: represent_scalar(_yaml_number(n)))
    Dumper.add_representer(float, lambda d, n: represent_scalar(_yaml_number(n)))
    _dumper_class = Dumper
    return Dumper


def _lookup(d: dict, key: str) -> Any:
    for k, v in d.items():
        if str(k) == key:
            return v
    raise KeyError(key)


def to_yaml(data: Any) -> str:
    """Exactly what `kubectl get -o yaml` prints for `data` (a JSON-able object)."""
    import yaml

    text = yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False)
    if text.endswith("\n...\n"):  # libyaml ends a document after a `|+` block; go-yaml does not
        text = text[: -len("...\n")]
    return text
