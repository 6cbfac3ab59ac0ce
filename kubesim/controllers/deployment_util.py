"""Deployment helpers: what Kubernetes keeps in pkg/controller/deployment/util/deployment_util.go.

- the pod-template-hash (`compute_hash`, controller_utils.go ComputeHash): FNV-32a over the
  template (canonical JSON stands in for Go's spew dump) plus the collision count, written in
  decimal and remapped through SafeEncodeString, so hashes use only `4 5 6 7 8 9 b c d f`;
- maxSurge / maxUnavailable (`max_surge`, `max_unavailable`, `resolve_fenceposts`): surge rounds
  up, unavailable rounds down, and both 0 makes unavailable 1;
- the revision annotations and the annotations copied from a Deployment to its ReplicaSets;
- finding the new and old ReplicaSets (`find_new_replica_set`, `equal_ignore_hash`);
- replica counting over ReplicaSets (spec, status, ready, available) and the sort orders.

Pure functions over object dicts; objects passed in are never mutated unless a function says it
changes its argument (those take a private copy). Used by controllers/deployment.py and
controllers/rollout.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kubesim.model.objects import annotations_of, deepcopy, dumps, parse_timestamp

Object = dict[str, Any]

#: apps/v1 DefaultDeploymentUniqueLabelKey
POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
CHANGE_CAUSE = "kubernetes.io/change-cause"
#: the annotations never copied from a Deployment to its ReplicaSets (annotationsToSkip)
ANNOTATIONS_TO_SKIP = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)
#: maxRevHistoryLengthInChars
MAX_REVISION_HISTORY_CHARS = 2000

# condition reasons (deployment_util.go)
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
RS_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE_REASON = "MinimumReplicasAvailable"
MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable"

#: apimachinery rand's alphanums: no vowels, no 0/1/3 (SafeEncodeString)
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
_MAX_INT32 = 2**31 - 1


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


# ----------------------------------------------------------------------------- spec values
def replicas_of(obj: Object | None) -> int:
    """spec.replicas (defaulted to 1 by the API server; 0 for a missing object)."""
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def status_int(obj: Object | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def is_rolling_update(deployment: Object) -> bool:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return (strategy.get("type") or "RollingUpdate") == "RollingUpdate"


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, `N%` of total rounded."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        if text.isdigit():
            return int(text)
        raise ValueError(f"invalid value for IntOrString: invalid value {text!r}")
    scaled = int(text[:-1]) * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def resolve_fenceposts(
    max_surge: int | str | None, max_unavailable: int | str | None, desired: int
) -> tuple[int, int]:
    """ResolveFenceposts: (surge, unavailable); both 0 makes unavailable 1."""
    surge = scaled_value(max_surge if max_surge is not None else 0, desired, True)
    unavailable = scaled_value(
        max_unavailable if max_unavailable is not None else 0, desired, False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling(deployment: Object) -> Object:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return strategy.get("rollingUpdate") or {}


def max_surge(deployment: Object) -> int:
    if not is_rolling_update(deployment):
        return 0
    rolling = _rolling(deployment)
    surge, _ = resolve_fenceposts(
        rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas_of(deployment)
    )
    return surge


def max_unavailable(deployment: Object) -> int:
    replicas = replicas_of(deployment)
    if not is_rolling_update(deployment) or replicas == 0:
        return 0
    rolling = _rolling(deployment)
    _, unavailable = resolve_fenceposts(
        rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas
    )
    return min(unavailable, replicas)


def has_progress_deadline(deployment: Object) -> bool:
    value = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return value is not None and value != _MAX_INT32


def new_rs_new_replicas(deployment: Object, all_rss: Iterable[Object], new_rs: Object) -> int:
    """NewRSNewReplicas: how many replicas the new ReplicaSet may have now."""
    replicas = replicas_of(deployment)
    if not is_rolling_update(deployment):
        return replicas
    surge = scaled_value(_rolling(deployment).get("maxSurge"), replicas, True)
    current = replica_count(all_rss)
    max_total = replicas + surge
    if current >= max_total:
        return replicas_of(new_rs)
    scale_up = min(max_total - current, replicas - replicas_of(new_rs))
    return replicas_of(new_rs) + scale_up


# ----------------------------------------------------------------------------- counting
def replica_count(rss: Iterable[Object | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(replicas_of(rs) for rs in rss if rs is not None)


def actual_replica_count(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "replicas") for rs in rss if rs is not None)


def ready_replica_count(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "readyReplicas") for rs in rss if rs is not None)


def available_replica_count(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "availableReplicas") for rs in rss if rs is not None)


def filter_active(rss: Iterable[Object | None]) -> list[Object]:
    """FilterActiveReplicaSets: those with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and replicas_of(rs) > 0]


