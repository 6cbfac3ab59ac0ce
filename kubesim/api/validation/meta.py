"""ObjectMeta validation (names, namespace, labels, annotations, owner references, finalizers) and
label selector validation, as apimachinery's pkg/api/validation/objectmeta.go and
pkg/apis/meta/v1/validation do it.

`validate_object_meta(meta, namespaced, name_fn)` on create, `validate_object_meta_update(new,
old)` on update, `validate_labels`, `validate_label_selector`. Used by the per-kind validators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubesim.api.validation import field as f
from kubesim.api.validation.names import (
    is_label_value,
    is_qualified_name,
    name_is_dns_label,
)
from kubesim.model.errors import FieldError

NameFn = Callable[[str, bool], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_label_name(name: str, path: str) -> list[FieldError]:
    return [f.invalid(path, name, msg) for msg in is_qualified_name(name)]


def validate_labels(labels: dict[str, Any] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for k, v in (labels or {}).items():
        errs += validate_label_name(k, path)
        errs += [f.invalid(path, v, msg) for msg in is_label_value(str(v))]
    return errs


def validate_annotations(annotations: dict[str, Any] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    total = 0
    for k, v in (annotations or {}).items():
        errs += [f.invalid(path, k, msg) for msg in is_qualified_name(k.lower())]
        total += len(k.encode()) + len(str(v).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(f.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_owner_references(refs: list[dict] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    controllers = []
    for i, ref in enumerate(refs or []):
        p = f.index(path, i)
        for field_name, what in (
            ("apiVersion", "version"),
            ("kind", "kind"),
            ("name", "name"),
            ("uid", "uid"),
        ):
            if not ref.get(field_name):
                errs.append(f.invalid(f.child(p, field_name), "", f"{what} must not be empty"))
        if ref.get("controller"):
            controllers.append(ref)
    if len(controllers) > 1:
        names = ", ".join(f"{r.get('kind')}/{r.get('name')}" for r in controllers)
        errs.append(
            f.invalid(
                path,
                refs,
                "Only one reference can have Controller set to true. "
                f'Found "true" in references for {names}',
            )
        )
    return errs


def validate_finalizers(finalizers: list[str] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for name in finalizers or []:
        errs += [f.invalid(path, name, msg) for msg in is_qualified_name(name)]
    if "orphan" in (finalizers or []) and "foregroundDeletion" in (finalizers or []):
        errs.append(
            f.invalid(
                path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"
            )
        )
    return errs


def validate_object_meta(
    meta: dict[str, Any], namespaced: bool, name_fn: NameFn, path: str = "metadata"
) -> list[FieldError]:
    """ValidateObjectMetaAccessor: the checks of every create, in the real order."""
    errs: list[FieldError] = []
    generate_name = meta.get("generateName") or ""
    name = meta.get("name") or ""
    if generate_name:
        p = f.child(path, "generateName")
        errs += [f.invalid(p, generate_name, msg) for msg in name_fn(generate_name, True)]
    if not name:
        errs.append(f.required(f.child(path, "name"), "name or generateName is required"))
    else:
        errs += [f.invalid(f.child(path, "name"), name, msg) for msg in name_fn(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(f.required(f.child(path, "namespace")))
        else:
            p = f.child(path, "namespace")
            errs += [f.invalid(p, namespace, msg) for msg in name_is_dns_label(namespace, False)]
    elif namespace:
        errs.append(f.forbidden(f.child(path, "namespace"), "not allowed on this type"))
    errs += f.nonnegative(meta.get("generation", 0), f.child(path, "generation"))
    errs += validate_labels(meta.get("labels"), f.child(path, "labels"))
    errs += validate_annotations(meta.get("annotations"), f.child(path, "annotations"))
    errs += validate_owner_references(meta.get("ownerReferences"), f.child(path, "ownerReferences"))
    errs += validate_finalizers(meta.get("finalizers"), f.child(path, "finalizers"))
    return errs


def validate_object_meta_update(
    new: dict[str, Any], old: dict[str, Any], path: str = "metadata"
) -> list[FieldError]:
    """ValidateObjectMetaAccessorUpdate (the resourceVersion check is the API server's)."""
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        added = sorted(set(new.get("finalizers") or []) - set(old.get("finalizers") or []))
        if added:
            listed = "[]string{" + ", ".join(f'"{a}"' for a in added) + "}"
            errs.append(
                f.forbidden(
                    f.child(path, "finalizers"),
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {listed}",
                )
            )
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        errs.append(
            f.invalid(
                f.child(path, "generation"), new.get("generation") or 0, "must not be decremented"
            )
        )
    for name in ("name", "namespace", "uid"):
        errs += f.immutable(new.get(name) or "", old.get(name) or "", f.child(path, name))
    errs += validate_labels(new.get("labels"), f.child(path, "labels"))
    errs += validate_annotations(new.get("annotations"), f.child(path, "annotations"))
    errs += validate_owner_references(new.get("ownerReferences"), f.child(path, "ownerReferences"))
    return errs


def selector_is_valid(sel: dict[str, Any]) -> bool:
    """Whether metav1.LabelSelectorAsSelector would accept the selector."""
    for k, v in (sel.get("matchLabels") or {}).items():
        if is_qualified_name(k) or is_label_value(str(v)):
            return False
    for expr in sel.get("matchExpressions") or []:
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn") and not values:
            return False
        if op in ("Exists", "DoesNotExist") and values:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
        if is_qualified_name(expr.get("key") or "") or any(is_label_value(v) for v in values):
            return False
    return True


def validate_label_selector(sel: dict[str, Any] | None, path: str) -> list[FieldError]:
    if sel is None:
        return []
    errs = validate_labels(sel.get("matchLabels"), f.child(path, "matchLabels"))
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        p = f.index(f.child(path, "matchExpressions"), i)
        op, values = expr.get("operator") or "", expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    f.required(
                        f.child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"
                    )
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    f.forbidden(
                        f.child(p, "values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errs.append(f.invalid(f.child(p, "operator"), op, "not a valid selector operator"))
        errs += validate_label_name(expr.get("key") or "", f.child(p, "key"))
        for j, v in enumerate(values):
            vp = f.index(f.child(p, "values"), j)
            errs += [f.invalid(vp, v, msg) for msg in is_label_value(v)]
    return errs
