"""Go value semantics for the patch code: reflect.TypeOf, reflect.DeepEqual, ==, fmt %v, sort.Sort.

kubectl's patches are computed on values decoded from JSON into Go interfaces, and which patch comes
out (and in which order a merged list ends) depends on how Go compares, prints and sorts them.
These helpers reproduce that on Python's decoded JSON. `MergeError` lives here because these are
the leaves of the patch code: every step of it raises it. Used by `kubesim.api.strategiclists`,
`strategicdiff`, `strategicapply` and `jsonmerge`; `kubesim.api.merge` re-exports `MergeError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubesim.model.errors import KubesimError


class MergeError(KubesimError):
    """kubectl cannot compute the patch, or the server cannot apply it (a missing merge key, a
    bad directive, lists of mixed types)."""


def tag(value: Any) -> str:
    """The Go type of a value decoded by apimachinery's json (integral numbers are int64)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "int" if value.is_integer() else "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    raise MergeError(f"unsupported value in a JSON document: {value!r}")


def equal(a: Any, b: Any) -> bool:
    """reflect.DeepEqual: like ==, but true never equals 1."""
    kind = tag(a)
    if kind != tag(b):
        return False
    if kind == "map":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if kind == "slice":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def same(a: Any, b: Any) -> bool:
    """Go's == on two scalar interface values: same type and value."""
    return tag(a) == tag(b) and a == b


def gostr(value: Any) -> str:
    """fmt.Sprintf("%v", value) for the scalars merge keys hold."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, float) else repr(value)


def go_sort(items: list, key: Callable[[Any], str]) -> list:
    """sort.Sort with less(i, j) = key(i) <= key(j), as Go runs it on short lists (insertion
    sort): equal keys end up in reverse order."""
    ranked = sorted(enumerate(items), key=lambda pair: (key(pair[1]), -pair[0]))
    return [item for _, item in ranked]


def sort_scalars(items: list) -> list:
    return go_sort(items, gostr)


def dedupe(items: list) -> list:
    """deduplicateScalars, including the order it leaves behind."""
    s = list(items)
    last = len(s) - 1
    i = 0
    while i < last:
        j = i + 1
        while j <= last:
            if same(s[i], s[j]):
                s[j] = s[last]
                s = s[:last]
                last -= 1
                j -= 1
            j += 1
        i += 1
    return s


def element_kind(*lists: list) -> str:
    """sliceElementType: the one type of every element of the lists."""
    kind = None
    for items in lists:
        for item in items:
            current = tag(item)
            if kind is None:
                if current == "slice":
                    raise MergeError("lists of lists are not supported")
                kind = current
            elif current != kind:
                raise MergeError(f"list element types are not identical: {list(lists)}")
    if kind is None:
        raise MergeError("no elements in any of the given slices")
    return kind
