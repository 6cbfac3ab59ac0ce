"""kubectl get's human-readable tables for kubesim's kinds (printers.go column sets and cells).

`format_table(kind, objects, now, ...)` returns exactly the text kubectl prints for one kind:
the header in capitals, one row per object, aligned as cli-runtime's tabwriter aligns it
(kubesim.view.table_text). `columns(kind, wide)` gives the headers. `join_tables` puts several
kinds together the way `kubectl get all` does (a blank line between kinds), and `no_resources`
is the message kubectl writes to stderr when nothing matched. Called by the CLI's get command.
No rich here: formatting 1,000 pods must take milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from kubesim.model.kinds import Kind
from kubesim.model.labels import format_selector
from kubesim.view.humanize import age, format_labels, since
from kubesim.view.pod_status import pod_row
from kubesim.view.table_text import align_rows

Row = Callable[[dict, float, bool], list[str]]


def _template_cells(spec: dict) -> list[str]:
    """The wide CONTAINERS, IMAGES and SELECTOR cells of a workload with a pod template."""
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return [
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
        _selector(spec.get("selector")),
    ]


def _replicaset(rs: dict, now: float, wide: bool) -> list[str]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    cells = [
        rs["metadata"].get("name", ""),
        str(spec.get("replicas", 1)),
        str(status.get("replicas", 0)),
        str(status.get("readyReplicas", 0)),
        age(rs, now),
    ]
    if wide:
        cells += _template_cells(spec)
    return cells


def _deployment(d: dict, now: float, wide: bool) -> list[str]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    cells = [
        d["metadata"].get("name", ""),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        str(status.get("updatedReplicas", 0)),
        str(status.get("availableReplicas", 0)),
        age(d, now),
    ]
    if wide:
        cells += _template_cells(spec)
    return cells


def _selector(spec: dict | None) -> str:
    """metav1.FormatLabelSelector / LabelSelectorAsSelector.String(): empty selects everything."""
    text = format_selector(spec)
    return "<none>" if text in ("", "<none>") else text


def _service(svc: dict, now: float, wide: bool) -> list[str]:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    external = ",".join(spec.get("externalIPs") or [])
    if stype in ("ClusterIP", "NodePort"):
        external = external or "<none>"
    elif stype == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        lb = ",".join(sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""}))
        if not wide and len(lb) > 16:
            lb = lb[:13] + "..."
        external = ",".join(x for x in (lb, external) if x) or "<pending>"
    elif stype == "ExternalName":
        external = spec.get("externalName", "")
    else:
        external = "<unknown>"
    ports = []
    for p in spec.get("ports") or []:
        proto = p.get("protocol", "TCP")
        node_port = f":{p['nodePort']}" if p.get("nodePort") else ""
        ports.append(f"{p.get('port')}{node_port}/{proto}")
    cells = [
        svc["metadata"].get("name", ""),
        stype,
        ips[0] if ips else "<none>",
        external,
        ",".join(ports) or "<none>",
        age(svc, now),
    ]
    if wide:
        cells.append(format_labels(spec.get("selector")))
    return cells


def _namespace(ns: dict, now: float, wide: bool) -> list[str]:
    return [ns["metadata"].get("name", ""), (ns.get("status") or {}).get("phase", ""), age(ns, now)]


def node_roles(node: dict) -> list[str]:
    """findNodeRoles: node-role.kubernetes.io/<role> keys and the kubernetes.io/role value."""
    roles = set()
    for key, value in ((node.get("metadata") or {}).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and len(key) > 24:
            roles.add(key[24:])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _node(node: dict, now: float, wide: bool) -> list[str]:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    state = [
        ("Ready" if c.get("status") == "True" else "NotReady")
        for c in status.get("conditions") or []
        if c.get("type") == "Ready"
    ][:1] or ["Unknown"]
    if spec.get("unschedulable"):
        state.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    cells = [
        node["metadata"].get("name", ""),
        ",".join(state),
        ",".join(node_roles(node)) or "<none>",
        age(node, now),
        info.get("kubeletVersion", ""),
    ]
    if wide:
        addrs = status.get("addresses") or []
        internal = next((a["address"] for a in addrs if a.get("type") == "InternalIP"), "<none>")
        external = next((a["address"] for a in addrs if a.get("type") == "ExternalIP"), "<none>")
        cells += [
            internal,
            external,
            info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>",
        ]
    return cells


def _configmap(cm: dict, now: float, wide: bool) -> list[str]:
    count = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [cm["metadata"].get("name", ""), str(count), age(cm, now)]


def _endpoints(ep: dict, now: float, wide: bool) -> list[str]:
    return [ep["metadata"].get("name", ""), format_endpoints(ep), age(ep, now)]


def format_endpoints(ep: dict, port_names: set[str] | None = None) -> str:
    """printers.go formatEndpoints: up to three ip:port, then ` + N more...`."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for ss in subsets:
        addresses = [a.get("ip", "") for a in ss.get("addresses") or []]
        if not ss.get("ports"):
            count += len(addresses)
            shown.extend(addresses[: max(0, 3 - len(shown))])
            continue
        for port in ss["ports"]:
            if port_names is None or port.get("name", "") in port_names:
                count += len(addresses)
                for ip in addresses:
                    if len(shown) < 3:
                        host = f"[{ip}]" if ":" in ip else ip
                        shown.append(f"{host}:{port.get('port')}")
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if count > 3 else text


