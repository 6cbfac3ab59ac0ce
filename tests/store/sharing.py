"""The Store contract between processes: change notification and the control-plane lock.

What `kubesim up`, `kubesim watch` and `kubesim reset` rely on when other processes share the
store: a ChangeNotifier fires when ANOTHER process commits, and the ControlPlaneLock admits one
holder, names its pid to other processes, never counts a dead one, and `stop` ends it. The
other processes are real (`python -c`), opening the store by its location as the CLI does.

A backend's test module subclasses `SharedStoreContract` and provides a `location` fixture: the
location (as `--store` takes it) of a fresh, empty store. See tests/store/test_sqlite.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from kubesim.store import ControlPlaneHeld, control_plane_lock, open_store

#: how long a test waits for another process (a bound, never a sleep)
WAIT_S = 20.0

WRITE = """
import sys
from kubesim.store import open_store
from kubesim.store.base import Put
with open_store(sys.argv[1]) as store:
    store.txn([Put("/registry/configmaps/default/from-" + sys.argv[2], b"{}")])
"""

HOLD = """
import sys, time
from kubesim.store import control_plane_lock
with control_plane_lock(sys.argv[1]) as lock, lock.hold():
    print("held", flush=True)
    time.sleep(120)
"""


def python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], text=True, **kw)


def holding(location: str) -> subprocess.Popen:
    """Another process holding the control-plane lock (it says so before this returns)."""
    proc = python(HOLD, location, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n", proc.communicate()
    return proc


def wait_for(condition, what: str) -> None:
    end = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < end, what
        time.sleep(0.02)


class SharedStoreContract:
    # -- ChangeNotifier ---------------------------------------------------------------------

    def test_notifier_wakes_on_another_process_write(self, location: str) -> None:
        woken = threading.Event()
        with open_store(location) as store:
            before = store.current_revision()
            notifier = store.changes(woken.set)
            notifier.start()
            try:
                assert not notifier.changed.wait(0.3)  # nothing written yet: no wake-up
                writer = python(WRITE, location, "a")
                assert writer.wait(WAIT_S) == 0
                assert notifier.changed.wait(WAIT_S), "no notification of the other write"
                assert woken.wait(WAIT_S), "wake() was not called"
                assert store.current_revision() == before + 1  # what it announced is readable

                notifier.changed.clear()  # as a reader does before it reads; then a second write
                woken.clear()
                assert python(WRITE, location, "b").wait(WAIT_S) == 0
                assert notifier.changed.wait(WAIT_S) and woken.wait(WAIT_S)
            finally:
                notifier.stop()

    def test_notifier_without_wake(self, location: str) -> None:
        with open_store(location) as store:
            notifier = store.changes()
            notifier.start()
            try:
                assert python(WRITE, location, "c").wait(WAIT_S) == 0
                assert notifier.changed.wait(WAIT_S)
            finally:
                notifier.stop()

    # -- ControlPlaneLock -------------------------------------------------------------------

    def test_no_holder_at_first(self, location: str) -> None:
        with control_plane_lock(location) as lock:
            assert lock.holder() is None

    def test_hold_is_seen_by_other_processes_and_ends_with_the_block(self, location: str) -> None:
        ask = "from kubesim.store import control_plane_lock as c\nimport sys\n"
        ask += "with c(sys.argv[1]) as lock: print(lock.holder())"
        with control_plane_lock(location) as lock:
            with lock.hold():
                out = subprocess.run(
                    [sys.executable, "-c", ask, location], capture_output=True, text=True
                )
                assert out.stdout.strip() == str(os.getpid()), out.stderr
                assert lock.holder() == os.getpid()
            assert lock.holder() is None
            with lock.hold():  # held again after it was let go
                assert lock.holder() == os.getpid()

    def test_second_holder_is_refused_with_one_line(self, location: str) -> None:
        proc = holding(location)
        try:
            with control_plane_lock(location) as lock:
                assert lock.holder() == proc.pid
                with pytest.raises(ControlPlaneHeld) as e, lock.hold():
                    pass
                assert str(e.value) == (
                    f"a control plane (kubesim up, pid {proc.pid}) is already running against "
                    f"{lock.where}: one control plane per store"
                )
                assert lock.holder() == proc.pid  # the refusal took nothing from the holder
        finally:
            proc.kill()
            proc.wait()

    def test_a_killed_holder_never_counts(self, location: str) -> None:
        proc = holding(location)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with control_plane_lock(location) as lock:
            wait_for(lambda: lock.holder() is None, "a dead holder still counts")
            lock.clear_stale()
            with lock.hold():
                assert lock.holder() == os.getpid()

    def test_stop_ends_the_holder_and_waits_for_it(self, location: str) -> None:
        proc = holding(location)
        try:
            with control_plane_lock(location) as lock:
                lock.stop(proc.pid, timeout=WAIT_S)
                assert lock.holder() is None  # stop returns once the lock is let go
            assert proc.wait(WAIT_S) == -signal.SIGTERM
        finally:
            proc.kill()
            proc.wait()

    def test_clear_stale_leaves_a_live_holder_alone(self, location: str) -> None:
        proc = holding(location)
        try:
            with control_plane_lock(location) as lock:
                lock.clear_stale()
                assert lock.holder() == proc.pid
        finally:
            proc.kill()
            proc.wait()
