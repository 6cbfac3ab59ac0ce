"""A kubeconfig for `kubesim serve`: cluster, user and context all named `kubesim`.

`--as NAME` sets the context user's `as` (kubectl sends it as Impersonate-User) and its `token`
(for clients that do not impersonate: the Python client, kopf), which name the client as a
consumer in kubesim's journal and view (kubesim.serve.clients): two learners' operators, or two
kubectl watches, show as two projections. Plain HTTP on loopback (kubesim has no authentication).
Called by `kubesim kubeconfig` and `kubesim serve`.
"""

from __future__ import annotations

from typing import Any

import yaml


def kubeconfig(server: str, identity: str = "") -> dict[str, Any]:
    user: dict[str, Any] = {}
    if identity:
        user["as"] = identity
        user["token"] = identity
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubesim", "cluster": {"server": server}}],
        "users": [{"name": "kubesim", "user": user}],
        "contexts": [
            {
                "name": "kubesim",
                "context": {"cluster": "kubesim", "user": "kubesim", "namespace": "default"},
            }
        ],
        "current-context": "kubesim",
        "preferences": {},
    }


def kubeconfig_text(server: str, identity: str = "") -> str:
    return yaml.safe_dump(kubeconfig(server, identity), sort_keys=False)
