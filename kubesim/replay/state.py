"""One frame of the four-stage view at a past revision, built from the store and the journal.

`Timeline(store)` indexes the history once (history.py, seek.py); `frame(revision)` gives the
`StageState` the live view would have shown while the store was at that revision: the moment just
after that revision was written (the last revision: the end of the history). The commands up to
it (the one that produced it marked, and in the header which reconcile of which controller issued
it), the events with the consumers each had reached and those it was still on its way to, each
consumer's projection revision, cached objects, queue and last reconcile, and how far each was
behind then. It re-runs nothing: every row is read from the journal or the store's history.

Used by the replay player, `--auto`, the exports and lesson checks; rendered by kubesim.view.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from kubesim.model.objects import loads
from kubesim.replay.history import History, Watch, event_type, node_of
from kubesim.replay.seek import ConsumerState, ReadSide, Seeker
from kubesim.replay.why import link_of, produced_by, target_of
from kubesim.store.base import Store
from kubesim.view.state import (
    ChainStep,
    CommandRow,
    Counts,
    DeploymentRow,
    EventRow,
    Follow,
    GenerationRow,
    Header,
    ProjectionRow,
    StageState,
    StalenessRow,
)

#: rows kept per panel (the live view keeps as many)
KEEP = 60
#: the Deployments panel reads each live pod at the revision: up to this many
MAX_PODS = 300
#: reconciles looked ahead to count a consumer's queued keys
QUEUE_LOOKAHEAD = 64


class Timeline:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.history = History(store)
        self.seeker = Seeker(self.history)
        self._follow_revisions: dict[str, list[int]] = {}

    def frame(self, revision: int, follow: str | None = None) -> StageState:
        """The four stages while the store was at `revision` (`follow`: a store key to mark)."""
        h = self.history
        revision = max(h.revisions().start, min(revision, h.current))
        # the moment just after `revision` was written: what the read side could have done
        # before it (the last revision: everything, the history's end)
        position = h.cut(revision - 1) if revision < h.current else len(h.seqs)
        side = self.seeker.at(position)
        now = max(h.times[revision], side.time)
        watches = h.watches_at(position)
        state = StageState(
            header=Header(
                revision=revision,
                clock=max(0.0, now - h.start_time),
                speed=0.0,
                paused=True,
                reads=side.deliveries + side.listed,
                writes=h.controller_writes[revision],
                message=produced_by(h, revision),
                mode="replay",
            ),
            counts=Counts(
                commands=0,
                events=revision - h.revisions().start + 1,
                deliveries=side.deliveries,
                reconciles=side.reconciles,
            ),
        )
        state.counts.commands = self._commands(state, revision, follow)
        self._events(state, revision, position, side, watches, follow)
        self._projections(state, revision, position, side, watches, now)
        self._workload(state, revision)
        if follow:
            state.follow = self._follow(follow, revision)
        return state

    # ----------------------------------------------------------------------------- panels
    def _commands(self, state: StageState, revision: int, follow: str | None) -> int:
        h = self.history
        since, count = h.commands_window(revision, KEEP)
        producer = h.producer[revision]
        for c in self.store.journal(types=["command"], since_seq=since, limit=count):
            followed = c.seq == producer or (follow is not None and c.target == follow)
            state.commands.append(CommandRow.of(c, followed))
        return bisect_right(h.command_max, revision)

    def _events(
        self,
        state: StageState,
        revision: int,
        position: int,
        side: ReadSide,
        watches: list[Watch],
        follow: str | None,
    ) -> None:
        h = self.history
        low = max(h.revisions().start, revision - KEEP + 1)
        events = self.store.events(low, end_revision=revision)
        delivered: dict[int, list[str]] = {}
        start = h.cut(low - 1)
        if position > start:
            entries = self.store.journal(
                types=["delivery"], since_seq=h.seqs[start] - 1, limit=position - start
            )
            bound = h.seqs[position] if position < len(h.seqs) else None
            for e in entries:
                if bound is not None and e.seq >= bound:
                    break
                names = delivered.setdefault(e.revision, [])
                if e.actor not in names:
                    names.append(e.actor)
        for ev in events:
            obj = loads(ev.value)
            md = obj.get("metadata") or {}
            got = list(delivered.get(ev.revision, []))
            node = node_of(ev.value) or node_of(ev.prev_value)
            pending = []
            for w in watches:
                if w.name in got or not w.covers(ev.key, node if w.node else None):
                    continue
                if _consumer(side, w.name).revision < ev.revision:
                    pending.append(w.name)
                else:
                    got.append(w.name)  # it came with a LIST (or a resumed watch)
            state.events.append(
                EventRow(
                    ev.revision,
                    "DELETED" if ev.type == "DELETE" else ("ADDED" if ev.is_create else "MODIFIED"),
                    obj.get("kind", ""),
                    md.get("namespace") or "",
                    md.get("name", ""),
                    ev.key,
                    delivered=got,
                    pending=pending,
                    followed=ev.revision == revision or (follow is not None and ev.key == follow),
                )
            )

    def _projections(
        self,
        state: StageState,
        revision: int,
        position: int,
        side: ReadSide,
        watches: list[Watch],
        now: float,
    ) -> None:
        h = self.history
        for w in watches:
            c = _consumer(side, w.name)
            coverage = h.covered(w)
            state.projections.append(
                ProjectionRow(
                    w.name,
                    c.revision,
                    coverage.objects_at(c.revision),
                    self._queued(w.name, position, c.revision),
                    c.last_reconcile,
                    c.last_outcome,
                    c.relists,
                    c.relist_objects,
                    c.relist_seconds * 1000,
                )
            )
            behind = coverage.between(c.revision, revision)
            oldest = coverage.first_after(c.revision, revision)
            seconds = max(0.0, now - h.times[oldest]) if oldest is not None else 0.0
            state.staleness.append(StalenessRow(w.name, behind, seconds))

    def _queued(self, consumer: str, position: int, projection: int) -> int:
        """Keys in the consumer's workqueue then: its next reconciles whose triggers it had
        already received (they were queued, waiting for a worker)."""
        found = self.history.reconciles.get(consumer)
        if found is None:
            return 0
        positions, triggers, keys = found
        i = bisect_left(positions, position)
        queued: set[str] = set()
        for j in range(i, min(i + QUEUE_LOOKAHEAD, len(positions))):
            if triggers[j] > projection:
                break
            queued.add(keys[j])
        return len(queued)

    def _workload(self, state: StageState, revision: int) -> None:
        """Deployments against their pods, and generations not yet observed, at `revision`."""
        try:
            deployments, _ = self.store.range("/registry/deployments/", revision)
            if not deployments:
                return
            replicasets, _ = self.store.range("/registry/replicasets/", revision)
            live = self.history.pods_at(revision)
            if len(live) > MAX_PODS:  # one read per pod: past a few hundred, leave the panel out
                return
            pods = [kv for kv in (self.store.get(k, revision) for k in live) if kv is not None]
        except Exception:  # noqa: BLE001 - the panel is optional; a frame never fails for it
            return
        owner_of_rs: dict[tuple[str, str], str] = {}
        for kv in replicasets:
            rs = loads(kv.value)
            _generation(state, "ReplicaSet", rs)
            ref = _controller(rs, "Deployment")
            if ref:
                owner_of_rs[(rs["metadata"].get("namespace", ""), rs["metadata"]["name"])] = ref
        counts: dict[tuple[str, str], list[int]] = {}
        for kv in pods:
            pod = loads(kv.value)
            md = pod["metadata"]
            rs = _controller(pod, "ReplicaSet")
            deploy = owner_of_rs.get((md.get("namespace", ""), rs)) if rs else None
            if deploy:
                c = counts.setdefault((md.get("namespace", ""), deploy), [0, 0])
                c[0] += 1
                running = (pod.get("status") or {}).get("phase") == "Running"
                c[1] += running and not md.get("deletionTimestamp")
        for kv in deployments[:6]:
            d = loads(kv.value)
            ns, name = d["metadata"].get("namespace", ""), d["metadata"]["name"]
            pods_n, running = counts.get((ns, name), [0, 0])
            shown = name if ns == "default" else f"{ns}/{name}"
            replicas = int((d.get("spec") or {}).get("replicas", 1))
            state.deployments.append(DeploymentRow(shown, replicas, pods_n, running))
            _generation(state, "Deployment", d)
        state.generations = state.generations[:6]

    def _follow(self, key: str, revision: int) -> Follow:
        h = self.history
        revisions = self._follow_revisions.get(key)
        if revisions is None:
            revisions = [r for r, k in enumerate(h.keys) if k == key]
            self._follow_revisions[key] = revisions
        parts = key.split("/")
        namespaced = len(parts) >= 5
        follow = Follow(
            kind=parts[2] if len(parts) > 2 else "",
            namespace=parts[-2] if namespaced else "",
            name=parts[-1],
            key=key,
        )
        for r in revisions:
            if r > revision:
                break
            link = link_of(h, r)
            if link is None:
                continue
            follow.kind = link.kind or follow.kind
            stage = "command" if link.actor == "user" else "reconcile"
            text = f"r{r} {event_type(h.types[r]).lower()} by {link.actor} {link.verb}"
            if link.reconcile:
                text += f" (reconcile of {link.reconcile}"
                ints = [str(t) for t in link.triggers]
                text += f", triggered by {', '.join(ints)})" if ints else ")"
            elif link.source:
                text += f" ({link.source})"
            follow.chain.append(ChainStep(stage, text, r))
        return follow

    def describe(self, revision: int) -> str:
        """The target written at `revision`, kubectl style (`deployment/web`)."""
        link = link_of(self.history, revision)
        return target_of(link) if link else (self.history.keys[revision] or "")


def _consumer(side: ReadSide, name: str) -> ConsumerState:
    return side.consumers.get(name) or ConsumerState()


def _controller(obj: dict, kind: str) -> str:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == kind and ref.get("controller"):
            return ref.get("name", "")
    return ""


def _generation(state: StageState, kind: str, obj: dict) -> None:
    md = obj["metadata"]
    generation = int(md.get("generation") or 0)
    observed = int((obj.get("status") or {}).get("observedGeneration") or 0)
    if generation > observed:
        ns = md.get("namespace", "")
        shown = md["name"] if ns in ("default", "") else f"{ns}/{md['name']}"
        state.generations.append(GenerationRow(kind, shown, generation, observed))
