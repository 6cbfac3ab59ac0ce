"""A watch over HTTP: `GET ...?watch=1`, a chunked stream of `{"type": ..., "object": ...}` lines.

- No resourceVersion (or "0"): the current objects first, as ADDED, then what follows.
- A resourceVersion (a reflector's, from its LIST): every event after it; one below the
  compaction floor gets a 410 Expired `ERROR` event and the stream ends (the client relists).
- `allowWatchBookmarks=true`: a BOOKMARK with the cache's revision after each quiet interval.
- `timeoutSeconds`: the stream ends then (client-go asks for 5 to 10 minutes); otherwise after
  30 minutes, kube-apiserver's minimum request timeout.
- A Table Accept header: each event's object is a Table row (column definitions on the first).
A client that goes away ends its watch; every event written is journaled as a delivery to it
(kubesim.serve.clients). Called by `resources`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kubesim.model import fieldselectors as selectors
from kubesim.model.errors import BadRequest, Compacted
from kubesim.model.kinds import Kind
from kubesim.model.labels import parse_selector
from kubesim.model.objects import dumps
from kubesim.serve import tables
from kubesim.serve.clients import delivery_entries, watch_entry
from kubesim.serve.watchcache import Watcher, expired

if TYPE_CHECKING:
    from kubesim.serve.app import Front

#: kube-apiserver's --min-request-timeout: a watch without timeoutSeconds ends after this
DEFAULT_TIMEOUT_S = 1800.0


async def watch(
    front: Front, request: web.Request, kind: Kind, namespace: str
) -> web.StreamResponse:
    q = request.query
    label = q.get("labelSelector", "")
    fields = q.get("fieldSelector", "")
    w = Watcher(
        kind,
        namespace,
        front.client(request),
        after=0,
        label_selector=parse_selector(label) if label else None,
        field_match=selectors.matcher(kind, fields),
    )
    timeout = float(q.get("timeoutSeconds") or DEFAULT_TIMEOUT_S)
    as_table = tables.wants_table(request.headers.get("Accept", ""))
    bookmarks = q.get("allowWatchBookmarks") in ("1", "true", "True")
    rv = q.get("resourceVersion", "")
    if rv and not rv.isdigit():
        raise BadRequest(f'resourceVersion: Invalid value: "{rv}": must be an integer')
    start = int(rv) if rv and rv != "0" else None
    initial, error = await _subscribe(front, w, start)
    if error is None:
        selected = {"labelSelector": label, "fieldSelector": fields}
        # from the resourceVersion asked for (the catch-up read has moved w.after on already)
        since = w.after if start is None else start
        entry = watch_entry(w.client, kind, w.prefix, since, front.now(), selected)
        await front.journal([entry])

    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    first = [True]

    def line(etype: str, obj: dict[str, Any], revision: int) -> bytes:
        if as_table and etype in ("ADDED", "MODIFIED", "DELETED"):
            obj = tables.table(kind, [obj], str(revision), headers=first[0])
            first[0] = False
        return dumps({"type": etype, "object": obj}) + b"\n"

    deadline = time.monotonic() + timeout
    try:
        if error is not None:
            await response.write(dumps(error) + b"\n")
            return response
        if initial:
            await _journal(front, w, initial)
            await response.write(b"".join(line(t, o, r) for t, o, r, _ in initial))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            wait = min(left, front.bookmark_interval) if bookmarks else left
            try:
                item = await asyncio.wait_for(w.queue.get(), wait)
            except TimeoutError:
                if bookmarks and time.monotonic() < deadline:
                    await response.write(dumps(_bookmark(kind, w, front)) + b"\n")
                continue
            batch = [item]
            while not w.queue.empty():
                batch.append(w.queue.get_nowait())
            closing = next((b for b in batch if b[0] == "CLOSE"), None)
            events = [b for b in batch if b[0] != "CLOSE"]
            if events:
                # journaled as they are written (so a client that has an event finds its
                # delivery in the journal)
                await _journal(front, w, events)
                await response.write(b"".join(line(t, o, r) for t, o, r, _ in events))
            if closing is not None:
                if closing[1] is not None:
                    await response.write(dumps(closing[1]) + b"\n")
                break
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        if front.cache is not None:
            front.cache.watchers.discard(w)
    return response


async def _subscribe(
    front: Front, w: Watcher, revision: int | None
) -> tuple[list[tuple[str, dict[str, Any], int, str]], dict[str, Any] | None]:
    """Register `w` with the cache from `revision` (None: the current state as ADDED events).
    Returns the events to write first, or the ERROR event of a compacted revision."""
    api, cache = front.api, front.cache
    assert cache is not None
    kind, ns = w.kind, w.namespace or None
    # events the cache fans out while we read are held, and offered after what we read
    w.held = []
    cache.watchers.add(w)
    upto = cache.revision
    initial: list[tuple[str, dict[str, Any], int, str]] = []
    try:
        if revision is None:
            items, listed = await front.call(api.list, kind, ns, None, upto)
            for obj in items:
                if w.selects(obj):
                    key = _key(kind, obj)
                    w.matched[key] = obj
                    initial.append(("ADDED", obj, listed, key))
            w.after = listed
        else:
            w.after = revision
            if w.filtered:
                items, _ = await front.call(api.list, kind, ns, None, revision)
                w.matched = {_key(kind, o): o for o in items if w.selects(o)}
            if revision < upto:
                events, _ = await front.call(api.watch_progress, [kind], revision)
                for ev in events:
                    if ev.revision <= upto:
                        w.accept(ev)
    except Compacted as e:
        cache.watchers.discard(w)
        return [], expired(revision or 0, e.compact_revision)
    w.release()
    return initial, None


def _key(kind: Kind, obj: dict[str, Any]) -> str:
    md = obj["metadata"]
    return kind.key(md.get("namespace") if kind.namespaced else None, md.get("name", ""))


def _bookmark(kind: Kind, w: Watcher, front: Front) -> dict[str, Any]:
    revision = max(w.after, front.cache.revision if front.cache else 0)
    return {
        "type": "BOOKMARK",
        "object": {
            "kind": kind.kind,
            "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(revision)},
        },
    }


async def _journal(
    front: Front, w: Watcher, events: list[tuple[str, dict[str, Any], int, str]]
) -> None:
    entries = delivery_entries(w.client, [(t, r, k) for t, _, r, k in events], front.now())
    await front.journal(entries)
