"""Which process runs a store's control plane (`kubesim up`): the store's control-plane lock.

The lock itself is the store's (kubesim.store.control_plane_lock): for a file store, the pid
file STORE.controlplane that `up` holds an flock on while it runs (store/planelock.py); for
etcd, a key held by a lease. Either way a holder that died never counts: `holder()` is the pid of
a running `up`, or None. Every function takes the store's location (default: the command's).

Callers: `kubesim up` (`hold`, and a second `up` on the same store is refused; StopOnSigterm
makes it end on SIGTERM as on Ctrl-C, which `kubesim reset --force` sends through the store's
lock), and `kubesim rollout status` (`holder`: it waits only while a control plane runs).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kubesim.cli import context
from kubesim.store import StoreLocation, control_plane_lock

Location = str | Path | StoreLocation


def _where(store: Location | None) -> Location:
    return context.store_location() if store is None else store


def pid_file(store: Location | None = None) -> Path:
    """The file store's STORE.controlplane (beside its target, for a symlinked store path)."""
    from kubesim.store.planelock import pid_file as path_of

    return path_of(str(_where(store)))


def holder(store: Location | None = None) -> int | None:
    """The pid of the `kubesim up` running against `store` (0 if it has not written it yet), or
    None when none runs."""
    with control_plane_lock(_where(store)) as lock:
        return lock.holder()


@contextmanager
def hold(store: Location) -> Iterator[None]:
    """Record this process as the store's control plane until the block ends; refuse (one line)
    if another `up` holds it."""
    with control_plane_lock(store) as lock, lock.hold():
        yield


class StopOnSigterm:
    """SIGTERM (`kubesim reset --force`, `kill`) stops `up` as Ctrl-C does: the loop ends, the
    stop is journaled and the summary printed; a SIGTERM during start-up stops the runner as
    soon as it exists. Only the main thread may install it (elsewhere SIGTERM stays fatal)."""

    def __init__(self) -> None:
        self.signalled = False
        self.runner = None
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        self.signalled = True
        if self.runner is not None:
            self.runner.stop()

    def attach(self, runner) -> None:
        self.runner = runner
        if self.signalled:
            runner.stop()

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
