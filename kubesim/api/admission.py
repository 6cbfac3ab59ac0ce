"""Admission: what the API server checks and fills in against the rest of the cluster.

- `NamespaceLifecycle`: a namespaced object is created only in a namespace that exists and is
  not terminating. Like the real plugin, which reads a namespace informer, an answer may be
  reused for CACHE_SECONDS on the API server's clock (the control plane's virtual clock on the
  read side, so a seeded run gives the same answers however fast it runs; the namespace
  controller cleans up after that race, as in a cluster); the API server forgets a namespace it
  is terminating itself.
- `allocate_cluster_ip`: a Service gets a free address of the service range (the ClusterIP
  allocator), unless it is headless or an ExternalName.

Called by api/server.py on create.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kubesim.api.names import pick_cluster_ip
from kubesim.model.errors import Forbidden, NotFound
from kubesim.model.kinds import builtin
from kubesim.model.objects import loads
from kubesim.store.base import Store

NAMESPACE = builtin("Namespace")
SERVICE = builtin("Service")

#: how long an active namespace seen by admission is trusted without a new read
CACHE_SECONDS = 1.0


class NamespaceLifecycle:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        self._active: dict[str, float] = {}

    def admit(self, namespace: str | None) -> None:
        name = namespace or "default"
        seen = self._active.get(name)
        if seen is not None and 0 <= self.clock() - seen < CACHE_SECONDS:
            return
        kv = self.store.get(NAMESPACE.key(None, name))
        if kv is None:
            raise NotFound(
                f'namespaces "{name}" not found', details={"name": name, "kind": "namespaces"}
            )
        if loads(kv.value)["metadata"].get("deletionTimestamp"):
            raise Forbidden(
                f"unable to create new content in namespace {name} because it is being terminated"
            )
        self._active[name] = self.clock()

    def forget(self, name: str) -> None:
        """The namespace is being terminated: read it again next time."""
        self._active.pop(name, None)


def allocate_cluster_ip(store: Store, service: dict[str, Any], rng: random.Random) -> None:
    spec = service.setdefault("spec", {})
    if spec.get("clusterIP") == "None" or spec.get("type") == "ExternalName":
        return
    if spec.get("clusterIP"):
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        return
    kvs, _ = store.range(SERVICE.prefix())
    used = {loads(kv.value).get("spec", {}).get("clusterIP") for kv in kvs}
    ip = pick_cluster_ip({u for u in used if u}, rng)
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
