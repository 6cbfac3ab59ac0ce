"""Which ReplicaSet is which revision of a Deployment (deployment_util.go's identity half).

- the pod-template-hash (`compute_hash`, controller_utils.go ComputeHash): FNV-32a over the
  template (canonical JSON stands in for Go's spew dump) plus the collision count, written in
  decimal and remapped through SafeEncodeString, so hashes use only `4 5 6 7 8 9 b c d f`;
- template equality ignoring that hash, and so finding the new and old ReplicaSets
  (`find_new_replica_set`, `find_old_replica_sets`, `equal_ignore_hash`);
- the revision annotations (`revision_of`, the revision history kept when rolling back) and the
  annotations copied from a Deployment to its ReplicaSets.

Pure functions over object dicts; objects passed in are never mutated unless a function says it
changes its argument (those take a private copy). Follows
pkg/controller/deployment/util/deployment_util.go. Used by the Deployment controller
(controllers/deployment*.py) and by kubectl's side, controllers/rollout.py; the replica
arithmetic is in deployment_replicas.py, the conditions in deployment_conditions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubesim.controllers.deployment_replicas import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    by_creation,
    max_surge,
    replicas_of,
    set_replicas_annotations,
)
from kubesim.model.objects import annotations_of, deepcopy, dumps

Object = dict[str, Any]

#: apps/v1 DefaultDeploymentUniqueLabelKey
POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
CHANGE_CAUSE = "kubernetes.io/change-cause"
#: the annotations never copied from a Deployment to its ReplicaSets (annotationsToSkip)
ANNOTATIONS_TO_SKIP = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)
#: maxRevHistoryLengthInChars
MAX_REVISION_HISTORY_CHARS = 2000

#: apimachinery rand's alphanums: no vowels, no 0/1/3 (SafeEncodeString)
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


# ----------------------------------------------------------------------------- hashing
def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(text: str) -> str:
    """apimachinery rand.SafeEncodeString: each byte through the 27 safe characters."""
    return "".join(_ALPHANUMS[b % len(_ALPHANUMS)] for b in text.encode())


def compute_hash(template: Object, collision_count: int | None = None) -> str:
    """controller.ComputeHash: the pod-template-hash of a template (and collision count)."""
    data = dumps(template)
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\0\0\0\0"
    return safe_encode_string(str(fnv32a(data)))


# ----------------------------------------------------------------------------- templates
def _without_hash(template: Object | None) -> Object:
    t = deepcopy(template or {})
    md = t.get("metadata")
    if isinstance(md, dict):
        labels = md.get("labels")
        if isinstance(labels, dict):
            labels.pop(POD_TEMPLATE_HASH, None)
            if not labels:
                md.pop("labels")
        if not md:
            t.pop("metadata")
    return t


def equal_ignore_hash(a: Object | None, b: Object | None) -> bool:
    """EqualIgnoreHash: templates equal but for the pod-template-hash label (nil == empty)."""
    return dumps(_without_hash(a)) == dumps(_without_hash(b))


def template_of(obj: Object) -> Object:
    return (obj.get("spec") or {}).get("template") or {}


def find_new_replica_set(deployment: Object, rss: Iterable[Object]) -> Object | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template matches the Deployment's."""
    template = template_of(deployment)
    for rs in sorted(rss, key=by_creation):
        if equal_ignore_hash(template_of(rs), template):
            return rs
    return None


def find_old_replica_sets(
    deployment: Object, rss: Iterable[Object]
) -> tuple[list[Object], list[Object]]:
    """FindOldReplicaSets: (old ones with replicas, all old ones)."""
    rss = list(rss)
    new = find_new_replica_set(deployment, rss)
    new_uid = new["metadata"].get("uid") if new else None
    every = [rs for rs in rss if new is None or rs["metadata"].get("uid") != new_uid]
    return [rs for rs in every if replicas_of(rs) != 0], every


# ----------------------------------------------------------------------------- revisions
def revision_of(obj: Object) -> int | None:
    """Revision: the revision annotation as an int (None when missing or not a number)."""
    value = annotations_of(obj).get(REVISION)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return None


def max_revision(rss: Iterable[Object]) -> int:
    return max((revision_of(rs) or 0 for rs in rss), default=0)


def by_revision(rs: Object) -> tuple[int, float, str]:
    """ReplicaSetsByRevision: lowest revision first, then by creation."""
    return (revision_of(rs) or 0, *by_creation(rs))


def copy_deployment_annotations(deployment: Object, rs: Object) -> bool:
    """copyDeploymentAnnotationsToReplicaSet on a private copy `rs`; True if it changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in sorted(annotations_of(deployment).items()):
        if key in ANNOTATIONS_TO_SKIP or annotations.get(key) == value:
            continue
        annotations[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(
    deployment: Object, rs: Object, new_revision: int, exists: bool
) -> bool:
    """SetNewReplicaSetAnnotations on a private copy `rs`; True if it changed."""
    changed = copy_deployment_annotations(deployment, rs)
    annotations = rs["metadata"].setdefault("annotations", {})
    old = annotations.get(REVISION)
    if old is None or old == "":
        old_int = 0
    else:
        try:
            old_int = int(old)
        except ValueError:
            return False
    if old_int < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old is not None:  # rolling back to this ReplicaSet: keep its old revisions
            _append_revision_history(annotations, old)
    if not exists and set_replicas_annotations(
        rs, replicas_of(deployment), replicas_of(deployment) + max_surge(deployment)
    ):
        changed = True
    return changed


def _append_revision_history(annotations: dict[str, str], old: str) -> None:
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old
        return
    olds = history.split(",")
    total, start = len(history) + len(old) + 1, 0
    while total > MAX_REVISION_HISTORY_CHARS and start < len(olds):
        total -= len(olds[start]) + 1
        start += 1
    if total <= MAX_REVISION_HISTORY_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*olds[start:], old])


def set_deployment_revision(deployment: Object, revision: str) -> bool:
    """SetDeploymentRevision on a private copy; True if it changed."""
    annotations = deployment["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION) != revision:
        annotations[REVISION] = revision
        return True
    return False
