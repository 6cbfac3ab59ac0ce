"""The `fieldValidation` query parameter: what the server does with fields the kind lacks.

- `Strict`: the request fails, 400 `strict decoding error: unknown field "spec.replica"` (what
  `kubectl apply` asks for by default; kubesim's decoder says it for every write);
- `Warn` (the default since 1.23, what the Python client and kopf get): the fields are dropped and
  each is named in a `Warning: 299 - "unknown field \\"spec.replica\\""` response header, which
  kubectl prints as `Warning: unknown field "spec.replica"`;
- `Ignore` (`kubectl --validate=false`): dropped silently.
Type errors (a string for replicas) fail whatever the directive, as in the real decoder.
Custom resources: the fields their structural schema does not declare. Called by `resources`.
"""

from __future__ import annotations

import re
from typing import Any

from kubesim.api.crd import unknown_fields as custom_unknown
from kubesim.api.validation.types import decode_errors
from kubesim.model.errors import BadRequest
from kubesim.model.kinds import Kind

DIRECTIVES = ("Ignore", "Warn", "Strict")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def directive(query: Any) -> str:
    value = query.get("fieldValidation") or "Warn"
    if value not in DIRECTIVES:
        raise BadRequest(
            f'fieldValidation: Unsupported value: "{value}": supported values: '
            '"Ignore", "Strict", "Warn"'
        )
    return value


def drop_unknown(kind: Kind, obj: dict[str, Any], how: str) -> list[str]:
    """Unless `how` is Strict (the API then refuses them), remove from `obj` the fields its kind
    does not have; returns the Warning header values (none for Ignore)."""
    if how == "Strict":
        return []
    if kind.is_custom:
        unknown = custom_unknown(kind, obj)
    else:
        error, unknown = decode_errors(kind.kind, obj)
        if error:
            return []  # a type error: the API's decoder refuses it, as the real one does
    for path in unknown:
        _remove(obj, path)
    if how == "Ignore":
        return []
    return ['299 - "unknown field \\"' + path + '\\""' for path in unknown]


def _remove(obj: Any, path: str) -> None:
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(path)]
    node = obj
    for step in steps[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(steps[-1], None)
