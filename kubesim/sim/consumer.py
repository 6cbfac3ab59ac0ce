"""One consumer of the watch stream: a controller with its own projection, queue and client.

Holds what the runtime needs per consumer: the informers (the read model), the workqueue, the
API client (actor = the consumer's name), its projection revision (the last revision delivered or
listed), how many workers are busy, the revisions that triggered each queued key, and counters
for `lag`, the live view and the summary. Built by sim/controlplane.py.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kubesim.client.clientset import Client
from kubesim.client.informer import Informer
from kubesim.client.reflector import Reflector
from kubesim.client.workqueue import RateLimitingQueue
from kubesim.controllers.base import Controller


@dataclass
class ConsumerStats:
    deliveries: int = 0
    duplicates: int = 0
    reconciles: int = 0
    noop_reconciles: int = 0
    errors: int = 0
    relists: int = 0
    relist_objects: int = 0
    relist_seconds: float = 0.0
    last_reconcile: str = ""
    last_outcome: str = ""


@dataclass
class Consumer:
    controller: Controller
    informers: dict[str, Informer]
    queue: RateLimitingQueue
    client: Client
    #: seconds between an event being stored and this consumer receiving it
    latency: float = 0.0
    #: virtual seconds a reconcile keeps a worker busy
    reconcile_duration: float = 0.0
    reflector: Reflector | None = None
    busy: int = 0
    started: bool = False
    triggers: dict[str, list[int | str]] = field(default_factory=dict)
    current_trigger: int | str = "start"
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    #: the watch channel: (due time, event, is a duplicate) in revision order, not yet delivered
    channel: deque[tuple[float, Any, bool]] = field(default_factory=deque)
    pump_scheduled: bool = False
    #: the watch dropped and the reflector has not resumed it yet
    watch_down: bool = False
    #: when the loop will next look at the queue's delayed keys (None: no wake-up scheduled)
    wake_at: float | None = None

    @property
    def revision(self) -> int:
        """The projection's revision: the last revision delivered (or listed)."""
        return self.reflector.last_sync_revision if self.reflector else 0

    @property
    def name(self) -> str:
        return self.controller.name

    @property
    def workers(self) -> int:
        return self.controller.workers

    def watching(self) -> dict[str, Any]:
        """What this consumer's watches cover, for `lag` to count what it has not seen:
        the key prefixes, and the node for a kubelet (its field selector)."""
        out: dict[str, Any] = {
            "prefixes": sorted(i.kind.prefix() for i in self.informers.values()),
            "latency": self.latency,
        }
        node = getattr(self.controller, "node", None)
        if node:
            out["node"] = node
        return out

    def cached_objects(self) -> int:
        return sum(len(i.cache) for i in self.informers.values())

    def enqueue(self, key: str) -> None:
        """Queue a key and remember what triggered it (for the journal's reconcile entry)."""
        triggers = self.triggers.setdefault(key, [])
        if self.current_trigger not in triggers:
            triggers.append(self.current_trigger)
        self.queue.add(key)

    def take_triggers(self, key: str) -> list[int | str]:
        return self.triggers.pop(key, [])
