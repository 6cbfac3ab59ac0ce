"""Replica arithmetic of a Deployment over its ReplicaSets (deployment_util.go's numbers).

- spec values: spec.replicas (defaulted to 1), status counters, the strategy;
- maxSurge / maxUnavailable (`max_surge`, `max_unavailable`, `resolve_fenceposts`): surge rounds
  up, unavailable rounds down, and both 0 makes unavailable 1; `new_rs_new_replicas`: how far
  the new ReplicaSet may grow within replicas + maxSurge;
- replica counting over ReplicaSets (spec, status, ready, available) and the sort orders by
  creation and size;
- proportional scaling (`find_active_or_latest`, `is_saturated`, `proportion`) and the
  desired-replicas / max-replicas annotations it is computed from.

Pure functions over object dicts; objects passed in are never mutated unless a function says it
changes its argument (those take a private copy). Follows
pkg/controller/deployment/util/deployment_util.go. Used by the Deployment controller
(controllers/deployment*.py) and by deployment_util.py and deployment_conditions.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kubesim.model.objects import annotations_of, parse_timestamp

Object = dict[str, Any]

DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"


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


def status_of(obj: Object) -> Object:
    """The object's status ({} when it has none)."""
    return obj.get("status") or {}


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


def sort_by_size_newer(rss: list[Object]) -> list[Object]:
    """ReplicaSetsBySizeNewer: largest first; equal sizes newest first."""
    out = sorted(rss, key=by_creation, reverse=True)
    return sorted(out, key=replicas_of, reverse=True)


def sort_by_size_older(rss: list[Object]) -> list[Object]:
    """ReplicaSetsBySizeOlder: largest first; equal sizes oldest first."""
    return sorted(sorted(rss, key=by_creation), key=replicas_of, reverse=True)


# ----------------------------------------------------------------------------- proportional scaling
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
