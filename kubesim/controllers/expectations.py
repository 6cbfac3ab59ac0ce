"""Controller expectations: how the ReplicaSet controller avoids acting twice on one intent.

Right after a sync POSTs N pods, its informer cache does not show them yet; a second sync would
see too few pods and create N more. So before creating, the controller *expects* N creations
(and, before deleting, the keys of the pods it deletes) and skips manageReplicas until its
informer has observed them all, or until the expectations are older than 5 minutes
(ExpectationsTimeout). Observations come from the pod event handlers: addPod ->
CreationObserved, deletePod or an update setting deletionTimestamp -> DeletionObserved.

Follows pkg/controller/controller_utils.go (ControllerExpectations,
UIDTrackingControllerExpectations: deletions are tracked by pod key, so a deletion observed
twice counts once). Time comes from the injected clock. Used by controllers/replicaset.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: controller_utils.go ExpectationsTimeout
EXPECTATIONS_TIMEOUT = 5 * 60.0


@dataclass
class Expectation:
    add: int
    delete: int
    timestamp: float
    #: keys of the pods whose deletion is expected (UIDTrackingControllerExpectations)
    deleting: set[str] = field(default_factory=set)

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0


class ControllerExpectations:
    """Expected creations and deletions per controller key (`ns/name`)."""

    def __init__(self, now: Callable[[], float], timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        self._now = now
        self.timeout = timeout
        self._items: dict[str, Expectation] = {}

    def get(self, key: str) -> Expectation | None:
        return self._items.get(key)

    def satisfied(self, key: str) -> bool:
        """SatisfiedExpectations: nothing expected, all observed, or expired (time to resync)."""
        exp = self._items.get(key)
        if exp is None:
            return True  # a new controller, or one that restarted: sync
        if exp.fulfilled():
            return True
        return self._now() - exp.timestamp > self.timeout

    def expect_creations(self, key: str, adds: int) -> None:
        self._items[key] = Expectation(adds, 0, self._now())

    def expect_deletions(self, key: str, pod_keys: list[str]) -> None:
        self._items[key] = Expectation(0, len(pod_keys), self._now(), set(pod_keys))

    def creation_observed(self, key: str) -> None:
        self.lower(key, adds=1)

    def deletion_observed(self, key: str, pod_key: str) -> None:
        """Count the deletion only if it was expected and not already counted."""
        exp = self._items.get(key)
        if exp is None or pod_key not in exp.deleting:
            return
        exp.deleting.discard(pod_key)
        exp.delete -= 1

    def lower(self, key: str, adds: int = 0, deletes: int = 0) -> None:
        """LowerExpectations (e.g. for pods a failed slow-start batch never created)."""
        exp = self._items.get(key)
        if exp is not None:
            exp.add -= adds
            exp.delete -= deletes

    def delete(self, key: str) -> None:
        """DeleteExpectations: the controller object is gone."""
        self._items.pop(key, None)