# ----------------------------------------------------------------------------- sorting
def _created(rs: Object) -> float:
    stamp = (rs.get("metadata") or {}).get("creationTimestamp")
    return parse_timestamp(stamp) if stamp else 0.0


def by_creation(rs: Object) -> tuple[float, str]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return _created(rs), rs["metadata"]["name"]


def by_revision(rs: Object) -> tuple[int, float, str]:
    """ReplicaSetsByRevision: lowest revision first, then by creation."""
    return (revision_of(rs) or 0, *by_creation(rs))


def sort_by_size_newer(rss: list[Object]) -> list[Object]:
    """ReplicaSetsBySizeNewer: largest first; equal sizes newest first."""
    out = sorted(rss, key=by_creation, reverse=True)
    return sorted(out, key=replicas_of, reverse=True)


def sort_by_size_older(rss: list[Object]) -> list[Object]:
    """ReplicaSetsBySizeOlder: largest first; equal sizes oldest first."""
    return sorted(sorted(rss, key=by_creation), key=replicas_of, reverse=True)


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


def find_active_or_latest(new_rs: Object | None, old_rss: list[Object]) -> Object | None:
    """FindActiveOrLatest: the only active ReplicaSet, or the newest if none is active."""
    if new_rs is None and not old_rss:
        return None
    olds = sorted(old_rss, key=by_creation, reverse=True)
    active = filter_active([*olds, new_rs])
    if not active:
        return new_rs if new_rs is not None else olds[0]
    if len(active) == 1:
        return active[0]
    return None


def is_saturated(deployment: Object, rs: Object | None) -> bool:
    if rs is None:
        return False
    desired = annotations_of(rs).get(DESIRED_REPLICAS)
    if desired is None or not desired.lstrip("-").isdigit():
        return False
    replicas = replicas_of(deployment)
    return (
        replicas_of(rs) == replicas
        and int(desired) == replicas
        and status_int(rs, "availableReplicas") == replicas
    )


def go_round(x: float) -> int:
    """math.Round: half away from zero (Python's round() is half to even)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def proportion(rs: Object, deployment: Object, to_add: int, added: int) -> int:
    """GetProportion: this ReplicaSet's share of a proportional scale."""
    if replicas_of(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(rs, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(rs: Object, deployment: Object) -> int:
    replicas = replicas_of(deployment)
    if replicas == 0:
        return -replicas_of(rs)
    deployment_max = replicas + max_surge(deployment)
    annotated = annotations_of(rs).get(MAX_REPLICAS, "")
    before = int(annotated) if annotated.isdigit() else 0
    if before == 0:
        before = status_int(deployment, "replicas")
    return go_round(replicas_of(rs) * deployment_max / before) - replicas_of(rs)


# ----------------------------------------------------------------------------- annotations
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


def set_replicas_annotations(rs: Object, desired: int, maximum: int) -> bool:
    """SetReplicasAnnotations on a private copy `rs`; True if it changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(maximum))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: Object, desired: int, maximum: int) -> bool:
    annotations = annotations_of(rs)
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(
        MAX_REPLICAS
    ) != str(maximum)


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


# ----------------------------------------------------------------------------- conditions
def get_condition(status: Object | None, ctype: str) -> Object | None:
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def new_condition(ctype: str, status: str, reason: str, message: str, stamp: str) -> Object:
    return {
        "type": ctype,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def set_condition(status: Object, condition: Object) -> None:
    """SetDeploymentCondition (in place on a private status): same status and reason: no-op;
    same status: keep lastTransitionTime; the condition goes to the end of the list."""
    current = get_condition(status, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: Object, ctype: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != ctype]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def deployment_complete(deployment: Object, status: Object) -> bool:
    replicas = replicas_of(deployment)
    return (
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= (deployment["metadata"].get("generation") or 0)
    )


def deployment_progressing(deployment: Object, new: Object) -> bool:
    old = deployment.get("status") or {}
    old_olds = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_olds = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (
        new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_olds < old_olds
        or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def deployment_timed_out(deployment: Object, status: Object, now: float) -> bool:
    if not has_progress_deadline(deployment):
        return False
    cond = get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.get("reason") == TIMED_OUT_REASON:
        return True
    deadline = deployment["spec"]["progressDeadlineSeconds"]
    return parse_timestamp(cond["lastUpdateTime"]) + deadline < now
