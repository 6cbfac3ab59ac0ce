"""The read side from the command line: reconcile, lag, watch, rollout, get -w, and `up` picking
up a command written by another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from kubesim.model.kinds import builtin
from kubesim.store.sqlite import SqliteStore

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx:1.27}]}
"""


def _pods(store_path) -> list[dict]:
    import orjson

    with SqliteStore(str(store_path)) as s:
        kvs, _ = s.range(builtin("Pod").prefix("default"))
    return [orjson.loads(kv.value) for kv in kvs]


def test_reconcile_settles_and_prints_the_stages_and_a_summary(run, store_path):
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    code, out, _ = run("reconcile")
    assert code == 0
    assert "process    kcm = kube-controller-manager, 5 controllers, one cache of 7 kinds" in out
    assert "relist     kcm: LIST" in out
    assert "reconcile  kcm/replicaset web-" in out
    assert "settled: the cluster is quiet" in out
    # the deployment controller's routine 409 (its first status update's result is not kept,
    # so its second carries an old resourceVersion) is explained, once
    assert "kcm/deployment update-status Deployment web -> conflict" in out
    assert out.count("note: 409 Conflict is normal here.") == 1
    assert "reads:writes" in out and "kubelet-node-1" in out
    pods = _pods(store_path)
    assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Running"}


def test_reconcile_with_the_same_seed_gives_the_same_history(run, store_path, tmp_path):
    histories = []
    for i in range(2):
        os.environ["KUBESIM_STORE"] = str(tmp_path / f"s{i}.db")
        run("apply", "-q", "-f", "-", stdin=WEB.encode())
        run("reconcile", "-q", "--seed", "7", "--latency", "kube-scheduler=300")
        with SqliteStore(str(tmp_path / f"s{i}.db")) as s:
            histories.append([(e.revision, e.type, e.key) for e in s.events(1)])
    assert histories[0] == histories[1] and len(histories[0]) > 30


def test_reconcile_output_is_the_same_for_the_same_seed_and_store(run, tmp_path):
    """Two stores that saw the same command, a second apart: `reconcile --seed 7` prints the same
    text, to the last character, and journals the same entries at the same offsets in time."""
    outputs, journals = [], []
    for i in range(2):
        os.environ["KUBESIM_STORE"] = str(tmp_path / f"d{i}.db")
        run("apply", "-q", "-f", "-", stdin=WEB.encode())
        time.sleep(0.37 * i)  # the command lands at another fraction of a second
        code, out, _ = run("reconcile", "--seed", "7", "--latency", "kube-scheduler=300")
        assert code == 0
        outputs.append(out)
        with SqliteStore(str(tmp_path / f"d{i}.db")) as s:
            entries = s.journal()
            first = next(k for k, e in enumerate(entries) if e.type == "controlplane")
            start = entries[first].time  # before it: the commands, on the wall clock
            journals.append(
                [
                    (e.type, e.actor, e.target, e.outcome, e.revision, round(e.time - start, 6))
                    for e in entries[first:]
                ]
            )
    assert outputs[0] == outputs[1] and "settled" in outputs[0]
    assert journals[0] == journals[1] and len(journals[0]) > 100


def test_until_settled_is_the_default_and_excludes_a_limit(run):
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    code, _, err = run("reconcile", "--until-settled", "--steps", "5")
    assert code == 2 and "--until-settled cannot be combined with --steps or --for" in err
    code, out, _ = run("reconcile", "--until-settled", "-q")
    assert code == 0 and "settled" in out


def test_reconcile_refuses_an_unknown_consumer(run):
    code, _, err = run("reconcile", "--latency", "shceduler=100")
    assert code == 1
    assert 'no consumer named "shceduler"' in err and "kube-scheduler" in err


