"""The classroom set-up on a real etcd: `kubesim up --store etcd://...` in one process, commands
from others (as from other machines), through the CLI as users run it. The session's etcd
(tests/conftest.py) at its root namespace, as `--store etcd://HOST:PORT` names it; the store is
reset before and after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kubesim.store import control_plane_lock, remove_store
from kubesim.store.etcdhttp import Gateway, b64
from tests.cli.test_cli_controlplane import WEB
from tests.etcd import EtcdServer


@pytest.fixture
def location(etcd_server: EtcdServer) -> Iterator[str]:
    remove_store(etcd_server.location)
    yield etcd_server.location
    remove_store(etcd_server.location)


def holder(location: str) -> int | None:
    with control_plane_lock(location) as lock:
        return lock.holder()


def kubesim(location: str, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBESIM_STORE": location, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kubesim", *argv],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_up_on_etcd_reconciles_commands_from_other_processes(location: str) -> None:
    env = {**os.environ, "KUBESIM_STORE": location, "NO_COLOR": "1"}
    up = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "up", "--plain", "--for", "60s", "--speed", "4"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while holder(location) != up.pid:
            assert up.poll() is None, up.communicate()
            assert time.monotonic() < deadline, "kubesim up did not start"
            time.sleep(0.1)  # waiting for another process, not for simulated time
        second = kubesim(location, "up", "--for", "1s")
        assert second.returncode == 1  # one control plane per store, across processes
        assert second.stderr.startswith("error: a control plane (kubesim up, pid ")
        applied = kubesim(location, "apply", "-f", "-", stdin=WEB)
        assert applied.returncode == 0, applied.stderr
        running: list[dict] = []
        deadline = time.monotonic() + 60
        while len(running) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            pods = json.loads(kubesim(location, "get", "pods", "-o", "json").stdout)["items"]
            running = [p for p in pods if p["status"].get("phase") == "Running"]
        assert len(running) == 3
        refused = kubesim(location, "reset", "--yes")
        assert refused.returncode == 1 and "control plane" in refused.stderr
        pods = json.loads(kubesim(location, "get", "pods", "-o", "json").stdout)["items"]
        assert_etcd_revisions(location, pods)
        # --force stops the `up` of this machine (SIGTERM through the lock), then resets
        forced = kubesim(location, "reset", "--yes", "--force")
        assert forced.returncode == 0, forced.stderr
        out, err = up.communicate(timeout=30)
        assert up.returncode == 0, err
    finally:
        if up.poll() is None:
            up.terminate()
            up.communicate(timeout=20)
    assert "command    user apply Deployment web -> created" in out, (out, err)
    assert holder(location) is None
    assert kubesim(location, "get", "deployments").stdout == ""


def assert_etcd_revisions(location: str, pods: list[dict]) -> None:
    """The revisions shown are etcd's own: each pod's resourceVersion is its key's
    mod_revision, read by another etcd client."""
    etcd = Gateway([location.removeprefix("etcd://")], location)
    for pod in pods:
        key = f"/registry/pods/default/{pod['metadata']['name']}"
        (kv,) = etcd.post("/v3/kv/range", {"key": b64(key)})["kvs"]
        assert kv["mod_revision"] == pod["metadata"]["resourceVersion"]
    etcd.close()
