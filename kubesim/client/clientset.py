"""A consumer's API client: every call goes to the API server under the consumer's name.

Like a client-go clientset built per controller (`ClientOrDie(name)`), it identifies its writes
(the journal's actor) and counts them; during a reconcile it also records the revisions its writes
produced, so the journal can say what each reconcile wrote. Controllers read from their informers
(listers) and write only through this client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubesim.api.delete import DeleteResult, delete
from kubesim.api.server import ApiServer, WriteResult
from kubesim.api.subresources import bind
from kubesim.model.kinds import Kind

Object = dict[str, Any]


@dataclass
class ClientStats:
    #: writes that changed something (a no-op apply or patch is not counted)
    writes: int = 0
    #: objects read from the API server past the informers (a GET is one, a LIST its items)
    reads: int = 0


@dataclass
class Client:
    api: ApiServer
    actor: str
    stats: ClientStats = field(default_factory=ClientStats)
    #: revisions written since the last `take_writes()` (the current reconcile's writes)
    written: list[tuple[int, str, str]] = field(default_factory=list)
    #: objects read live since the last `take_reads()` (the current reconcile's reads)
    read: int = 0

    def _record(self, result: WriteResult | DeleteResult, verb: str, key: str) -> None:
        if getattr(result, "changed", True):
            self.stats.writes += 1
            self.written.append((result.revision, verb, key))

    def take_writes(self) -> list[tuple[int, str, str]]:
        writes, self.written = self.written, []
        return writes

    def take_reads(self) -> int:
        reads, self.read = self.read, 0
        return reads

    def get(self, kind: Kind, namespace: str | None, name: str) -> Object | None:
        """A live GET past the informers (a quorum read: the garbage collector's check that an
        owner is really gone); None when it does not exist. Counted as a read of the API."""
        obj = self.api.try_get(kind, namespace, name)
        self.stats.reads += 1
        self.read += 1
        return obj

    def list(self, kind: Kind, namespace: str | None = None) -> list[Object]:
        """A live LIST past the informers (the namespace controller's discovery of what is left
        in a namespace). Its items are counted as reads of the API."""
        objects, _ = self.api.list(kind, namespace)
        self.stats.reads += len(objects)
        self.read += len(objects)
        return objects

    def create(self, obj: Object, journal_data: dict[str, Any] | None = None) -> Object:
        """POST; `journal_data` is added to the command's journal entry (e.g. a batch)."""
        result = self.api.create(obj, actor=self.actor, journal_data=journal_data)
        self._record(result, "create", _key(self.api, result.obj))
        return result.obj

    def update(self, obj: Object) -> Object:
        result = self.api.update(obj, actor=self.actor)
        self._record(result, "update", _key(self.api, result.obj))
        return result.obj

    def update_status(self, obj: Object) -> Object:
        result = self.api.update_status(obj, actor=self.actor)
        self._record(result, "update-status", _key(self.api, result.obj))
        return result.obj

    def patch(
        self,
        kind: Kind,
        namespace: str | None,
        name: str,
        mutate: Callable[[Object], Object | None],
        *,
        verb: str = "patch",
        subresource: str | None = None,
    ) -> Object:
        """A PATCH without resourceVersion: applied to the latest object (no 409)."""
        result = self.api.guaranteed_update(
            kind,
            namespace,
            name,
            mutate,
            actor=self.actor,
            verb=verb,
            subresource=subresource,
            outcome="patched",
        )
        self._record(result, verb, kind.key(namespace, name))
        return result.obj

    def delete(
        self,
        kind: Kind,
        namespace: str | None,
        name: str,
        *,
        propagation: str | None = None,
        grace_period: int | None = None,
    ) -> DeleteResult:
        result = delete(
            self.api,
            kind,
            namespace,
            name,
            actor=self.actor,
            propagation=propagation,
            grace_period=grace_period,
        )
        self._record(result, "delete", kind.key(namespace, name))
        return result

    def bind(self, namespace: str, pod: str, node: str) -> Object:
        result = bind(self.api, namespace, pod, node, actor=self.actor)
        self._record(result, "bind", f"/registry/pods/{namespace}/{pod}")
        return result.obj


def _key(api: ApiServer, obj: Object) -> str:
    md = obj["metadata"]
    return api.kind_for(obj).key(md.get("namespace"), md["name"])
