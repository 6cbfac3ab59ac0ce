"""Custom resources: the Kind of a stored CustomResourceDefinition, and what the API server does to
a custom resource before storing it: pruning unknown fields, schema defaults, and validation
against the version's openAPIV3Schema (with jsonschema), reported in apiextensions' words
(`spec.size: Invalid value: "big": spec.size in body must be of type integer: "string"`).

Called by the API server (which builds its Registry from stored CRDs) and by
kubesim.api.validation.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from kubesim.api.validation import field as f
from kubesim.api.validation.meta import validate_object_meta
from kubesim.api.validation.names import name_is_dns_subdomain
from kubesim.model.errors import FieldError
from kubesim.model.kinds import Kind
from kubesim.model.objects import format_timestamp

if TYPE_CHECKING:
    import jsonschema

_ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def _storage_version(crd: dict[str, Any]) -> dict[str, Any]:
    versions = (crd.get("spec") or {}).get("versions") or []
    for v in versions:
        if v.get("storage"):
            return v
    return versions[0] if versions else {}


def kinds_from_crd(crd: dict[str, Any]) -> Kind:
    """The Kind a stored CRD serves (its storage version's schema and subresources)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    storage = _storage_version(crd)
    subresources = storage.get("subresources") or {}
    served = tuple(v["name"] for v in spec.get("versions") or [] if v.get("served"))
    return Kind(
        kind=names.get("kind", ""),
        group=spec.get("group", ""),
        version=storage.get("name", ""),
        plural=names.get("plural", ""),
        singular=names.get("singular") or names.get("kind", "").lower(),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        has_generation=True,
        status_subresource="status" in subresources,
        scale_subresource="scale" in subresources,
        schema=(storage.get("schema") or {}).get("openAPIV3Schema") or {},
        served_versions=served or (storage.get("name", ""),),
        printer_columns=tuple(storage.get("additionalPrinterColumns") or ()),
        # custom resources are stored under /registry/<group>/<plural>/... as in etcd
        etcd_resource=f"{spec.get('group', '')}/{names.get('plural', '')}",
    )


def set_established(crd: dict[str, Any], now: float) -> None:
    """The status the apiextensions controllers give an accepted CRD: names accepted,
    Established, stored versions. (Real clusters set it a moment after the create; kubesim
    serves the new kind at once, so the status is set with the create.)"""
    spec = crd.get("spec") or {}
    stamp = format_timestamp(now)
    crd["status"] = {
        "acceptedNames": dict(spec.get("names") or {}),
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
                "lastTransitionTime": stamp,
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
                "lastTransitionTime": stamp,
            },
        ],
        "storedVersions": [_storage_version(crd).get("name", "")],
    }


def _preserves(schema: dict[str, Any]) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def _prune(value: Any, schema: dict[str, Any], path: str, pruned: list[str], root: bool) -> None:
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for k in list(value):
            sub = f"{path}.{k}" if path else k
            if root and k in _ROOT_FIELDS:
                continue
            if props is not None and k in props:
                _prune(value[k], props[k], sub, pruned, False)
            elif isinstance(extra, dict):
                _prune(value[k], extra, sub, pruned, False)
            elif extra is True or _preserves(schema):
                continue
            else:
                pruned.append(sub)
                del value[k]
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _prune(item, schema["items"], f"{path}[{i}]", pruned, False)


def prune(kind: Kind, obj: dict[str, Any]) -> list[str]:
    """Drop fields the structural schema does not declare (in place); returns their paths."""
    pruned: list[str] = []
    if kind.schema and not _preserves(kind.schema):
        _prune(obj, kind.schema, "", pruned, True)
    elif kind.schema:
        _prune_inside(obj, kind.schema, pruned)
    return pruned


def _prune_inside(obj: dict[str, Any], schema: dict[str, Any], pruned: list[str]) -> None:
    for k, sub in (schema.get("properties") or {}).items():
        if k in obj and k not in _ROOT_FIELDS:
            _prune(obj[k], sub, k, pruned, False)


def unknown_fields(kind: Kind, obj: dict[str, Any]) -> list[str]:
    """The paths pruning would drop, without changing `obj` (strict field validation)."""
    return prune(kind, copy.deepcopy(obj))


