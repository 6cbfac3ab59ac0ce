"""What-if: copy a store's history up to a revision into a new store, to take another path there.

`fork(source, revision, target_path)` writes, into a new store file, every revision of the
source's history up to `revision` as its own transaction (same keys, values and revision numbers,
so create revisions, versions and resourceVersions match), with the journal of that stretch: the
commands in the transactions that wrote them, the read side's entries (deliveries, reconciles,
...) that happened by then, in between. It only reads the source. A compacted source cannot be
forked (its early revisions are gone, and the revision numbers could not match).

Used by `kubesim replay --fork REV --into NEW.db`; compare the two with `kubesim history` or
`kubesim replay --store NEW.db`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubesim.model.errors import Compacted, KubesimError
from kubesim.replay.history import History
from kubesim.store import open_store
from kubesim.store.base import Delete, JournalEntry, Put, Store

_BATCH = 5000


@dataclass
class ForkResult:
    path: str
    revision: int
    revisions: int
    journal: int


def fork(source: Store, history: History, revision: int, target: str | Path) -> ForkResult:
    path = Path(target)
    if path.exists() and path.stat().st_size > 0:
        raise KubesimError(f"{path} already exists: fork into a new file")
    floor = source.compact_revision()
    if floor > 1:
        raise Compacted(1, floor)
    if not 1 <= revision <= source.current_revision():
        raise KubesimError(
            f"revision {revision} is not in the history (1 to {source.current_revision()})"
        )
    position = history.cut(revision)
    bound = history.seqs[position] if position < len(history.seqs) else None
    producers = {history.producer[r]: r for r in range(1, revision + 1) if history.producer[r]}
    copied = 0
    with open_store(path) as new:
        pending: list[JournalEntry] = []
        by_revision = _journal_upto(source, revision, bound, producers)
        start = 1
        while start <= revision:
            batch = source.events(start, end_revision=revision, limit=_BATCH)
            if not batch:
                break
            groups: dict[int, list] = {}
            for ev in batch:
                groups.setdefault(ev.revision, []).append(ev)
            for r, events in groups.items():
                before, command = by_revision.get(r, ([], []))
                pending += before
                if pending:
                    new.append_journal(pending)
                    copied += len(pending)
                    pending = []
                ops = [Delete(e.key) if e.type == "DELETE" else Put(e.key, e.value) for e in events]
                new.txn(ops, command)
                copied += len(command)
            start = batch[-1].revision + 1
        rest = by_revision.get(0, ([], []))[0]
        rest.append(
            JournalEntry(
                "fork",
                "kubesim",
                "fork",
                str(getattr(source, "path", "")),
                "forked",
                revision,
                history.times[revision],
                {"revision": revision},
            )
        )
        new.append_journal(rest)
        copied += len(rest)
        revisions = new.current_revision()
    return ForkResult(str(path), revision, revisions, copied)


def _journal_upto(
    source: Store, revision: int, bound: int | None, producers: dict[int, int]
) -> dict[int, tuple[list[JournalEntry], list[JournalEntry]]]:
    """Journal entries up to the fork point, grouped by the revision they come before
    (entries after the last revision copied under 0), and each revision's own command."""
    out: dict[int, tuple[list[JournalEntry], list[JournalEntry]]] = {}
    waiting: list[JournalEntry] = []
    since = 0
    while True:
        batch = source.journal(since_seq=since, limit=_BATCH)
        if not batch:
            break
        since = batch[-1].seq
        for e in batch:
            if e.type == "command":
                if e.seq in producers:
                    r = producers[e.seq]
                    before, own = out.setdefault(r, ([], []))
                    before += waiting
                    waiting = []
                    own.append(e)
                    continue
                if e.revision > revision:
                    continue
            elif bound is not None and e.seq >= bound:
                continue
            elif e.revision > revision:
                continue
            waiting.append(e)
    out[0] = (waiting, [])
    return out
