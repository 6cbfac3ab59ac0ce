"""Clients of `kubesim serve` in the live view: consumers outside the control plane.

A kubectl watch, a Python client or a learner's kopf operator keeps its own projection, fed by
the front's watch stream; the front journals its LISTs (`relist`), its watch starts (`client`)
and each event written to it (`delivery`), under the client's name. `ClientProjections.refresh()`
reads those entries incrementally (a few queries per frame, by actor) and `rows()` gives the
Projection and Staleness rows the view draws beside the control plane's processes, with the
staleness counted by kubesim.client.staleness as for every consumer. Used by sim/snapshot.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubesim.client.staleness import add_client_watch, unseen
from kubesim.view.plain import short_kinds
from kubesim.view.state import ProjectionRow, StalenessRow


@dataclass
class ClientState:
    name: str
    watch: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    #: journal seq of the last entry read for this client
    seq: int = 0
    relists: int = 0
    listed: int = 0
    watches: int = 0
    deliveries: int = 0
    #: when its projection last moved (journal time), for the age of what it has not seen
    moved: float = 0.0


class ClientProjections:
    def __init__(self, store: Any, since_seq: int = 0) -> None:
        self.store = store
        self._seq = since_seq
        self._run_found = False
        self._run_seq = 0
        self.clients: dict[str, ClientState] = {}
        self._records: dict[str, dict[str, Any]] = {}

    def refresh(self) -> None:
        if not self._run_found:  # only the clients of this run: from its start entry on
            starts = self.store.journal(types=["controlplane"], since_seq=self._seq)
            start = next((e for e in reversed(starts) if e.verb == "start"), None)
            if start is None:
                return
            self._seq = self._run_seq = start.seq
            self._run_found = True
        for e in self.store.journal(types=["client"], since_seq=self._seq):
            self._seq = e.seq
            add_client_watch(self._records, e)
            # from the run's start: its LISTs before its first watch count too
            state = self.clients.setdefault(e.actor, ClientState(e.actor, seq=self._run_seq))
            state.watch = self._records[e.actor]
            state.revision = max(state.revision, e.revision)
            state.watches += 1
        for state in self.clients.values():
            entries = self.store.journal(
                types=["delivery", "relist"], since_seq=state.seq, actor=state.name
            )
            for e in entries:
                state.seq = e.seq
                state.revision = max(state.revision, e.revision)
                state.moved = e.time
                if e.type == "relist":
                    state.relists += 1
                    state.listed = int((e.data or {}).get("objects", 0))
                else:
                    state.deliveries += 1

    def summary_rows(self) -> list[list[str]]:
        """The summary's process-table rows of the clients (see sim/summary.consumer_table)."""
        self.refresh()
        return [
            [
                f"{c.name} (http)",
                f"r{c.revision}",
                str(unseen(self.store, c.watch, c.revision).events),
                str(c.listed),
                str(c.relists),
                str(c.watches),
                str(c.deliveries),
                str(c.relists),
            ]
            for c in self.clients.values()
        ]

    def rows(self, now: float) -> tuple[list[ProjectionRow], list[StalenessRow]]:
        projections, staleness = [], []
        for state in self.clients.values():
            kinds = short_kinds(state.watch.get("kinds") or ())
            projections.append(
                ProjectionRow(
                    state.name,
                    state.revision,
                    state.listed,
                    0,
                    relists=state.relists,
                    relist_objects=state.listed,
                    watches=f"{kinds} (http)",
                )
            )
            behind = unseen(self.store, state.watch, state.revision)
            age = max(0.0, now - state.moved) if behind.events and state.moved else 0.0
            staleness.append(StalenessRow(state.name, behind.events, age))
        return projections, staleness