def _default(value: Any, schema: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, sub in (schema.get("properties") or {}).items():
            if k not in value and "default" in sub:
                value[k] = copy.deepcopy(sub["default"])
            if k in value:
                _default(value[k], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for k in value:
                if k not in (schema.get("properties") or {}):
                    _default(value[k], extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(item, schema["items"])


def apply_schema_defaults(kind: Kind, obj: dict[str, Any]) -> None:
    """Apply the schema's `default:` values (in place), under fields that exist."""
    if kind.schema:
        _default(obj, kind.schema)


def _json_schema(schema: Any) -> Any:
    """The OpenAPI v3 schema as JSON Schema draft 4 (int-or-string, nullable; metadata skipped)."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items() if not k.startswith("x-kubernetes")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
    if schema.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    out.pop("nullable", None)
    return out


_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    for py, name in _JSON_TYPES:
        if isinstance(value, py):
            return name
    return "object"


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out = f"{out}.{p}" if out else str(p)
    return out


def _number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _to_field_errors(err: jsonschema.ValidationError) -> list[FieldError]:
    path = _path(err.absolute_path)
    where = f"{path or '.'} in body"
    v, value, schema = err.validator, err.instance, err.schema
    if v == "required":
        missing = [k for k in err.validator_value if k not in (value or {})]
        return [f.required(f"{path}.{k}" if path else k) for k in missing]
    if v == "type":
        expected = err.validator_value
        expected = ",".join(expected) if isinstance(expected, list) else expected
        detail = f'{where} must be of type {expected}: "{_type_name(value)}"'
        return [f.invalid(path, value, detail)]
    if v == "enum":
        values = [e if isinstance(e, str) else str(e) for e in err.validator_value]
        return [f.not_supported(path, value, values)]
    if v == "maxLength":
        return [f.too_long(path, err.validator_value)]
    if v == "maxItems":
        return [f.too_many(path, len(value), err.validator_value)]
    messages = {
        "minLength": f"should be at least {err.validator_value} chars long",
        "pattern": f"should match '{err.validator_value}'",
        "minItems": f"should have at least {err.validator_value} items",
        "uniqueItems": "shouldn't contain duplicates",
        "multipleOf": f"should be a multiple of {_number(err.validator_value)}",
        "minProperties": f"should have at least {err.validator_value} properties",
        "maxProperties": f"should have at most {err.validator_value} properties",
    }
    if v == "minimum":
        op = "greater than" if schema.get("exclusiveMinimum") else "greater than or equal to"
        detail = f"should be {op} {_number(err.validator_value)}"
    elif v == "maximum":
        op = "less than" if schema.get("exclusiveMaximum") else "less than or equal to"
        detail = f"should be {op} {_number(err.validator_value)}"
    elif v in messages:
        detail = messages[v]
    else:
        return [f.invalid(path, value, err.message)]
    return [f.invalid(path, value, f"{where} {detail}")]


def validate_custom(kind: Kind, obj: dict[str, Any]) -> list[FieldError]:
    """ObjectMeta checks, then the schema's."""
    errs = validate_object_meta(obj.get("metadata") or {}, kind.namespaced, name_is_dns_subdomain)
    return errs + validate_custom_schema(kind, obj)


def validate_custom_schema(kind: Kind, obj: dict[str, Any]) -> list[FieldError]:
    """The schema's checks, translated to apiextensions' field errors (on create and update)."""
    if not kind.schema:
        return []
    schema = _json_schema(kind.schema)
    props = dict(schema.get("properties") or {})
    for name in _ROOT_FIELDS:
        props.pop(name, None)
    schema = {**schema, "properties": props}
    body = {k: v for k, v in obj.items() if k not in _ROOT_FIELDS}
    import jsonschema

    validator = jsonschema.Draft4Validator(schema)
    found = sorted(
        validator.iter_errors(body), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    errs: list[FieldError] = []
    seen: set[str] = set()
    for err in found:
        for fe in _to_field_errors(err):
            if str(fe) not in seen:
                seen.add(str(fe))
                errs.append(fe)
    return errs
