"""`kubesim serve` and `kubesim kubeconfig` on the command line: options, warnings, clean errors."""

from __future__ import annotations

import socket

import yaml


def test_kubeconfig_prints_a_context_for_the_front(run):
    code, out, err = run("kubeconfig")
    assert code == 0 and err == ""
    config = yaml.safe_load(out)
    assert config["current-context"] == "kubesim"
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:6443"
    code, out, _ = run("kubeconfig", "--port", "7000", "--as", "backup-operator")
    config = yaml.safe_load(out)
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:7000"
    assert config["users"][0]["user"] == {"as": "backup-operator", "token": "backup-operator"}


def test_kubeconfig_write(run, tmp_path):
    code, out, err = run("kubeconfig", "--write", "kc")
    assert code == 0 and out == "" and "wrote kc (context kubesim)" in err
    assert yaml.safe_load((tmp_path / "kc").read_text())["kind"] == "Config"
    code, _, err = run("kubeconfig", "--write", "missing/kc")
    assert code == 1 and "the directory missing does not exist" in err


def test_bad_ports_are_usage_errors(run):
    for argv in (["kubeconfig", "--port", "70000"], ["serve", "--port", "65536"]):
        code, _, err = run(*argv)
        assert code == 2 and "--port" in err, err
    code, _, err = run("serve", "--port", "-1")
    assert code == 2


def test_serve_without_the_control_plane_runs_and_stops(run):
    code, out, err = run("serve", "--no-control-plane", "--port", "0", "--for", "0.2s")
    assert code == 0, err
    assert "serving the Kubernetes API at http://127.0.0.1:" in err
    assert "warning" not in err


def test_serving_beyond_loopback_warns(run):
    code, _, err = run(
        "serve", "--no-control-plane", "--address", "0.0.0.0", "--port", "0", "--for", "0.1s"
    )
    assert code == 0, err
    assert (
        "warning: serving on 0.0.0.0: anyone who can reach it can read and change this store" in err
    )


def test_a_port_in_use_is_one_clear_line(run):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        code, out, err = run("serve", "--port", str(port), "--for", "1s", "--plain")
    finally:
        taken.close()
    assert code == 1
    assert (
        err.splitlines()[0] == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert out == ""


def test_serve_runs_the_control_plane_as_up_does(run):
    code, out, err = run("serve", "--port", "0", "--for", "0.5s", "--plain")
    assert code == 0, err
    assert "serving the Kubernetes API at" in err and "control plane up against" in err
    assert "process    kube-scheduler" in out


def test_the_front_alone_stops_when_its_store_is_reset(run, store_path, tmp_path):
    """`kubesim reset` removes the store: the front stops rather than answer from a file nobody
    else can see (as `up` does)."""
    import threading
    import time

    from kubesim.store import remove_store
    from kubesim.store.schema import is_open

    run("apply", "-f", "-", stdin=b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")

    def reset_once_served() -> None:
        deadline = time.monotonic() + 15
        while not is_open(store_path) and time.monotonic() < deadline:
            time.sleep(0.01)  # until `serve` (in this process) has the store open
        remove_store(str(store_path))

    resetter = threading.Thread(target=reset_once_served)
    resetter.start()
    code, _, err = run("serve", "--no-control-plane", "--port", "0", "--for", "20s")
    resetter.join()
    assert code == 1
    # removed, or (if the reset came before the front opened its own connection, which then
    # made a new file) replaced: either way the front stops
    assert "while this process had it open" in err and "kubesim serve stops" in err
