"""`kubesim up`'s loop wakes on another process's commit through the store's change notifier.

With the fallback poll pushed out of reach, the only thing that can make RealTimeRunner read
the store is `Store.changes`: a `kubesim apply` in another process must still make the control
plane poll the store within seconds, and without the notifier (watch=False) it must not. On
both backends (`stores`): watchfiles on the file and its -wal, and etcd's watch.
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
from tests.cli.conftest import REPO, configmap, write

#: the bound on waiting for the other process and the wake-up (never a fixed sleep)
WAIT_S = 20.0


def _apply_elsewhere(spec: str, manifest) -> None:
    """`kubesim apply` of `manifest` in another process; on a store the CLI cannot name (an
    etcd namespace of the tests), the same apply through the API of another process."""
    env = {**os.environ, "KUBESIM_STORE": spec, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "kubesim", "apply", "-f", str(manifest), "-q"]
    if "|" in spec:
        code = (
            "import sys, yaml; from tests.stores import open_spec; "
            "from kubesim.api.server import ApiServer; from kubesim.api.apply import apply; "
            "apply(ApiServer(open_spec(sys.argv[1])), yaml.safe_load(open(sys.argv[2])))"
        )
        command = [sys.executable, "-c", code, spec, str(manifest)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60, cwd=REPO)


def _polled_to(plane, revision: int, within: float) -> bool:
    """Whether the control plane has read the store up to `revision` within `within` s."""
    end = time.monotonic() + within
    while plane.polled < revision:
        if time.monotonic() > end:
            return False
        time.sleep(0.02)  # waiting for another thread, not for simulated time
    return True


@pytest.mark.parametrize("watch", [True, False])
def test_up_wakes_only_through_the_notifier(tmp_path, monkeypatch, watch, stores):
    monkeypatch.setattr(runner_module, "FALLBACK_POLL", 3600.0)
    spec = stores.spec()
    manifest = write(tmp_path, "cm.yaml", configmap("cm", a="1"))
    store = stores.open()
    plane = ControlPlane(store, RealClock(), SimConfig(seed=1))
    plane.start()
    runner = RealTimeRunner(plane, watch=watch)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the notifier's thread starts watching: let it begin
        _apply_elsewhere(spec, manifest)
        kv = stores.open().get("/registry/configmaps/default/cm")
        assert kv is not None
        written = kv.mod_revision
        if watch:
            assert _polled_to(plane, written, WAIT_S), "the other write never woke the runner"
        else:
            assert not _polled_to(plane, written, 1.5)  # the control: nothing else wakes it
    finally:
        runner.stop()
        thread.join(WAIT_S)
    assert not thread.is_alive()
