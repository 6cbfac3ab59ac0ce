"""kubectl's client-side apply as pure functions: the three-way patch, and the server applying it.

A port of apimachinery's pkg/util/strategicpatch (`CreateThreeWayMergePatch` on the client,
`StrategicMergeMapPatch` on the server) for built-in kinds, and of pkg/util/jsonmergepatch
(`CreateThreeWayJSONMergePatch`, with evanphx/json-patch's RFC 7386 merge patch) for custom
resources and CRDs, which kubectl's scheme does not know. The port keeps Go's quirks where they
change the outcome: which patch is empty (kubectl prints `unchanged` and sends nothing exactly
then), and the order of merged lists.

The three-way patch is the change from the live object to the manifest *without deletions*, plus
the deletions from last-applied to the manifest. So a field only someone else set is kept, a field
dropped from the manifest is removed, and a field the manifest sets wins over a live change (after
`kubectl scale` to 5, re-applying a manifest that says 3 sends `replicas: 3`).

Called by `kubesim.api.apply` (three_way_patch, and apply_patch as the PATCH handler).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kubesim.api.mergekeys import FieldMeta, lookup, root_type, uses_strategic_merge
from kubesim.model.errors import KubesimError
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy

__all__ = ["MergeError", "apply_patch", "three_way_patch"]

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
_SET_ORDER = "$setElementOrder"


class MergeError(KubesimError):
    """kubectl cannot compute the patch, or the server cannot apply it (a missing merge key, a
    bad directive, lists of mixed types)."""


def three_way_patch(original: dict | None, modified: dict, current: dict, kind: Kind) -> dict:
    """The patch kubectl sends for `kubectl apply` ({} when it would send nothing).

    original: last-applied (parsed from the live object's annotation), or None;
    modified: the manifest carrying its new last-applied annotation; current: the live object.
    """
    original = deepcopy(original or {})
    modified = deepcopy(modified)
    current = deepcopy(current)
    if not uses_strategic_merge(kind):
        return _json_three_way(original, modified, current)
    typ = root_type(kind)
    delta = _diff_maps(current, modified, typ, _Diff(set_element_order=True, ignore_deletions=True))
    deletions = _diff_maps(
        original, modified, typ, _Diff(set_element_order=True, ignore_changes=True)
    )
    patch = _merge_map(
        deletions, delta, typ, _Merge(parallel_list=False, ignore_unmatched_nulls=False)
    )
    return deepcopy(patch)


def apply_patch(current: dict, patch: dict, kind: Kind) -> dict:
    """The server side of PATCH: the new object (a new dict; `current` is left alone)."""
    current = deepcopy(current)
    patch = deepcopy(patch)
    if not uses_strategic_merge(kind):
        return _merge_docs(current, patch)
    merged = _merge_map(current, patch, root_type(kind), _SERVER)
    return deepcopy(merged)


# --- Go value semantics: reflect.TypeOf, reflect.DeepEqual, ==, fmt %v, sort.Sort ---------------


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


def go_sort(items: list, key) -> list:
    """sort.Sort with less(i, j) = key(i) <= key(j), as Go runs it on short lists (insertion
    sort): equal keys end up in reverse order."""
    ranked = sorted(enumerate(items), key=lambda pair: (key(pair[1]), -pair[0]))
    return [item for _, item in ranked]


def sort_scalars(items: list) -> list:
    return go_sort(items, gostr)


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


# --- diff: what changed between two documents (strategicpatch diffMaps and friends) ----------


@dataclass(frozen=True)
class _Diff:
    set_element_order: bool = False
    ignore_changes: bool = False  # IgnoreChangesAndAdditions
    ignore_deletions: bool = False
    retain_keys: bool = False  # BuildRetainKeysDirective


def _diff_maps(original: dict, modified: dict, typ: str | None, opts: _Diff) -> dict:
    patch: dict[str, Any] = {}
    retain: list[str] = []
    for key, mv in modified.items():
        if opts.retain_keys and mv is not None:
            retain.append(key)
        if key not in original:
            if not opts.ignore_changes:
                patch[key] = mv
            continue
        ov = original[key]
        if key == _DIRECTIVE:
            if not isinstance(ov, str) or not isinstance(mv, str):
                raise MergeError(f"invalid value for special key: {_DIRECTIVE}")
            if ov != mv:
                patch[key] = mv
            continue
        if tag(ov) != tag(mv):
            if not opts.ignore_changes:
                patch[key] = mv
            continue
        if isinstance(ov, dict):
            _map_diff(key, ov, mv, patch, typ, opts)
        elif isinstance(ov, list):
            _slice_diff(key, ov, mv, patch, typ, opts)
        elif not opts.ignore_changes and not equal(ov, mv):
            patch[key] = mv
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or _has_additional_new_field(original, modified)):
        patch[_RETAIN_KEYS] = sort_scalars(retain)
    return patch


def _has_additional_new_field(original: dict, modified: dict) -> bool:
    return any(v is not None and k not in modified for k, v in original.items())


def _map_diff(key: str, ov: dict, mv: dict, patch: dict, typ: str | None, opts: _Diff) -> None:
    meta = lookup(typ, key)
    if meta.strategy == "replace":
        if not opts.ignore_changes:
            patch[key] = mv
        return
    value = _diff_maps(ov, mv, meta.type, replace(opts, retain_keys=meta.retain_keys))
    if value:
        patch[key] = value


def _slice_diff(key: str, ov: list, mv: list, patch: dict, typ: str | None, opts: _Diff) -> None:
    meta = lookup(typ, key)
    if meta.strategy != "merge":
        if not opts.ignore_changes and not equal(ov, mv):
            patch[key] = mv
        return
    opts = replace(opts, retain_keys=meta.retain_keys)
    additions, deletions, order = _diff_lists(ov, mv, meta.type, meta.merge_key, opts)
    if additions:
        patch[key] = additions
    if deletions:
        patch[f"{_DELETE_PRIMITIVE}/{key}"] = deletions
    if order:
        patch[f"{_SET_ORDER}/{key}"] = order


def _diff_lists(
    original: list, modified: list, typ: str | None, key: str, opts: _Diff
) -> tuple[list, list, list]:
    if not original:
        if not modified or opts.ignore_changes:
            return [], [], []
        return modified, [], []
    kind = element_kind(original, modified)
    order: list = []
    if kind == "map":
        additions, deletions = _diff_lists_of_maps(original, modified, typ, key, opts)
        additions = _normalize_slice_order(additions, modified, key, kind)
        order_same = _is_order_same(original, modified, key)
        additions = additions + deletions
        if opts.set_element_order and (
            (not opts.ignore_changes and (additions or not order_same))
            or (not opts.ignore_deletions and additions)
        ):
            order = [{key: item.get(key)} for item in modified]
        return additions, [], order
    additions, deletions = _diff_lists_of_scalars(original, modified, opts)
    additions = _normalize_slice_order(additions, modified, "", kind)
    # Go sorts `original` in place while diffing, so it is compared sorted here.
    if opts.set_element_order and (
        (not opts.ignore_deletions and deletions)
        or (not opts.ignore_changes and not equal(sort_scalars(original), modified))
    ):
        order = modified
    return additions, deletions, order


def _diff_lists_of_scalars(original: list, modified: list, opts: _Diff) -> tuple[list, list]:
    left, right = sort_scalars(original), sort_scalars(modified)
    additions: list = []
    deletions: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        ls = gostr(left[i]) if i < len(left) else ""
        rs = gostr(right[j]) if j < len(right) else ""
        if i < len(left) and j < len(right) and ls == rs:
            i, j = i + 1, j + 1
        elif i >= len(left) or (j < len(right) and ls > rs):
            if not opts.ignore_changes:
                additions.append(right[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append(left[i])
            i += 1
    return additions, _dedupe(deletions)


def _diff_lists_of_maps(
    original: list, modified: list, typ: str | None, key: str, opts: _Diff
) -> tuple[list, list]:
    left, right = _sort_maps(original, key), _sort_maps(modified, key)
    patch: list = []
    deletions: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i < len(left):
            lv = _merge_key_value(left[i], key)
            ls = gostr(lv)
        if j < len(right):
            rv = _merge_key_value(right[j], key)
            rs = gostr(rv)
        if i < len(left) and j < len(right) and ls == rs:
            value = _diff_maps(left[i], right[j], typ, opts)
            if value:
                value[key] = rv
                patch.append(value)
            i, j = i + 1, j + 1
        elif i >= len(left) or (j < len(right) and ls > rs):
            if not opts.ignore_changes:
                patch.append(right[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append({key: lv, _DIRECTIVE: "delete"})
            i += 1
    return patch, deletions


def _sort_maps(items: list, key: str) -> list:
    element_kind(items)
    return go_sort(items, lambda m: gostr(m.get(key)))


def _merge_key_value(item: Any, key: str) -> Any:
    if not isinstance(item, dict):
        raise MergeError(f"expected a map, but got: {item!r}")
    if key not in item:
        raise MergeError(f"map: {item} does not contain declared merge key: {key}")
    return item[key]


def _is_order_same(original: list, modified: list, key: str) -> bool:
    if len(original) != len(modified):
        return False
    return all(
        same(_merge_key_value(a, key), _merge_key_value(b, key))
        for a, b in zip(original, modified, strict=True)
    )


def _dedupe(items: list) -> list:
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


# --- merge: apply a patch to a document (strategicpatch mergeMap and friends) -----------------


@dataclass(frozen=True)
class _Merge:
    parallel_list: bool  # MergeParallelList: true on the server
    ignore_unmatched_nulls: bool


_CLIENT = _Merge(parallel_list=False, ignore_unmatched_nulls=False)  # CreateThreeWayMergePatch
_SERVER = _Merge(parallel_list=True, ignore_unmatched_nulls=True)  # StrategicMergeMapPatch


def _merge_map(original: dict | None, patch: dict, typ: str | None, opts: _Merge) -> dict:
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            return {k: v for k, v in patch.items() if k != _DIRECTIVE}
        if directive == "delete":
            return {}
        raise MergeError(f"Unknown patch type: {directive} in map: {patch}")
    if original is None:
        original = {}
    _apply_retain_keys(original, patch, opts)
    _merge_set_element_order(original, patch, typ, opts)
    for key, pv in list(patch.items()):
        is_delete_list = False
        if key.startswith(_DELETE_PRIMITIVE):
            if not opts.parallel_list:
                original[key] = pv
                continue
            key = _extract_key(key, _DELETE_PRIMITIVE)
            is_delete_list = True
        if pv is None:
            original.pop(key, None)
            if opts.ignore_unmatched_nulls:
                continue
        if key not in original:
            original[key] = pv
            continue
        ov = original[key]
        if tag(ov) != tag(pv):
            original[key] = pv
            continue
        meta = lookup(typ, key)
        if isinstance(ov, dict):
            original[key] = (
                pv if meta.strategy == "replace" else _merge_map(ov, pv, meta.type, opts)
            )
        elif isinstance(ov, list):
            original[key] = _merge_slice_handler(ov, pv, meta, is_delete_list, opts)
        else:
            original[key] = pv
    return original


def _extract_key(key: str, prefix: str) -> str:
    head, _, rest = key.partition("/")
    if head != prefix or not rest:
        raise MergeError(f"invalid patch format for {prefix} key: {key}")
    return rest


def _apply_retain_keys(original: dict, patch: dict, opts: _Merge) -> None:
    if _RETAIN_KEYS not in patch:
        return
    keep = patch.pop(_RETAIN_KEYS)
    if not opts.parallel_list:
        if _RETAIN_KEYS in original:
            if not equal(original[_RETAIN_KEYS], keep):
                raise MergeError(f"{original[_RETAIN_KEYS]} and {keep} are not deep equal")
        else:
            original[_RETAIN_KEYS] = keep
        return
    if not isinstance(keep, list):
        raise MergeError("invalid patch format of retainKeys")
    names = {k for k in keep if isinstance(k, str)}
    for k, v in patch.items():
        if v is None or k.startswith((_DELETE_PRIMITIVE, _SET_ORDER)):
            continue
        if k not in names:
            raise MergeError("invalid patch format of retainKeys")
    for k in [k for k in original if k not in names]:
        del original[k]


def _merge_set_element_order(original: dict, patch: dict, typ: str | None, opts: _Merge) -> None:
    """mergePatchIntoOriginal: merge each list that has a $setElementOrder, then order it."""
    for key in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(key)
        if not opts.parallel_list:
            if key in original:
                if not equal(original[key], order):
                    raise MergeError("invalid patch format of setElementOrder list")
            else:
                original[key] = order
        if not isinstance(order, list):
            raise MergeError("invalid patch format of setElementOrder list")
        field = _extract_key(key, _SET_ORDER)
        live = original.get(field, [])
        if field in original and not isinstance(live, list):
            raise MergeError(f"expected a list for {field}, got {live!r}")
        patch_list = patch.get(field, [])
        if field in patch and not isinstance(patch_list, list):
            raise MergeError(f"expected a list for {field}, got {patch_list!r}")
        meta = lookup(typ, field)
        _validate_patch_with_set_order(patch_list, order, meta.merge_key)
        if field in original and field not in patch:
            merged = live
        elif field in patch and field not in original:
            merged = patch_list
        elif field in original:
            # may shift `live` in place, as Go's slices do; `live` stays the server order below
            merged = _merge_slice_handler(live, patch_list, meta, False, opts)
        else:
            continue
        if meta.merge_key:
            items, server_only = _partition_maps(merged, order, meta.merge_key)
        else:
            items, server_only = _partition_primitives(merged, order)
        kind = element_kind(live, patch_list)
        original[field] = _normalize_element_order(
            items, server_only, order, live, meta.merge_key, kind
        )
        patch.pop(field, None)


def _validate_patch_with_set_order(patch_list: list, order: list, key: str) -> None:
    if not order or not patch_list:
        return
    items = [p for p in patch_list if not _is_delete(p)] if key else patch_list
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and _DIRECTIVE in items[i]:
            i += 1
            continue
        if _merge_key_equal(items[i], order[j], key):
            i += 1
        j += 1
    if i < len(items) and j >= len(order):
        raise MergeError(
            f"The order in patch list:\n{patch_list}\n doesn't match {_SET_ORDER} list:\n{order}\n"
        )


def _merge_key_equal(left: Any, right: Any, key: str) -> bool:
    if not key:
        return same(left, right)
    return same(_merge_key_value(left, key), _merge_key_value(right, key))


def _is_delete(item: Any) -> bool:
    if not isinstance(item, dict):
        raise MergeError(f"expected a map, but got: {item!r}")
    return item.get(_DIRECTIVE) == "delete"


def _merge_slice_handler(
    ov: Any, pv: Any, meta: FieldMeta, is_delete_list: bool, opts: _Merge
) -> list:
    if not isinstance(ov, list) or not isinstance(pv, list):
        raise MergeError(f"expected two lists, got {ov!r} and {pv!r}")
    if meta.strategy != "merge":
        return pv
    return _merge_slice(ov, pv, meta.type, meta.merge_key, opts, is_delete_list)


class _Slice:
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


def _merge_slice(
    original: list, patch: list, typ: str | None, key: str, opts: _Merge, is_delete_list: bool
) -> list:
    if not original and not patch:
        return original
    kind = element_kind(original, patch)
    if kind != "map":
        if opts.parallel_list and is_delete_list:
            return [v for v in original if not any(same(v, d) for d in patch)]
        merged = _dedupe(original + patch)
        server_order = original
    else:
        if not key:
            raise MergeError("cannot merge lists without merge key")
        view = _Slice(original)
        rest: list = []
        replace_all = False
        for item in patch:
            directive = item.get(_DIRECTIVE) if isinstance(item, dict) else None
            if not isinstance(item, dict) or _DIRECTIVE not in item:
                rest.append(item)
            elif directive == "delete":
                value = _merge_key_value(item, key)
                while (index := view.find(key, value)) >= 0:
                    view.delete(index)
            elif directive == "replace":
                replace_all = True
            elif directive == "merge":
                raise MergeError("merging lists cannot yet be specified in the patch")
            else:
                raise MergeError(f"Unknown patch type: {directive} in map: {item}")
        if replace_all:
            view, patch = _Slice(rest), []
        else:
            patch = rest
        server_order = view.items()
        for item in patch:
            index = view.find(key, _merge_key_value(item, key))
            if index >= 0:
                view.backing[index] = _merge_map(view.backing[index], item, typ, opts)
            else:
                view.append(item)
        merged = view.items()
    if key:
        items, server_only = _partition_maps(merged, patch, key)
    else:
        items, server_only = _partition_primitives(merged, patch)
    return _normalize_element_order(items, server_only, patch, server_order, key, kind)


def _partition_maps(items: list, by: list, key: str) -> tuple[list, list]:
    by_view = _Slice(list(by))
    inside: list = []
    outside: list = []
    for item in items:
        value = _merge_key_value(item, key)
        (inside if by_view.find(key, value) >= 0 else outside).append(item)
    return inside, outside


def _partition_primitives(items: list, by: list) -> tuple[list, list]:
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


def _normalize_slice_order(items: list, order: list, key: str, kind: str) -> list:
    to_delete: list = []
    if kind == "map":
        for item in [*items, *order]:
            _merge_key_value(item, key)
        to_delete = [i for i in items if _is_delete(i)]
        items = [i for i in items if not _is_delete(i)]

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


def _normalize_element_order(
    items: list, server_only: list, order: list, server_order: list, key: str, kind: str
) -> list:
    items = _normalize_slice_order(items, order, key, kind)
    server_only = _normalize_slice_order(server_only, server_order, key, kind)
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


# --- JSON merge patch (RFC 7386) for custom resources: jsonmergepatch + evanphx/json-patch v4 ----


def _json_three_way(original: dict, modified: dict, current: dict) -> dict:
    additions = _keep_or_delete_null(_json_diff(current, modified), keep_null=False)
    deletions = _keep_or_delete_null(_json_diff(original, modified), keep_null=True)
    patch = _merge_docs(deletions, additions)
    metadata = patch.get("metadata")
    if (
        "apiVersion" in patch
        or "kind" in patch
        or (isinstance(metadata, dict) and "name" in metadata)
    ):
        raise MergeError("At least one of apiVersion, kind and name was changed")
    return patch


def _json_tag(value: Any) -> str:
    """The Go type under encoding/json, where every number is a float64."""
    kind = tag(value)
    return "number" if kind in ("int", "float") else kind


def _json_diff(a: dict, b: dict) -> dict:
    """CreateMergePatch(a, b): what turns a into b, deletions as null."""
    into: dict[str, Any] = {}
    for key, bv in b.items():
        if key not in a:
            into[key] = bv
            continue
        av = a[key]
        if _json_tag(av) != _json_tag(bv):
            into[key] = bv
        elif isinstance(av, dict):
            sub = _json_diff(av, bv)
            if sub:
                into[key] = sub
        elif av is None:
            continue
        elif not _json_matches(av, bv):
            into[key] = bv
    for key in a:
        if key not in b:
            into[key] = None
    return into


def _json_matches(a: Any, b: Any) -> bool:
    """evanphx matchesValue (which never matches two nulls)."""
    if _json_tag(a) != _json_tag(b) or a is None:
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_json_matches(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_json_matches(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _keep_or_delete_null(patch: dict, keep_null: bool) -> dict:
    """Keep only the deletions (keep_null) or only the additions and changes of a merge patch."""
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if value is None:
            if keep_null:
                out[key] = None
        elif isinstance(value, dict):
            if not value:
                if not keep_null:
                    out[key] = value
                continue
            sub = _keep_or_delete_null(value, keep_null)
            if sub:
                out[key] = sub
        elif not keep_null:
            out[key] = value
    return out


def _merge_docs(doc: dict, patch: dict) -> dict:
    """MergePatch: null deletes, objects merge, anything else replaces."""
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif doc.get(key) is None:
            doc[key] = _prune_nulls(value)
        elif not isinstance(doc[key], dict):
            doc[key] = _prune_nulls(value)
        elif isinstance(value, dict):
            doc[key] = _merge_docs(doc[key], value)
        else:
            doc[key] = value
    return doc


def _prune_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value
