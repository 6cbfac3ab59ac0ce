"""Applying a strategic merge patch to a document: the API server's PATCH, and kubectl combining
the two halves of its three-way patch.

Port of apimachinery's pkg/util/strategicpatch mergeMap and friends, for built-in kinds: the
`$patch`, `$retainKeys`, `$deleteFromPrimitiveList` and `$setElementOrder` directives, lists merged
by merge key, and the order of the merged lists. `Merge` says which caller it runs for: `SERVER`
(StrategicMergeMapPatch) applies the directives, `CLIENT` (CreateThreeWayMergePatch) keeps them in
the patch it builds. Used by `kubesim.api.merge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.api.goval import MergeError, dedupe, element_kind, equal, same, tag
from kubesim.api.mergekeys import FieldMeta, lookup
from kubesim.api.strategiclists import (
    DELETE_PRIMITIVE,
    DIRECTIVE,
    RETAIN_KEYS,
    SET_ORDER,
    Slice,
    is_delete,
    merge_key_equal,
    merge_key_value,
    normalize_element_order,
    partition,
)


@dataclass(frozen=True)
class Merge:
    parallel_list: bool  # MergeParallelList: true on the server
    ignore_unmatched_nulls: bool


CLIENT = Merge(parallel_list=False, ignore_unmatched_nulls=False)  # CreateThreeWayMergePatch
SERVER = Merge(parallel_list=True, ignore_unmatched_nulls=True)  # StrategicMergeMapPatch


def merge_map(original: dict | None, patch: dict, typ: str | None, opts: Merge) -> dict:
    """`patch` applied to `original` (changed in place, and returned), both of type `typ`."""
    if DIRECTIVE in patch:
        directive = patch[DIRECTIVE]
        if directive == "replace":
            return {k: v for k, v in patch.items() if k != DIRECTIVE}
        if directive == "delete":
            return {}
        raise MergeError(f"Unknown patch type: {directive} in map: {patch}")
    if original is None:
        original = {}
    _apply_retain_keys(original, patch, opts)
    _merge_set_element_order(original, patch, typ, opts)
    for key, pv in list(patch.items()):
        is_delete_list = False
        if key.startswith(DELETE_PRIMITIVE):
            if not opts.parallel_list:
                original[key] = pv
                continue
            key = _extract_key(key, DELETE_PRIMITIVE)
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
            original[key] = pv if meta.strategy == "replace" else merge_map(ov, pv, meta.type, opts)
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


def _apply_retain_keys(original: dict, patch: dict, opts: Merge) -> None:
    if RETAIN_KEYS not in patch:
        return
    keep = patch.pop(RETAIN_KEYS)
    if not opts.parallel_list:
        if RETAIN_KEYS in original:
            if not equal(original[RETAIN_KEYS], keep):
                raise MergeError(f"{original[RETAIN_KEYS]} and {keep} are not deep equal")
        else:
            original[RETAIN_KEYS] = keep
        return
    if not isinstance(keep, list):
        raise MergeError("invalid patch format of retainKeys")
    names = {k for k in keep if isinstance(k, str)}
    for k, v in patch.items():
        if v is None or k.startswith((DELETE_PRIMITIVE, SET_ORDER)):
            continue
        if k not in names:
            raise MergeError("invalid patch format of retainKeys")
    for k in [k for k in original if k not in names]:
        del original[k]


def _merge_set_element_order(original: dict, patch: dict, typ: str | None, opts: Merge) -> None:
    """mergePatchIntoOriginal: merge each list that has a $setElementOrder, then order it."""
    for key in [k for k in patch if k.startswith(SET_ORDER)]:
        order = patch.pop(key)
        if not opts.parallel_list:
            if key in original:
                if not equal(original[key], order):
                    raise MergeError("invalid patch format of setElementOrder list")
            else:
                original[key] = order
        if not isinstance(order, list):
            raise MergeError("invalid patch format of setElementOrder list")
        field = _extract_key(key, SET_ORDER)
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
        items, server_only = partition(merged, order, meta.merge_key)
        kind = element_kind(live, patch_list)
        original[field] = normalize_element_order(
            items, server_only, order, live, meta.merge_key, kind
        )
        patch.pop(field, None)


def _validate_patch_with_set_order(patch_list: list, order: list, key: str) -> None:
    if not order or not patch_list:
        return
    items = [p for p in patch_list if not is_delete(p)] if key else patch_list
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and DIRECTIVE in items[i]:
            i += 1
            continue
        if merge_key_equal(items[i], order[j], key):
            i += 1
        j += 1
    if i < len(items) and j >= len(order):
        raise MergeError(
            f"The order in patch list:\n{patch_list}\n doesn't match {SET_ORDER} list:\n{order}\n"
        )


def _merge_slice_handler(
    ov: Any, pv: Any, meta: FieldMeta, is_delete_list: bool, opts: Merge
) -> list:
    if not isinstance(ov, list) or not isinstance(pv, list):
        raise MergeError(f"expected two lists, got {ov!r} and {pv!r}")
    if meta.strategy != "merge":
        return pv
    return _merge_slice(ov, pv, meta.type, meta.merge_key, opts, is_delete_list)


def _merge_slice(
    original: list, patch: list, typ: str | None, key: str, opts: Merge, is_delete_list: bool
) -> list:
    if not original and not patch:
        return original
    kind = element_kind(original, patch)
    if kind != "map":
        if opts.parallel_list and is_delete_list:
            return [v for v in original if not any(same(v, d) for d in patch)]
        merged = dedupe(original + patch)
        server_order = original
    else:
        if not key:
            raise MergeError("cannot merge lists without merge key")
        view = Slice(original)
        rest: list = []
        replace_all = False
        for item in patch:
            directive = item.get(DIRECTIVE) if isinstance(item, dict) else None
            if not isinstance(item, dict) or DIRECTIVE not in item:
                rest.append(item)
            elif directive == "delete":
                value = merge_key_value(item, key)
                while (index := view.find(key, value)) >= 0:
                    view.delete(index)
            elif directive == "replace":
                replace_all = True
            elif directive == "merge":
                raise MergeError("merging lists cannot yet be specified in the patch")
            else:
                raise MergeError(f"Unknown patch type: {directive} in map: {item}")
        if replace_all:
            view, patch = Slice(rest), []
        else:
            patch = rest
        server_order = view.items()
        for item in patch:
            index = view.find(key, merge_key_value(item, key))
            if index >= 0:
                view.backing[index] = merge_map(view.backing[index], item, typ, opts)
            else:
                view.append(item)
        merged = view.items()
    items, server_only = partition(merged, patch, key)
    return normalize_element_order(items, server_only, patch, server_order, key, kind)
