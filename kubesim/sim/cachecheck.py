"""Cache-vs-store checks: every consumer's informer cache, at the revision its reflector is at,
must equal the store's state at that revision for the kinds (and field selector) it watches.

`StoreHistory` keeps every version of every key the store ever held (read from the store's
events; `catch_up()` must run before each compaction, which `guard_compaction` arranges), so
the state at any revision is known even after the store has forgotten it. `check_caches(plane,
history)` compares each synced consumer's caches with that state at both revisions the
reflector knows (the last one an event or LIST brought, and the last one a bookmark
confirmed: the cache must be right at both) and returns one line per difference.

Used by kubesim.sim.stress (the randomized fault trials behind tests/reliability and
benchmarks/stress_caches.py).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubesim.model.objects import loads

if TYPE_CHECKING:
    from kubesim.client.informer import Informer
    from kubesim.sim.consumer import Consumer
    from kubesim.sim.controlplane import ControlPlane
    from kubesim.store.base import Store

Object = dict[str, Any]


@dataclass
class _Versions:
    revisions: list[int] = field(default_factory=list)
    objects: list[Object | None] = field(default_factory=list)  # None: deleted


class StoreHistory:
    """Every version of every key under /registry/, by revision."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.revision = store.created_revision() - 1  # a store in etcd starts at its revision
        self._keys: dict[str, _Versions] = {}
        #: (prefix, namespaced) -> the keys of that kind, in the order they first appeared
        self._kind_keys: dict[tuple[str, bool], list[str]] = {}
        #: states already computed: a state at a revision already read never changes
        self._states: dict[tuple[str, bool, int], dict[str, Object]] = {}

    def catch_up(self) -> None:
        """Read the store's events after the last revision read."""
        for ev in self.store.events(self.revision + 1, "/registry/"):
            versions = self._keys.get(ev.key)
            if versions is None:
                versions = self._keys[ev.key] = _Versions()
                for (prefix, namespaced), keys in self._kind_keys.items():
                    if _of_kind(ev.key, prefix, namespaced):
                        keys.append(ev.key)
            obj = None
            if ev.type != "DELETE":
                obj = loads(ev.value)
                obj["metadata"]["resourceVersion"] = str(ev.revision)
            versions.revisions.append(ev.revision)
            versions.objects.append(obj)
            self.revision = ev.revision

    def state(self, prefix: str, namespaced: bool, revision: int) -> dict[str, Object]:
        """The objects under `prefix` at `revision`, by client-go cache key (`ns/name`)."""
        memo = (prefix, namespaced, revision)
        if revision <= self.revision and memo in self._states:
            return self._states[memo]
        keys = self._kind_keys.get((prefix, namespaced))
        if keys is None:
            keys = [k for k in self._keys if _of_kind(k, prefix, namespaced)]
            self._kind_keys[(prefix, namespaced)] = keys
        out: dict[str, Object] = {}
        for key in keys:
            versions = self._keys[key]
            i = bisect.bisect_right(versions.revisions, revision) - 1
            if i >= 0 and versions.objects[i] is not None:
                out[key[len(prefix) :]] = versions.objects[i]
        if revision <= self.revision:
            if len(self._states) > 1000:
                self._states.clear()
            self._states[memo] = out
        return out


def _of_kind(key: str, prefix: str, namespaced: bool) -> bool:
    """Is `key` an object of the kind stored under `prefix` (not one of a longer prefix)?"""
    return key.startswith(prefix) and key.count("/", len(prefix)) == (1 if namespaced else 0)


def guard_compaction(store: Store, history: StoreHistory) -> None:
    """Make `store.compact` read the history it is about to drop into `history` first."""
    compact = store.compact

    def compact_after_reading(revision: int) -> None:
        history.catch_up()
        compact(revision)

    store.compact = compact_after_reading  # type: ignore[method-assign]


def check_caches(plane: ControlPlane, history: StoreHistory) -> tuple[int, list[str]]:
    """Compare every synced consumer's caches with the store; (checks made, violations)."""
    history.catch_up()
    checks = 0
    violations: list[str] = []
    for consumer in plane.consumers:
        informers = list(consumer.informers.values())
        if not consumer.started or not all(i.has_synced for i in informers):
            continue  # restarted and not relisted yet: it has no cache to be wrong
        reflector = consumer.reflector
        for revision in sorted({reflector.projection_revision, reflector.last_sync_revision}):
            checks += 1
            for informer in informers:
                problem = _compare(consumer, informer, history, revision)
                if problem:
                    violations.append(problem)
    return checks, violations


def _compare(
    consumer: Consumer, informer: Informer, history: StoreHistory, revision: int
) -> str | None:
    kind = informer.kind
    want = history.state(kind.prefix(), kind.namespaced, revision)
    if informer.accept is not None:
        want = {k: o for k, o in want.items() if informer.accept(o)}
    have = {k: informer.cache.get(k) for k in informer.cache.list_keys()}
    if have == want:
        return None
    wrong = sorted(k for k in have.keys() & want.keys() if have[k] != want[k])
    extra = sorted(have.keys() - want.keys())
    missing = sorted(want.keys() - have.keys())
    parts = []
    if wrong:
        parts.append(
            "differ: "
            + ", ".join(f"{k} (cache {_rv(have[k])}, store {_rv(want[k])})" for k in wrong[:3])
        )
    if extra:
        parts.append("extra: " + ", ".join(f"{k}@{_rv(have[k])}" for k in extra[:3]))
    if missing:
        parts.append("missing: " + ", ".join(f"{k}@{_rv(want[k])}" for k in missing[:3]))
    return f"{consumer.name} {kind.kind} at r{revision}: " + "; ".join(parts)


def _rv(obj: Object) -> str:
    return f"rv {obj['metadata'].get('resourceVersion')}"
