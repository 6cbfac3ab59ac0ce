"""Turn one YAML document into JSON-able data exactly as kubectl does (sigs.k8s.io/yaml).

kubectl never types YAML with a YAML 1.1 library such as PyYAML: sigs.k8s.io/yaml decodes with its
go-yaml v2 fork and then marshals to JSON. This module reproduces that: libyaml (through PyYAML's C
parser when present) only produces events; the node graph, scalar typing (`resolve`), merge keys,
the alias-expansion guard and the key-to-string conversion follow go-yaml v2 and sigs.k8s.io/yaml.
Called by `kubesim.api.manifest`, which splits files into documents and checks the results.

Deliberate differences from kubectl: tags that name Python objects are refused (kubectl ignores
them), and error line numbers are the true 1-based lines (go-yaml reports parser errors one line
early).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR, BINARY = "tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"
INT, FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
TIMESTAMP, MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"
_RESOLVABLE = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP}
_PYTHON_TAG = "tag:yaml.org,2002:python/"

# Nesting levels, aliases expanded (go-yaml v2 allows 10,000; Python recursion allows less).
MAX_DEPTH = 300

_WORDS: dict[str, tuple[str, Any]] = {}
for _tag, _value, _words in (
    (BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
    (BOOL, False, "n N no No NO false False FALSE off Off OFF"),
    (NULL, None, "~ null Null NULL"),
    (FLOAT, math.nan, ".nan .NaN .NAN"),
    (FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (FLOAT, -math.inf, "-.inf -.Inf -.INF"),
):
    for _word in _words.split():
        _WORDS[_word] = (_tag, _value)
_WORDS[""] = (NULL, None)
_HINT = {**dict.fromkeys("+-0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M"), ".": "."}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # strconv.ParseFloat on text starting "."
_DIGITS = {16: re.compile(r"[0-9a-fA-F]+"), 10: re.compile(r"[0-9]+"), 8: re.compile(r"[0-7]+"),
           2: re.compile(r"[01]+")}  # fmt: skip
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)"
    r"(?:([Tt])(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
    r"|( )(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?)?"
)


class YamlError(Exception):
    """The document cannot be decoded; the message is one line in go-yaml's words."""


class _Node:
    __slots__ = ("kind", "value", "tag", "plain", "line", "children", "target", "name")

    def __init__(self, kind: str, line: int, tag: str | None = None) -> None:
        self.kind = kind  # "scalar", "seq", "map", "alias"
        self.line = line
        self.tag = tag
        self.value = ""
        self.plain = False
        self.children: list[_Node] = []
        self.target: _Node | None = None
        self.name = ""


def _short(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


def compose(text: str, first_line: int) -> tuple[_Node | None, bool, bool]:
    """Parse the first YAML document of text into a node graph (aliases point at their anchor).

    Returns (root or None if empty, whether it holds aliases, whether content follows `...`).
    """
    loader = _Loader(text)
    try:
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None, False, False
        loader.get_event()  # DocumentStart
        anchors: dict[str, _Node] = {}
        stack: list[_Node] = []
        root: _Node | None = None
        has_alias = False
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.DocumentEndEvent):
                break
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            line = first_line + event.start_mark.line
            if isinstance(event, yaml.AliasEvent):
                node = _Node("alias", line)
                node.name = event.anchor
                node.target = anchors.get(event.anchor)
                if node.target is None:
                    raise YamlError(
                        f"yaml: line {line}: unknown anchor '{event.anchor}' referenced"
                    )
                has_alias = True
            elif isinstance(event, yaml.ScalarEvent):
                node = _Node("scalar", line, event.tag)
                node.value = event.value
                node.plain = bool(event.implicit[0])
            else:
                kind = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
                node = _Node(kind, line, event.tag)
            if node.tag and node.tag.startswith(_PYTHON_TAG):
                raise YamlError(
                    f"yaml: line {line}: tag {_short(node.tag)} is refused: "
                    "kubesim never constructs objects from YAML tags"
                )
            anchor = getattr(event, "anchor", None)
            if anchor is not None and node.kind != "alias":
                anchors[anchor] = node  # go-yaml: registered before the children, may be redefined
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            if node.kind in ("seq", "map"):
                stack.append(node)
                if len(stack) > MAX_DEPTH:
                    raise YamlError(f"yaml: line {line}: nested more than {MAX_DEPTH} levels deep")
        try:
            trailing = not loader.check_event(yaml.StreamEndEvent)
        except yaml.YAMLError:
            trailing = True
        return root, has_alias, trailing
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {first_line + mark.line}, column {mark.column + 1}: " if mark else ""
        raise YamlError(f"yaml: {where}{exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text.count("\n", 0, exc.position)
        raise YamlError(f"yaml: line {line}: {exc.reason} (#x{exc.character:04x})") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"yaml: {exc}".splitlines()[0]) from None
    finally:
        loader.dispose()


