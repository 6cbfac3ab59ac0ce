"""Pod spec, container and pod template validation, and the pod update rule, as
k8s pkg/apis/core/validation does them (ValidatePodSpec, validateContainerCommon,
ValidatePodTemplateSpec, ValidatePodUpdate).

Used by the Pod validator (`validate_pod`, `validate_pod_update`) and by the workload validators
(`validate_pod_template`).
"""

from __future__ import annotations

import json
from typing import Any

from kubesim.api.validation import field as f
from kubesim.api.validation.meta import (
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from kubesim.api.validation.names import (
    inclusive_range_error,
    is_dns1123_label,
    is_port_name,
    is_port_num,
    is_relaxed_env_var_name,
    name_is_dns_subdomain,
)
from kubesim.api.validation.quantity import QuantityError, quantity_of
from kubesim.model.errors import FieldError
from kubesim.model.objects import deepcopy

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
MAX_INT32 = 2**31 - 1

UPDATABLE_POD_FIELDS = (
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def _dns_label(value: str, path: str) -> list[FieldError]:
    return [f.invalid(path, value, msg) for msg in is_dns1123_label(value)]


def _ports(ports: list[dict] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports or []):
        p = f.index(path, i)
        name = port.get("name") or ""
        if name:
            msgs = is_port_name(name)
            if msgs:
                errs += [f.invalid(f.child(p, "name"), name, m) for m in msgs]
            elif name in names:
                errs.append(f.duplicate(f.child(p, "name"), name))
            else:
                names.add(name)
        container_port = port.get("containerPort") or 0
        if container_port == 0:
            errs.append(f.required(f.child(p, "containerPort")))
        else:
            errs += [
                f.invalid(f.child(p, "containerPort"), container_port, m)
                for m in is_port_num(container_port)
            ]
        host_port = port.get("hostPort") or 0
        if host_port:
            errs += [
                f.invalid(f.child(p, "hostPort"), host_port, m) for m in is_port_num(host_port)
            ]
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(f.required(f.child(p, "protocol")))
        elif protocol not in PROTOCOLS:
            errs.append(f.not_supported(f.child(p, "protocol"), protocol, PROTOCOLS))
    return errs


def _env(env: list[dict] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, var in enumerate(env or []):
        p = f.child(f.index(path, i), "name")
        name = var.get("name") or ""
        if not name:
            errs.append(f.required(p))
        else:
            errs += [f.invalid(p, name, m) for m in is_relaxed_env_var_name(name)]
    return errs


def _resources(resources: dict | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    resources = resources or {}
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    lim_path, req_path = f.child(path, "limits"), f.child(path, "requests")
    for group_path, group in ((lim_path, limits), (req_path, requests)):
        for name, value in group.items():
            p = f.key(group_path, name)
            if "/" not in name and not (
                name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")
            ):
                errs.append(f.invalid(p, name, "must be a standard resource for containers"))
            try:
                amount = quantity_of(value)
            except QuantityError:
                continue  # the decoder already refused it
            if amount < 0:
                errs.append(f.invalid(p, str(value), f.IS_NEGATIVE))
            if group is requests and name in limits:
                limit = quantity_of(limits[name])
                if amount > limit:
                    errs.append(
                        f.invalid(
                            req_path,
                            str(value),
                            f"must be less than or equal to {name} limit of {limits[name]}",
                        )
                    )
    return errs


def validate_container(ctr: dict[str, Any], path: str) -> list[FieldError]:
    """validateContainerCommon, for the fields kubesim models."""
    errs: list[FieldError] = []
    name = ctr.get("name") or ""
    if not name:
        errs.append(f.required(f.child(path, "name")))
    else:
        errs += _dns_label(name, f.child(path, "name"))
    if not ctr.get("image"):
        errs.append(f.required(f.child(path, "image")))
    policy = ctr.get("terminationMessagePolicy") or ""
    if not policy:
        errs.append(f.required(f.child(path, "terminationMessagePolicy")))
    elif policy not in MESSAGE_POLICIES:
        errs.append(
            f.not_supported(f.child(path, "terminationMessagePolicy"), policy, MESSAGE_POLICIES)
        )
    errs += _ports(ctr.get("ports"), f.child(path, "ports"))
    errs += _env(ctr.get("env"), f.child(path, "env"))
    pull = ctr.get("imagePullPolicy") or ""
    if not pull:
        errs.append(f.required(f.child(path, "imagePullPolicy")))
    elif pull not in PULL_POLICIES:
        errs.append(f.not_supported(f.child(path, "imagePullPolicy"), pull, PULL_POLICIES))
    errs += _resources(ctr.get("resources"), f.child(path, "resources"))
    return errs


def _containers(containers: list[dict] | None, path: str, seen: set[str]) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ctr in enumerate(containers or []):
        p = f.index(path, i)
        errs += validate_container(ctr, p)
        name = ctr.get("name") or ""
        if name in seen:
            errs.append(f.duplicate(f.child(p, "name"), name))
        else:
            seen.add(name)
    return errs


def _choice(value: str, path: str, values: tuple[str, ...]) -> list[FieldError]:
    if not value:
        return [f.required(path)]
    if value not in values:
        return [f.not_supported(path, value, values)]
    return []


def validate_pod_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    containers = spec.get("containers") or []
    names: set[str] = set()
    if not containers:
        errs.append(f.required(f.child(path, "containers")))
    else:
        errs += _containers(containers, f.child(path, "containers"), names)
    errs += _containers(spec.get("initContainers"), f.child(path, "initContainers"), names)
    errs += _choice(
        spec.get("restartPolicy") or "", f.child(path, "restartPolicy"), RESTART_POLICIES
    )
    errs += _choice(spec.get("dnsPolicy") or "", f.child(path, "dnsPolicy"), DNS_POLICIES)
    errs += validate_labels(spec.get("nodeSelector"), f.child(path, "nodeSelector"))
    account = spec.get("serviceAccountName") or ""
    if account:
        p = f.child(path, "serviceAccountName")
        errs += [f.invalid(p, account, m) for m in name_is_dns_subdomain(account, False)]
    node = spec.get("nodeName") or ""
    if node:
        errs += [
            f.invalid(f.child(path, "nodeName"), node, m)
            for m in name_is_dns_subdomain(node, False)
        ]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        errs.append(
            f.invalid(
                f.child(path, "activeDeadlineSeconds"),
                deadline,
                inclusive_range_error(1, MAX_INT32),
            )
        )
    for name in ("hostname", "subdomain"):
        if spec.get(name):
            errs += _dns_label(spec[name], f.child(path, name))
    return errs


def validate_pod_template(template: dict[str, Any], path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: note the real label path is `<path>.labels` (no `metadata`)."""
    meta = template.get("metadata") or {}
    errs = validate_labels(meta.get("labels"), f.child(path, "labels"))
    errs += validate_annotations(meta.get("annotations"), f.child(path, "annotations"))
    errs += validate_pod_spec(template.get("spec") or {}, f.child(path, "spec"))
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.append(
            f.forbidden(
                f.child(path, "spec", "ephemeralContainers"),
                "ephemeral containers not allowed in pod template",
            )
        )
    return errs


def validate_pod(pod: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(pod.get("metadata") or {}, True, name_is_dns_subdomain)
    spec = pod.get("spec") or {}
    errs += validate_pod_spec(spec, "spec")
    for group in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(group) or []):
            image = ctr.get("image") or ""
            if image != image.strip():
                errs.append(
                    f.invalid(
                        f"spec.{group}[{i}].image",
                        image,
                        "must not have leading or trailing whitespace",
                    )
                )
    if spec.get("ephemeralContainers"):
        errs.append(f.forbidden("spec.ephemeralContainers", "cannot be set on create"))
    return errs


def _go_name(name: str) -> str:
    return name[:1].upper() + name[1:]


def _spec_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A short cmp.Diff-like rendering of the changed PodSpec fields."""
    lines = ["  core.PodSpec{"]
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            if name in old:
                lines.append(f"- \t{_go_name(name)}: {json.dumps(old[name], sort_keys=True)},")
            if name in new:
                lines.append(f"+ \t{_go_name(name)}: {json.dumps(new[name], sort_keys=True)},")
    lines.append("  }")
    return "\n".join(lines) + "\n"


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    new_ctrs, old_ctrs = new_spec.get("containers") or [], old_spec.get("containers") or []
    if len(new_ctrs) != len(old_ctrs):
        errs.append(f.forbidden("spec.containers", "pod updates may not add or remove containers"))
        return errs
    for i, ctr in enumerate(new_ctrs):
        if not ctr.get("image"):
            errs.append(f.required(f"spec.containers[{i}].image"))
    deadline, old_deadline = (
        new_spec.get("activeDeadlineSeconds"),
        old_spec.get("activeDeadlineSeconds"),
    )
    if deadline is not None:
        if not 0 <= deadline <= MAX_INT32:
            p = "spec.activeDeadlineSeconds"
            return errs + [f.invalid(p, deadline, inclusive_range_error(0, MAX_INT32))]
        if old_deadline is not None and old_deadline < deadline:
            return errs + [
                f.invalid(
                    "spec.activeDeadlineSeconds",
                    deadline,
                    "must be less than or equal to previous value",
                )
            ]
    elif old_deadline is not None:
        errs.append(
            f.invalid(
                "spec.activeDeadlineSeconds",
                None,
                "must not update from a positive integer to nil value",
            )
        )
    if new_spec == old_spec:
        return errs
    munged = deepcopy(new_spec)
    for group in ("containers", "initContainers"):
        olds = old_spec.get(group) or []
        news = munged.get(group) or []
        if len(olds) == len(news):
            for ctr, old_ctr in zip(news, olds, strict=True):
                ctr["image"] = old_ctr.get("image")
    for name in ("activeDeadlineSeconds", "tolerations"):
        if name in old_spec:
            munged[name] = old_spec[name]
        else:
            munged.pop(name, None)
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != old_spec:
        detail = "pod updates may not change fields other than " + UPDATABLE_POD_FIELDS
        errs.append(f.forbidden("spec", detail + "\n" + _spec_diff(old_spec, munged)))
    return errs
