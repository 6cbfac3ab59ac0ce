"""`kubectl rollout status|history|undo` for Deployments, as pure functions over objects.

- `rollout_status(deployment, replica_sets)` gives kubectl's progress line and whether the
  rollout is done (kubectl pkg/polymorphichelpers/rollout_status.go DeploymentStatusViewer);
  a rollout past its progress deadline is an error, as in kubectl.
- `rollout_history(deployment, replica_sets)` gives the `REVISION  CHANGE-CAUSE` table
  (history.go DeploymentHistoryViewer; the caller prints the `deployment.apps/web ` line).
- `rollback_template` / `rollback` give what `rollout undo` writes back (rollback.go
  DeploymentRollbacker): the pod template of the previous revision (or `to_revision`) without
  its pod-template-hash label, and the annotations that go with it.

`replica_sets` may hold any ReplicaSets of the namespace: only those the Deployment controls are
used. Called by cli/rollout.py; nothing here reads or writes the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.controllers import deployment_util as du
from kubesim.controllers.deployment_conditions import TIMED_OUT_REASON, get_condition
from kubesim.model.errors import KubesimError
from kubesim.model.objects import annotations_of, controller_ref, deepcopy, uid_of

Object = dict[str, Any]


def owned(deployment: Object, replica_sets: list[Object]) -> list[Object]:
    """The ReplicaSets whose controllerRef is the Deployment, oldest first."""
    uid = uid_of(deployment)
    mine = [rs for rs in replica_sets if (controller_ref(rs) or {}).get("uid") == uid]
    return sorted(mine, key=du.by_creation)


def rollout_status(
    deployment: Object, replica_sets: list[Object] | None = None
) -> tuple[str, bool]:
    """kubectl's status line for the Deployment's rollout, and whether it is done."""
    name = deployment["metadata"]["name"]
    status = deployment.get("status") or {}
    if deployment["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...", False
    cond = get_condition(status, "Progressing")
    if cond is not None and cond.get("reason") == TIMED_OUT_REASON:
        raise KubesimError(f'deployment "{name}" exceeded its progress deadline')
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    replicas = du.replicas_of(deployment)
    updated = status.get("updatedReplicas", 0)
    if updated < replicas:
        return f"{waiting}{updated} out of {replicas} new replicas have been updated...", False
    if status.get("replicas", 0) > updated:
        old = status.get("replicas", 0) - updated
        return f"{waiting}{old} old replicas are pending termination...", False
    available = status.get("availableReplicas", 0)
    if available < updated:
        return f"{waiting}{available} of {updated} updated replicas are available...", False
    return f'deployment "{name}" successfully rolled out', True


def rollout_history(deployment: Object, replica_sets: list[Object]) -> str:
    """The `REVISION  CHANGE-CAUSE` table kubectl prints (tab-aligned, two spaces apart)."""
    causes: dict[int, str] = {}
    for rs in owned(deployment, replica_sets):
        revision = du.revision_of(rs)
        if revision is None:
            continue
        causes[revision] = annotations_of(rs).get(du.CHANGE_CAUSE) or "<none>"
    if not causes:
        return "No rollout history found."
    rows = [("REVISION", "CHANGE-CAUSE"), *((str(r), causes[r]) for r in sorted(causes))]
    width = max(len(r[0]) for r in rows) + 2
    return "".join(f"{rev.ljust(width)}{cause}\n" for rev, cause in rows)


def revision_replica_set(
    deployment: Object, replica_sets: list[Object], to_revision: int = 0
) -> Object:
    """deploymentRevision: the RS of `to_revision`, or of the previous revision when 0."""
    if to_revision < 0:
        raise KubesimError(f"unable to find specified revision {to_revision} in history")
    latest: tuple[int, Object | None] = (-1, None)
    previous: tuple[int, Object | None] = (-1, None)
    for rs in owned(deployment, replica_sets):
        revision = du.revision_of(rs)
        if revision is None:
            continue
        if to_revision and revision == to_revision:
            return rs
        if not to_revision:
            if latest[0] < revision:
                previous, latest = latest, (revision, rs)
            elif previous[0] < revision:
                previous = (revision, rs)
    if to_revision:
        raise KubesimError(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise KubesimError(
            f'no rollout history found for deployment "{deployment["metadata"]["name"]}"'
        )
    return previous[1]


def rollback_template(
    deployment: Object, replica_sets: list[Object], to_revision: int = 0
) -> Object:
    """The pod template `rollout undo` puts back, without the pod-template-hash label."""
    rs = revision_replica_set(deployment, replica_sets, to_revision)
    template = deepcopy(du.template_of(rs))
    labels = (template.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(du.POD_TEMPLATE_HASH, None)
    return template


@dataclass
class Rollback:
    """What `rollout undo` does: write `template` and `annotations`, unless `skipped`."""

    template: Object
    annotations: dict[str, str]
    skipped: bool
    #: what kubectl prints after `deployment.apps/NAME `
    message: str


def rollback(deployment: Object, replica_sets: list[Object], to_revision: int = 0) -> Rollback:
    """DeploymentRollbacker.Rollback: the template and annotations to restore, or a skip."""
    rs = revision_replica_set(deployment, replica_sets, to_revision)
    if (deployment.get("spec") or {}).get("paused"):
        raise KubesimError(
            "you cannot rollback a paused deployment; resume it first with "
            "'kubectl rollout resume' and try again"
        )
    if du.equal_ignore_hash(du.template_of(rs), du.template_of(deployment)):
        return Rollback(
            du.template_of(deployment),
            annotations_of(deployment),
            True,
            f"skipped rollback (current template already matches revision {to_revision})",
        )
    annotations = {
        k: v for k, v in annotations_of(deployment).items() if k in du.ANNOTATIONS_TO_SKIP
    }
    annotations.update(
        {k: v for k, v in annotations_of(rs).items() if k not in du.ANNOTATIONS_TO_SKIP}
    )
    return Rollback(
        rollback_template(deployment, replica_sets, to_revision), annotations, False, "rolled back"
    )
