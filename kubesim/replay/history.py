"""An index over a store's history and journal, built in one pass, so any moment can be found fast.

`History(store)` reads every event (keys, and a pod's node) and every journal row once and keeps
only compact arrays: which command produced each revision and when, which reconcile wrote it,
the user's commands, each control plane run (start to stop entry) with its consumers' watches,
the revisions each watch covers and how many objects it held after each, and when each
consumer's workqueue held keys (from its reconciles' triggers). Times are put on one clock that
never goes back (a run's virtual clock can run ahead of the wall clock of the next command).
The read-side entries (deliveries, relists, reconciles, ...) are journaled in batches after the
writes they follow, so their order against revisions is derived, not read: an entry can only
have happened once the revision it names exists, and `cut(R)` is the number of read-side entries
that happened while the store was at revision R or before (the prefix maximum of what they need,
bisected).

Used by kubesim.replay.seek (checkpoints over the read-side entries), state (a frame at R), why
(the causal chain), rebuild, fork, export and the player. Imports the store contract only.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from kubesim.store.base import Event, JournalEntry, Store

#: journal entry types the read side writes (everything but commands)
READ_SIDE = (
    "delivery",
    "relist",
    "reconcile",
    "watch-resume",
    "restart",
    "controlplane",
    "compaction",
    "client",
)
PODS = "/registry/pods/"
NODES = "/registry/minions/"
_BATCH = 20_000
_NODE = b'"nodeName":"'


@dataclass
class Watch:
    """What one consumer's watch covers: key prefixes, and for a kubelet its node's pods only."""

    name: str
    prefixes: tuple[str, ...]
    node: str = ""
    latency: float = 0.0
    kinds: tuple[str, ...] = ()
    #: a client of `kubesim serve` (its watches journaled as it started them), not a process
    client: bool = False

    def watching(self) -> dict[str, Any]:
        """The consumer's `watching()` record, as journaled (kubesim.client.staleness reads it)."""
        return {"prefixes": list(self.prefixes), "node": self.node}

    def covers(self, key: str, node: str | None) -> bool:
        if not key.startswith(self.prefixes):
            return False
        if not self.node:
            return True
        if key.startswith(NODES):  # a kubelet watches its own Node only (metadata.name)
            return key == NODES + self.node
        return not key.startswith(PODS) or node == self.node


@dataclass
class Run:
    """One control plane run: its start entry's position, its stop entry's (-1: none journaled,
    it ran until the next start or the end), the revision it started at, and its consumers."""

    start: int
    stop: int
    revision: int
    watches: list[Watch]

    def running(self, position: int) -> bool:
        """Whether it ran after the first `position` read-side entries had happened."""
        return self.start < position and (self.stop < 0 or position <= self.stop)


@dataclass
class Coverage:
    """The revisions of the events a watch covers, and the objects it held after each."""

    revisions: array = field(default_factory=lambda: array("q"))
    counts: array = field(default_factory=lambda: array("q"))
    live: set[str] = field(default_factory=set)

    def objects_at(self, revision: int) -> int:
        i = bisect_right(self.revisions, revision) - 1
        return self.counts[i] if i >= 0 else 0


