"""kubectl describe for Pod, ReplicaSet and Deployment, and the pieces they share (containers,
volumes, the pod template), following k8s.io/kubectl/pkg/describe/describe.go.

Called by kubesim.view.describe.describe.
"""

from __future__ import annotations

from kubesim.model.labels import format_selector
from kubesim.model.objects import controller_ref
from kubesim.view.describe_common import (
    Writer,
    annotations_multiline,
    describe_events,
    labels_multiline,
)
from kubesim.view.humanize import rfc1123z, since


def _controller(obj: dict) -> str:
    ref = controller_ref(obj)
    return f"{ref.get('kind')}/{ref.get('name')}" if ref else ""


def _ports(ports: list[dict], key: str) -> str:
    return ", ".join(f"{p.get(key, 0)}/{p.get('protocol', 'TCP')}" for p in ports)


def _state(w: Writer, name: str, state: dict) -> None:
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")
        reason = (state.get("waiting") or {}).get("reason")
        if reason:
            w.write(3, f"Reason:\t{reason}\n")


def _resources(w: Writer, resources: dict | None, level: int) -> None:
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = (resources or {}).get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _env(w: Writer, container: dict) -> None:
    env = container.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        src = e.get("valueFrom")
        if src is None:
            for i, part in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e.get('name')}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif src.get("configMapKeyRef") or src.get("secretKeyRef"):
            ref = src.get("configMapKeyRef") or src["secretKeyRef"]
            where = "of config map" if src.get("configMapKeyRef") else "in secret"
            optional = "true" if ref.get("optional") else "false"
            w.write(
                3,
                f"{e.get('name')}:\t<set to the key '{ref.get('key')}' {where} "
                f"'{ref.get('name')}'>\tOptional: {optional}\n",
            )
        elif src.get("fieldRef"):
            ref = src["fieldRef"]
            path = f"{ref.get('apiVersion', 'v1')}:{ref.get('fieldPath')}"
            w.write(3, f"{e.get('name')}:\t ({path})\n")


