"""What every controller is: a named consumer with informers, a workqueue and a reconcile.

A controller declares the informers it needs (`InformerSpec`: its projection is its own, e.g. the
scheduler has no Services), registers event handlers that turn events into workqueue keys in
`setup`, and implements `reconcile(key)`, which reads only its listers and writes only through its
client. It returns nothing when done, or raises / returns a delay to be requeued. The runtime
(kubesim/sim) delivers events, runs workers, and journals every delivery and reconcile.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubesim.client.cache import IndexFunc
from kubesim.client.clientset import Client
from kubesim.client.informer import Handler, Informer, Lister
from kubesim.client.workqueue import RateLimitingQueue
from kubesim.model.kinds import Kind

Object = dict[str, Any]


@dataclass(frozen=True)
class InformerSpec:
    kind: str  # Kind.kind of a built-in kind, or of a custom resource
    #: a field selector `(path, value)`, e.g. ("spec.nodeName", "node-1") for a kubelet: the
    #: API server's watch cache routes events to the watch by that field's value
    field_selector: tuple[str, str] | None = None
    accept: Callable[[Object], bool] | None = None  # any other filter on objects
    indexers: dict[str, IndexFunc] | None = None

    def filter(self) -> Callable[[Object], bool] | None:
        """The informer's object filter: the field selector and `accept` together."""
        if self.field_selector is None:
            return self.accept
        path, value = self.field_selector
        accept = self.accept
        if accept is None:
            return lambda obj: field_value(obj, path) == value
        return lambda obj: field_value(obj, path) == value and accept(obj)


def field_value(obj: Object, path: str) -> str:
    """The value of a dotted field path (`spec.nodeName`), "" when absent."""
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return ""
    return value if isinstance(value, str) else str(value)


class Requeue(Exception):  # noqa: N818 - the word controller-runtime uses
    """Raise from reconcile to have the key requeued with rate limiting (an error return)."""


@dataclass
class ControllerContext:
    """What the runtime hands a controller: its own informers, queue, client and clock."""

    name: str
    informers: dict[str, Informer]
    queue: RateLimitingQueue
    client: Client
    now: Callable[[], float]
    rng: random.Random
    kinds: Callable[[str], Kind]
    #: record a Kubernetes Event about an object (the EventRecorder)
    record_event: Callable[..., None]
    #: enqueue a key, remembering which revision triggered it (the journal's "triggers")
    enqueue: Callable[[str], None]
    enqueue_after: Callable[[str, float], None]

    def lister(self, kind: str) -> Lister:
        return Lister(self.informers[kind])

    def handle(self, kind: str, handler: Handler) -> None:
        self.informers[kind].add_handler(handler)


class Controller:
    """Base class: subclasses set `name`, `workers`, and implement informers/setup/reconcile."""

    name: str = "controller"
    #: the `source.component` of the Events it records (its EventRecorder's name); None: name
    component: str | None = None
    #: concurrent reconciles (kube-controller-manager: deployment 5, replicaset 5, gc 20)
    workers: int = 1

    def informers(self) -> list[InformerSpec]:
        raise NotImplementedError

    def setup(self, ctx: ControllerContext) -> None:
        self.ctx = ctx

    def reconcile(self, key: str) -> float | None:
        """Make the world match the desired state for `key`; return a delay to requeue after."""
        raise NotImplementedError

    def start(self) -> None:
        """Called once the informers have synced (after the first LIST)."""

    def reset(self) -> None:
        """A restart: forget what the process kept in memory besides its informers
        (expectations, assumed pods, timers). The informers are rebuilt by the runtime."""


def split_key(key: str) -> tuple[str | None, str]:
    """`ns/name` -> (ns, name); `name` -> (None, name)."""
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return None, key
