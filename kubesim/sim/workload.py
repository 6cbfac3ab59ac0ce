"""Desired vs running pods per Deployment, and generations not yet observed, kept up to date from
the watch stream the control plane polls (the write model, not any controller's projection).

`WorkloadIndex.load(api)` reads the current objects once; `observe(event)` folds in each watch
event in O(1). The Staleness panel reads `deployments()` and `unobserved()`. Used by
kubesim.sim.snapshot's StageTracker.
"""

from __future__ import annotations

from typing import Any

from kubesim.model.objects import controller_ref
from kubesim.view.state import DeploymentRow, GenerationRow

_KINDS = ("Deployment", "ReplicaSet", "Pod")


class WorkloadIndex:
    def __init__(self) -> None:
        #: key -> (namespace, name, replicas)
        self._deployments: dict[str, tuple[str, str, int]] = {}
        #: (namespace, replicaset name) -> deployment name
        self._rs_owner: dict[tuple[str, str], str] = {}
        #: pod key -> (namespace, replicaset name, running)
        self._pods: dict[str, tuple[str, str, bool]] = {}
        #: key -> its row, while its generation is not yet observed
        self._generations: dict[str, GenerationRow] = {}

    def load(self, api: Any) -> None:
        registry = api.registry()
        for kind_name in _KINDS:
            kind = registry.for_kind(kind_name)
            items, _ = api.list(kind)
            for obj in items:
                self.fold(
                    kind_name,
                    kind.key(obj["metadata"].get("namespace"), obj["metadata"]["name"]),
                    obj,
                    deleted=False,
                )

    def observe(self, ev: Any) -> None:
        kind = ev.kind.kind
        if kind in _KINDS:
            self.fold(kind, ev.key, ev.obj, deleted=ev.type == "DELETED")

    def fold(self, kind: str, key: str, obj: dict[str, Any], deleted: bool) -> None:
        md = obj["metadata"]
        ns = md.get("namespace") or ""
        if kind == "Pod":
            if deleted:
                self._pods.pop(key, None)
                return
            owner = _owner(obj, "ReplicaSet")
            running = (obj.get("status") or {}).get("phase") == "Running" and not md.get(
                "deletionTimestamp"
            )
            self._pods[key] = (ns, owner, running)
            return
        if deleted:
            self._deployments.pop(key, None)
            self._generations.pop(key, None)
            return
        if kind == "Deployment":
            self._deployments[key] = (
                ns,
                md["name"],
                int((obj.get("spec") or {}).get("replicas", 1)),
            )
        else:
            owner = _owner(obj, "Deployment")
            if owner:
                self._rs_owner[(ns, md["name"])] = owner
        row = GenerationRow.of(kind, obj)
        if row is not None:
            self._generations[key] = row
        else:
            self._generations.pop(key, None)

    def deployments(self, limit: int) -> list[DeploymentRow]:
        counts: dict[tuple[str, str], list[int]] = {}
        for ns, rs, running in self._pods.values():
            deployment = self._rs_owner.get((ns, rs))
            if deployment:
                c = counts.setdefault((ns, deployment), [0, 0])
                c[0] += 1
                c[1] += running
        rows = []
        for key in sorted(self._deployments)[:limit]:
            ns, name, replicas = self._deployments[key]
            pods, running = counts.get((ns, name), [0, 0])
            shown = name if ns == "default" else f"{ns}/{name}"
            rows.append(DeploymentRow(shown, replicas, pods, running))
        return rows

    def unobserved(self, limit: int) -> list[GenerationRow]:
        return [self._generations[key] for key in sorted(self._generations)[:limit]]


def _owner(obj: dict[str, Any], kind: str) -> str:
    """The name of the object's controller, if it is of `kind`."""
    ref = controller_ref(obj)
    return ref.get("name", "") if ref and ref.get("kind") == kind else ""