def containers(
    w: Writer, label: str, specs: list[dict], statuses: list[dict] | None, space: str = ""
) -> None:
    """describeContainers: one block per container, with its status when the pod has one."""
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if specs else ' <none>'}\n")
    for c in specs:
        status = by_name.get(c.get("name"))
        w.write(1, f"{' ' if space else ''}{c.get('name')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = c.get("ports") or []
        port, host = _ports(ports, "containerPort"), _ports(ports, "hostPort")
        w.write(2, f"Ports:\t{port}\n" if "," in port else f"Port:\t{port or '<none>'}\n")
        w.write(2, f"Host Ports:\t{host}\n" if "," in host else f"Host Port:\t{host or '<none>'}\n")
        for title, key in (("Command", "command"), ("Args", "args")):
            if c.get(key):
                w.write(2, f"{title}:\n")
                for item in c[key]:
                    for part in str(item).split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            _state(w, "State", status.get("state") or {})
            if ((status.get("lastState") or {}).get("terminated")) is not None:
                _state(w, "Last State", status["lastState"])
            w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        _resources(w, c.get("resources"), 2)
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        _env(w, c)
        w.write(2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


_VOLUME_TYPES = {
    "emptyDir": "EmptyDir (a temporary directory that shares a pod's lifetime)",
    "configMap": "ConfigMap (a volume populated by a ConfigMap)",
    "secret": "Secret (a volume populated by a Secret)",
    "hostPath": "HostPath (bare host directory volume)",
    "persistentVolumeClaim": "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in "
    "the same namespace)",
    "projected": "Projected (a volume that contains injected data from multiple sources)",
}


def volumes(w: Writer, vols: list[dict], space: str = "") -> None:
    """describeVolumes for the volume sources kubesim manifests use."""
    if not vols:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in vols:
        w.write(1, f"{' ' if space else ''}{v.get('name')}:\n")
        source = next((k for k in _VOLUME_TYPES if k in v), None)
        if source is None:
            w.write(1, "<unknown>\n")
            continue
        w.write(2, f"Type:\t{_VOLUME_TYPES[source]}\n")
        src = v[source] or {}
        if source == "emptyDir":
            w.write(2, f"Medium:\t{src.get('medium', '')}\n")
            w.write(2, f"SizeLimit:\t{src.get('sizeLimit') or '<unset>'}\n")
        elif source == "configMap":
            w.write(2, f"Name:\t{src.get('name', '')}\n")
            w.write(2, f"Optional:\t{str(bool(src.get('optional'))).lower()}\n")
        elif source == "secret":
            w.write(2, f"SecretName:\t{src.get('secretName', '')}\n")
            w.write(2, f"Optional:\t{str(bool(src.get('optional'))).lower()}\n")
        elif source == "hostPath":
            w.write(2, f"Path:\t{src.get('path', '')}\n")
            w.write(2, f"HostPathType:\t{src.get('type') or '<none>'}\n")
        elif source == "persistentVolumeClaim":
            w.write(2, f"ClaimName:\t{src.get('claimName', '')}\n")
            w.write(2, f"ReadOnly:\t{str(bool(src.get('readOnly'))).lower()}\n")


def tolerations(w: Writer, title: str, items: list[dict] | None) -> None:
    """printTolerationsMultilineWithIndent."""
    w.write(0, f"{title}:\t")
    if not items:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(items, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def pod_template(w: Writer, template: dict | None) -> None:
    """DescribePodTemplate."""
    w.write(0, "Pod Template:\n")
    meta = (template or {}).get("metadata") or {}
    spec = (template or {}).get("spec") or {}
    labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], None, "  ")
    containers(w, "Containers", spec.get("containers") or [], None, "  ")
    volumes(w, spec.get("volumes") or [], "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "  Tolerations", spec.get("tolerations"))


def _qos(pod: dict) -> str:
    status_qos = (pod.get("status") or {}).get("qosClass")
    if status_qos:
        return status_qos
    reqs = [c.get("resources") or {} for c in (pod.get("spec") or {}).get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in reqs):
        return "BestEffort"
    guaranteed = all(
        all((r.get("limits") or {}).get(k) for k in ("cpu", "memory"))
        and all(
            (r.get("requests") or {}).get(k, (r.get("limits") or {}).get(k))
            == (r.get("limits") or {}).get(k)
            for k in ("cpu", "memory")
        )
        for r in reqs
    )
    return "Guaranteed" if guaranteed else "Burstable"


def describe_pod(pod: dict, now: float, events: list[dict]) -> str:
    w = Writer()
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    if _controller(pod):
        w.write(0, f"Controlled By:\t{_controller(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        containers(
            w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses")
        )
    containers(w, "Containers", spec.get("containers") or [], status.get("containerStatuses"))
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    volumes(w, spec.get("volumes") or [])
    w.write(0, f"QoS Class:\t{_qos(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "Tolerations", spec.get("tolerations"))
    describe_events(w, events, now)
    return w.text()


def _pods_status(pods: list[dict], owner_uid: str) -> str:
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        refs = (pod.get("metadata") or {}).get("ownerReferences") or []
        if not any(r.get("controller") and r.get("uid") == owner_uid for r in refs):
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / "
        f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed"
    )


def _conditions(w: Writer, conditions: list[dict]) -> None:
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")


def describe_replicaset(rs: dict, now: float, events: list[dict], related: dict) -> str:
    """related["pods"]: the namespace's pods (those controlled by this ReplicaSet are counted)."""
    w = Writer()
    meta, spec, status = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if _controller(rs):
        w.write(0, f"Controlled By:\t{_controller(rs)}\n")
    w.write(
        0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n"
    )
    w.write(0, f"Pods Status:\t{_pods_status(related.get('pods') or [], meta.get('uid', ''))}\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    describe_events(w, events, now)
    return w.text()


def _rs_list(items: list) -> str:
    texts = []
    for rs in items:
        if isinstance(rs, str):
            texts.append(rs)
        else:
            current = (rs.get("status") or {}).get("replicas", 0)
            desired = (rs.get("spec") or {}).get("replicas", 1)
            texts.append(f"{rs['metadata'].get('name')} ({current}/{desired} replicas created)")
    return ", ".join(texts) or "<none>"


def describe_deployment(d: dict, now: float, events: list[dict], related: dict) -> str:
    """related["new_replica_set"] (a ReplicaSet dict, a preformatted string or None) and
    related["old_replica_sets"] (a list of either); both absent: the two lines are left out."""
    w = Writer()
    meta, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(
        0,
        f"Replicas:\t{spec.get('replicas', 1)} desired | "
        f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} total | "
        f"{status.get('availableReplicas', 0)} available | "
        f"{status.get('unavailableReplicas', 0)} unavailable\n",
    )
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None:
        w.write(
            0,
            f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', 0)} max unavailable, "
            f"{ru.get('maxSurge', 0)} max surge\n",
        )
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    if "new_replica_set" in related or "old_replica_sets" in related:
        new = related.get("new_replica_set")
        w.write(0, f"OldReplicaSets:\t{_rs_list(related.get('old_replica_sets') or [])}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
    describe_events(w, events, now)
    return w.text()
