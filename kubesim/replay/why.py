"""The causal chain of a revision: which reconcile wrote it, what triggered that, back to a command.

A revision written by a controller has a command entry (actor = the controller) and the reconcile
entry whose writes include it; that reconcile's triggers are the revisions (or the LIST, or an
earlier attempt: "retry", "requeue-after") that queued its key. `chain(history, revision)`
searches these links breadth-first for the shortest path back to a command of the user (or, if
none is reachable, to a write no reconcile made: bootstrap, node registration), preferring the
triggers on the reconciled object itself. Reads the index and the journal; re-runs nothing.

Used by `kubesim why`, the replay frames (the header's "written by ..." line, --follow's panel)
and lesson checks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kubesim.model.errors import Compacted
from kubesim.replay.history import History

#: how far back a chain may reach (links), and how many revisions the search may visit
MAX_DEPTH = 40
MAX_VISITS = 2000


@dataclass
class Link:
    revision: int
    actor: str
    verb: str
    key: str
    outcome: str
    kind: str = ""
    name: str = ""
    namespace: str = ""
    #: the manifest file of a user's command
    source: str = ""
    #: the reconcile that issued the command: its key, and what triggered it (as journaled)
    reconcile: str = ""
    triggers: tuple = ()
    #: the trigger the chain follows: a revision, or None at the end
    trigger: int | None = None
    #: how that trigger was found ("", "relist@6", "retry of an earlier reconcile")
    via: str = ""


def link_of(history: History, revision: int) -> Link | None:
    """What wrote `revision`: its command and, if any, the reconcile that issued it."""
    cmd = history.producer_entry(revision)
    if cmd is None:
        return None
    data = cmd.data or {}
    link = Link(
        revision,
        cmd.actor,
        cmd.verb,
        cmd.target,
        cmd.outcome,
        data.get("kind", ""),
        data.get("name", ""),
        data.get("namespace") or "",
        data.get("source") or "",
    )
    rec = history.writer_entry(revision) if cmd.actor != "user" else None
    if rec is not None:
        link.reconcile = rec.target
        link.triggers = tuple((rec.data or {}).get("triggers") or ())
    return link


def chain(history: History, revision: int) -> list[Link]:
    """The links from `revision` back to the command that started it all (first = `revision`)."""
    first = link_of(history, revision)
    if first is None:
        return []
    links = {revision: first}
    parent: dict[int, tuple[int, str]] = {}
    queue = deque([(revision, 0)])
    end: int | None = None
    fallback: int | None = None
    while queue and len(links) < MAX_VISITS:
        r, depth = queue.popleft()
        link = links[r]
        if link.actor == "user":
            end = r
            break
        if not link.reconcile:
            fallback = r if fallback is None else fallback
            continue
        if depth >= MAX_DEPTH:
            continue
        for trigger, via in _candidates(history, link):
            if trigger in links or trigger >= r:
                continue
            found = link_of(history, trigger)
            if found is None:
                continue
            links[trigger] = found
            parent[trigger] = (r, via)
            queue.append((trigger, depth + 1))
    end = end if end is not None else fallback
    if end is None:
        return [first]
    path = [end]
    while path[-1] != revision:
        path.append(parent[path[-1]][0])
    path.reverse()
    out = []
    for i, r in enumerate(path):
        link = links[r]
        if i + 1 < len(path):
            link.trigger = path[i + 1]
            link.via = parent[path[i + 1]][1]
        out.append(link)
    return out


def _candidates(history: History, link: Link) -> list[tuple[int, str]]:
    """The revisions a reconcile's triggers point at, the reconciled object's own first."""
    found: list[tuple[int, str]] = []
    seen: set[tuple] = set()
    _expand(history, link, link.triggers, "", found, seen, _position(history, link), 0)
    own = "/" + link.reconcile
    keyed = [(r, via) for r, via in found if (history.keys[r] or "").endswith(own)]
    return keyed + [c for c in found if c not in keyed]


def _position(history: History, link: Link) -> int:
    rec = history.writer[link.revision]
    return history.position_of(rec) if rec else len(history.seqs)


def _expand(
    history: History,
    link: Link,
    triggers: tuple,
    via: str,
    found: list,
    seen: set,
    position: int,
    depth: int,
) -> None:
    for t in triggers:
        if isinstance(t, int):
            if 0 < t <= history.current and (t, via) not in found:
                found.append((t, via))
        elif isinstance(t, str) and t.startswith("relist@"):
            r = _listed_revision(history, link, int(t.split("@", 1)[1]))
            if r is not None:
                found.append((r, t))
        elif t in ("retry", "requeue-after") and depth < 20 and (t, position) not in seen:
            seen.add((t, position))
            previous = history.previous_reconcile(link.actor, link.reconcile, position)
            if previous is None:
                continue
            entry = history.entry(history.seqs[previous], ("reconcile",))
            if entry is not None:
                earlier = tuple((entry.data or {}).get("triggers") or ())
                label = via or f"{t} of an earlier reconcile"
                _expand(history, link, earlier, label, found, seen, previous, depth + 1)


def _listed_revision(history: History, link: Link, listed: int) -> int | None:
    """The revision of the reconciled object as the LIST at `listed` returned it."""
    watch = history.watches.get(history.process_of(link.actor))
    for prefix in watch.prefixes if watch else ():
        try:
            kv = history.store.get(prefix + link.reconcile, listed)
        except Compacted:
            return None
        if kv is not None:
            return kv.mod_revision
    return None


# ----------------------------------------------------------------------------- text
def target_of(link: Link) -> str:
    if link.kind and link.name:
        return f"{link.kind.lower()}/{link.name}"
    return link.key


def command_text(link: Link) -> str:
    """`kubesim apply` of web.yaml / kube-controller-manager/deployment's reconcile of web."""
    if link.actor == "user":
        text = f"`kubesim {link.verb}`"
        return text + (f" of {link.source}" if link.source else "")
    if link.reconcile:
        return f"{link.actor}'s reconcile of {link.reconcile}"
    return f"{link.actor} ({link.verb}, outside any reconcile)"


def explain(links: list[Link]) -> list[str]:
    """One line per link: `r16 pod/web-... created by ..., triggered by revision 14`."""
    lines = []
    for link in links:
        line = f"r{link.revision} {target_of(link)} {link.outcome} by {command_text(link)}"
        if link.trigger is not None:
            how = f" ({link.via})" if link.via else ""
            line += f", triggered by revision {link.trigger}{how}"
        elif link.reconcile:
            shown = ", ".join(str(t) for t in link.triggers) or "nothing journaled"
            line += f" (triggers: {shown}; none leads further back)"
        lines.append(line)
    return lines


def produced_by(history: History, revision: int) -> str:
    """One line for a frame's header: what produced `revision`, and which reconcile issued it."""
    link = link_of(history, revision)
    if link is None:
        return f"r{revision}: no command journaled"
    text = f"r{revision} ← {link.actor} {link.verb} {target_of(link)} → {link.outcome}"
    if link.actor == "user" and link.source:
        text += f" (from {link.source})"
    elif link.reconcile:
        ints = [str(t) for t in link.triggers]
        text += f" · in its reconcile of {link.reconcile}"
        if ints:
            text += f", triggered by {', '.join(ints)}"
    return text
