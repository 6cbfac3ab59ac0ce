"""Each consumer's read-side state at any point of the journal, from checkpoints: seeking is fast.

`ReadSide` folds the read-side journal entries (deliveries, relists, reconciles, restarts) into
what the Projection panel shows per consumer of the control plane run then: its projection
revision (its last relist, then deliveries), deliveries, its last reconcile and outcome, its
relists and the cost of the last one. A control plane start entry begins a run with new,
empty consumers (each LISTs); a stop entry ends it. `Seeker` keeps a copy of that
state every CHECKPOINT entries (built in one pass over the journal); `at(position)` copies the
checkpoint at or before `position` and folds at most CHECKPOINT entries read back from the store
by seq, so a seek costs one small journal read whatever the length of the history.

Used by kubesim.replay.state (frames), rebuild (the live projection's revision) and the benchmark.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from kubesim.replay.history import READ_SIDE, History
from kubesim.store.base import JournalEntry

#: read-side entries between two checkpoints: a seek folds at most this many
CHECKPOINT = 256


@dataclass
class ConsumerState:
    """One consumer in the control plane run then (a new run starts it afresh, with a LIST)."""

    #: the projection's revision: its last relist's, then the last revision delivered
    revision: int = 0
    #: the revision of its last relist in this run (0: it has not listed yet, it has no cache)
    listed: int = 0
    deliveries: int = 0
    reconciles: int = 0
    last_reconcile: str = ""
    last_outcome: str = ""
    relists: int = 0
    relist_objects: int = 0
    relist_seconds: float = 0.0
    restarts: int = 0


@dataclass
class ReadSide:
    #: the consumers of the last control plane run up to then (its start entry resets them)
    consumers: dict[str, ConsumerState] = field(default_factory=dict)
    #: whether that run was still going (no stop entry yet)
    running: bool = False
    #: totals over the whole history
    deliveries: int = 0
    reconciles: int = 0
    listed: int = 0
    #: the reads the API server served in the current run (LIST items and deliveries): the
    #: summary's reads figure for that run
    run_reads: int = 0
    #: time of the last entry folded in (the journal's clock; frames use History.entry_times)
    time: float = 0.0

    def fold(self, e: JournalEntry) -> None:
        if e.time:
            self.time = max(self.time, e.time)
        if e.type == "controlplane":
            if e.verb == "start":  # a new control plane: new consumers, empty projections
                self.consumers = {}
                self.running = True
                self.run_reads = 0
            elif e.verb == "stop":
                self.running = False
            return
        if e.type not in READ_SIDE or e.type == "compaction":
            return
        name = e.actor if e.actor in self.consumers else e.actor.partition("/")[0]
        c = self.consumers.get(name)
        if c is None:
            c = self.consumers[name] = ConsumerState()
        if e.type == "client":  # a client's watch starts from its resourceVersion
            c.revision = max(c.revision, e.revision)
        elif e.type == "delivery":
            c.revision = max(c.revision, e.revision)
            c.deliveries += 1
            self.deliveries += 1
            self.run_reads += 1
        elif e.type == "relist":
            data = e.data or {}
            fresh = e.outcome in ("start", "restart") or not c.listed
            c.revision = e.revision if fresh else max(c.revision, e.revision)
            c.listed = e.revision
            c.relists += 1
            c.relist_objects = int(data.get("objects", 0))
            c.relist_seconds = float(data.get("seconds", 0.0))
            self.listed += c.relist_objects
            self.run_reads += c.relist_objects
        elif e.type == "reconcile":
            self.run_reads += int((e.data or {}).get("reads", 0))  # live reads past the cache
            c.reconciles += 1
            controller = e.actor.rpartition("/")[2]
            target = e.target if name == e.actor else f"{controller} {e.target}"
            c.last_reconcile, c.last_outcome = target, e.outcome
            self.reconciles += 1
        elif e.type == "restart":  # its cache is dropped until the relist that follows
            c.restarts += 1
            c.listed = 0


class Seeker:
    def __init__(self, history: History, every: int = CHECKPOINT) -> None:
        self.history = history
        self.every = every
        self.checkpoints: list[ReadSide] = []
        self._build()

    def _build(self) -> None:
        h = self.history
        state = ReadSide()
        position = 0
        since = 0
        total = len(h.seqs)
        while position < total:
            batch = h.store.journal(types=list(READ_SIDE), since_seq=since, limit=20_000)
            if not batch:
                break
            for e in batch:
                if position % self.every == 0:
                    self.checkpoints.append(copy.deepcopy(state))
                state.fold(e)
                position += 1
            since = batch[-1].seq
        if position % self.every == 0:
            self.checkpoints.append(copy.deepcopy(state))

    def at(self, position: int) -> ReadSide:
        """The read side after the first `position` read-side entries."""
        h = self.history
        position = max(0, min(position, len(h.seqs)))
        i = min(position // self.every, len(self.checkpoints) - 1)
        state = copy.deepcopy(self.checkpoints[i])
        start = i * self.every
        if position > start:
            entries = h.store.journal(
                types=list(READ_SIDE), since_seq=h.seqs[start] - 1, limit=position - start
            )
            for e in entries:
                state.fold(e)
        return state
