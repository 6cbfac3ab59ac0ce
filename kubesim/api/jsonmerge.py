"""JSON merge patch (RFC 7386), for custom resources and CRDs, which kubectl's scheme does not know.

Port of apimachinery's pkg/util/jsonmergepatch (`CreateThreeWayJSONMergePatch`) with
evanphx/json-patch v4's CreateMergePatch and MergePatch: objects merge key by key, null deletes,
lists and everything else are replaced whole. Used by `kubesim.api.merge` when
`kubesim.api.mergekeys.uses_strategic_merge` says the kind has no strategic metadata.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.goval import MergeError, tag


def three_way(original: dict, modified: dict, current: dict) -> dict:
    """The patch kubectl sends: changes from current to modified, deletions from original."""
    additions = _keep_or_delete_null(_diff(current, modified), keep_null=False)
    deletions = _keep_or_delete_null(_diff(original, modified), keep_null=True)
    patch = merge_docs(deletions, additions)
    metadata = patch.get("metadata")
    if (
        "apiVersion" in patch
        or "kind" in patch
        or (isinstance(metadata, dict) and "name" in metadata)
    ):
        raise MergeError("At least one of apiVersion, kind and name was changed")
    return patch


def merge_docs(doc: dict, patch: dict) -> dict:
    """MergePatch: null deletes, objects merge, anything else replaces (`doc` changes in place)."""
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif doc.get(key) is None:
            doc[key] = _prune_nulls(value)
        elif not isinstance(doc[key], dict):
            doc[key] = _prune_nulls(value)
        elif isinstance(value, dict):
            doc[key] = merge_docs(doc[key], value)
        else:
            doc[key] = value
    return doc


def _json_tag(value: Any) -> str:
    """The Go type under encoding/json, where every number is a float64."""
    kind = tag(value)
    return "number" if kind in ("int", "float") else kind


def _diff(a: dict, b: dict) -> dict:
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
            sub = _diff(av, bv)
            if sub:
                into[key] = sub
        elif av is None:
            continue
        elif not _matches(av, bv):
            into[key] = bv
    for key in a:
        if key not in b:
            into[key] = None
    return into


def _matches(a: Any, b: Any) -> bool:
    """evanphx matchesValue (which never matches two nulls)."""
    if _json_tag(a) != _json_tag(b) or a is None:
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_matches(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_matches(x, y) for x, y in zip(a, b, strict=True))
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


def _prune_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value