class History:
    """The index (see the module docstring). Rebuild it to see revisions written since."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.floor = store.compact_revision()
        self.current = store.current_revision()
        self.first = max(self.floor, 1)
        n = self.current + 1
        #: per revision: its (first) key, event type ("P"ut, "D"elete, "A"dded), node of a pod
        self.keys: list[str | None] = [None] * n
        self.types = bytearray(n)
        #: per revision: the seq of the command that produced it (0: none journaled), its time
        self.producer = array("q", bytes(8 * n))
        self.times = array("d", bytes(8 * n))
        #: per revision: the seq of the reconcile entry whose writes include it (0: none)
        self.writer = array("q", bytes(8 * n))
        #: revisions produced by the user's commands, in order
        self.user_revisions: list[int] = []
        #: per revision: how many revisions up to it a reconcile wrote (the controllers' writes)
        self.controller_writes = array("q")
        #: every command: seq and the running maximum of its revision (for windows of commands)
        self.command_seqs = array("q")
        self.command_max = array("q")
        #: read-side entries: seq, the running maximum of the revision each needs, time
        self.seqs = array("q")
        self.need = array("q")
        self.entry_times = array("d")
        #: per consumer: positions of its reconciles, the latest int trigger of each, the key
        self.reconciles: dict[str, tuple[array, array, list[str]]] = {}
        #: control plane runs, in order (each start entry begins one; a stop entry ends it)
        self.runs: list[Run] = []
        self._run_starts: list[int] = []
        #: per consumer: where its workqueue depth changed (positions) and the depth from there
        #: on, for the keys whose queueing the journal shows (see _queue)
        self.queue_positions: dict[str, array] = {}
        self.queue_depths: dict[str, array] = {}
        #: per reconcile position with a known queueing: (consumer, position its key was queued)
        self.queued_from: dict[int, tuple[str, int]] = {}
        self._queue_deltas: dict[str, list[tuple[int, int]]] = {}
        self._delivered_at: dict[tuple[str, int], int] = {}
        self._listed_at: dict[tuple[str, int], int] = {}
        self._reconcile_end: dict[tuple[str, str], float] = {}
        #: journal times are the control plane's clock: virtual in `kubesim reconcile` (it runs
        #: ahead of the wall clock), the wall clock for commands between runs; `shift` is added so
        #: that the history's times never go back (see _story_time)
        self._shift = 0.0
        self._last_time = 0.0
        self._running = False
        self.watches: dict[str, Watch] = {}
        self.coverage: dict[tuple[tuple[str, ...], str], Coverage] = {}
        #: pods' lifetimes: key, revision created, revision deleted (0: not deleted), by creation
        self.pod_keys: list[str] = []
        self.pod_created = array("q")
        self.pod_deleted = array("q")
        self._open_pods: dict[str, int] = {}
        self.start_time = 0.0
        self._commands: list[tuple[int, int, str, str, float]] = []
        self._read_journal()
        self._finish_queues()
        self._read_events()
        self._resolve_commands()
        self._fill_times()

    # ----------------------------------------------------------------------------- building
    def _read_journal(self) -> None:
        since = 0
        need = 0
        while True:
            batch = self.store.journal(since_seq=since, limit=_BATCH)
            if not batch:
                break
            since = batch[-1].seq
            for e in batch:
                if e.type == "command":
                    self._command(e, self._story_time(e.time, not self._running))
                    continue
                if e.type not in READ_SIDE:
                    continue
                boundary = e.type == "controlplane" and e.verb == "start"
                time = self._story_time(e.time, boundary)
                need = max(need, e.revision)
                position = len(self.seqs)
                self.seqs.append(e.seq)
                self.need.append(need)
                self.entry_times.append(time)
                if e.type == "delivery":
                    self._delivered_at[(e.actor, e.revision)] = position
                elif e.type == "relist":
                    self._listed_at[(e.actor, e.revision)] = position
                elif e.type == "reconcile":
                    self._reconcile(e, position)
                elif boundary:
                    self._start(e, position)
                elif e.type == "client":
                    self._client(e)
                elif e.type == "controlplane" and e.verb == "stop":
                    self._stop(position)

    def _story_time(self, time: float, boundary: bool) -> float:
        """`time` on one clock that never goes back. A control plane run keeps its own clock
        (virtual: `kubesim reconcile` runs ahead of the wall clock); the commands between runs
        are on the wall clock. Where one begins (a start, a command while none runs) earlier
        than what came before, it is shifted to follow it: durations within a run and gaps
        between wall-clock commands are kept, what overlapped is laid end to end."""
        if not time:
            return self._last_time
        if boundary and time + self._shift < self._last_time:
            self._shift = self._last_time - time
        story = time + self._shift
        self._last_time = max(self._last_time, story)
        return story

    def _command(self, e: JournalEntry, time: float) -> None:
        self.command_seqs.append(e.seq)
        last = self.command_max[-1] if self.command_max else 0
        self.command_max.append(max(last, e.revision))
        if 0 < e.revision <= self.current:
            self._commands.append((e.revision, e.seq, sys.intern(e.target), e.actor, time))
        if not self.start_time:
            self.start_time = time

    def _resolve_commands(self) -> None:
        """The command that produced a revision is the first journaled at it for its key (it is
        in the write's transaction; commands that wrote nothing record the current revision)."""
        for r, seq, target, actor, time in self._commands:
            if not self.producer[r] and self.keys[r] == target:
                self.producer[r] = seq
                self.times[r] = time
                if actor == "user":
                    self.user_revisions.append(r)
        self._commands = []
        self.user_revisions.sort()

    def _reconcile(self, e: JournalEntry, position: int) -> None:
        data = e.data or {}
        for write in data.get("writes") or []:
            r = int(write[0])
            if 0 < r <= self.current:
                self.writer[r] = e.seq
        ints = [t for t in data.get("triggers") or [] if isinstance(t, int)]
        positions, triggers, keys = self.reconciles.setdefault(
            e.actor, (array("q"), array("q"), [])
        )
        positions.append(position)
        triggers.append(max(ints, default=0))
        keys.append(sys.intern(e.target))
        self._queue(e, position, data)

    def _queue(self, e: JournalEntry, position: int, data: dict[str, Any]) -> None:
        """The interval this reconcile's key waited in the workqueue (ready, for a worker):
        from the first of its triggers the journal shows arriving (a delivery of that revision
        or a relist, in this run) to this reconcile, which took it. Retries and requeue-afters
        waited on a timer whose end is not journaled: they count only from a later delivery,
        and a key queued while the previous reconcile of it was still running counts from when
        that one finished. What cannot be placed is left out: a depth is never more than what
        was queued."""
        starts = []
        process = self.process_of(e.actor)
        for t in data.get("triggers") or []:
            if isinstance(t, int):
                found = self._delivered_at.get((process, t))
            elif isinstance(t, str) and t.startswith("relist@"):
                try:
                    found = self._listed_at.get((process, int(t[7:])))
                except ValueError:
                    found = None
            else:
                found = None
            if found is not None and found < position:
                starts.append(found)
        key = (e.actor, e.target)
        busy_until = self._reconcile_end.get(key)
        duration = float(data.get("duration") or 0.0)
        self._reconcile_end[key] = self.entry_times[position] + duration
        if not starts:
            return
        start = min(starts)
        if busy_until is not None and self.entry_times[start] < busy_until:
            start = bisect_left(self.entry_times, busy_until, start, position + 1)
            if start >= position:
                return
        deltas = self._queue_deltas.setdefault(process, [])
        deltas.append((start + 1, 1))
        deltas.append((position + 1, -1))
        self.queued_from[position] = (process, start)

    def _finish_queues(self) -> None:
        for name, deltas in self._queue_deltas.items():
            deltas.sort()
            positions, depths = array("q"), array("q")
            depth = 0
            for p, d in deltas:
                depth += d
                if positions and positions[-1] == p:
                    depths[-1] = depth
                else:
                    positions.append(p)
                    depths.append(depth)
            self.queue_positions[name], self.queue_depths[name] = positions, depths
        self._queue_deltas = {}
        self._delivered_at, self._listed_at, self._reconcile_end = {}, {}, {}

    def _stop(self, position: int) -> None:
        self._running = False
        if self.runs and self.runs[-1].stop < 0:
            self.runs[-1].stop = position

    def process_of(self, actor: str) -> str:
        """The consumer process a reconcile's actor (a controller,
        `kube-controller-manager/replicaset`) belongs to: its deliveries, relists, caches and
        queues are the process's (a controller is a consumer of its own only when informers
        were not shared)."""
        return actor if actor in self.watches else actor.partition("/")[0]

    def _start(self, e: JournalEntry, position: int) -> None:
        watches = []
        for name, spec in ((e.data or {}).get("consumers") or {}).items():
            w = Watch(
                name,
                tuple(spec.get("prefixes") or ()),
                spec.get("node") or "",
                float(spec.get("latency") or 0.0),
                tuple(spec.get("kinds") or ()),
            )
            watches.append(w)
            self.watches[name] = w
            self.coverage.setdefault((w.prefixes, w.node), Coverage())
        if self.runs and self.runs[-1].stop < 0:  # the previous run left no stop entry
            self.runs[-1].stop = position
        self.runs.append(Run(position, -1, e.revision, watches))
        self._run_starts.append(position)
        self._running = True
        # a new run: its consumers' deliveries and relists are their own
        self._delivered_at, self._listed_at, self._reconcile_end = {}, {}, {}
        if not self.start_time or self.entry_times[position] < self.start_time:
            self.start_time = self.entry_times[position]

    def _client(self, e: JournalEntry) -> None:
        """A client of `kubesim serve` started a watch: it is a consumer of the run from here,
        its watches together one projection (kubesim.client.staleness.add_client_watch)."""
        from kubesim.client.staleness import add_client_watch

        records: dict[str, dict[str, Any]] = {}
        old = self.watches.get(e.actor)
        if old is not None:
            records[e.actor] = {"prefixes": list(old.prefixes), "kinds": list(old.kinds)}
        add_client_watch(records, e)
        record = records[e.actor]
        w = Watch(e.actor, tuple(record["prefixes"]), "", 0.0, tuple(record["kinds"]), True)
        self.watches[e.actor] = w
        self.coverage.setdefault((w.prefixes, w.node), Coverage())
        if self.runs:
            watches = self.runs[-1].watches
            watches[:] = [x for x in watches if x.name != e.actor] + [w]

    def _read_events(self) -> None:
        start = self.first
        covers = list(self.coverage.items())
        by_node = any(node for (_, node) in self.coverage)
        if self.floor > 1:  # compacted: what each watch held at the floor, then the events
            for kv in self.store.range(PODS, self.floor)[0]:
                self._open_pods[kv.key] = len(self.pod_keys)
                self.pod_keys.append(kv.key)
                self.pod_created.append(self.floor)
                self.pod_deleted.append(0)
            for (prefixes, watch_node), cov in covers:
                for prefix in prefixes:
                    kvs, _ = self.store.range(prefix, self.floor)
                    for kv in kvs:
                        if watch_node and kv.key.startswith(NODES):
                            if kv.key == NODES + watch_node:
                                cov.live.add(kv.key)
                        elif not watch_node or not kv.key.startswith(PODS):
                            cov.live.add(kv.key)
                        elif node_of(kv.value) == watch_node:
                            cov.live.add(kv.key)
        while start <= self.current:
            batch = self.store.events(start, limit=_BATCH)
            if not batch:
                break
            for ev in batch:
                self._event(ev, covers, by_node)
            start = batch[-1].revision + 1

    def _fill_times(self) -> None:
        last = self.start_time
        written = 0
        cumulative = self.controller_writes
        cumulative.append(0)
        for r in range(1, self.current + 1):  # revisions with no command journaled: carry over
            if self.times[r] > last:
                last = self.times[r]
            else:
                self.times[r] = last  # (and never back: a revision is written after the last)
            written += self.writer[r] != 0
            cumulative.append(written)

    def _event(self, ev: Event, covers: list, by_node: bool) -> None:
        r = ev.revision
        if self.keys[r] is None:
            self.keys[r] = sys.intern(ev.key)
            self.types[r] = ord("D" if ev.type == "DELETE" else "A" if ev.version == 1 else "P")
        if ev.key.startswith(PODS):
            self._pod_lifetime(ev)
        node = prev_node = None
        if by_node and ev.key.startswith(PODS):
            node = node_of(ev.value) if ev.type == "PUT" else None
            prev_node = node_of(ev.prev_value) if ev.prev_value else None
        for (prefixes, watch_node), cov in covers:
            if not ev.key.startswith(prefixes):
                continue
            if watch_node and ev.key.startswith(PODS):
                now_in, was_in = node == watch_node, prev_node == watch_node
                if not (now_in or was_in):
                    continue
            elif watch_node and ev.key.startswith(NODES):
                if ev.key != NODES + watch_node:
                    continue  # a kubelet watches its own Node only
                now_in = ev.type == "PUT"
            else:
                now_in = ev.type == "PUT"
            if now_in:
                cov.live.add(ev.key)
            else:
                cov.live.discard(ev.key)
            cov.revisions.append(r)
            cov.counts.append(len(cov.live))

    def _pod_lifetime(self, ev: Event) -> None:
        if ev.type == "DELETE":
            i = self._open_pods.pop(ev.key, None)
            if i is not None:
                self.pod_deleted[i] = ev.revision
        elif ev.key not in self._open_pods:
            self._open_pods[ev.key] = len(self.pod_keys)
            self.pod_keys.append(sys.intern(ev.key))
            self.pod_created.append(ev.revision)
            self.pod_deleted.append(0)

    # ----------------------------------------------------------------------------- queries
    def pods_at(self, revision: int) -> list[str]:
        """The keys of the pods that existed at `revision`."""
        end = bisect_right(self.pod_created, revision)
        deleted = self.pod_deleted
        return [self.pod_keys[i] for i in range(end) if not deleted[i] or deleted[i] > revision]

    def cut(self, revision: int) -> int:
        """How many read-side entries could have happened by the time the store was at
        `revision` (none of them needs a later revision): frames show the moment just after
        revision R was written as `cut(R - 1)`."""
        return bisect_right(self.need, revision)

    def revisions(self) -> range:
        """Every revision replay can show (from the oldest kept one)."""
        return range(max(self.first, 2) if self.current > 1 else 1, self.current + 1)

    def run_at(self, position: int) -> Run | None:
        """The control plane running after the first `position` read-side entries (None: none
        was, nothing was reading the write model then)."""
        i = bisect_left(self._run_starts, position) - 1
        if i < 0 or not self.runs[i].running(position):
            return None
        return self.runs[i]

    def queue_depth(self, consumer: str, position: int) -> int:
        """Keys in the consumer's workqueue after the first `position` entries, as far as the
        journal shows them (see _queue)."""
        positions = self.queue_positions.get(consumer)
        if not positions:
            return 0
        i = bisect_right(positions, position) - 1
        return max(0, self.queue_depths[consumer][i]) if i >= 0 else 0

    def covered(self, watch: Watch) -> Coverage:
        return self.coverage[(watch.prefixes, watch.node)]

    def commands_window(self, revision: int, keep: int) -> tuple[int, int]:
        """(first seq - 1, how many) of the last `keep` commands journaled at <= revision."""
        j = bisect_right(self.command_max, revision)
        i = max(0, j - keep)
        if j == 0:
            return 0, 0
        return self.command_seqs[i] - 1, j - i

    def entry(self, seq: int, types: tuple[str, ...] | None = None) -> JournalEntry | None:
        """One journal entry by its seq."""
        if seq <= 0:
            return None
        found = self.store.journal(types=list(types) if types else None, since_seq=seq - 1, limit=1)
        return found[0] if found and found[0].seq == seq else None

    def producer_entry(self, revision: int) -> JournalEntry | None:
        if not 0 < revision <= self.current:
            return None
        return self.entry(self.producer[revision], ("command",))

    def writer_entry(self, revision: int) -> JournalEntry | None:
        if not 0 < revision <= self.current:
            return None
        return self.entry(self.writer[revision], ("reconcile",))

    def previous_reconcile(self, actor: str, key: str, position: int) -> int | None:
        """The position of `actor`'s last reconcile of `key` before `position`."""
        found = self.reconciles.get(actor)
        if found is None:
            return None
        positions, _, keys = found
        i = bisect_left(positions, position) - 1
        while i >= 0:
            if keys[i] == key:
                return positions[i]
            i -= 1
        return None

    def position_of(self, seq: int) -> int:
        return bisect_left(self.seqs, seq)

    def next_user(self, revision: int) -> int | None:
        i = bisect_right(self.user_revisions, revision)
        return self.user_revisions[i] if i < len(self.user_revisions) else None

    def previous_user(self, revision: int) -> int | None:
        i = bisect_left(self.user_revisions, revision) - 1
        return self.user_revisions[i] if i >= 0 else None

    def revision_at_time(self, seconds: float) -> int:
        """The last revision written at or before `seconds` since the start."""
        target = self.start_time + seconds
        lo, hi = self.revisions().start, self.current
        while lo < hi:  # times are non-decreasing
            mid = (lo + hi + 1) // 2
            if self.times[mid] <= target:
                lo = mid
            else:
                hi = mid - 1
        return lo


def node_of(value: bytes | None) -> str | None:
    """A pod's spec.nodeName, found in its canonical JSON without decoding it."""
    if not value:
        return None
    i = value.find(_NODE)
    if i < 0:
        return None
    i += len(_NODE)
    return value[i : value.index(b'"', i)].decode()


def event_type(code: int) -> str:
    return {ord("A"): "ADDED", ord("D"): "DELETED"}.get(code, "MODIFIED")
