"""A pod's row in `kubectl get pods`: printPod's READY, STATUS and RESTARTS logic (printers.go).

`pod_cells(pod, now)` walks init containers (sidecars count toward READY; the first unfinished
one gives `Init:...`), then the app containers (the last waiting or terminated reason wins),
then the deletion rules (`Terminating`, `Unknown` for a lost node), and says how long ago the
last restart was; `pod_row` adds NAME, AGE and the wide IP, NODE, NOMINATED NODE and
READINESS GATES cells. Called by kubesim.view.tables (the Pod row of its column table).
"""

from __future__ import annotations

from kubesim.view.humanize import age, since

_TERMINAL = ("Succeeded", "Failed")


def _restartable(container: dict | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"


def _has_condition(status: dict, ctype: str) -> bool:
    return any(
        c.get("type") == ctype and c.get("status") == "True" for c in status.get("conditions") or []
    )


def _later(a: str, b: str) -> str:
    return b if b and (not a or b > a) else a


def _restarts(cs: dict) -> tuple[int, str]:
    """A container status's restart count and when its last run finished ("" if unknown)."""
    finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt", "")
    return cs.get("restartCount") or 0, finished


def pod_cells(pod: dict, now: float) -> tuple[str, str, str]:
    """(READY, STATUS, RESTARTS) of printPod."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    containers = spec.get("containers") or []
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    total = len(containers) + sum(1 for c in init_specs.values() if _restartable(c))
    ready = restarts = sidecar_restarts = 0
    last_restart = sidecar_last = ""
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        count, finished = _restarts(cs)
        restarts += count
        last_restart = _later(last_restart, finished)
        sidecar = _restartable(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, finished)
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if term is not None:
            if term.get("reason"):
                reason = "Init:" + term["reason"]
            elif term.get("signal"):
                reason = f"Init:Signal:{term['signal']}"
            else:
                reason = f"Init:ExitCode:{term.get('exitCode', 0)}"
        elif waiting and waiting.get("reason") not in (None, "", "PodInitializing"):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _has_condition(status, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            count, finished = _restarts(cs)
            restarts += count
            last_restart = _later(last_restart, finished)
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = (
                    f"Signal:{term['signal']}"
                    if term.get("signal")
                    else f"ExitCode:{term.get('exitCode', 0)}"
                )
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"

    deleting = (pod.get("metadata") or {}).get("deletionTimestamp")
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in _TERMINAL:
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({since(last_restart, now)} ago)"
    return f"{ready}/{total}", reason, restarts_cell


def pod_row(pod: dict, now: float, wide: bool) -> list[str]:
    """One row of `kubectl get pods` (with the wide cells when `wide`)."""
    ready, reason, restarts = pod_cells(pod, now)
    meta = pod.get("metadata") or {}
    cells = [meta.get("name", ""), ready, reason, restarts, age(pod, now)]
    if wide:
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        ips = status.get("podIPs") or []
        gates = spec.get("readinessGates") or []
        gate_cell = "<none>"
        if gates:
            conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
            true = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
            gate_cell = f"{true}/{len(gates)}"
        cells += [
            (ips[0].get("ip") if ips else "") or "<none>",
            spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>",
            gate_cell,
        ]
    return cells
