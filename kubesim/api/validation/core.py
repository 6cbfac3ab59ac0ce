"""Validation of the core/v1 kinds other than Pod: Namespace, Node, Service, ConfigMap, Event,
as k8s pkg/apis/core/validation does it (ValidateNamespace, ValidateNode, ValidateService,
ValidateConfigMap, legacy event validation) and their update rules.

Used by kubesim.api.validation's entry points.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubesim.api.validation import field as f
from kubesim.api.validation import gofmt
from kubesim.api.validation.meta import (
    validate_label_name,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from kubesim.api.validation.names import (
    is_config_map_key,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_port_name,
    is_port_num,
    is_qualified_name,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
)
from kubesim.model.errors import FieldError

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
PROTOCOLS = ("SCTP", "TCP", "UDP")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
MAX_CONFIG_MAP_SIZE = 1024 * 1024
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"


def validate_namespace(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, False, name_is_dns_label)
    for name in (obj.get("spec") or {}).get("finalizers") or []:
        errs += [f.invalid("spec.finalizers", name, m) for m in is_qualified_name(name)]
        if "/" not in name and name not in STANDARD_FINALIZERS:
            errs.append(
                f.invalid(
                    "spec.finalizers",
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errs


def validate_node(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, False, name_is_dns_subdomain)
    for i, taint in enumerate((obj.get("spec") or {}).get("taints") or []):
        p = f.index("metadata.taints", i)  # the real path omits `spec`
        errs += validate_label_name(taint.get("key") or "", f.child(p, "key"))
        value = taint.get("value") or ""
        msgs = is_label_value(value)
        if msgs:
            errs.append(f.invalid(f.child(p, "value"), value, ";".join(msgs)))
        effect = taint.get("effect") or ""
        if not effect:
            errs.append(f.required(f.child(p, "effect")))
        elif effect not in TAINT_EFFECTS:
            errs.append(f.not_supported(f.child(p, "effect"), effect, TAINT_EFFECTS))
    return errs


def validate_config_map(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for k, v in data.items():
        errs += [f.invalid(f.key("data", k), k, m) for m in is_config_map_key(k)]
        if k in binary:
            errs.append(f.invalid(f.key("data", k), k, "duplicate of key present in binaryData"))
        total += len(str(v).encode())
    for k, v in binary.items():
        errs += [f.invalid(f.key("binaryData", k), k, m) for m in is_config_map_key(k)]
        total += len(str(v)) * 3 // 4
    if total > MAX_CONFIG_MAP_SIZE:
        errs.append(f.too_long("", MAX_CONFIG_MAP_SIZE))
    return errs


def validate_config_map_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    if old.get("immutable"):
        if not new.get("immutable"):
            errs.append(f.forbidden("immutable", IMMUTABLE_WHEN_SET))
        if (new.get("data") or None) != (old.get("data") or None):
            errs.append(f.forbidden("data", IMMUTABLE_WHEN_SET))
        if (new.get("binaryData") or None) != (old.get("binaryData") or None):
            errs.append(f.forbidden("binaryData", IMMUTABLE_WHEN_SET))
    return errs + validate_config_map(new)


def _cluster_ips(spec: dict[str, Any]) -> list[str]:
    ips = spec.get("clusterIPs")
    if ips:
        return list(ips)
    return [spec["clusterIP"]] if spec.get("clusterIP") else []


def _is_headless(spec: dict[str, Any]) -> bool:
    ips = _cluster_ips(spec)
    return bool(ips) and ips[0] == "None"


def _service_port_key(port: dict[str, Any]) -> gofmt.GoValue:
    protocol = gofmt.go_quote(port.get("protocol") or "")
    return gofmt.GoValue(
        f'core.ServicePort{{Name:"", Protocol:{protocol}, AppProtocol:(*string)(nil), '
        f"Port:{port.get('port') or 0}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, "
        'StrVal:""}, NodePort:0}'
    )


def _service_port(
    port: dict[str, Any], require_name: bool, names: set[str], path: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(f.required(f.child(path, "name")))
    elif name:
        errs += [f.invalid(f.child(path, "name"), name, m) for m in is_dns1123_label(name)]
        if name in names:
            errs.append(f.duplicate(f.child(path, "name"), name))
        else:
            names.add(name)
    number = port.get("port") or 0
    errs += [f.invalid(f.child(path, "port"), number, m) for m in is_port_num(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(f.required(f.child(path, "protocol")))
    elif protocol not in PROTOCOLS:
        errs.append(f.not_supported(f.child(path, "protocol"), protocol, PROTOCOLS))
    target = port.get("targetPort")
    target_path = f.child(path, "targetPort")
    if isinstance(target, str):
        errs += [f.invalid(target_path, target, m) for m in is_port_name(target)]
    else:
        errs += [f.invalid(target_path, target or 0, m) for m in is_port_num(target or 0)]
    return errs


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def validate_service(obj: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns1035_label)
    spec = obj.get("spec") or {}
    kind = spec.get("type") or ""
    ports = spec.get("ports") or []
    ips = _cluster_ips(spec)
    if not ports and not _is_headless(spec) and kind != "ExternalName":
        errs.append(f.required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and _is_headless(spec):
        errs.append(
            f.invalid("spec.clusterIPs[0]", ips[0], f"may not be set to 'None' for {kind} services")
        )
    if kind == "ExternalName":
        for name in ("clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            value = ips if name == "clusterIPs" else spec.get(name)
            if value:
                errs.append(f.forbidden(f"spec.{name}", "may not be set for ExternalName services"))
        cname = (spec.get("externalName") or "").removesuffix(".")
        if cname:
            errs += [f.invalid("spec.externalName", cname, m) for m in is_dns1123_subdomain(cname)]
        else:
            errs.append(f.required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        errs += _service_port(port, len(ports) > 1, names, f.index("spec.ports", i))
    if spec.get("selector") is not None:
        errs += validate_labels(spec["selector"], "spec.selector")
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        errs.append(f.required("spec.sessionAffinity"))
    elif affinity not in SESSION_AFFINITIES:
        errs.append(f.not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errs.append(
            f.forbidden(
                "spec.sessionAffinityConfig", "must not be set when session affinity is None"
            )
        )
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            continue
        if not _valid_ip(ip):
            errs.append(
                f.invalid(
                    f.index("spec.clusterIPs", i),
                    ip,
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                )
            )
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errs.append(f.not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family not in ("IPv4", "IPv6"):
            errs.append(f.not_supported(f.index("spec.ipFamilies", i), family, ("IPv4", "IPv6")))
    if not kind:
        errs.append(f.required("spec.type"))
    elif kind not in SERVICE_TYPES:
        errs.append(f.not_supported("spec.type", kind, SERVICE_TYPES))
    if kind == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                errs.append(
                    f.forbidden(
                        f.child(f.index("spec.ports", i), "nodePort"),
                        "may not be used when `type` is 'ClusterIP'",
                    )
                )
    seen: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol") or "", port.get("port") or 0)
        if key in seen:
            errs.append(f.duplicate(f.index("spec.ports", i), _service_port_key(port)))
        seen.add(key)
    return errs


def validate_service_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" not in (new_spec.get("type"), old_spec.get("type")) and not (
        _is_headless(new_spec) and _is_headless(old_spec)
    ):
        new_ips, old_ips = _cluster_ips(new_spec), _cluster_ips(old_spec)
        value = gofmt.GoValue(gofmt.string_slice(new_ips))
        if old_ips and not new_ips:
            errs.append(
                f.invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset")
            )
        elif old_ips and new_ips[0] != old_ips[0]:
            errs.append(f.invalid("spec.clusterIPs[0]", value, "may not change once set"))
    return errs + validate_service(new)


def _path_segment_name(name: str, prefix: bool) -> list[str]:
    if not prefix and name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def validate_event(obj: dict[str, Any]) -> list[FieldError]:
    """Legacy (core/v1) event validation, then the generic ObjectMeta checks."""
    errs: list[FieldError] = []
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved = (obj.get("involvedObject") or {}).get("namespace") or ""
    if not obj.get("eventTime"):
        if (not involved and namespace not in ("", "default")) or (
            involved and involved != namespace
        ):
            errs.append(
                f.invalid("involvedObject.namespace", involved, "does not match event.namespace")
            )
    else:
        if not involved and namespace not in ("default", "kube-system"):
            errs.append(
                f.invalid("involvedObject.namespace", involved, "does not match event.namespace")
            )
        component = obj.get("reportingComponent") or ""
        if not component:
            errs.append(f.required("reportingComponent"))
        errs += [
            f.invalid("reportingComponent", component, m) for m in is_qualified_name(component)
        ]
        for name in ("reportingInstance", "action", "reason"):
            if not obj.get(name):
                errs.append(f.required(name))
    errs += [f.invalid("namespace", namespace, m) for m in is_dns1123_subdomain(namespace)]
    if errs:
        return errs
    return validate_object_meta(obj.get("metadata") or {}, True, _path_segment_name)


def validate_node_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    return errs + validate_node(new)


def validate_namespace_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    return validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
