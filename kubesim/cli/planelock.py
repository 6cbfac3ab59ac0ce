"""Which process runs a store's control plane: the pid file `kubesim up` keeps beside the store.

`kubesim up` writes its pid to STORE.controlplane and holds an exclusive lock (flock) on that
file for as long as it runs. The OS drops the lock when the process ends, however it ends, so a
pid file left behind by a killed `up` (a stale one, or one whose pid now belongs to another
program) never counts: `holder()` is the pid of a running `up`, or None.

Callers: `kubesim up` (`hold`, and a second `up` on the same store is refused; StopOnSigterm
makes it end on SIGTERM as on Ctrl-C), `kubesim reset` (refuses while a control plane holds the
store, or with --force stops it first with `stop`: SIGTERM, then wait for the lock), and
`kubesim rollout status` (waits only while a control plane runs). Where flock does not exist
(Windows), a pid that is alive counts.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kubesim.cli import context
from kubesim.model.errors import KubesimError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: how long `stop` waits for a control plane to finish after SIGTERM
STOP_TIMEOUT_S = 10.0


def pid_file(store: Path | None = None) -> Path:
    """STORE.controlplane beside the store file (a symlinked store path: beside its target)."""
    return Path(os.path.realpath(store or context.store_path()) + ".controlplane")


def _read_pid(fd: int) -> int:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else 0


def holder(store: Path | None = None) -> int | None:
    """The pid of the `kubesim up` running against `store` (0 if it has not written it yet), or
    None when none runs (no pid file, or a stale one)."""
    try:
        fd = os.open(pid_file(store), os.O_RDONLY)
    except OSError:
        return None
    try:
        pid = _read_pid(fd)
        if fcntl is None:
            return pid if pid and _alive(pid) else None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # locked: its `up` runs (and writes its pid just after it locks)
            for _ in range(100):
                if pid:
                    break
                time.sleep(0.01)
                pid = _read_pid(fd)
            return pid
        return None
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@contextmanager
def hold(store: Path) -> Iterator[None]:
    """Record this process as the store's control plane until the block ends; refuse if another
    `up` holds it."""
    path = pid_file(store)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise KubesimError(
                f"cannot write the control plane's pid file {path}: {e.strerror or e}"
            ) from e
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = _read_pid(fd)
            os.close(fd)
            raise KubesimError(
                f"a control plane (kubesim up, pid {pid}) is already running against {store}: "
                "one control plane per store"
            ) from None
        try:  # the file may have been removed by the `up` that held it just before: retry
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                path.unlink()
        except OSError:
            pass
        os.close(fd)  # releases the lock


def stop(pid: int, store: Path, timeout: float = STOP_TIMEOUT_S) -> None:
    """Ask the control plane `pid` to stop (SIGTERM: it ends as on Ctrl-C) and wait until it has
    released the store; KubesimError if it is still running after `timeout` seconds."""
    if pid <= 0:
        raise KubesimError(f"the control plane running against {store} did not say its pid")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except OSError as e:
        raise KubesimError(f"cannot stop the control plane (pid {pid}): {e.strerror or e}") from e
    end = time.monotonic() + timeout
    while holder(store) is not None:
        if time.monotonic() > end:
            raise KubesimError(
                f"the control plane (kubesim up, pid {pid}) did not stop within {timeout:g} s "
                f"of SIGTERM; nothing was removed"
            )
        time.sleep(0.05)


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
