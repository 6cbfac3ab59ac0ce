"""What one frame of the four-stage view shows: plain data, no behaviour.

A `StageState` is a snapshot of the control plane at one moment, already reduced to what the
panels print (the latest rows, counts for the rest). `kubesim.sim.snapshot` builds it from a
running ControlPlane for the live view (`kubesim up`); replay builds it from the journal at a
past revision. `kubesim.view.stages` renders it. Imports nothing of kubesim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Header:
    revision: int = 0
    #: control plane time since it started, in seconds
    clock: float = 0.0
    speed: float = 1.0
    paused: bool = False
    reads: int = 0
    writes: int = 0
    #: faults switched on, as the header shows them ("duplicate delivery 30%")
    faults: list[str] = field(default_factory=list)
    #: the last thing a key did ("restarted scheduler: LIST 6 objects in 0.3 ms")
    message: str = ""
    #: "live" or "replay"
    mode: str = "live"


@dataclass
class CommandRow:
    actor: str
    verb: str
    #: what the command names (namespace is "" for cluster-scoped kinds)
    kind: str
    namespace: str
    name: str
    #: created, configured, unchanged, patched, deleted, conflict, rejected ...
    outcome: str
    #: the revision it produced (the current one if it wrote nothing)
    revision: int
    #: the store key, to match a followed object
    key: str = ""
    followed: bool = False

    @classmethod
    def of(cls, entry: Any, followed: bool = False) -> CommandRow:
        """The row of a journal "command" entry (a kubesim.store JournalEntry)."""
        data = entry.data or {}
        return cls(
            entry.actor,
            entry.verb,
            data.get("kind", ""),
            data.get("namespace") or "",
            data.get("name", "") or entry.target,
            entry.outcome,
            entry.revision,
            entry.target,
            followed=followed,
        )


@dataclass
class EventRow:
    revision: int
    #: ADDED, MODIFIED or DELETED
    type: str
    kind: str
    namespace: str
    name: str
    key: str = ""
    #: consumers the event has reached, and those it is still on its way to
    delivered: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    followed: bool = False


@dataclass
class ProjectionRow:
    consumer: str
    #: the projection's revision: the last revision delivered or listed
    revision: int
    cached: int
    queue_depth: int
    last_reconcile: str = ""
    last_outcome: str = ""
    relists: int = 0
    #: the last relist: objects listed and wall milliseconds (the cost of a rebuild)
    relist_objects: int = 0
    relist_ms: float = 0.0
    followed: bool = False
    #: the kinds its informers watch, by kubectl's short names (`deploy,rs,po`)
    watches: str = ""


@dataclass
class StalenessRow:
    consumer: str
    #: revisions of its kinds after its projection's revision (kubesim.client.staleness)
    events_behind: int
    #: age of the oldest of them, in control plane seconds
    seconds_behind: float
    followed: bool = False


@dataclass
class GenerationRow:
    """An object whose spec changed (generation) but no controller has said it saw it yet."""

    kind: str
    name: str
    generation: int
    observed: int

    @classmethod
    def of(cls, kind: str, obj: dict[str, Any]) -> GenerationRow | None:
        """The row of an object whose metadata.generation is ahead of its
        status.observedGeneration (the namespace shown unless it is default), else None."""
        md = obj["metadata"]
        generation = int(md.get("generation") or 0)
        observed = int((obj.get("status") or {}).get("observedGeneration") or 0)
        if generation <= observed:
            return None
        ns = md.get("namespace") or ""
        shown = md["name"] if ns in ("default", "") else f"{ns}/{md['name']}"
        return cls(kind, shown, generation, observed)


@dataclass
class DeploymentRow:
    name: str
    desired: int
    #: pods of the deployment in the write model, and of those, Running
    pods: int
    running: int


@dataclass
class ChainStep:
    """One link of a followed object's causal chain: command -> event -> deliveries ->
    reconciles -> new commands."""

    stage: str
    text: str
    revision: int = 0


@dataclass
class Follow:
    #: what is followed, and its store key
    kind: str
    namespace: str
    name: str
    key: str
    chain: list[ChainStep] = field(default_factory=list)


@dataclass
class Counts:
    """Totals since the start, for panels that show only the latest rows."""

    commands: int = 0
    events: int = 0
    deliveries: int = 0
    reconciles: int = 0
    #: events per second of wall time over the last second or so
    events_per_second: float = 0.0


@dataclass
class StageState:
    header: Header = field(default_factory=Header)
    #: oldest first; the renderer shows as many of the latest as fit
    commands: list[CommandRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    projections: list[ProjectionRow] = field(default_factory=list)
    staleness: list[StalenessRow] = field(default_factory=list)
    generations: list[GenerationRow] = field(default_factory=list)
    deployments: list[DeploymentRow] = field(default_factory=list)
    follow: Follow | None = None
    counts: Counts = field(default_factory=Counts)
    #: a prompt the footer shows instead of the keys ("restart which consumer? 1-8")
    prompt: str = ""
    show_help: bool = False
    #: narration shown under the header (the demo; replay later): the first line is a title,
    #: the rest is text, lines starting with "$ " are commands; "" shows nothing
    caption: str = ""
