"""`kubesim up`'s loop wakes on another process's commit through the store's change notifier.

With the fallback poll pushed out of reach, the only thing that can make RealTimeRunner read
the store is `Store.changes`: a `kubesim apply` in another process must still make the control
plane poll the store within seconds, and without the notifier (watch=False) it must not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from kubesim.sim import runner as runner_module
from kubesim.sim.clock import RealClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.sim.runner import RealTimeRunner
from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import configmap, write

#: the bound on waiting for the other process and the wake-up (never a fixed sleep)
WAIT_S = 20.0


def _apply_elsewhere(store, manifest) -> None:
    env = {**os.environ, "KUBESIM_STORE": str(store), "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "kubesim", "apply", "-f", str(manifest), "-q"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _polled_to(plane, revision: int, within: float) -> bool:
    """Whether the control plane has read the store up to `revision` within `within` s."""
    end = time.monotonic() + within
    while plane.polled < revision:
        if time.monotonic() > end:
            return False
        time.sleep(0.02)  # waiting for another thread, not for simulated time
    return True


@pytest.mark.parametrize("watch", [True, False])
def test_up_wakes_only_through_the_notifier(tmp_path, monkeypatch, watch):
    monkeypatch.setattr(runner_module, "FALLBACK_POLL", 3600.0)
    path = tmp_path / "store.db"
    manifest = write(tmp_path, "cm.yaml", configmap("cm", a="1"))
    store = SqliteStore(path)
    plane = ControlPlane(store, RealClock(), SimConfig(seed=1))
    plane.start()
    runner = RealTimeRunner(plane, watch=watch)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the notifier's thread starts watching: let it begin
        _apply_elsewhere(path, manifest)
        with SqliteStore(path) as other:
            written = other.current_revision()
        if watch:
            assert _polled_to(plane, written, WAIT_S), "the other write never woke the runner"
        else:
            assert not _polled_to(plane, written, 1.5)  # the control: nothing else wakes it
    finally:
        runner.stop()
        thread.join(WAIT_S)
        store.close()
    assert not thread.is_alive()
