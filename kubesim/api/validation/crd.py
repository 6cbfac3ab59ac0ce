"""Validation of CustomResourceDefinition objects themselves (a light subset of apiextensions'
ValidateCustomResourceDefinition: name, group, names, scope, versions and their storage flag).

Used by kubesim.api.validation's entry points.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.validation import field as f
from kubesim.api.validation import gofmt
from kubesim.api.validation.meta import validate_object_meta, validate_object_meta_update
from kubesim.api.validation.names import (
    is_dns1035_label,
    is_dns1123_subdomain,
    name_is_dns_subdomain,
)
from kubesim.model.errors import FieldError

SCOPES = ("Cluster", "Namespaced")


def validate_crd(obj: dict[str, Any]) -> list[FieldError]:
    meta = obj.get("metadata") or {}
    errs = validate_object_meta(meta, False, name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    group = spec.get("group") or ""
    names = spec.get("names") or {}
    plural = names.get("plural") or ""
    if meta.get("name") and meta.get("name") != f"{plural}.{group}":
        errs.append(
            f.invalid("metadata.name", meta["name"], 'must be spec.names.plural+"."+spec.group')
        )
    if not group:
        errs.append(f.required("spec.group"))
    else:
        errs += [f.invalid("spec.group", group, m) for m in is_dns1123_subdomain(group)]
        if "." not in group:
            errs.append(f.invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope") or ""
    if not scope:
        errs.append(f.required("spec.scope"))
    elif scope not in SCOPES:
        errs.append(f.not_supported("spec.scope", scope, SCOPES))
    versions = spec.get("versions") or []
    if not versions:
        errs.append(
            f.required("spec.versions", "must have exactly one version marked as storage version")
        )
    storage = sum(1 for v in versions if v.get("storage"))
    if versions and storage != 1:
        errs.append(
            f.invalid(
                "spec.versions",
                gofmt.GoValue("[]apiextensions.CustomResourceDefinitionVersion{...}"),
                "must have exactly one version marked as storage version",
            )
        )
    for i, v in enumerate(versions):
        name = v.get("name") or ""
        p = f.child(f.index("spec.versions", i), "name")
        if not name:
            errs.append(f.required(p))
        else:
            errs += [f.invalid(p, name, m) for m in is_dns1035_label(name)]
    for field_name in ("plural", "singular", "kind", "listKind"):
        value = names.get(field_name) or ""
        p = f"spec.names.{field_name}"
        if not value:
            errs.append(f.required(p))
        elif field_name in ("plural", "singular"):
            errs += [f.invalid(p, value, m) for m in is_dns1035_label(value)]
    return errs


def validate_crd_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errs += f.immutable(new_spec.get("group"), old_spec.get("group"), "spec.group")
    return errs + validate_crd(new)
