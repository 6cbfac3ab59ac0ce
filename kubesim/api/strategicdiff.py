"""kubectl's side of a strategic merge patch: the patch between two documents.

Port of apimachinery's pkg/util/strategicpatch diffMaps and friends, for built-in kinds: which
fields changed, which list elements were added or deleted (by merge key), and the
`$setElementOrder` and `$retainKeys` directives kubectl adds. `Diff` says which half is wanted:
`kubesim.api.merge.three_way_patch` takes the changes from the live object to the manifest and the
deletions from last-applied to the manifest, and combines them with `kubesim.api.strategicapply`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kubesim.api.goval import (
    MergeError,
    dedupe,
    element_kind,
    equal,
    go_sort,
    gostr,
    same,
    sort_scalars,
    tag,
)
from kubesim.api.mergekeys import lookup
from kubesim.api.strategiclists import (
    DELETE_PRIMITIVE,
    DIRECTIVE,
    RETAIN_KEYS,
    SET_ORDER,
    merge_key_value,
    normalize_slice_order,
)


@dataclass(frozen=True)
class Diff:
    set_element_order: bool = False
    ignore_changes: bool = False  # IgnoreChangesAndAdditions
    ignore_deletions: bool = False
    retain_keys: bool = False  # BuildRetainKeysDirective


def diff_maps(original: dict, modified: dict, typ: str | None, opts: Diff) -> dict:
    """The patch from `original` to `modified`, both of type `typ` (a mergekeys type name)."""
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
        if key == DIRECTIVE:
            if not isinstance(ov, str) or not isinstance(mv, str):
                raise MergeError(f"invalid value for special key: {DIRECTIVE}")
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
        patch[RETAIN_KEYS] = sort_scalars(retain)
    return patch


def _has_additional_new_field(original: dict, modified: dict) -> bool:
    return any(v is not None and k not in modified for k, v in original.items())


def _map_diff(key: str, ov: dict, mv: dict, patch: dict, typ: str | None, opts: Diff) -> None:
    meta = lookup(typ, key)
    if meta.strategy == "replace":
        if not opts.ignore_changes:
            patch[key] = mv
        return
    value = diff_maps(ov, mv, meta.type, replace(opts, retain_keys=meta.retain_keys))
    if value:
        patch[key] = value


def _slice_diff(key: str, ov: list, mv: list, patch: dict, typ: str | None, opts: Diff) -> None:
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
        patch[f"{DELETE_PRIMITIVE}/{key}"] = deletions
    if order:
        patch[f"{SET_ORDER}/{key}"] = order


def _diff_lists(
    original: list, modified: list, typ: str | None, key: str, opts: Diff
) -> tuple[list, list, list]:
    if not original:
        if not modified or opts.ignore_changes:
            return [], [], []
        return modified, [], []
    kind = element_kind(original, modified)
    order: list = []
    if kind == "map":
        additions, deletions = _diff_lists_of_maps(original, modified, typ, key, opts)
        additions = normalize_slice_order(additions, modified, key, kind)
        order_same = _is_order_same(original, modified, key)
        additions = additions + deletions
        if opts.set_element_order and (
            (not opts.ignore_changes and (additions or not order_same))
            or (not opts.ignore_deletions and additions)
        ):
            order = [{key: item.get(key)} for item in modified]
        return additions, [], order
    additions, deletions = _diff_lists_of_scalars(original, modified, opts)
    additions = normalize_slice_order(additions, modified, "", kind)
    # Go sorts `original` in place while diffing, so it is compared sorted here.
    if opts.set_element_order and (
        (not opts.ignore_deletions and deletions)
        or (not opts.ignore_changes and not equal(sort_scalars(original), modified))
    ):
        order = modified
    return additions, deletions, order


def _diff_lists_of_scalars(original: list, modified: list, opts: Diff) -> tuple[list, list]:
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
    return additions, dedupe(deletions)


def _diff_lists_of_maps(
    original: list, modified: list, typ: str | None, key: str, opts: Diff
) -> tuple[list, list]:
    left, right = _sort_maps(original, key), _sort_maps(modified, key)
    patch: list = []
    deletions: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i < len(left):
            lv = merge_key_value(left[i], key)
            ls = gostr(lv)
        if j < len(right):
            rv = merge_key_value(right[j], key)
            rs = gostr(rv)
        if i < len(left) and j < len(right) and ls == rs:
            value = diff_maps(left[i], right[j], typ, opts)
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
                deletions.append({key: lv, DIRECTIVE: "delete"})
            i += 1
    return patch, deletions


def _sort_maps(items: list, key: str) -> list:
    element_kind(items)
    return go_sort(items, lambda m: gostr(m.get(key)))


def _is_order_same(original: list, modified: list, key: str) -> bool:
    if len(original) != len(modified):
        return False
    return all(
        same(merge_key_value(a, key), merge_key_value(b, key))
        for a, b in zip(original, modified, strict=True)
    )
