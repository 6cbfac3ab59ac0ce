"""etcd's watch as the store's `events()`: one long-lived watch over the whole keyspace, buffered.

Called by kubesim/store/etcd.py only. `events(start)` is a synchronous read of history, and
etcd serves history through its watch API: a watch that starts at a past revision is caught up
by etcd's sync loop, which runs every 100 ms, so a watch per call would cost ~50 ms each. So an
EtcdStore that is asked for events opens ONE watch (from the first revision asked for, with the
previous values) in a thread and keeps what it delivers; `events()` then waits until the watch
has delivered the store's current revision and slices the buffer.

Why the whole keyspace: every etcd revision changes at least one key, so a watch on every key
sees every revision, and "the watch has delivered revision R" is known exactly (a watch
response's header revision says everything up to it was sent). Keys of other namespaces and
kubesim's own keys (the journal) are dropped by the `accept` function.

A start older than the buffer (or a buffer whose watch ended) is read by a watch of its own
(`collect`), which is slow (etcd's sync loop) but rare: replay from the beginning, say.

EtcdChangeNotifier is the store's `changes()`: a watch on the store's namespace that wakes a
long-running reader (`kubesim up`, `kubesim watch`) when any process commits.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from typing import Any

from kubesim.model.errors import Compacted, StoreError
from kubesim.store.base import ChangeNotifier, Event
from kubesim.store.etcdhttp import Gateway, WatchStream, b64, unb64

#: a key as etcd sends it (base64) -> the kubesim key, or None for a key the store does not show
Accept = Callable[[bytes], str | None]
Wake = Callable[[], None]
#: events kept in the buffer (values included: ~50-100 MB for objects of 1-2 KB); past that, the
#: oldest half is dropped (older starts use `collect`, a watch of their own)
MAX_BUFFER = 50_000
#: seconds events() waits for the watch to deliver the current revision before giving up
WAIT_S = 30.0
_ALL = {"key": "AA==", "range_end": "AA==", "prev_kv": True}  # b"\0" .. b"\0": every key


def to_event(raw: dict[str, Any], key: str) -> Event:
    kv = raw["kv"]
    prev = raw.get("prev_kv")
    revision = int(kv["mod_revision"])
    if raw.get("type") == "DELETE":
        value = unb64(prev.get("value")) if prev else b""
        create = int(prev.get("create_revision", 0)) if prev else 0
        return Event("DELETE", key, revision, value, create, 0, value)
    version = int(kv.get("version", 0))
    before = unb64(prev.get("value")) if prev and version > 1 else None
    return Event(
        "PUT", key, revision, unb64(kv.get("value")), int(kv["create_revision"]), version, before
    )


def convert(message: dict[str, Any], accept: Accept) -> tuple[list[Event], int]:
    """The events of one watch response that the store shows, and the last revision it
    delivered (0: none). Every revision changes some key, and the watch is on every key, so
    the last event's revision says the watch has delivered everything up to it (a response's
    header revision does not: a catch-up in several responses stamps each with the end's)."""
    out = []
    last = 0
    for raw in message.get("events", ()):
        kv = raw["kv"]
        last = int(kv["mod_revision"])
        key = accept(unb64(kv["key"]))
        if key is not None:
            out.append(to_event(raw, key))
    return out, last


def select(
    events: list[Event], start: int, end: int, prefix: str, limit: int | None
) -> list[Event]:
    """The events of revisions start..end whose key starts with `prefix`; a `limit` never splits
    a revision (the events of the last revision returned are all returned)."""
    out: list[Event] = []
    first = bisect.bisect_left(events, start, key=_revision)  # events are in revision order
    for i in range(first, len(events)):
        ev = events[i]
        if ev.revision > end:
            break
        if not ev.key.startswith(prefix):
            continue
        if limit is not None and len(out) >= limit and ev.revision != out[-1].revision:
            break
        out.append(ev)
    return out


def _revision(ev: Event) -> int:
    return ev.revision


