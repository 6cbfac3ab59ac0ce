"""The consumers of the watch stream: processes with one shared informer cache, and the
controllers they host.

A `Consumer` is one process as it runs in a real cluster: kube-controller-manager, kube-scheduler,
kubelet-<node>, or a user's controller. Like client-go's SharedInformerFactory, it keeps ONE
informer per kind for the whole process (one LIST and one WATCH per kind, one cache: the read
model, a projection) and one watch channel, with the faults that hit a process (latency, dropped
watch, restart). Inside it, each `ControllerLoop` is one controller (the ReplicaSet controller of
kube-controller-manager, say): its own workqueue, workers and API client, named
`kube-controller-manager/replicaset` (a process that is its one controller, kube-scheduler, a
kubelet or a user's controller, is named by the process alone).

With `SimConfig.shared_informers` off, every controller gets a Consumer of its own (its own
caches, LISTs and watches), which is how lesson 11 shows what sharing saves.
Built by sim/controlplane.py; read by the live view, the summary and tests.
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
class ReconcileStats:
    reconciles: int = 0
    noop_reconciles: int = 0
    errors: int = 0
    last_reconcile: str = ""
    last_outcome: str = ""


@dataclass
class ConsumerStats:
    deliveries: int = 0
    duplicates: int = 0
    relists: int = 0
    relist_objects: int = 0
    relist_seconds: float = 0.0
    #: LIST requests (one per kind per relist) and watch streams opened (one per kind per start,
    #: resume or relist)
    lists: int = 0
    watches: int = 0
    #: the process's latest reconcile (prefixed with the controller when it hosts several)
    last_reconcile: str = ""
    last_outcome: str = ""


@dataclass
class ControllerLoop:
    """One controller in a process: its workqueue, its workers and its API client."""

    controller: Controller
    process: Consumer
    name: str
    queue: RateLimitingQueue
    client: Client
    #: virtual seconds a reconcile keeps a worker busy
    reconcile_duration: float = 0.0
    busy: int = 0
    triggers: dict[str, list[int | str]] = field(default_factory=dict)
    stats: ReconcileStats = field(default_factory=ReconcileStats)
    #: when the loop will next look at the queue's delayed keys (None: no wake-up scheduled)
    wake_at: float | None = None

    @property
    def workers(self) -> int:
        return self.controller.workers

    def enqueue(self, key: str) -> None:
        """Queue a key and remember what triggered it (for the journal's reconcile entry)."""
        triggers = self.triggers.setdefault(key, [])
        trigger = self.process.current_trigger
        if trigger not in triggers:
            triggers.append(trigger)
        self.queue.add(key)

    def take_triggers(self, key: str) -> list[int | str]:
        return self.triggers.pop(key, [])


@dataclass
class Consumer:
    name: str
    informers: dict[str, Informer]
    reflector: Reflector
    controllers: list[ControllerLoop] = field(default_factory=list)
    #: seconds between an event being stored and this process receiving it
    latency: float = 0.0
    started: bool = False
    current_trigger: int | str = "start"
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    #: the watch channel: (due time, event, is a duplicate) in revision order, not yet delivered
    channel: deque[tuple[float, Any, bool]] = field(default_factory=deque)
    pump_scheduled: bool = False
    #: the watch dropped (or the process restarted) and no new watch is open yet
    watch_down: bool = False
    #: the pending BOOKMARK (due time, revision): the watch has sent every event it owes up to
    #: that revision; the reflector takes it once it is due and the channel before it drained
    bookmark: tuple[float, int] | None = None
    #: which watch stream is current: bumped by every drop, relist and restart, so a pump,
    #: resume or relist scheduled for an older stream does nothing when it comes due
    epoch: int = 0

    @property
    def revision(self) -> int:
        """The projection's revision: the last revision delivered (or listed). The reflector
        resumes from `reflector.last_sync_revision`, which bookmarks also advance."""
        return self.reflector.projection_revision

    def watching(self) -> dict[str, Any]:
        """What this process's watches cover, for `lag` to count what it has not seen: the key
        prefixes, the node for a kubelet (its field selector), and the controllers it hosts."""
        out: dict[str, Any] = {
            "prefixes": sorted(i.kind.prefix() for i in self.informers.values()),
            "kinds": sorted(i.kind.kind for i in self.informers.values()),
            "controllers": [loop.name for loop in self.controllers],
            "latency": self.latency,
        }
        node = next((getattr(loop.controller, "node", None) for loop in self.controllers), None)
        if node:
            out["node"] = node
        return out

    def cached_objects(self) -> int:
        return sum(len(i.cache) for i in self.informers.values())

    def queue_depth(self) -> int:
        return sum(loop.queue.counters().depth for loop in self.controllers)

    def reconciles(self) -> int:
        return sum(loop.stats.reconciles for loop in self.controllers)

    def noop_reconciles(self) -> int:
        return sum(loop.stats.noop_reconciles for loop in self.controllers)

    def writes(self) -> int:
        return sum(loop.client.stats.writes for loop in self.controllers)
