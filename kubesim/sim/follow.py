"""The causal chain of one followed object: command -> event -> deliveries -> reconciles -> the
commands those reconciles issued.

Everything about the object is recorded per revision (its last few events, the deliveries and
reconciles each one triggered, the commands on it and the commands those reconciles issued);
the chain shown starts at the latest change: a command from outside the control plane (a user),
or an event that changes what is asked (ADDED, DELETED, generation ahead of observedGeneration,
or any change of a kind without generations). A controller's status update in answer is one of
the commands caused, not a new chain. Fed by kubesim.sim.snapshot's StageTracker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kubesim.store.base import JournalEntry
from kubesim.view.state import ChainStep, Follow

_KEEP = 16
_MAX_STEPS = 40


class FollowChain:
    def __init__(
        self,
        key: str,
        kind: str,
        namespace: str,
        name: str,
        now: Callable[[], float],
        consumers: Iterable[str],
    ) -> None:
        self.key, self.kind, self.namespace, self.name = key, kind, namespace, name
        self.now = now
        self.internal = set(consumers) | {"kube-apiserver"}
        #: revision -> (type, time polled, starts a chain)
        self.events: dict[int, tuple[str, float, bool]] = {}
        self.deliveries: dict[int, list[tuple[str, float]]] = {}
        self.reconciles: dict[int, list[JournalEntry]] = {}
        self.commands: dict[int, JournalEntry] = {}
        #: revision written by a recorded reconcile -> the command that wrote it
        self.caused: dict[int, JournalEntry | None] = {}
        self._generation: int | None = None

    def seed(
        self,
        commands: Iterable[JournalEntry],
        events: Iterable[Any],
        reconciles: Iterable[JournalEntry] = (),
    ) -> None:
        """Start from the commands, events, deliveries and reconciles already seen."""
        commands = list(commands)
        users = {
            c.revision for c in commands if c.target == self.key and c.actor not in self.internal
        }
        for ev in events:
            if ev.key == self.key:
                at = ev.delivered[0][1] if ev.delivered else self.now()
                starts = ev.type != "MODIFIED" or ev.revision in users
                self.events[ev.revision] = (ev.type, at, starts)
                self.deliveries[ev.revision] = list(ev.delivered)
                self._generation = ev.generation
        for entry in reconciles:
            self.on_reconcile(entry)
        for command in commands:
            self.on_command(command)

    # ----------------------------------------------------------------------------- feeding
    def on_event(self, ev: Any) -> None:
        if ev.key != self.key:
            return
        md = ev.obj["metadata"]
        generation = md.get("generation")
        observed = (ev.obj.get("status") or {}).get("observedGeneration") or 0
        if ev.type != "MODIFIED" or generation is None:
            starts = True
        elif self._generation is not None:
            starts = generation != self._generation
        else:
            starts = generation > observed
        self._generation = generation
        self.events[ev.revision] = (ev.type, self.now(), starts)
        _trim(self.events)

    def on_command(self, entry: JournalEntry) -> None:
        if entry.revision in self.caused and self.caused[entry.revision] is None:
            self.caused[entry.revision] = entry
        elif entry.target == self.key:
            known = self.commands.get(entry.revision)
            if known is None or entry.outcome not in ("conflict", "rejected", "unchanged"):
                self.commands[entry.revision] = entry
            _trim(self.commands)

    def on_delivery(self, entry: JournalEntry) -> None:
        if entry.target == self.key and entry.revision in self.events:
            self.deliveries.setdefault(entry.revision, []).append((entry.actor, entry.time))
            _trim(self.deliveries)

    def on_reconcile(self, entry: JournalEntry) -> None:
        data = entry.data or {}
        for trigger in data.get("triggers") or []:
            if trigger in self.events:
                found = self.reconciles.setdefault(trigger, [])
                if len(found) < _MAX_STEPS:
                    found.append(entry)
                for w in data.get("writes") or []:
                    self.caused.setdefault(w[0], None)
                _trim(self.reconciles)
                if len(self.caused) > _MAX_STEPS * 4:
                    for rev in sorted(self.caused)[: len(self.caused) - _MAX_STEPS * 4]:
                        del self.caused[rev]
                return

    # ----------------------------------------------------------------------------- reading
    def root(self) -> int:
        starts = [rev for rev, c in self.commands.items() if c.actor not in self.internal]
        starts += [rev for rev, (_, _, s) in self.events.items() if s]
        if starts:
            return max(starts)
        return max([*self.events, *self.commands], default=0)

    def _writes(self, root: int) -> list[int]:
        return [
            w[0] for r in self.reconciles.get(root, []) for w in (r.data or {}).get("writes") or []
        ]

    def revisions(self) -> set[int]:
        root = self.root()
        return {root, *self._writes(root)} if root else set()

    def consumers(self) -> set[str]:
        root = self.root()
        return {n for n, _ in self.deliveries.get(root, [])} | {
            r.actor for r in self.reconciles.get(root, [])
        }

    def state(self) -> Follow:
        root = self.root()
        steps: list[ChainStep] = []
        command = self.commands.get(root)
        if command is not None:
            steps.append(ChainStep("command", _command(command), root))
        event = self.events.get(root)
        if event is not None:
            type_, at, _ = event
            plural = self.key.split("/")[2] if self.key.count("/") >= 2 else self.kind
            where = f"{self.namespace}/{self.name}" if self.namespace else self.name
            steps.append(ChainStep("event", f"r{root} {type_} {plural} {where}", root))
            delivered = self.deliveries.get(root, [])
            if delivered:
                steps.append(
                    ChainStep(
                        "delivery",
                        ", ".join(f"{name} +{(t - at) * 1000:.0f}ms" for name, t in delivered),
                        root,
                    )
                )
        elif command is not None:
            wrote = command.outcome not in ("unchanged", "rejected", "conflict")
            steps.append(
                ChainStep(
                    "event",
                    "none yet: the control plane has not polled it"
                    if wrote
                    else "none: the command changed nothing",
                )
            )
        for r in self.reconciles.get(root, []):
            writes = (r.data or {}).get("writes") or []
            result = ("wrote " + ", ".join(f"r{w[0]}" for w in writes)) if writes else r.outcome
            steps.append(ChainStep("reconcile", f"{r.actor} {r.target} -> {result}", r.revision))
        for rev in self._writes(root):
            caused = self.caused.get(rev)
            if caused is not None:
                steps.append(ChainStep("command", _command(caused), rev))
        return Follow(self.kind, self.namespace, self.name, self.key, steps)


def _trim(d: dict) -> None:
    while len(d) > _KEEP:
        del d[next(iter(d))]


def _command(entry: JournalEntry) -> str:
    data = entry.data or {}
    ns, name = data.get("namespace"), data.get("name", "")
    what = f"{data.get('kind', '')} {ns + '/' if ns else ''}{name}".strip() or entry.target
    return f"{entry.actor} {entry.verb} {what} -> {entry.outcome} r{entry.revision}"