def test_lag_after_a_run_shows_every_consumer_caught_up(run):
    code, _, err = run("lag")
    assert code == 1 and "no control plane has run" in err
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    run("reconcile", "-q")
    code, out, _ = run("lag")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.startswith(("kube-", "kubelet-"))]
    assert len(rows) == 5 and all(row[2] == "0" and row[3] == "-" for row in rows)
    assert "ConfigMap,Deployment,Endpoints,Namespace,Pod,ReplicaSet,Service" in out  # kcm watches
    assert "Namespace,Node,Pod,ReplicaSet,Service" in out  # kube-scheduler
    assert "every object's generation has been observed" in out


def test_watch_prints_the_stream_as_json_lines(run):
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    code, out, _ = run("watch", "deployments", "--since", "0", "--for", "0.1s", "-o", "json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "web"


def test_rollout_status_says_when_nothing_will_progress(run):
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    code, out, err = run("rollout", "status", "deployment/web")
    assert code == 1
    assert out.strip() == "Waiting for deployment spec update to be observed..."
    assert "no control plane is running" in err
    run("reconcile", "-q")
    code, out, _ = run("rollout", "status", "deployment/web")
    assert (code, out.strip()) == (0, 'deployment "web" successfully rolled out')
    code, out, _ = run("rollout", "history", "deployment/web")
    assert "REVISION  CHANGE-CAUSE" in out


def test_get_watch_prints_the_rows_of_later_changes(run, store_path):
    run("apply", "-q", "-f", "-", stdin=WEB.encode())
    scaler = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time, subprocess, sys; time.sleep(0.3); "
            "subprocess.run([sys.executable, '-m', 'kubesim', 'scale', 'deployment/web', "
            "'--replicas=5', '-q'], check=True)",
        ],
        env={**os.environ, "KUBESIM_STORE": str(store_path)},
    )
    code, out, _ = run("get", "deploy", "-w", "--for", "3s")
    scaler.wait()
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:2] == ["NAME", "READY"]
    assert any(line.split()[:2] == ["web", "0/5"] for line in lines[2:]), out


def test_up_picks_up_a_command_from_another_process(store_path, tmp_path):
    """`up` (real time, sped up) sees an apply made by a second process and makes the pods."""
    env = {**os.environ, "KUBESIM_STORE": str(store_path), "NO_COLOR": "1"}
    up = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "up", "--plain", "--for", "60s", "--speed", "4"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        manifest = tmp_path / "web.yaml"
        manifest.write_text(WEB)
        deadline = time.monotonic() + 10
        while not store_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for another process, not for simulated time
        subprocess.run(
            [sys.executable, "-m", "kubesim", "apply", "-f", str(manifest)],
            env=env,
            check=True,
            capture_output=True,
        )
        running: list[dict] = []
        deadline = time.monotonic() + 12
        while len(running) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            running = [p for p in _pods(store_path) if p["status"].get("phase") == "Running"]
        assert len(running) == 3
    finally:
        up.terminate()
        out, err = up.communicate(timeout=10)
    assert "command    user apply Deployment web -> created" in out, (out, err)


def test_a_rollout_across_two_reconcile_runs_settles(run, store_path):
    """Each `kubesim reconcile` is a new control plane with the same seed on the same store:
    it must not hand out the uids an earlier run gave (two ReplicaSets with one uid fight over
    the pods forever). Apply the shipped samples, reconcile, change the image, reconcile."""
    from kubesim.data import manifests_dir

    run("apply", "-q", "-f", manifests_dir())
    assert run("reconcile", "-q")[0] == 0
    run("set", "image", "deployment/web", "nginx=nginx:1.28", "-q")
    code, out, _ = run("reconcile", "-q", "--steps", "20000")
    assert code == 0 and "settled" in out
    with SqliteStore(str(store_path)) as s:
        kvs = s.range("/registry/replicasets/default/")[0] + s.range("/registry/pods/default/")[0]
    import orjson

    uids = [orjson.loads(kv.value)["metadata"]["uid"] for kv in kvs]
    assert len(uids) == len(set(uids))
    assert [p["spec"]["containers"][0]["image"] for p in _pods(store_path)] == ["nginx:1.28"] * 3


def test_up_for_zero_seconds_stops_at_once(run):
    code, out, _ = run("up", "--plain", "--for", "0s")
    assert code == 0 and "stopped after 0.0" in out