def _is_merge(node: _Node) -> bool:
    return node.kind == "scalar" and node.value == "<<" and (node.plain or node.tag == MERGE)


def check_aliasing(root: _Node) -> None:
    """Walk the graph as go-yaml v2's decoder would, counting decodes, without building anything.

    Raises `yaml: document contains excessive aliasing` at the same point go-yaml would, and
    `anchor 'x' value contains itself` for a recursive alias.
    """
    decodes, aliases, depth = 1, 0, 0  # the document node counts as one decode
    active: set[int] = set()

    def visit(node: _Node) -> None:
        nonlocal decodes, aliases, depth
        decodes += 1
        if depth:
            aliases += 1
        if aliases > 100 and decodes > 1000 and aliases / decodes > _allowed_ratio(decodes):
            raise YamlError("yaml: document contains excessive aliasing")
        if node.kind == "alias":
            if id(node) in active:
                raise YamlError(f"yaml: anchor '{node.name}' value contains itself")
            active.add(id(node))
            depth += 1
            visit(node.target)  # type: ignore[arg-type]
            depth -= 1
            active.discard(id(node))
        elif node.kind == "map":
            pairs = node.children
            for i in range(0, len(pairs) - 1, 2):
                if _is_merge(pairs[i]):
                    value = pairs[i + 1]
                    for part in reversed(value.children) if value.kind == "seq" else [value]:
                        visit(part)
                else:
                    visit(pairs[i])
                    visit(pairs[i + 1])
        elif node.kind == "seq":
            for child in node.children:
                visit(child)

    visit(root)


def _allowed_ratio(decodes: int) -> float:
    low, high = 400_000, 4_000_000
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * (decodes - low) / (high - low)


def resolve(tag: str | None, value: str, plain: bool) -> tuple[str, Any]:
    """go-yaml v2's scalar typing: (resolved tag, Python value); timestamps stay strings."""
    if tag is None:
        if not plain:
            return STR, value
        tag = ""
    elif tag == BINARY:
        try:
            data = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
        except (binascii.Error, ValueError):
            raise YamlError("yaml: !!binary value contains invalid base64 data") from None
        return STR, data.decode("utf-8", "replace")
    if tag and tag not in _RESOLVABLE:
        return tag, value  # "!" and unknown tags: the text, as a string
    rtag, out = _resolve_text(tag, value)
    if tag in ("", rtag, STR):
        return rtag, (value if rtag == TIMESTAMP else out)
    if tag == FLOAT and rtag == INT:
        return FLOAT, float(out)
    raise YamlError(f"yaml: cannot decode {_short(rtag)} `{value}` as a {_short(tag)}")


