"""The control plane as plain stage lines: command, event, delivery, reconcile, relist.

`StageLog` observes a ControlPlane (its `observers` hook) and writes one line per stage, with the
virtual time and the revision, e.g.

    0.000s  r12    command    user apply Deployment default/web -> created
    0.000s  r12    event      ADDED deployments default/web -> 5 consumers
    0.010s  r13    reconcile  deployment-controller default/web (triggered by r12) -> wrote r13

Used by `kubesim reconcile` and by `kubesim up` without a TTY (or with --plain). Plain text only:
no escape codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.store.base import JournalEntry


class StageLog:
    def __init__(self, plane: Any, write: Callable[[str], None], *, verbose: bool = False) -> None:
        self.plane = plane
        self.write = write
        self.verbose = verbose
        self.start = plane.clock.now()
        self._command_seq = _last_seq(plane.store)
        plane.observers.append(self.observe)

    def _line(self, t: float, revision: int | str, stage: str, text: str) -> None:
        rev = f"r{revision}" if revision != "" else ""
        self.write(f"{t - self.start:8.3f}s  {rev:<6} {stage:<10} {text}")

    def commands(self, indent: str = "") -> None:
        """Print the commands journaled since the last call (user and controller writes).

        Writes of Event objects (what `describe` shows) are left out unless verbose."""
        for c in self.plane.store.journal(types=["command"], since_seq=self._command_seq):
            self._command_seq = c.seq
            data = c.data or {}
            if data.get("kind") == "Event" and not self.verbose:
                continue
            what = f"{data.get('kind', '')} {_ns_name(data)}".strip() or c.target
            self._line(
                self.plane.clock.now(),
                c.revision,
                indent + "command",
                f"{c.actor} {c.verb} {what} -> {c.outcome}",
            )

    def observe(self, item: WatchEvent | JournalEntry) -> None:
        if isinstance(item, WatchEvent):
            self.commands()
            md = item.obj["metadata"]
            wanted = [
                c.name
                for c in self.plane.consumers
                if any(i.wants(item) for i in c.informers.values())
            ]
            if not wanted and not self.verbose:
                return  # nobody watches it (Events): not a stage of the flow
            who = f"{len(wanted)} consumers" if len(wanted) > 3 else ", ".join(wanted) or "nobody"
            name = f"{md.get('namespace')}/{md['name']}" if md.get("namespace") else md["name"]
            self._line(
                self.plane.clock.now(),
                item.revision,
                "event",
                f"{item.type} {item.kind.plural} {name} -> {who}",
            )
            return
        entry = item
        if entry.type == "reconcile":
            data = entry.data or {}
            triggers = (
                ", ".join(
                    f"r{t}" if isinstance(t, int) else str(t) for t in data.get("triggers") or []
                )
                or "requeue"
            )
            writes = data.get("writes") or []
            result = entry.outcome
            if writes:
                result = "wrote " + ", ".join(f"r{w[0]}" for w in writes)
            self._line(
                entry.time,
                entry.revision,
                "reconcile",
                f"{entry.actor} {entry.target} (triggered by {triggers}) -> {result}",
            )
            self.commands(indent="  ")
        elif entry.type == "relist":
            data = entry.data or {}
            self._line(
                entry.time,
                entry.revision,
                "relist",
                f"{entry.actor}: LIST {data.get('objects', 0)} objects "
                f"({entry.outcome}) in {data.get('seconds', 0) * 1000:.1f} ms",
            )
        elif entry.type == "delivery" and self.verbose:
            self._line(
                entry.time,
                entry.revision,
                "deliver",
                f"{entry.actor} {entry.verb} {entry.target}"
                + (" (duplicate)" if entry.outcome == "duplicate" else ""),
            )
        elif entry.type in ("watch-resume", "compaction", "restart"):
            self._line(entry.time, entry.revision, entry.type, entry.actor)


def _ns_name(data: dict) -> str:
    if data.get("namespace"):
        return f"{data['namespace']}/{data.get('name', '')}"
    return data.get("name", "")


def _last_seq(store: Any) -> int:
    entries = store.journal(types=["command"], limit=None)
    return entries[-1].seq if entries else 0
