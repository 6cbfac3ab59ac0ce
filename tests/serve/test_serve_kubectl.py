"""A scripted session of the real kubectl (the one on PATH) against `kubesim serve`, as a new
user would type it. kubectl is a program nobody here wrote: if it accepts every reply, so will
the learner's. Skipped only where no kubectl is installed."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.serve.conftest import KUBECTL

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl on PATH")

WEB = REPO / "manifests" / "web-deployment.yaml"
SERVICE = REPO / "manifests" / "web-service.yaml"


def kubectl(served, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": str(served.kubeconfig), "NO_COLOR": "1"}
    proc = subprocess.run([KUBECTL, *args], capture_output=True, text=True, env=env, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
    return proc


def lines_until(stream: queue.Queue, predicate, seconds: float = 20.0) -> list[str]:
    """Lines a background kubectl printed, until `predicate(lines)` holds (bounded wait)."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while not predicate(lines):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"kubectl printed only: {lines}")
        try:
            lines.append(stream.get(timeout=left))
        except queue.Empty:
            continue
    return lines


def wait_for_watch(served, client: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    store = served.open_store()
    try:
        while not any(e.actor == client for e in store.journal(types=["client"])):
            assert time.monotonic() < deadline, f"{client} never started a watch"
            time.sleep(0.05)
    finally:
        store.close()


def test_a_new_users_kubectl_session(served, tmp_path: Path):
    kubectl_session(served, tmp_path)


def test_the_same_session_with_etcd_as_the_write_model(served_etcd, tmp_path: Path):
    """The front and the control plane over a real etcd: revisions are etcd's own."""
    kubectl_session(served_etcd, tmp_path)


def kubectl_session(served, tmp_path: Path) -> None:
    out = kubectl(served, "apply", "-f", str(WEB)).stdout
    assert out == "deployment.apps/web created\n"
    assert kubectl(served, "apply", "-f", str(WEB)).stdout == "deployment.apps/web unchanged\n"
    four = tmp_path / "web4.yaml"
    four.write_text(WEB.read_text().replace("replicas: 3", "replicas: 4"))
    assert kubectl(served, "apply", "-f", str(four)).stdout == "deployment.apps/web configured\n"
    typo = tmp_path / "typo.yaml"
    typo.write_text(WEB.read_text().replace("replicas: 3", "replica: 3"))
    bad = kubectl(served, "apply", "-f", str(typo), check=False)
    assert bad.returncode == 1
    assert 'strict decoding error: unknown field "spec.replica"' in bad.stderr
    assert kubectl(served, "apply", "--server-side", "-f", str(SERVICE)).stdout == (
        "service/web serverside-applied\n"
    )

    # get pods -w shows the pods appear as the controllers reconcile
    env = {**os.environ, "KUBECONFIG": str(served.kubeconfig)}
    watch = subprocess.Popen(
        [KUBECTL, "get", "pods", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    printed: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [printed.put(x) for x in watch.stdout], daemon=True).start()
    try:
        # with no pods yet kubectl prints nothing: its watch start in the journal says it is on
        wait_for_watch(served, "kubectl")
        served.settle()
        lines = lines_until(printed, lambda ls: sum(" Running " in x for x in ls) >= 4)
    finally:
        watch.terminate()
        watch.wait(10)
    pods = {x.split()[0] for x in lines if x.startswith("web-")}
    assert len(pods) == 4
    assert any(" Pending " in x or "ContainerCreating" in x for x in lines)

    table = kubectl(served, "get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:4] == ["web", "4/4", "4", "4"]
    wide = kubectl(served, "get", "pods", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert all(" node-" in row for row in wide[1:]) and len(wide) == 5
    as_yaml = yaml.safe_load(kubectl(served, "get", "deployment", "web", "-o", "yaml").stdout)
    assert as_yaml["kind"] == "Deployment" and as_yaml["status"]["readyReplicas"] == 4
    as_json = json.loads(kubectl(served, "get", "pods", "-o", "json").stdout)
    assert as_json["kind"] == "List" and len(as_json["items"]) == 4

    described = kubectl(served, "describe", "deployment", "web").stdout
    assert "Replicas:               4 desired | 4 updated | 4 total | 4 available" in described
    assert "ScalingReplicaSet" in described and "deployment-controller" in described

    assert kubectl(served, "scale", "deployment", "web", "--replicas=2").stdout == (
        "deployment.apps/web scaled\n"
    )
    served.settle(seed=2)
    status = kubectl(served, "rollout", "status", "deployment/web", "--timeout=20s").stdout
    assert status.strip().endswith('deployment "web" successfully rolled out')
    assert kubectl(served, "get", "deployment", "web").stdout.splitlines()[1].split()[1] == "2/2"

    events = kubectl(served, "get", "events").stdout
    assert "Scheduled" in events and "ScalingReplicaSet" in events
    resources = kubectl(served, "api-resources").stdout
    assert any(r.split()[:2] == ["deployments", "deploy"] for r in resources.splitlines())
    explained = kubectl(served, "explain", "deployment", check=False)
    assert explained.returncode in (0, 1) and "Traceback" not in explained.stderr

    assert (
        kubectl(served, "delete", "deployment", "web").stdout == 'deployment.apps "web" deleted\n'
    )
    gone = kubectl(served, "get", "deployment", "web", check=False)
    assert gone.returncode == 1
    assert gone.stderr.strip() == 'Error from server (NotFound): deployments.apps "web" not found'

    # the same session in kubesim's history: each request a command with actor kubectl
    store = served.open_store()
    commands = [e for e in store.journal(types=["command"]) if e.actor == "kubectl"]
    store.close()
    verbs = [(e.verb, e.outcome) for e in commands if e.target.endswith("deployments/default/web")]
    assert verbs[0] == ("create", "created")
    assert ("patch", "patched") in verbs and ("scale", "scaled") in verbs
    assert verbs[-1][0] == "delete"
