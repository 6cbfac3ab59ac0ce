"""The namespace controller (`kube-controller-manager/namespace`): empties a Terminating
namespace, then finalizes it.

Its projection is Namespaces only. For a namespace with a deletionTimestamp it deletes every
object in it (like the real controller, with live LIST calls through the API: it works from
discovery, not from informers of every kind), requeues until nothing is left, then removes its
`kubernetes` finalizer from spec.finalizers through the finalize subresource, which removes the
namespace (k8s: pkg/controller/namespace/deletion/namespaced_resources_deleter.go).
"""

from __future__ import annotations

from typing import Any

from kubesim.client.informer import Handler
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec

FINALIZER = "kubernetes"
#: how long the controller waits before checking again that the namespace is empty
RECHECK_SECONDS = 1.0


class NamespaceController(Controller):
    name = "namespace"
    component = "namespace-controller"
    workers = 10  # --concurrent-namespace-syncs

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec("Namespace")]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.namespaces = ctx.lister("Namespace")
        self.ns_kind = ctx.kinds("Namespace")
        ctx.handle(
            "Namespace",
            Handler(on_add=self._enqueue, on_update=lambda old, new: self._enqueue(new)),
        )

    def _enqueue(self, ns: dict[str, Any]) -> None:
        if ns["metadata"].get("deletionTimestamp"):
            self.ctx.enqueue(ns["metadata"]["name"])

    def reconcile(self, key: str) -> float | None:
        ns = self.namespaces.get(None, key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        client = self.ctx.client
        remaining = 0
        for kind in client.api.registry().kinds:
            if not kind.namespaced or kind.kind == "Event":
                continue
            objects = client.list(kind, key)
            for obj in objects:
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self.ctx.client.delete(kind, key, obj["metadata"]["name"])
        if remaining:
            return RECHECK_SECONDS
        events = client.list(self.ctx.kinds("Event"), key)
        for event in events:
            self.ctx.client.delete(self.ctx.kinds("Event"), key, event["metadata"]["name"])

        def finalize(live: dict[str, Any]) -> dict[str, Any]:
            spec = live.setdefault("spec", {})
            spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
            return live

        self.ctx.client.patch(
            self.ns_kind, None, key, finalize, verb="finalize", subresource="finalize"
        )
        return None
