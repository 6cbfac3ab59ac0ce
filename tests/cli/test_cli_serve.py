"""`kubesim serve` from the command line: it starts the front (alone, with --no-control-plane),
says where, and stops cleanly at --for; `kubesim kubeconfig --as` names a client."""

from __future__ import annotations

import yaml


def test_serve_alone_starts_the_front_and_stops_at_for(run):
    code, _, err = run("serve", "--no-control-plane", "--port", "0", "--for", "0.2s")
    assert code == 0, err
    assert "serving the Kubernetes API at http://127.0.0.1:" in err


def test_kubeconfig_as_names_the_client_for_kubectl_and_for_libraries(run):
    code, out, _ = run("kubeconfig", "--port", "16443", "--as", "backup-operator")
    assert code == 0
    config = yaml.safe_load(out)
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:16443"
    assert config["users"][0]["user"] == {"as": "backup-operator", "token": "backup-operator"}
