"""The clients of `kubesim serve` as the live view's consumers: their projections, from the journal.

A client that lists and watches through the front (`kubectl get -w`, the Python client, a kopf
operator) is journaled by kubesim.serve.clients under its name: a `relist` per LIST, a `client`
entry per watch it starts, a `delivery` per event written to it. `FrontClients.read()` follows
those entries as they are appended and keeps, per client that watches, the revision its
projection reached (its last LIST or delivery), the objects it holds (listed, plus added, minus
deleted), what it watches and its relists. `rows()` turns them into Projection and Staleness rows
beside the control plane's own processes; staleness is kubesim.client.staleness's count, and its
age is wall time since the oldest unseen revision was committed. A client that only LISTs (a
plain `kubectl get`) is no projection and is not shown. Used by sim/snapshot.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubesim.client.staleness import unseen
from kubesim.view.plain import short_kinds
from kubesim.view.state import ProjectionRow, StalenessRow

#: what the LAST RECONCILE column says of a client: its reconciles happen in its own process
CLIENT_NOTE = "client of kubesim serve"


@dataclass
class FrontClient:
    name: str
    revision: int = 0
    relists: int = 0
    relist_objects: int = 0
    watching: bool = False
    kinds: list[str] = field(default_factory=list)
    #: per watched key prefix: the objects its projection holds there
    objects: dict[str, int] = field(default_factory=dict)

    def watch(self) -> dict[str, Any]:
        """Its watch, in the form kubesim.client.staleness reads (kinds and key prefixes)."""
        return {"kinds": self.kinds, "prefixes": list(self.objects)}


class FrontClients:
    def __init__(self, store: Any, own: Callable[[], set[str]], since_seq: int = 0) -> None:
        """`own()`: the names of the control plane's consumers (not clients); `since_seq`: the
        journal position to follow from (the control plane run's start)."""
        self.store = store
        self.own = own
        self.clients: dict[str, FrontClient] = {}
        self._seq = since_seq

    def read(self) -> None:
        new = self.store.journal(types=["relist", "client", "delivery"], since_seq=self._seq)
        if not new:
            return
        self._seq = new[-1].seq
        own = self.own()
        for e in new:
            if e.actor in own:
                continue
            c = self.clients.setdefault(e.actor, FrontClient(e.actor))
            data = e.data or {}
            for kind in data.get("kinds") or []:
                if kind not in c.kinds:
                    c.kinds.append(kind)
            if e.type == "client":
                c.watching = True
                for prefix in data.get("prefixes") or [e.target]:
                    c.objects.setdefault(prefix, 0)
                continue
            c.revision = max(c.revision, e.revision)
            if e.type == "relist":
                c.relists += 1
                c.relist_objects = int(data.get("objects", 0))
                c.objects[e.target] = c.relist_objects
            elif e.verb in ("ADDED", "DELETED"):
                prefix = next((p for p in c.objects if e.target.startswith(p)), None)
                if prefix is not None:
                    c.objects[prefix] += 1 if e.verb == "ADDED" else -1

    def rows(self) -> list[tuple[ProjectionRow, StalenessRow]]:
        """A Projection and a Staleness row per client that watches."""
        out = []
        for c in self.clients.values():
            if not c.watching:
                continue
            projection = ProjectionRow(
                c.name,
                c.revision,
                max(0, sum(c.objects.values())),
                0,
                last_reconcile=CLIENT_NOTE,
                relists=c.relists,
                relist_objects=c.relist_objects,
                watches=short_kinds(c.kinds),
            )
            behind = unseen(self.store, c.watch(), c.revision)
            seconds = 0.0
            if behind.oldest is not None:
                (written,) = self.store.journal(
                    types=["command"], min_revision=behind.oldest, max_revision=behind.oldest
                )[:1] or [None]
                seconds = max(0.0, time.time() - written.time) if written is not None else 0.0
            out.append((projection, StalenessRow(c.name, behind.events, seconds)))
        return out