def collect(gateway: Gateway, start: int, end: int, accept: Accept) -> list[Event]:
    """Every event of revisions start..end (end <= the current revision), by a watch of its own."""
    stream = gateway.watch({**_ALL, "start_revision": start})
    out: list[Event] = []
    try:
        for message in stream:
            if int(message.get("compact_revision", 0)):
                raise Compacted(start, int(message["compact_revision"]))
            new, last = convert(message, accept)
            out += [ev for ev in new if ev.revision <= end]
            if last >= end:
                return out
    finally:
        stream.close()
    raise StoreError(f"the watch on etcd at {gateway.where} ended before revision {end}")


class History:
    """The buffered watch (see the module docstring). Thread-safe."""

    def __init__(self, gateway: Gateway, accept: Accept) -> None:
        self._gateway = gateway
        self._accept = accept
        self._cond = threading.Condition()
        self._events: list[Event] = []
        self._origin = 0  # every event with revision >= origin is in the buffer
        self._seen = 0  # every event up to this revision was delivered
        self._stream: WatchStream | None = None
        self._thread: threading.Thread | None = None
        self._alive = False
        self._closed = False

    def events(self, start: int, end: int, prefix: str, limit: int | None) -> list[Event]:
        """Events of revisions start..end (both at most the current revision, start at least
        the compaction floor)."""
        with self._cond:
            if not self._alive and not self._closed:  # the first call, or the watch ended
                self._events = []
                self._start(start)
            usable = self._alive and start >= self._origin
            if usable and not self._cond.wait_for(
                lambda: self._seen >= end or not self._alive, WAIT_S
            ):
                usable = False
            # while it waited, the buffer may have been trimmed past `start`
            if usable and self._seen >= end and start >= self._origin:
                return select(self._events, start, end, prefix, limit)
        got = collect(self._gateway, start, end, self._accept)
        return select(got, start, end, prefix, limit)

    def _start(self, origin: int) -> None:
        self._stream = self._gateway.watch({**_ALL, "start_revision": origin})
        self._origin = origin
        self._seen = origin - 1
        self._alive = True
        self._thread = threading.Thread(target=self._run, name="etcd-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stream = self._stream
        assert stream is not None
        try:
            for message in stream:
                if int(message.get("compact_revision", 0)) or message.get("canceled"):
                    break
                new, last = convert(message, self._accept)
                if not last:
                    continue
                with self._cond:
                    self._events += new
                    if len(self._events) > MAX_BUFFER:
                        self._trim()
                    self._seen = max(self._seen, last)
                    self._cond.notify_all()
        except (StoreError, ValueError, KeyError):
            pass
        finally:
            with self._cond:
                self._alive = False
                self._cond.notify_all()

    def _trim(self) -> None:
        cut = len(self._events) // 2
        self._origin = self._events[cut].revision
        while cut and self._events[cut - 1].revision == self._origin:
            cut -= 1
        del self._events[:cut]

    def close(self) -> None:
        with self._cond:
            stream, self._stream = self._stream, None
            self._alive = False
            self._closed = True
        if stream is not None:
            stream.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


class EtcdChangeNotifier(ChangeNotifier):
    """Fires for every revision that changes a key of `span` (a store's namespace): a watch from
    the revision after `current`, in a thread, re-opened (after a second) if etcd drops it."""

    def __init__(
        self, gateway: Gateway, span: tuple[bytes, bytes], current: int, wake: Wake | None
    ) -> None:
        super().__init__(wake)
        self._gateway = gateway
        self._span = span
        self._next = current + 1
        self._stop = threading.Event()
        self._stream: WatchStream | None = None
        self._thread = threading.Thread(target=self._run, name="etcd-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    def _run(self) -> None:
        lo, hi = self._span
        while not self._stop.is_set():
            request = {"key": b64(lo), "range_end": b64(hi), "start_revision": self._next}
            try:
                self._stream = self._gateway.watch(request)
                if self._stop.is_set():
                    self._stream.close()
                for message in self._stream:
                    events = message.get("events")
                    if events:
                        self._next = int(events[-1]["kv"]["mod_revision"]) + 1
                        self.notify()
                    elif message.get("compact_revision"):
                        self._next = int(message["compact_revision"])
                        break
            except (StoreError, ValueError, KeyError):
                pass
            self._stop.wait(1.0)
