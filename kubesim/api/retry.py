"""How a write without a precondition retries after losing a compare-and-swap to another writer.

kube-apiserver's GuaranteedUpdate (k8s.io/apiserver/pkg/storage/etcd3/store.go) loops with no
limit on attempts: when its etcd transaction's compare on the key's mod revision fails, the
transaction's else branch returns the key's current value, the update function is applied to
that value again, and the loop goes on until a transaction succeeds or the request's context
ends (kube-apiserver's `--request-timeout`, 60 s by default, then 504 Timeout). So a write that
carries no resourceVersion never surfaces a 409 Conflict, however many writers race on the key.

kubesim does the same, with one addition: its writers are processes taking turns at one file
lock rather than requests queued at one etcd leader, so after the first immediate retry a
loser sleeps a jittered, growing delay (full jitter: uniform in [0, min(cap, base * 2^n)]) to
let the winner's turn pass instead of re-reading in lock step with the other losers. The jitter
comes from its own random source, never the control plane's seeded one, so a lost race (which
only another process can cause) changes no name or uid the simulation generates.

Used by ApiServer.guaranteed_update and by api/delete.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from kubesim.model.errors import Timeout

#: kube-apiserver's default --request-timeout
REQUEST_TIMEOUT_S = 60.0
#: the first backoff's upper bound, and the largest one
BASE_DELAY_S = 0.001
MAX_DELAY_S = 0.05

_jitter = random.Random()


class CasRetry:
    """One request's retries: call `lost()` after each compare-and-swap that failed."""

    def __init__(
        self,
        timeout: float = REQUEST_TIMEOUT_S,
        *,
        sleep: Callable[[float], None] | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.losses = 0
        self.sleep = sleep or time.sleep
        self.monotonic = monotonic or time.monotonic
        self.deadline = self.monotonic() + timeout

    def lost(self) -> None:
        """Count a lost race; back off before the next attempt, or end the request with 504
        Timeout once it has run for the request timeout."""
        self.losses += 1
        if self.losses == 1:
            return  # the current value came back with the failed compare: retry at once
        if self.monotonic() >= self.deadline:
            raise Timeout(
                "Timeout: request did not complete within requested timeout - "
                "context deadline exceeded"
            )
        self.sleep(_jitter.uniform(0, min(MAX_DELAY_S, BASE_DELAY_S * 2 ** min(self.losses, 16))))
