"""Strategic merge patch's list elements: its directives, merge keys, and the order of merged lists.

A strategic patch names list elements by their merge key (`name` for containers), marks them with
directives (`$patch: delete`), and carries the order kubectl wants (`$setElementOrder/<field>`).
Both sides of the patch need the same element identity and the same ordering rules, Go slice
aliasing included, since the order of a merged list is visible to users. Port of the list helpers
of apimachinery's pkg/util/strategicpatch (normalizeElementOrder, partitionMapsByPresentInList,
...). Used by `kubesim.api.strategicdiff` and `kubesim.api.strategicapply`.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.goval import MergeError, same

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
SET_ORDER = "$setElementOrder"


def merge_key_value(item: Any, key: str) -> Any:
    if not isinstance(item, dict):
        raise MergeError(f"expected a map, but got: {item!r}")
    if key not in item:
        raise MergeError(f"map: {item} does not contain declared merge key: {key}")
    return item[key]


def merge_key_equal(left: Any, right: Any, key: str) -> bool:
    if not key:
        return same(left, right)
    return same(merge_key_value(left, key), merge_key_value(right, key))


def is_delete(item: Any) -> bool:
    if not isinstance(item, dict):
        raise MergeError(f"expected a map, but got: {item!r}")
    return item.get(DIRECTIVE) == "delete"


class Slice:
    """A Go slice over a backing list: deleting shifts the backing list in place and appending
    writes into it while there is room, which changes the server order seen by the caller."""

    def __init__(self, backing: list) -> None:
        self.backing = backing
        self.n = len(backing)

    def items(self) -> list:
        return self.backing[: self.n]

    def delete(self, index: int) -> None:
        self.backing[index : self.n - 1] = self.backing[index + 1 : self.n]
        self.n -= 1

    def append(self, item: Any) -> None:
        if self.n < len(self.backing):
            self.backing[self.n] = item
        else:
            self.backing = [*self.backing[: self.n], item]
        self.n += 1

    def find(self, key: str, value: Any) -> int:
        for i, item in enumerate(self.items()):
            if not isinstance(item, dict):
                raise MergeError(f"value for key {i} is not a map.")
            if key in item and same(item[key], value):
                return i
        return -1


def partition(items: list, by: list, key: str) -> tuple[list, list]:
    """(the items present in `by`, the rest): maps matched by merge key, primitives by value."""
    if key:
        by_view = Slice(list(by))
        inside: list = []
        outside: list = []
        for item in items:
            value = merge_key_value(item, key)
            (inside if by_view.find(key, value) >= 0 else outside).append(item)
        return inside, outside
    inside = [v for v in items if any(same(v, b) for b in by)]
    outside = [v for v in items if not any(same(v, b) for b in by)]
    return inside, outside


def _index(items: list, value: Any, key: str, kind: str) -> int:
    def get(item: Any) -> Any:
        if kind == "map":
            return item.get(key) if isinstance(item, dict) else None
        return item

    wanted = get(value)
    for i, item in enumerate(items):
        if same(wanted, get(item)):
            return i
    return -1


def normalize_slice_order(items: list, order: list, key: str, kind: str) -> list:
    to_delete: list = []
    if kind == "map":
        for item in [*items, *order]:
            merge_key_value(item, key)
        to_delete = [i for i in items if is_delete(i)]
        items = [i for i in items if not is_delete(i)]

    def less(a: Any, b: Any) -> bool:
        ia = _index(order, a, key, kind)
        if ia >= 0:
            ib = _index(order, b, key, kind)
            if ib >= 0:
                return ia < ib
        return True

    out = list(items)  # sort.SliceStable: insertion sort with Go's (inconsistent) less
    for i in range(1, len(out)):
        j = i
        while j > 0 and less(out[j], out[j - 1]):
            out[j], out[j - 1] = out[j - 1], out[j]
            j -= 1
    return out + to_delete


def normalize_element_order(
    items: list, server_only: list, order: list, server_order: list, key: str, kind: str
) -> list:
    items = normalize_slice_order(items, order, key, kind)
    server_only = normalize_slice_order(server_only, server_order, key, kind)
    out: list = []
    i = j = 0
    while i < len(server_only) or j < len(items):
        if i >= len(server_only):
            out.append(items[j])
            j += 1
        elif j >= len(items):
            out.append(server_only[i])
            i += 1
        else:
            li = _index(server_order, server_only[i], key, kind)
            ri = _index(server_order, items[j], key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(items[j])
                j += 1
    return out