def _event(ev: dict, now: float, wide: bool) -> list[str]:
    first = (
        since(ev.get("firstTimestamp"), now)
        if ev.get("firstTimestamp")
        else since(ev.get("eventTime"), now)
    )
    last = since(ev.get("lastTimestamp"), now) if ev.get("lastTimestamp") else first
    count = ev.get("count") or 1
    series = ev.get("series")
    if series:
        last, count = since(series.get("lastObservedTime"), now), series.get("count", count)
    obj = ev.get("involvedObject") or {}
    target = obj.get("kind", "").lower()
    if obj.get("name"):
        target += "/" + obj["name"]
    message = (ev.get("message") or "").strip()
    if not wide:
        return [last, ev.get("type", ""), ev.get("reason", ""), target, message]
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent", "")
    host = source.get("host") or ev.get("reportingInstance", "")
    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        obj.get("fieldPath", ""),
        f"{component}, {host}" if host else component,
        message,
        first,
        str(count),
        ev["metadata"].get("name", ""),
    ]


def _crd(crd: dict, now: float, wide: bool) -> list[str]:
    return [crd["metadata"].get("name", ""), crd["metadata"].get("creationTimestamp", "")]


_COLUMNS: dict[str, tuple[list[str], list[str], Row]] = {
    "Pod": (
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        pod_row,
    ),
    "ReplicaSet": (
        ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        ["CONTAINERS", "IMAGES", "SELECTOR"],
        _replicaset,
    ),
    "Deployment": (
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ["CONTAINERS", "IMAGES", "SELECTOR"],
        _deployment,
    ),
    "Service": (
        ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["SELECTOR"],
        _service,
    ),
    "Namespace": (["NAME", "STATUS", "AGE"], [], _namespace),
    "Node": (
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        _node,
    ),
    "ConfigMap": (["NAME", "DATA", "AGE"], [], _configmap),
    "Endpoints": (["NAME", "ENDPOINTS", "AGE"], [], _endpoints),
    "CustomResourceDefinition": (["NAME", "CREATED AT"], [], _crd),
}
_EVENT_COLUMNS = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
_EVENT_WIDE = [
    "LAST SEEN",
    "TYPE",
    "REASON",
    "OBJECT",
    "SUBOBJECT",
    "SOURCE",
    "MESSAGE",
    "FIRST SEEN",
    "COUNT",
    "NAME",
]
#: apiextensions serves this column when a CRD version declares no additionalPrinterColumns
_DEFAULT_PRINTER_COLUMNS = [
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def columns(kind: Kind, wide: bool, printer_columns: list[dict] | None = None) -> list[str]:
    """The headers kubectl prints for `kind` (without NAMESPACE and LABELS)."""
    if kind.kind == "Event" and not kind.is_custom:
        return list(_EVENT_WIDE if wide else _EVENT_COLUMNS)
    entry = None if kind.is_custom else _COLUMNS.get(kind.kind)
    if entry is None:
        cols = printer_columns or _DEFAULT_PRINTER_COLUMNS
        return ["NAME"] + [c["name"].upper() for c in cols if wide or not c.get("priority")]
    return entry[0] + entry[1] if wide else list(entry[0])


def _custom_row(printer_columns: list[dict]) -> Row:
    paths = [(c, _compile_path(c.get("jsonPath", ""))) for c in printer_columns]

    def row(obj: dict, now: float, wide: bool) -> list[str]:
        cells = [obj["metadata"].get("name", "")]
        for col, path in paths:
            if col.get("priority") and not wide:
                continue
            value = _lookup(obj, path)
            if value is None:
                cells.append("")
            elif col.get("type") == "date" and isinstance(value, str):
                cells.append(since(value, now))
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, (dict, list)):
                cells.append(json.dumps(value, separators=(",", ":")))
            else:
                cells.append(str(value))
        return cells

    return row


