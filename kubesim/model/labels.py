"""Label selectors: parse kubectl's `-l` syntax and match label sets, as apimachinery does.

`parse_selector("app=web,tier!=db,env in (a,b),!canary")` gives requirements; `selector_from_spec`
turns a `{matchLabels, matchExpressions}` object into the same form. Used by the API (validation,
list), the informer indexes and the controllers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubesim.model.errors import KubesimError


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist (= and == are In, != is NotIn)
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        if self.operator == "DoesNotExist":
            return self.key not in labels
        raise ValueError(self.operator)


Selector = tuple[Requirement, ...]

#: The selector that matches nothing (a nil LabelSelector in Go).
NOTHING: Selector = (Requirement("", "In", ()),)

_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()]


def parse_selector(text: str) -> Selector:
    """kubectl's label selector syntax; raises KubesimError in kubectl's words when malformed."""
    reqs: list[Requirement] = []
    for part in _split(text or ""):
        m = _EQ.match(part)
        if m:
            key, op, value = m.groups()
            reqs.append(Requirement(key, "NotIn" if op == "!=" else "In", (value,)))
            continue
        m = _SET.match(part)
        if m:
            neg, key, op, values = m.groups()
            if op:
                vals = tuple(v.strip() for v in values.split(",") if v.strip())
                reqs.append(Requirement(key, "In" if op == "in" else "NotIn", vals))
            else:
                reqs.append(Requirement(key, "DoesNotExist" if neg else "Exists"))
            continue
        raise KubesimError(f"unable to parse requirement: found '{part.strip()}', invalid selector")
    return tuple(reqs)


def selector_from_spec(spec: Mapping[str, Any] | None) -> Selector:
    """metav1.LabelSelectorAsSelector: nil matches nothing, empty matches everything."""
    if spec is None:
        return NOTHING
    reqs = [
        Requirement(k, "In", (str(v),)) for k, v in sorted((spec.get("matchLabels") or {}).items())
    ]
    for expr in spec.get("matchExpressions") or []:
        reqs.append(
            Requirement(
                expr.get("key", ""), expr.get("operator", ""), tuple(expr.get("values") or ())
            )
        )
    return tuple(reqs)


def matches(selector: Selector, labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in selector)


def format_selector(spec: Mapping[str, Any] | None) -> str:
    """The selector as kubectl prints it in `-o wide` and describe (`app=web,tier in (a,b)`)."""
    if not spec:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((spec.get("matchLabels") or {}).items())]
    for expr in spec.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)
