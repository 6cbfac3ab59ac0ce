"""The control plane as plain stage lines: command, event, delivery, reconcile, relist.

`StageLog` observes a ControlPlane (its `observers` hook) and writes one line per stage, with the
virtual time and the revision, e.g.

    0.000s  r12    command    user apply Deployment default/web -> created
    0.000s  r12    event      ADDED deployments default/web -> kcm
    0.010s  r13    reconcile  kcm/deployment default/web (triggered by r12) -> wrote r13

Used by `kubesim reconcile` and by `kubesim up` without a TTY (or with --plain). Plain text only:
no escape codes. It opens with one `process` line per consumer process (`kcm =
kube-controller-manager, 5 controllers, one cache of 7 kinds`), and names every consumer one way
in every line after it: `kcm/replicaset`, `kube-scheduler`, `kubelet-node-1`. The first refusal
of a kind a healthy control plane meets (409 Conflict, AlreadyExists) gets a note saying why.

Every line fits the width (`plain_width`: the terminal's on a terminal, 100 in a pipe), so
nothing wraps. A line that is too long takes the first of its shorter forms that fits, in the
order of what a learner can best spare: the "default/" namespace, then kubectl's short kinds
(`rs/web-6c455b6594`), then a range for consecutive revisions (`wrote r11-r17`), then a count of
receivers ("4 consumers"); what still does not fit is cut with an ellipsis, the object's name
first so that the outcome stays in view. Below 100 columns the time, revision and stage columns
are narrower too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kubesim.api.server import WatchEvent
from kubesim.model.kinds import BUILTIN_KINDS
from kubesim.store.base import JournalEntry
from kubesim.view.plain import PIPE_WIDTH, cut, plain_width, short_consumer, short_target

#: from this width on, the lines name the default namespace too (`Deployment default/web`)
FULL_WIDTH = 140
#: of an error's text (the `more` of a form), at least this much must show for a form to fit
MORE = 12

_BY_RESOURCE = {k.etcd_resource or k.plural: k for k in BUILTIN_KINDS}


def fit(width: int, forms: Sequence[tuple[str, ...]], keep: int = 8) -> str:
    """The first of `forms` (longest first) that fits in `width`. A form is (head, name, tail)
    or (head, name, tail, more), where `more` (an error's text) may always be cut. If no form
    fits, the last one's name is cut (down to `keep` characters) to make room, then the end."""
    for form in forms:
        head, name, tail, more = (*form, "")[:4]
        if len(head) + len(name) + len(tail) + min(len(more), MORE) <= width:
            return cut(head + name + tail + more, width)
    head, name, tail, more = (*forms[-1], "")[:4]
    room = width - len(head) - len(tail)
    if room >= min(keep, len(name)):
        return cut(head + cut(name, room) + tail + more, width)
    return cut(head + cut(name, keep) + tail + more, width)


def without_default(key: str) -> str:
    """`default/web` -> `web`; other namespaces stay."""
    return key.removeprefix("default/")


def revisions(revs: Iterable[int | str], ranges: bool = False) -> str:
    """`r11, r12, r13, r15`, or with ranges `r11-r13, r15` (three or more in a row)."""
    out: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) >= 3 and ranges:
            out.append(f"r{run[0]}-r{run[-1]}")
        else:
            out.extend(f"r{r}" for r in run)
        run.clear()

    for r in revs:
        if isinstance(r, int) and not isinstance(r, bool):
            if run and r != run[-1] + 1:
                flush()
            run.append(r)
        else:
            flush()
            out.append(str(r))
    flush()
    return ", ".join(out)


#: refusals a healthy control plane meets, explained once per run (by the API's reason)
EXPLAINED = {
    "Conflict": "note: 409 Conflict is normal here. The update carried the resourceVersion "
    "of the controller's cached copy, and the object had changed since (often by the "
    "controller's own earlier write, whose event is not back in its cache yet). Nothing was "
    "written; the key is retried with the newer copy.",
    "AlreadyExists": "note: AlreadyExists is normal here. An earlier reconcile created the "
    "object, and its event has not reached this process's cache yet, so the controller "
    "tried again; the reconcile fails and is retried once the cache has caught up.",
}


