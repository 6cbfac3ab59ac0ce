"""Turn one YAML document into JSON-able data exactly as kubectl does (sigs.k8s.io/yaml).

kubectl never types YAML with a YAML 1.1 library such as PyYAML: sigs.k8s.io/yaml decodes with its
go-yaml v2 fork and then marshals to JSON. This module reproduces that: libyaml (through PyYAML's C
parser when present) only produces events; the node graph, merge keys, the alias-expansion guard
and the key-to-string conversion follow go-yaml v2 and sigs.k8s.io/yaml, and each scalar is typed
by `kubesim.api.yamlscalar`. Called by `kubesim.api.manifest`, which splits files into documents
and checks the results.

Deliberate differences from kubectl: tags that name Python objects are refused (kubectl ignores
them), and error line numbers are the true 1-based lines (go-yaml reports parser errors one line
early).
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from kubesim.api.yamlscalar import (
    BINARY,
    MERGE,
    RESOLVABLE,
    YamlError,
    go_float32_key,
    resolve,
    short,
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PYTHON_TAG = "tag:yaml.org,2002:python/"
_KNOWN_TAGS = RESOLVABLE | {BINARY, "!"}  # the tags not reported as ignored

# Nesting levels, aliases expanded (go-yaml v2 allows 10,000; Python recursion allows less).
MAX_DEPTH = 300


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
                    f"yaml: line {line}: tag {short(node.tag)} is refused: "
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
                    raise _too_deep(line)
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


def _too_deep(line: int) -> YamlError:
    return YamlError(f"yaml: line {line}: nested more than {MAX_DEPTH} levels deep")


def _is_merge(node: _Node) -> bool:
    return node.kind == "scalar" and node.value == "<<" and (node.plain or node.tag == MERGE)


def _merge_sources(value: _Node) -> list[_Node]:
    """The nodes a `<<` value merges, in go-yaml v2's order (a sequence is applied last first)."""
    return list(reversed(value.children)) if value.kind == "seq" else [value]


def _deref(node: _Node) -> _Node | None:
    return node.target if node.kind == "alias" else node


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
                    for part in _merge_sources(pairs[i + 1]):
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
            raise _too_deep(node.line)
        try:
            return self.build(node)
        finally:
            self.depth -= 1

    def ignored_tag(self, node: _Node) -> None:
        if node.tag and node.tag not in _KNOWN_TAGS:
            self.warn(f"tag {short(node.tag)} at line {node.line} is ignored, as kubectl does")

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
        for part in _merge_sources(node):
            target = _deref(part)
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
        target = _deref(node)
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
