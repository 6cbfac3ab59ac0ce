"""Server-side apply (`PATCH` with `application/apply-patch+yaml`, `kubectl apply --server-side`).

The request body is the manager's whole intent. kubesim keeps, as kube-apiserver does, a
`metadata.managedFields` entry per field manager (operation Apply, fieldsV1: the fields of its
last applied configuration). Applying again:
- removes the fields the manager applied last time and no longer applies (the point of SSA:
  dropping `replicas` from the file gives replicas back to its default or to other writers);
- merges the configuration into the live object (lists by their merge keys for built-in kinds,
  as structured-merge-diff does with the same list-map keys; custom resources merge maps and
  replace lists).

Not modelled: the field ownership of Update operations (other managers' fields), so an apply
never reports a conflict and never needs `--force-conflicts`. Called by `app`.
"""

from __future__ import annotations

import json
from typing import Any

from kubesim.api.jsonmerge import merge_docs
from kubesim.api.merge import apply_patch
from kubesim.api.mergekeys import lookup, root_type, uses_strategic_merge
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy, format_timestamp

#: fields no manager owns: identity, and status (applied through /status only)
_UNTRACKED = {"f:apiVersion", "f:kind", "f:status"}
_UNTRACKED_METADATA = {"f:name", "f:namespace", "f:resourceVersion", "f:managedFields"}


def field_set(value: dict[str, Any], typ: str | None, top: bool = True) -> dict[str, Any]:
    """The fieldsV1 tree of an applied configuration."""
    out: dict[str, Any] = {}
    for k, v in value.items():
        key = f"f:{k}"
        if top and key in _UNTRACKED:
            continue
        meta = lookup(typ, k)
        if top and k == "metadata" and isinstance(v, dict):
            sub = {f: t for f, t in field_set(v, meta.type, False).items()}
            sub = {f: t for f, t in sub.items() if f not in _UNTRACKED_METADATA}
            if sub:
                out[key] = sub
        elif isinstance(v, dict) and v:
            out[key] = field_set(v, meta.type, False)
        elif isinstance(v, list) and meta.merge_key and all(isinstance(i, dict) for i in v):
            out[key] = {
                _item_key(meta.merge_key, item): {".": {}, **field_set(item, meta.type, False)}
                for item in v
            }
        elif isinstance(v, list) and meta.strategy == "merge":
            out[key] = {"v:" + json.dumps(i, separators=(",", ":")): {} for i in v}
        else:
            out[key] = {}
    return out


def _item_key(merge_key: str, item: dict[str, Any]) -> str:
    return "k:" + json.dumps({merge_key: item.get(merge_key)}, separators=(",", ":"))


def _remove(obj: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Remove from `obj` what `before` names and `after` does not."""
    for key, sub in before.items():
        if key == ".":
            continue
        if key not in after:
            _drop(obj, key)
        elif sub and after[key]:
            child = _child(obj, key)
            if child is not None:
                _remove(child, sub, after[key])


def _child(obj: Any, key: str) -> Any:
    if key.startswith("f:") and isinstance(obj, dict):
        return obj.get(key[2:])
    if key.startswith("k:") and isinstance(obj, list):
        ((field, value),) = json.loads(key[2:]).items()
        return next((i for i in obj if isinstance(i, dict) and i.get(field) == value), None)
    return None


def _drop(obj: Any, key: str) -> None:
    if key.startswith("f:") and isinstance(obj, dict):
        obj.pop(key[2:], None)
    elif key.startswith("k:") and isinstance(obj, list):
        item = _child(obj, key)
        if item is not None:
            obj.remove(item)
    elif key.startswith("v:") and isinstance(obj, list):
        value = json.loads(key[2:])
        if value in obj:
            obj.remove(value)


def _strategic_type(kind: Kind) -> str | None:
    return root_type(kind) if uses_strategic_merge(kind) else None


def entry(config: dict[str, Any], kind: Kind, manager: str, now: float) -> dict[str, Any]:
    """The `managedFields` entry of `manager` applying `config`."""
    return {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": config.get("apiVersion", kind.api_version),
        "time": format_timestamp(now),
        "fieldsType": "FieldsV1",
        "fieldsV1": field_set(config, _strategic_type(kind)),
    }


def applied(
    live: dict[str, Any], config: dict[str, Any], kind: Kind, manager: str, now: float
) -> dict[str, Any]:
    """The object after `manager` applies `config` to `live` (a create takes `config` as it is,
    with `entry`)."""
    typ = _strategic_type(kind)
    applying = entry(config, kind, manager, now)
    obj = deepcopy(live)
    managed = list(obj["metadata"].get("managedFields") or [])
    previous = next(
        (m for m in managed if m.get("manager") == manager and m.get("operation") == "Apply"),
        None,
    )
    if previous is not None:
        _remove(obj, previous.get("fieldsV1") or {}, applying["fieldsV1"])
        managed.remove(previous)
    body = deepcopy(config)
    body.get("metadata", {}).pop("managedFields", None)
    if typ is not None:
        obj = apply_patch(obj, body, kind)
    else:
        obj = merge_docs(obj, body)
    obj["metadata"]["managedFields"] = [*managed, applying]
    return obj
