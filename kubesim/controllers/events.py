"""Kubernetes Event objects as controllers record them (client-go's EventRecorder).

An Event is named `<object name>.<16 hex digits>` like real ones, and points at its object with
involvedObject; `source.component` is the recording consumer. `describe` and `get events` show
them. Called through ControllerContext.record_event.
"""

from __future__ import annotations

import random
from typing import Any

from kubesim.model.objects import format_timestamp


def new_event(
    obj: dict[str, Any],
    event_type: str,
    reason: str,
    message: str,
    component: str,
    now: float,
    rng: random.Random,
) -> dict[str, Any]:
    md = obj["metadata"]
    stamp = format_timestamp(now)
    source = {"component": component}
    if component.startswith("kubelet-"):
        source = {"component": "kubelet", "host": component[len("kubelet-") :]}
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{md['name']}.{rng.getrandbits(64):016x}",
            "namespace": md.get("namespace") or "default",
        },
        "involvedObject": {
            "apiVersion": obj.get("apiVersion"),
            "kind": obj.get("kind"),
            "name": md["name"],
            "namespace": md.get("namespace"),
            "uid": md.get("uid"),
            "resourceVersion": md.get("resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": event_type,
        "source": source,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "reportingComponent": source["component"],
        "reportingInstance": source.get("host", ""),
    }