_SEGMENT = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']+)'\]")


def _compile_path(path: str) -> list[str | int]:
    """A simple JSONPath (`.spec.color`, `.status.conditions[0].type`, `{.spec.x}`) as steps."""
    path = path.strip().removeprefix("{").removesuffix("}")
    steps: list[str | int] = []
    for m in _SEGMENT.finditer(path):
        name, index, quoted = m.groups()
        steps.append(int(index) if index is not None else (name or quoted))
    return steps


def _lookup(obj: object, steps: list[str | int]) -> object:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(obj, list) or step >= len(obj):
                return None
            obj = obj[step]
        elif isinstance(obj, dict):
            obj = obj.get(step)
        else:
            return None
        if obj is None:
            return None
    return obj


def _clean(cell: str) -> str:
    """tableprinter cuts a cell at its first newline, carriage return or form feed."""
    for i, ch in enumerate(cell):
        if ch in "\n\r\f":
            return cell[:i] + "..."
    return cell


def row_function(kind: Kind, printer_columns: list[dict] | None = None) -> Row:
    """The cells of one object of `kind`: `row(obj, now, wide)` (also the API front's Table)."""
    if kind.kind == "Event" and not kind.is_custom:
        return _event
    if not kind.is_custom and kind.kind in _COLUMNS:
        return _COLUMNS[kind.kind][2]
    return _custom_row(printer_columns or _DEFAULT_PRINTER_COLUMNS)


def format_table(
    kind: Kind,
    objects: list[dict],
    now: float,
    *,
    wide: bool = False,
    show_labels: bool = False,
    with_namespace: bool = False,
    with_kind_prefix: bool = False,
    no_headers: bool = False,
    printer_columns: list[dict] | None = None,
) -> str:
    """kubectl get's text for `objects` of one kind; empty string when there are no objects
    (kubectl prints no header then: use `no_resources` for the stderr message)."""
    if not objects:
        return ""
    row = row_function(kind, printer_columns)
    name_col = -1 if kind.kind == "Event" and not kind.is_custom else 0
    if name_col == -1 and wide:
        name_col = 9
    prefix = kind.kubectl_name + "/" if with_kind_prefix else ""
    rows: list[list[str]] = []
    if not no_headers:
        header = columns(kind, wide, printer_columns)
        if with_namespace:
            header = ["NAMESPACE", *header]
        if show_labels:
            header.append("LABELS")
        rows.append(header)
    for obj in objects:
        cells = row(obj, now, wide)
        if prefix and name_col >= 0:
            cells[name_col] = prefix + cells[name_col]
        if with_namespace:
            cells.insert(0, (obj.get("metadata") or {}).get("namespace", ""))
        if show_labels:
            cells.append(format_labels((obj.get("metadata") or {}).get("labels")))
        rows.append([_clean(c) if "\n" in c or "\r" in c or "\f" in c else c for c in cells])
    return align_rows(rows)


def join_tables(tables: list[str]) -> str:
    """Several kinds' tables as `kubectl get all` prints them: a blank line between kinds."""
    return "\n".join(t for t in tables if t)


def no_resources(namespace: str | None) -> str:
    """The line kubectl writes to stderr when nothing matched (namespace None: cluster-wide)."""
    if namespace:
        return f"No resources found in {namespace} namespace.\n"
    return "No resources found\n"
