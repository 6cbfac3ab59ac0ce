"""The file store's control-plane lock: the pid file `kubesim up` keeps beside the store.

`kubesim up` writes its pid to STORE.controlplane and holds an exclusive lock (flock) on that
file for as long as it runs. The OS drops the lock when the process ends, however it ends, so a
pid file left behind by a killed `up` (a stale one, or one whose pid now belongs to another
program) never counts: `holder()` is the pid of a running `up`, or None. Where flock does not
exist (Windows), a pid that is alive counts. Needs no open store (so `kubesim reset` works on a
corrupt one): made by kubesim.store.control_plane_lock and SqliteStore.control_plane_lock, used
through cli/planelock.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kubesim.model.errors import StoreError
from kubesim.store.base import STOP_TIMEOUT_S, ControlPlaneLock, stop_local

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def pid_file(store: str | Path) -> Path:
    """STORE.controlplane beside the store file (a symlinked store path: beside its target)."""
    return Path(os.path.realpath(store) + ".controlplane")


def _read_pid(fd: int) -> int:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


class FileControlPlaneLock(ControlPlaneLock):
    """The control-plane lock of the store file at `path`: flock on STORE.controlplane."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.where = str(path)

    @property
    def pid_file(self) -> Path:
        return pid_file(self.path)

    def holder(self) -> int | None:
        try:
            fd = os.open(self.pid_file, os.O_RDONLY)
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

    @contextmanager
    def hold(self) -> Iterator[None]:
        path = self.pid_file
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise StoreError(
                    f"cannot write the control plane's pid file {path}: {e.strerror or e}"
                ) from e
            if fcntl is None:
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pid = _read_pid(fd)
                os.close(fd)
                raise self.held_error(pid) from None
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

    def stop(self, pid: int, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM (the holder of a file lock runs on this machine), then wait for the lock."""
        stop_local(self, pid, timeout)

    def clear_stale(self) -> None:
        if self.holder() is None:
            self.pid_file.unlink(missing_ok=True)
