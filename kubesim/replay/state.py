"""One frame of the four-stage view at a past revision, built from the store and the journal.

`Timeline(store)` indexes the history once (history.py, seek.py); `frame(revision)` gives the
`StageState` the live view would have shown while the store was at that revision: the moment just
after that revision was written (the last revision: the end of the history). The commands up to
it (the one that produced it marked, and in the header which reconcile of which controller issued
it), the events with the consumers each had reached and those it was still on its way to, each
consumer's projection revision, cached objects, queue and last reconcile, and how far each was
behind then. Consumers exist only while a control plane runs (between its start and stop
entries; each run LISTs afresh): a revision written while none ran shows that nothing was
reading the write model, and its event has no receivers. Queue depths count only keys the
journal shows queued then. It re-runs nothing: every row is read from the journal or the
store's history.

Used by the replay player, `--auto`, the exports and lesson checks; rendered by kubesim.view.
"""

from __future__ import annotations

from bisect import bisect_right

from kubesim.client.staleness import unseen
from kubesim.model.objects import controller_ref
from kubesim.replay.history import History, Watch, event_type, node_of
from kubesim.replay.seek import ConsumerState, ReadSide, Seeker
from kubesim.replay.why import link_of, produced_by, target_of
from kubesim.store.base import Store
from kubesim.view.plain import short_kinds
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
#: what a frame says when no control plane was running: the read side did not exist
NO_CONTROL_PLANE = "no control plane running: nothing is reading the write model"
NO_CONTROL_PLANE_CAPTION = (
    f"{NO_CONTROL_PLANE}\n"
    "Writes succeed while nothing reconciles: no consumer watches, lists or caches them yet.\n"
    "The next control plane starts with a LIST of everything, this write included."
)


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
        position = self.position(revision)
        side = self.seeker.at(position)
        run = h.run_at(position)
        watches = run.watches if run is not None else []
        now = max(h.times[revision], h.entry_times[position - 1] if position else 0.0)
        state = StageState(
            header=Header(
                revision=revision,
                clock=max(0.0, now - h.start_time),
                speed=0.0,
                paused=True,
                # the run's figures, as its summary gives them (sim.summary.api_reads_and_writes)
                reads=side.run_reads,
                writes=h.controller_writes[revision]
                - (h.controller_writes[run.revision] if run is not None else 0),
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
        if run is None:
            state.caption = NO_CONTROL_PLANE_CAPTION
        else:
            self._projections(state, revision, position, side, watches, now)
        self._workload(state, revision)
        if follow:
            state.follow = self._follow(follow, revision)
        return state

    def position(self, revision: int) -> int:
        """How many read-side entries had happened at the moment a frame shows: just after
        `revision` was written (none that needed a later revision). At the last revision, all
        of them, except a final stop of the control plane that ran at it (the frame shows it
        running, settled; a revision written after the stop shows it stopped)."""
        h = self.history
        if revision < h.current:
            return h.cut(revision - 1)
        position = len(h.seqs)
        last = h.runs[-1] if h.runs else None
        if last is not None and last.stop == position - 1 and h.need[last.stop] >= h.current:
            return position - 1
        return position

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
            obj = self.store.load_object(ev.value, ev.key, ev.revision)
            md = obj.get("metadata") or {}
            got = list(delivered.get(ev.revision, []))
            node = node_of(ev.value) or node_of(ev.prev_value)
            pending = []
            for w in watches:
                if w.name in got or not w.covers(ev.key, node if w.node else None):
                    continue
                c = _consumer(side, w.name)
                if not c.listed:
                    continue  # no cache yet: its LIST will bring it, not its watch
                if c.revision < ev.revision:
                    pending.append(w.name)  # after its LIST: its watch owes it this event
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
        # the reconcile that wrote this revision was running: its key was out of the queue
        writing = h.writer[revision]
        writer = h.queued_from.get(h.position_of(writing)) if writing else None
        for w in watches:
            if w.client and w.name not in side.consumers:
                continue  # a client of `kubesim serve` that had not watched yet
            c = _consumer(side, w.name)
            coverage = h.covered(w)
            cached = 0
            if c.listed and coverage.revisions and c.listed < coverage.revisions[0]:
                # listed before the history kept (compacted): what the watch covers then
                cached = coverage.objects_at(c.revision)
            elif c.listed:  # its last LIST, then what deliveries added or removed since
                change = coverage.objects_at(c.revision) - coverage.objects_at(c.listed)
                cached = max(0, c.relist_objects + change)
            queued = h.queue_depth(w.name, position)
            if writer is not None and writer[0] == w.name and writer[1] < position:
                queued = max(0, queued - 1)  # its worker took that key: it wrote this revision
            state.projections.append(
                ProjectionRow(
                    w.name,
                    c.revision,
                    cached,
                    queued,
                    c.last_reconcile,
                    c.last_outcome,
                    c.relists,
                    c.relist_objects,
                    c.relist_seconds * 1000,
                    watches=short_kinds(w.kinds) + (" (http)" if w.client else ""),
                )
            )
            behind = unseen(self.store, w.watching(), c.revision, revision)
            oldest = behind.oldest
            seconds = max(0.0, now - h.times[oldest]) if oldest is not None else 0.0
            state.staleness.append(StalenessRow(w.name, behind.events, seconds))

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
            rs = self.store.load_object(kv.value, kv.key, kv.mod_revision)
            _generation(state, "ReplicaSet", rs)
            ref = _controller(rs, "Deployment")
            if ref:
                owner_of_rs[(rs["metadata"].get("namespace", ""), rs["metadata"]["name"])] = ref
        counts: dict[tuple[str, str], list[int]] = {}
        for kv in pods:
            pod = self.store.load_object(kv.value, kv.key, kv.mod_revision)
            md = pod["metadata"]
            rs = _controller(pod, "ReplicaSet")
            deploy = owner_of_rs.get((md.get("namespace", ""), rs)) if rs else None
            if deploy:
                c = counts.setdefault((md.get("namespace", ""), deploy), [0, 0])
                c[0] += 1
                running = (pod.get("status") or {}).get("phase") == "Running"
                c[1] += running and not md.get("deletionTimestamp")
        for kv in deployments[:6]:
            d = self.store.load_object(kv.value, kv.key, kv.mod_revision)
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
    """The name of the object's controller, if it is of `kind`."""
    ref = controller_ref(obj)
    return ref.get("name", "") if ref and ref.get("kind") == kind else ""


def _generation(state: StageState, kind: str, obj: dict) -> None:
    row = GenerationRow.of(kind, obj)
    if row is not None:
        state.generations.append(row)
