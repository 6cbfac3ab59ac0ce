"""A field-level diff between two versions of one object in the store's history.

`versions(store, key, from_rev, to_rev)` picks the two versions (default: the current one and the
one before it; a revision names the version the key had then), `field_diff(old, new)` lists the
changed fields as dotted paths (`spec.replicas`, `metadata.labels.app`,
`spec.template.spec.containers[0].image`) with their old and new values, and `format_diff` prints
them as `~ path: old -> new`, `+ path: new`, `- path: old`. Reads the store only (a compacted
revision raises Compacted, which names the oldest revision still kept).

Used by `kubesim diff` and lesson checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from kubesim.store.base import KeyValue, Store

_MISSING = object()


@dataclass
class Version:
    #: the revision the version was written at (its resourceVersion); 0: the key did not exist
    revision: int
    obj: dict[str, Any] | None


@dataclass
class Change:
    path: str
    #: "~" changed, "+" added, "-" removed
    op: str
    old: Any = None
    new: Any = None


def _version(kv: KeyValue | None, store: Store) -> Version:
    if kv is None:
        return Version(0, None)
    obj = store.load_object(kv.value, kv.key, kv.mod_revision)
    obj.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
    return Version(kv.mod_revision, obj)


def versions(
    store: Store, key: str, from_rev: int | None = None, to_rev: int | None = None
) -> tuple[Version, Version]:
    """(old, new): `to_rev` (default now) and `from_rev` (default: the version before it)."""
    new = _version(store.get(key, to_rev), store)
    if from_rev is not None:
        return _version(store.get(key, from_rev), store), new
    if new.revision <= 1:
        return Version(0, None), new
    before = new.revision - 1 if new.obj is not None else (to_rev or store.current_revision())
    return _version(store.get(key, max(before, store.compact_revision(), 1)), store), new


def field_diff(old: Any, new: Any, path: str = "") -> list[Change]:
    """The leaf fields that differ, in document order (dicts by key, lists by index)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for k in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{k}" if path else str(k)
            out += field_diff(old.get(k, _MISSING), new.get(k, _MISSING), sub)
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            a = old[i] if i < len(old) else _MISSING
            b = new[i] if i < len(new) else _MISSING
            out += field_diff(a, b, f"{path}[{i}]")
        return out
    if old is _MISSING and new is _MISSING:
        return []
    if old is _MISSING:
        return [Change(path, "+", new=new)]
    if new is _MISSING:
        return [Change(path, "-", old=old)]
    if old == new and type(old) is type(new):
        return []
    return [Change(path, "~", old, new)]


def _show(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def format_diff(changes: list[Change]) -> list[str]:
    lines = []
    for c in changes:
        if c.op == "~":
            lines.append(f"~ {c.path}: {_show(c.old)} -> {_show(c.new)}")
        elif c.op == "+":
            lines.append(f"+ {c.path}: {_show(c.new)}")
        else:
            lines.append(f"- {c.path}: {_show(c.old)}")
    return lines
