"""Who a request's client is: kubesim.serve.clients.client_name, as kube-apiserver names a user
(impersonation over the credentials' user), and the kubeconfig that names one."""

from __future__ import annotations

import yaml

from kubesim.serve.clients import client_name
from kubesim.serve.kubeconfig import kubeconfig_text


def test_impersonation_then_the_bearer_token_then_the_user_agent_name_the_client():
    agent = {"User-Agent": "kopf/1.45.2"}
    token = {**agent, "Authorization": "Bearer backup-operator"}
    assert client_name(agent) == "kopf"
    assert client_name(token) == "backup-operator"
    assert client_name({**token, "Impersonate-User": "Alice"}) == "alice"
    assert client_name({**agent, "Authorization": "Basic dXNlcjpwYXNz"}) == "kopf"


def test_a_kubeconfig_with_an_identity_gives_it_to_clients_that_do_not_impersonate():
    config = yaml.safe_load(kubeconfig_text("http://127.0.0.1:6443", "backup-operator"))
    assert config["users"][0]["user"] == {"as": "backup-operator", "token": "backup-operator"}
    anonymous = yaml.safe_load(kubeconfig_text("http://127.0.0.1:6443"))
    assert anonymous["users"][0]["user"] == {}
