"""The PATCH content types, applied to the live object as kube-apiserver applies them.

- `application/strategic-merge-patch+json`: built-in kinds (kubectl apply, scale, label, rollout
  restart); a custom resource refuses it with 415, as the real server does;
- `application/merge-patch+json`: RFC 7386 (kubectl patch --type merge, kubectl apply of a custom
  resource);
- `application/json-patch+json`: RFC 6902 operations (kubectl patch --type json);
- `application/apply-patch+yaml`: server-side apply (`kubesim.serve.serverapply`).

The merge functions are the API layer's own (kubesim.api.merge, kubesim.api.jsonmerge): the CLI's
`apply` and this front apply a patch the same way. Called by `app`.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.jsonmerge import merge_docs
from kubesim.api.merge import apply_patch
from kubesim.api.mergekeys import uses_strategic_merge
from kubesim.model.errors import ApiError, BadRequest, FieldError, Invalid
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC, APPLY)


class UnsupportedMediaType(ApiError):
    code = 415
    reason = "UnsupportedMediaType"


def unsupported(content_type: str, kind: Kind | None) -> UnsupportedMediaType:
    accepted = [t for t in PATCH_TYPES if t != STRATEGIC or kind is None or _strategic(kind)]
    return UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted)
    )


def _strategic(kind: Kind) -> bool:
    # the server knows the Go types of every built-in kind, CRDs included
    return uses_strategic_merge(kind) or kind.kind == "CustomResourceDefinition"


def patched(live: dict[str, Any], patch: Any, content_type: str, kind: Kind) -> dict[str, Any]:
    """The object `patch` (decoded JSON) makes of `live` (left unchanged)."""
    if content_type == STRATEGIC:
        if not _strategic(kind):
            raise unsupported(content_type, kind)
        _require_object(patch)
        if kind.kind == "CustomResourceDefinition":
            return merge_docs(deepcopy(live), deepcopy(patch))
        return apply_patch(live, patch, kind)
    if content_type == MERGE:
        _require_object(patch)
        return merge_docs(deepcopy(live), deepcopy(patch))
    if content_type == JSON_PATCH:
        return json_patch(live, patch, kind)
    raise unsupported(content_type, kind)


def _require_object(patch: Any) -> None:
    if not isinstance(patch, dict):
        raise BadRequest(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
            if isinstance(patch, list)
            else "the patch is not a JSON object"
        )


# ------------------------------------------------------------------------------ RFC 6902
def json_patch(live: dict[str, Any], ops: Any, kind: Kind) -> dict[str, Any]:
    """RFC 6902 as evanphx/json-patch applies it: each operation in order, on a copy."""
    if not isinstance(ops, list):
        raise BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc: Any = deepcopy(live)
    for i, op in enumerate(ops):
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise BadRequest("the server rejected our request due to an error in our request")
        name = op["op"]
        try:
            doc = _apply_op(doc, name, op)
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise Invalid(
                kind.kind,
                str((live.get("metadata") or {}).get("name", "")),
                [FieldError("Invalid", f"patch[{i}]", name, str(e) or "cannot apply")],
                kind.group,
            ) from e
    return doc


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise ValueError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]] if path else []


def _parent(doc: Any, steps: list[str]) -> tuple[Any, str]:
    if not steps:
        raise ValueError("the root cannot be the target")
    node = doc
    for step in steps[:-1]:
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node, steps[-1]


def _get(doc: Any, steps: list[str]) -> Any:
    node = doc
    for step in steps:
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


def _apply_op(doc: Any, name: str, op: dict[str, Any]) -> Any:
    steps = _pointer(op.get("path"))
    if name in ("add", "replace", "test") and "value" not in op:
        raise ValueError(f'"{name}" operation has no value')
    if name == "test":
        if _get(doc, steps) != op["value"]:
            raise ValueError(f"testing value {op.get('path')} failed")
        return doc
    if name in ("move", "copy"):
        value = deepcopy(_get(doc, _pointer(op.get("from"))))
        if name == "move":
            doc = _remove(doc, _pointer(op.get("from")))
        return _add(doc, steps, value)
    if name == "remove":
        return _remove(doc, steps)
    if name == "replace":
        parent, last = _parent(doc, steps)
        if isinstance(parent, list):
            parent[int(last)] = deepcopy(op["value"])
        else:
            if last not in parent:
                raise KeyError(
                    f"replace operation does not apply: doc is missing key: {op['path']}"
                )
            parent[last] = deepcopy(op["value"])
        return doc
    if name == "add":
        return _add(doc, steps, deepcopy(op["value"]))
    raise ValueError(f"Unexpected kind: {name}")


def _add(doc: Any, steps: list[str], value: Any) -> Any:
    if not steps:
        return value
    parent, last = _parent(doc, steps)
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if not 0 <= index <= len(parent):
            raise IndexError(f"add operation index {index} out of bounds")
        parent.insert(index, value)
    else:
        parent[last] = value
    return doc


def _remove(doc: Any, steps: list[str]) -> Any:
    parent, last = _parent(doc, steps)
    if isinstance(parent, list):
        del parent[int(last)]
    else:
        del parent[last]
    return doc