def _resolve_text(tag: str, value: str) -> tuple[str, Any]:
    hint = _HINT.get(value[0], "") if value else "N"
    if not hint or tag == STR:
        return STR, value
    if value in _WORDS:
        return _WORDS[value]
    if hint == "." and _GO_FLOAT.fullmatch(value):
        return FLOAT, float(value)
    if hint == "D":
        if tag in ("", TIMESTAMP) and _is_timestamp(value):
            return TIMESTAMP, value
        plain = value.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None and (-(2**63) <= number < 2**64):
            if number >= 2**63 and plain[0] == "+":
                number = None  # ParseUint refuses a sign
            else:
                return INT, number
        if _YAML_FLOAT.fullmatch(plain):
            result = float(plain)
            if not math.isinf(result):  # strconv.ParseFloat fails on overflow: left a string
                return FLOAT, result
    return STR, value


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, ...) syntax (0x, 0o, 0b, leading-0 octal), without range checks."""
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in "+-" else text
    base = 10
    if len(body) > 1 and body[0] == "0":
        base, body = {"x": (16, body[2:]), "o": (8, body[2:]), "b": (2, body[2:])}.get(
            body[1].lower(), (8, body[1:])
        )
    if not _DIGITS[base].fullmatch(body):
        return None
    return sign * int(body, base)


def _is_timestamp(text: str) -> bool:
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31]  # fmt: skip
    if not (1 <= month <= 12 and 1 <= day <= days[month - 1]):
        return False
    clock = match.group(5, 6, 7) if match.group(4) else match.group(9, 10, 11)
    if clock[0] is None:
        return True
    hour, minute, second = (int(g) for g in clock)
    return hour < 24 and minute < 60 and second < 60


class Builder:
    """Builds Python data from a node graph the way go-yaml v2 decodes into interface{}."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.depth = 0

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def build(self, node: _Node) -> Any:
        if node.kind == "alias":
            return self.nested(node.target)  # type: ignore[arg-type]
        if node.kind == "scalar":
            return self.scalar(node)
        if node.kind == "seq":
            self.ignored_tag(node)
            return [self.nested(child) for child in node.children]
        out: dict[str, Any] = {}
        self.fill(node, out)
        return out

    def nested(self, node: _Node) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise YamlError(f"yaml: line {node.line}: nested more than {MAX_DEPTH} levels deep")
        try:
            return self.build(node)
        finally:
            self.depth -= 1

    def ignored_tag(self, node: _Node) -> None:
        if node.tag and node.tag != "!" and node.tag not in _RESOLVABLE | {BINARY}:
            self.warn(f"tag {_short(node.tag)} at line {node.line} is ignored, as kubectl does")

    def scalar(self, node: _Node) -> Any:
        self.ignored_tag(node)
        _, value = resolve(node.tag, node.value, node.plain)
        if isinstance(value, float) and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            raise YamlError(
                f"json: unsupported value: {shown} (`{node.value}` at line {node.line}: "
                "JSON has no infinity or NaN)"
            )
        return value

    def fill(self, node: _Node, out: dict[str, Any], merged: bool = False) -> None:
        """Set node's pairs into out; go-yaml v2 applies `<<` in place, so later keys win."""
        self.ignored_tag(node)
        explicit: dict[str, int] = {}
        pairs = node.children
        for i in range(0, len(pairs) - 1, 2):
            key_node, value_node = pairs[i], pairs[i + 1]
            if _is_merge(key_node):
                before = {k: v for k, v in explicit.items() if k in out}
                self.merge(value_node, out)
                for key, line in before.items():
                    self.warn(
                        f'merge key "<<" at line {key_node.line} replaces key "{key}" set at line '
                        f"{line}: go-yaml v2 lets the merged value win, as kubectl does"
                    )
                continue
            key = self.key(key_node)
            if key in explicit and not merged:
                self.warn(
                    f'duplicate key "{key}" at line {key_node.line}: the last value wins, '
                    "as kubectl does"
                )
            explicit[key] = key_node.line
            out[key] = self.nested(value_node)

    def merge(self, node: _Node, out: dict[str, Any]) -> None:
        parts = list(reversed(node.children)) if node.kind == "seq" else [node]
        for part in parts:
            target = part.target if part.kind == "alias" else part
            if target is None or target.kind != "map":
                raise YamlError(
                    f"yaml: line {node.line}: "
                    "map merge requires map or sequence of maps as the value"
                )
            self.depth += 1
            try:
                self.fill(target, out, merged=True)
            finally:
                self.depth -= 1

    def key(self, node: _Node) -> str:
        target = node.target if node.kind == "alias" else node
        if target is None or target.kind != "scalar":
            raise YamlError(
                f"yaml: line {node.line}: invalid map key: a mapping key must be a scalar"
            )
        _, value = resolve(target.tag, target.value, target.plain)
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int) and value < 2**63:
            return str(value)
        if isinstance(value, float):
            return go_float32_key(value)
        kind = "<nil>" if value is None else "uint64"
        raise YamlError(
            f"unsupported map key of type: {kind}, key: `{target.value}` at line {node.line}"
        )


def go_float32_key(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), with go-yaml's names for infinities and NaN."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):
        text = f"{abs(single):.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == abs(single):
            break
    mantissa, exponent_text = text.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if single < 0 else ""
    if exponent < -4 or exponent >= 6:
        frac = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{frac}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def decode_yaml(text: str, first_line: int) -> tuple[Any, list[str]]:
    """Decode one document (text of one `---` section starting at first_line) to Python data.

    Returns (data or None for an empty document, warnings). Raises YamlError.
    """
    root, has_alias, trailing = compose(text, first_line)
    if root is None:
        return None, []
    if has_alias:
        check_aliasing(root)
    builder = Builder()
    data = builder.build(root)
    if trailing:
        builder.warn("content after the document end marker `...` is ignored, as kubectl does")
    return data, builder.warnings