def receivers(names: list[str]) -> list[str]:
    """How an event's receivers may read, longest first: the (short) names, then a count (the
    only form for more than three)."""
    if not names:
        return ["nobody"]
    count = f"{len(names)} consumer" + ("s" if len(names) > 1 else "")
    if len(names) > 3:
        return [count]
    return [", ".join(short_consumer(n) for n in names), count]


class StageLog:
    """One line per stage, fitted to `width` (plain_width() unless given), in one of three
    layouts: from FULL_WIDTH columns `Deployment default/web`; from 100, `Deployment web` (the
    default namespace left out); below, the compact `deploy/web` with narrower time, revision
    and stage columns and revision ranges. In each, a line that does not fit shortens its
    consumer names (receivers, then the actor), then says "by" for "triggered by", then is cut
    with an ellipsis (the object's name first)."""

    def __init__(
        self,
        plane: Any,
        write: Callable[[str], None],
        *,
        verbose: bool = False,
        width: int | None = None,
    ) -> None:
        self.plane = plane
        self.write = write
        self.verbose = verbose
        self.width = width if width is not None else plain_width()
        self.compact = self.width < PIPE_WIDTH
        self.start = plane.clock.now()
        self._command_seq = _last_seq(plane.store)
        self._explained: set[str] = set()
        plane.observers.append(self.observe)

    def _prefix(self, t: float, revision: int | str, stage: str) -> str:
        rev = f"r{revision}" if revision != "" else ""
        if self.compact:
            return f"{t - self.start:7.3f}s {rev:<5} {stage:<9} "
        return f"{t - self.start:8.3f}s  {rev:<6} {stage:<10} "

    def _line(
        self, t: float, revision: int | str, stage: str, forms: Sequence[tuple[str, ...]]
    ) -> None:
        prefix = self._prefix(t, revision, stage)
        self.write(prefix + fit(self.width - len(prefix), forms))

    def _target(self, kind: str, namespace: str, name: str, word: str = "") -> str:
        """The object as this layout names it; `word` is the kind's word (default: `kind`)."""
        if self.compact:
            return short_target(kind, namespace, name)
        if namespace and (namespace != "default" or self.width >= FULL_WIDTH):
            return f"{word or kind} {namespace}/{name}"
        return f"{word or kind} {name}"

    def _key(self, key: str) -> str:
        """A reconcile's key (`default/web`) as this layout names it."""
        return key if self.width >= FULL_WIDTH else without_default(key)

    def commands(self, indent: str = "") -> None:
        """Print the commands journaled since the last call (user and controller writes).

        Writes of Event objects (what `describe` shows) are left out unless verbose."""
        for c in self.plane.store.journal(types=["command"], since_seq=self._command_seq):
            self._command_seq = c.seq
            data = c.data or {}
            if data.get("kind") == "Event" and not self.verbose:
                continue
            kind, ns, name = data.get("kind", ""), data.get("namespace") or "", data.get("name")
            target = self._target(kind, ns, name) if kind and name else self._key(c.target)
            outcome, _, more = c.outcome.partition(": ")
            tail, more = f" -> {outcome}", f": {more}" if more else ""
            short = short_consumer(c.actor)
            forms = [
                (f"{short} {c.verb} ", target, tail, more),
                (f"{short} {_verb(c.verb)} ", target, tail, more),
            ]
            self._line(self.plane.clock.now(), c.revision, indent + "command", forms)
            self._explain(data.get("reason") or "")

    def _explain(self, reason: str) -> None:
        """The first time a run meets a refusal that happens in healthy clusters too, one note
        on why: a learner should not take it for a fault of kubesim or of their manifest."""
        note = EXPLAINED.get(reason)
        if note is None or reason in self._explained:
            return
        self._explained.add(reason)
        indent = " " * len(self._prefix(0.0, "", ""))
        for line in textwrap.wrap(note, max(20, self.width - len(indent))):
            self.write(indent + line)

    def observe(self, item: WatchEvent | JournalEntry) -> None:
        if isinstance(item, WatchEvent):
            self._event(item)
            return
        entry = item
        if entry.type == "reconcile":
            self._reconcile(entry)
            self.commands(indent="  ")
        elif entry.type == "relist":
            data = entry.data or {}
            # objects and kinds, not wall milliseconds: the log is the same on every machine
            # (the live view shows what a relist cost in wall time)
            kinds = data.get("lists")
            of = f" of {kinds} kind{'s' if kinds != 1 else ''}" if kinds else ""
            tail = f": LIST {data.get('objects', 0)} objects{of} ({entry.outcome})"
            forms = [("", short_consumer(entry.actor), tail)]
            self._line(entry.time, entry.revision, "relist", forms)
        elif entry.type == "delivery" and self.verbose:
            tail = " (duplicate)" if entry.outcome == "duplicate" else ""
            kind, ns, name = _parse_key(entry.target)
            target = self._target(kind, ns, name) if kind else entry.target
            forms = [(f"{short_consumer(entry.actor)} {entry.verb} ", target, tail)]
            self._line(entry.time, entry.revision, "deliver", forms)
        elif entry.type in ("watch-resume", "compaction", "restart"):
            self._line(entry.time, entry.revision, entry.type, [("", entry.actor, "")])
        elif entry.type == "controlplane" and entry.verb == "start":
            self._processes(entry)

    def _processes(self, entry: JournalEntry) -> None:
        """One line per consumer process: the controllers it hosts and the one cache they
        share, so that the short names below read plainly (`kcm/replicaset`)."""
        for name, watch in ((entry.data or {}).get("consumers") or {}).items():
            short = short_consumer(name)
            label = f"{short} = {name}" if short != name else name
            hosted = len(watch.get("controllers") or [])
            controllers = f", {hosted} controllers" if hosted > 1 else ""
            kinds = len(watch.get("kinds") or [])
            node = f" (spec.nodeName={watch['node']})" if watch.get("node") else ""
            tail = f"{controllers}, one cache of {kinds} kinds{node}"
            self._line(entry.time, entry.revision, "process", [(label, "", tail)])

    def _event(self, item: WatchEvent) -> None:
        self.commands()
        md = item.obj["metadata"]
        wanted = [c.name for c in self.plane.routing]
        if not wanted and not self.verbose:
            return  # nobody watches it (Events): not a stage of the flow
        target = self._target(
            item.kind.kind, md.get("namespace") or "", md["name"], item.kind.plural
        )
        forms = [(f"{item.type} ", target, f" -> {who}") for who in receivers(wanted)]
        self._line(self.plane.clock.now(), item.revision, "event", forms)

    def _reconcile(self, entry: JournalEntry) -> None:
        data = entry.data or {}
        triggers = data.get("triggers") or []
        writes = [w[0] for w in data.get("writes") or []]
        outcome, _, more = entry.outcome.partition(": ")
        more = f": {more}" if more else ""
        target = self._key(entry.target)

        def form(actor: str, ranges: bool, by: str) -> tuple[str, ...]:
            trig = revisions(triggers, ranges) or "requeue"
            result = "wrote " + revisions(writes, ranges) if writes else outcome
            return (f"{actor} ", target, f" ({by} {trig}) -> {result}", "" if writes else more)

        short = short_consumer(entry.actor)
        forms = [
            form(short, self.compact, "triggered by"),
            form(short, True, "triggered by"),
            form(short, True, "by"),
        ]
        self._line(entry.time, entry.revision, "reconcile", forms)


def _verb(verb: str) -> str:
    return "status" if verb == "update-status" else verb


def _parse_key(key: str) -> tuple[str, str, str]:
    """`/registry/replicasets/default/web` -> ("ReplicaSet", "default", "web"); ("", "", "")
    for a key of a kind it does not know."""
    parts = key.split("/")
    if len(parts) < 4 or parts[1] != "registry":
        return "", "", ""
    kind = _BY_RESOURCE.get(parts[2])
    if kind is None:
        return "", "", ""
    if kind.namespaced and len(parts) == 5:
        return kind.kind, parts[3], parts[4]
    if not kind.namespaced and len(parts) == 4:
        return kind.kind, "", parts[3]
    return "", "", ""


def _ns_name(data: dict) -> str:
    if data.get("namespace"):
        return f"{data['namespace']}/{data.get('name', '')}"
    return data.get("name", "")


def _last_seq(store: Any) -> int:
    entries = store.journal(types=["command"], limit=None)
    return entries[-1].seq if entries else 0
