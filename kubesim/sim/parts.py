"""What ControlPlane's parts share, declared once for the type checker: `PlaneParts` is the base
of the read side (sim/delivery.py) and the workers (sim/workers.py), which ControlPlane
(sim/controlplane.py) mixes together. Nothing here exists at run time but the annotations: the
control plane sets the attributes and defines the methods."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubesim.api.server import ApiServer
from kubesim.sim.consumer import Consumer, ControllerLoop
from kubesim.sim.faults import Faults
from kubesim.sim.loop import EventLoop
from kubesim.sim.router import Router
from kubesim.store.base import JournalEntry, Store


class PlaneParts:
    api: ApiServer
    store: Store
    loop: EventLoop
    clock: Any
    rng: random.Random
    consumers: list[Consumer]
    totals: Any
    faults: Faults
    router: Router
    polled: int
    observers: list[Callable[[Any], None]]
    #: the consumers the watch event being observed goes to (set by the poll, once per event)
    routing: list[Consumer]

    if TYPE_CHECKING:

        def _append(self, entry: JournalEntry) -> None: ...
        def consumer(self, name: str) -> Consumer: ...
        def poll(self) -> int: ...
        def schedule_process(self, consumer: Consumer) -> None: ...
        def schedule_work(self, consumer: ControllerLoop) -> None: ...
        def _enqueue_after(self, consumer: ControllerLoop, key: str, delay: float) -> None: ...
