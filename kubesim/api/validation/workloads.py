"""Deployment and ReplicaSet validation, as k8s pkg/apis/apps/validation and the apps strategies
do it: spec ranges, selector rules, the template (through pods.py), strategy, status, and the
immutable selector of apps/v1.

Used by kubesim.api.validation's entry points.
"""

from __future__ import annotations

from typing import Any

from kubesim.api.validation import field as f
from kubesim.api.validation import gofmt
from kubesim.api.validation.meta import (
    selector_is_valid,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from kubesim.api.validation.names import is_percent, name_is_dns_subdomain
from kubesim.api.validation.pods import validate_pod_template
from kubesim.model.errors import FieldError
from kubesim.model.labels import matches, selector_from_spec


def _selector(spec: dict[str, Any]) -> list[FieldError]:
    sel = spec.get("selector")
    if sel is None:
        return [f.required("spec.selector")]
    errs = validate_label_selector(sel, "spec.selector")
    if not (sel.get("matchLabels") or sel.get("matchExpressions")):
        errs.append(
            f.invalid(
                "spec.selector",
                gofmt.label_selector(sel),
                "empty selector is invalid for deployment",
            )
        )
    return errs


def _template(spec: dict[str, Any]) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet, reached only when the selector parses."""
    sel = spec.get("selector")
    if sel is not None and not selector_is_valid(sel):
        return [f.invalid("spec.selector", gofmt.label_selector(sel), "invalid label selector")]
    errs: list[FieldError] = []
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    selector = selector_from_spec(sel)
    if sel is not None and (sel.get("matchLabels") or sel.get("matchExpressions")):
        if not matches(selector, labels):
            errs.append(
                f.invalid(
                    "spec.template.metadata.labels",
                    gofmt.GoValue(gofmt.string_map(labels)),
                    "`selector` does not match template `labels`",
                )
            )
    errs += validate_pod_template(template, "spec.template")
    pod_spec = template.get("spec") or {}
    policy = pod_spec.get("restartPolicy") or ""
    if policy != "Always":
        errs.append(f.not_supported("spec.template.spec.restartPolicy", policy, ("Always",)))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            f.invalid(
                "spec.template.spec.activeDeadlineSeconds",
                pod_spec["activeDeadlineSeconds"],
                "activeDeadlineSeconds in ReplicaSet is not Supported",
            )
        )
    return errs


def _int_or_percent(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, str):
        return [f.invalid(path, gofmt.int_or_string(value), m) for m in is_percent(value)]
    return f.nonnegative(value, path)


def _int_or_percent_value(value: Any) -> int:
    if isinstance(value, str):
        digits = value[:-1] if value.endswith("%") else value
        return int(digits) if digits.isdigit() else 0
    return int(value or 0)


def _rolling_update(ru: dict[str, Any], path: str) -> list[FieldError]:
    unavailable, surge = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs = _int_or_percent(unavailable, f.child(path, "maxUnavailable"))
    errs += _int_or_percent(surge, f.child(path, "maxSurge"))
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        errs.append(
            f.invalid(
                f.child(path, "maxUnavailable"),
                gofmt.int_or_string(unavailable),
                "may not be 0 when `maxSurge` is 0",
            )
        )
    if isinstance(unavailable, str) and not is_percent(unavailable):
        if _int_or_percent_value(unavailable) > 100:
            errs.append(
                f.invalid(
                    f.child(path, "maxUnavailable"),
                    gofmt.int_or_string(unavailable),
                    "must not be greater than 100%",
                )
            )
    return errs


def _strategy(strategy: dict[str, Any]) -> list[FieldError]:
    kind = strategy.get("type") or ""
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [
                f.forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            return [
                f.required(
                    "spec.strategy.rollingUpdate", "this should be defaulted and never be nil"
                )
            ]
        return _rolling_update(ru, "spec.strategy.rollingUpdate")
    ru = strategy.get("rollingUpdate")
    ru_text = (
        "(*apps.RollingUpdateDeployment)(nil)"
        if ru is None
        else "&apps.RollingUpdateDeployment{...}"
    )
    value = gofmt.GoValue(
        f"apps.DeploymentStrategy{{Type:{gofmt.go_quote(kind)}, RollingUpdate:{ru_text}}}"
    )
    return [f.not_supported("spec.strategy", value, ("Recreate", "RollingUpdate"))]


def validate_deployment(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    return errs + _deployment_spec(obj.get("spec") or {})


def _deployment_spec(spec: dict[str, Any]) -> list[FieldError]:
    errs = f.nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += _selector(spec)
    errs += _template(spec)
    errs += _strategy(spec.get("strategy") or {})
    min_ready = spec.get("minReadySeconds") or 0
    errs += f.nonnegative(min_ready, "spec.minReadySeconds")
    if spec.get("revisionHistoryLimit") is not None:
        errs += f.nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errs += f.nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= min_ready:
            errs.append(
                f.invalid(
                    "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    return errs


def validate_replica_set(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    return errs + _replica_set_spec(obj.get("spec") or {})


def _replica_set_spec(spec: dict[str, Any]) -> list[FieldError]:
    errs = f.nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    errs += _selector(spec)
    return errs + _template(spec)


def _selector_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    sel = (new.get("spec") or {}).get("selector")
    if sel == (old.get("spec") or {}).get("selector"):
        return []
    return [f.invalid("spec.selector", gofmt.label_selector(sel), f.IMMUTABLE)]


def validate_deployment_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    errs += _deployment_spec(new.get("spec") or {})
    return errs + _selector_immutable(new, old)


def validate_replica_set_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    errs += _replica_set_spec(new.get("spec") or {})
    return errs + _selector_immutable(new, old)


def _counts(status: dict[str, Any], names: tuple[str, ...]) -> list[FieldError]:
    errs: list[FieldError] = []
    for name in names:
        errs += f.nonnegative(status.get(name, 0), f"status.{name}")
    return errs


def validate_deployment_status(obj: dict[str, Any]) -> list[FieldError]:
    status = obj.get("status") or {}
    errs = _counts(
        status,
        (
            "observedGeneration",
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
            "collisionCount",
        ),
    )
    replicas, ready = status.get("replicas", 0), status.get("readyReplicas", 0)
    available = status.get("availableReplicas", 0)
    if ready > replicas:
        errs.append(
            f.invalid("status.readyReplicas", ready, "cannot be greater than status.replicas")
        )
    if available > replicas:
        errs.append(
            f.invalid(
                "status.availableReplicas", available, "cannot be greater than status.replicas"
            )
        )
    if available > ready:
        errs.append(
            f.invalid("status.availableReplicas", available, "cannot be greater than readyReplicas")
        )
    return errs


def validate_replica_set_status(obj: dict[str, Any]) -> list[FieldError]:
    status = obj.get("status") or {}
    errs = _counts(
        status,
        (
            "replicas",
            "fullyLabeledReplicas",
            "readyReplicas",
            "availableReplicas",
            "observedGeneration",
        ),
    )
    replicas = status.get("replicas", 0)
    for name in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if status.get(name, 0) > replicas:
            errs.append(
                f.invalid(f"status.{name}", status[name], "cannot be greater than status.replicas")
            )
    if status.get("availableReplicas", 0) > status.get("readyReplicas", 0):
        errs.append(
            f.invalid(
                "status.availableReplicas",
                status["availableReplicas"],
                "cannot be greater than readyReplicas",
            )
        )
    return errs
