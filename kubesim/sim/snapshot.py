"""A running ControlPlane reduced to one frame of the four-stage view: `snapshot(plane, tracker)`.

`StageTracker` observes the plane (its `observers` hook: every watch event polled and every
journal entry the read side writes) and keeps only what a frame needs, in bounded memory so it
keeps up at thousands of events per second: the latest commands (read incrementally from the
store's journal, type "command"), the latest events with the consumers that received them
(delivery entries), the last relist of each consumer, Deployments vs their pods
(sim/workload.py), the chain of the followed object (sim/follow.py), and the clients of
`kubesim serve` that watch (sim/frontclients.py), shown beside the control plane's consumers.
`snapshot()` is cheap (bounded by the rows kept, not by the history) and runs on the loop's
thread, between actions.
Used by `kubesim up`'s live view, the view benchmark and tests.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.sim.follow import FollowChain
from kubesim.sim.frontclients import FrontClients
from kubesim.sim.summary import api_reads_and_writes
from kubesim.sim.workload import WorkloadIndex
from kubesim.store.base import JournalEntry
from kubesim.view.plain import short_kinds
from kubesim.view.state import (
    CommandRow,
    Counts,
    EventRow,
    Header,
    ProjectionRow,
    StageState,
    StalenessRow,
)

#: rows kept per panel: more than the tallest terminal shows
KEEP = 60


@dataclass
class _Event:
    revision: int
    type: str
    kind: str
    namespace: str
    name: str
    key: str
    generation: int | None = None
    #: (consumer, control plane time) in delivery order
    delivered: list[tuple[str, float]] = field(default_factory=list)


class StageTracker:
    def __init__(self, plane: Any, keep: int = KEEP) -> None:
        self.plane = plane
        self.keep = keep
        self.start = plane.clock.now()
        #: the first revision this tracker sees polled: before it, it knows only the store
        self.first_polled = plane.polled + 1
        self.commands: deque[JournalEntry] = deque(maxlen=keep)
        self.command_count = 0
        self.events: OrderedDict[int, _Event] = OrderedDict()
        self.relists: dict[str, JournalEntry] = {}
        self.reconciles: deque[JournalEntry] = deque(maxlen=keep * 4)
        #: per consumer, (revision, time polled) of the events its watch covers that it may not
        #: have seen yet: the revisions kubesim.client.staleness counts, kept as they are polled
        #: so that a frame does not query the store (trimmed to the unseen ones each frame)
        self.routed: dict[str, deque[tuple[int, float]]] = {}
        self.workload = WorkloadIndex()
        self.workload.load(plane.api)
        self.follow: FollowChain | None = None
        #: consumer -> extra watch latency a key switched on (seconds)
        self.latency_faults: dict[str, float] = {}
        self.message = ""
        self._message_until = 0.0
        self._rate: deque[tuple[float, int]] = deque(maxlen=20)
        self._seq = self._recent_commands()
        #: the clients of `kubesim serve` that watch: consumers from outside the control plane
        self.clients = FrontClients(
            plane.store, lambda: {c.name for c in plane.consumers}, since_seq=self._seq
        )
        #: called every `busy_every` observations (the live view's chance to take a frame while
        #: the loop is busy for a long stretch)
        self.on_busy: Any = None
        self.busy_every = 512
        self._observed = 0
        plane.observers.append(self.observe)

    def _recent_commands(self) -> int:
        """Fill in the commands of the last revisions before the view started; the last seq."""
        store = self.plane.store
        recent = store.journal(
            types=["command"], min_revision=max(0, store.current_revision() - self.keep)
        )
        for entry in recent[-self.keep :]:
            self.commands.append(entry)
        self.command_count = len(recent)
        return recent[-1].seq if recent else 0

    # ----------------------------------------------------------------------------- observing
    def observe(self, item: WatchEvent | JournalEntry) -> None:
        if isinstance(item, WatchEvent):
            now = self.plane.clock.now()
            for consumer in self.plane.routing:
                self.routed.setdefault(consumer.name, deque()).append((item.revision, now))
            md = item.obj["metadata"]
            self.events[item.revision] = _Event(
                item.revision,
                item.type,
                item.kind.kind,
                md.get("namespace") or "",
                md["name"],
                item.key,
                md.get("generation"),
            )
            if len(self.events) > self.keep:
                self.events.popitem(last=False)
            self.workload.observe(item)
            if self.follow is not None:
                self.follow.on_event(item)
        elif item.type == "delivery":
            ev = self.events.get(item.revision)
            if ev is not None:
                ev.delivered.append((item.actor, item.time))
            if self.follow is not None:
                self.follow.on_delivery(item)
        elif item.type == "reconcile":
            self.reconciles.append(item)
            if self.follow is not None:
                self.follow.on_reconcile(item)
        elif item.type == "relist":
            self.relists[item.actor] = item
            if item.outcome == "restart":
                data = item.data or {}
                self.say(
                    f"restarted {item.actor}: projection rebuilt from a fresh LIST of "
                    f"{data.get('objects', 0)} objects in "
                    f"{data.get('seconds', 0) * 1000:.1f} ms"
                )
        self._observed += 1
        if self.on_busy is not None and self._observed % self.busy_every == 0:
            self.on_busy()

    def read_commands(self) -> None:
        """The commands journaled since the last call (any process: user or controllers)."""
        new = self.plane.store.journal(types=["command"], since_seq=self._seq)
        if not new:
            return
        self._seq = new[-1].seq
        self.command_count += len(new)
        for entry in new[-self.keep :]:
            self.commands.append(entry)
        if self.follow is not None:
            for entry in new:
                self.follow.on_command(entry)

    def unseen(self, consumer: Any, now: float) -> tuple[int, float]:
        """How many revisions of its kinds `consumer` has not seen, and how long ago the oldest
        was polled: kubesim.client.staleness's count (tests check they agree), from what this
        tracker saw routed to it since the view started (earlier ones from the store)."""
        routed = self.routed.setdefault(consumer.name, deque())
        while routed and routed[0][0] <= consumer.revision:
            routed.popleft()
        if consumer.revision < self.first_polled:  # behind since before the view started
            behind = self.plane.staleness(consumer)
            return behind.events, now - self.start
        return len(routed), (now - routed[0][1]) if routed else 0.0

    def say(self, message: str, seconds: float = 8.0) -> None:
        self.message = message
        self._message_until = time.monotonic() + seconds

    # ----------------------------------------------------------------------------- following
    def follow_next(self) -> None:
        """Follow the next object named by the latest commands (most recent first), skipping
        Events; past the last one, stop following."""
        keys: list[tuple[str, JournalEntry]] = []
        for entry in reversed(self.commands):
            data = entry.data or {}
            if data.get("kind") in (None, "Event") or any(k == entry.target for k, _ in keys):
                continue
            keys.append((entry.target, entry))
        current = self.follow.key if self.follow else None
        index = next((i for i, (k, _) in enumerate(keys) if k == current), -1) + 1
        if index >= len(keys):
            self.follow = None
            self.say("not following anything")
            return
        key, entry = keys[index]
        data = entry.data or {}
        self.follow = FollowChain(
            key,
            data.get("kind", ""),
            data.get("namespace") or "",
            data.get("name", ""),
            self.plane.clock.now,
            [ctl.name for ctl in self.plane.controller_loops()],
        )
        self.follow.seed(self.commands, self.events.values(), self.reconciles)
        self.message = ""

    # ----------------------------------------------------------------------------- rates
    def events_per_second(self, total: int) -> float:
        now = time.monotonic()
        self._rate.append((now, total))
        while len(self._rate) > 2 and now - self._rate[0][0] > 2.0:
            self._rate.popleft()
        (t0, n0), (t1, n1) = self._rate[0], self._rate[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def current_message(self) -> str:
        return self.message if time.monotonic() < self._message_until else ""


def snapshot(plane: Any, tracker: StageTracker) -> StageState:
    """The frame's state now. Call on the loop's thread, between actions."""
    tracker.read_commands()
    clock = plane.clock
    totals = plane.totals
    follow = tracker.follow
    chain_revisions = follow.revisions() if follow else set()
    chain_consumers = follow.consumers() if follow else set()
    reads, writes = api_reads_and_writes(plane)
    faults = list(plane.faults.active())
    faults += [
        f"latency {name} +{extra * 1000:.0f}ms"
        for name, extra in sorted(tracker.latency_faults.items())
    ]
    state = StageState(
        header=Header(
            revision=plane.store.current_revision(),
            clock=clock.now() - tracker.start,
            speed=getattr(clock, "speed", 0.0),
            paused=getattr(clock, "paused", False),
            reads=reads,
            writes=writes,
            faults=faults,
            message=tracker.current_message(),
        ),
        counts=Counts(
            commands=tracker.command_count,
            events=totals.events,
            deliveries=totals.deliveries,
            reconciles=totals.reconciles,
            events_per_second=tracker.events_per_second(totals.events),
        ),
    )
    for c in tracker.commands:
        followed = follow is not None and (c.target == follow.key or c.revision in chain_revisions)
        state.commands.append(CommandRow.of(c, followed))
    pending = _pending(plane, tracker.events)
    for ev in tracker.events.values():
        state.events.append(
            EventRow(
                ev.revision,
                ev.type,
                ev.kind,
                ev.namespace,
                ev.name,
                ev.key,
                delivered=[name for name, _ in ev.delivered],
                pending=pending.get(ev.revision, []),
                followed=ev.revision in chain_revisions,
            )
        )
    now = clock.now()
    for c in plane.consumers:
        relist = tracker.relists.get(c.name)
        rdata = (relist.data or {}) if relist else {}
        followed = c.name in chain_consumers or any(
            ctl.name in chain_consumers for ctl in c.controllers
        )
        state.projections.append(
            ProjectionRow(
                c.name,
                c.revision,
                c.cached_objects(),
                c.queue_depth(),
                c.stats.last_reconcile,
                c.stats.last_outcome,
                c.stats.relists,
                rdata.get("objects", 0),
                rdata.get("seconds", 0.0) * 1000,
                followed=followed,
                watches=short_kinds(i.kind.kind for i in c.informers.values()),
            )
        )
        events, seconds = tracker.unseen(c, now)
        state.staleness.append(StalenessRow(c.name, events, seconds, followed=followed))
    tracker.clients.read()
    for projection, staleness in tracker.clients.rows():
        state.projections.append(projection)
        state.staleness.append(staleness)
    state.deployments = tracker.workload.deployments(6)
    state.generations = tracker.workload.unobserved(6)
    state.follow = follow.state() if follow else None
    return state


def _pending(plane: Any, events: OrderedDict[int, _Event]) -> dict[int, list[str]]:
    """For the events kept, the consumers whose watch channel still holds them."""
    if not events:
        return {}
    oldest = next(iter(events))
    out: dict[int, list[str]] = {}
    for c in plane.consumers:
        seen: set[int] = set()
        for _, ev, _dup in reversed(c.channel):
            if ev.revision < oldest:
                break
            if ev.revision not in seen:
                seen.add(ev.revision)
                out.setdefault(ev.revision, []).append(c.name)
    return out
